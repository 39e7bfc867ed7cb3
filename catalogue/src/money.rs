//! Money: exact decimals with an ISO 4217 currency, never floats.

use std::collections::BTreeMap;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ToolError;

/// An amount of money in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Amount {
    /// ISO 4217 code.
    pub currency: String,
    /// Decimal string with the currency's minor digits, e.g. "120.00".
    pub amount: String,
}

/// One [`Amount`] per currency, in currency order: never a sum across
/// currencies.
pub fn amounts(by_currency: &BTreeMap<String, Decimal>) -> Vec<Amount> {
    by_currency
        .iter()
        .map(|(currency, amount)| Amount {
            currency: currency.clone(),
            amount: format(*amount, currency),
        })
        .collect()
}

/// Digits after the decimal point of a currency (ISO 4217 minor unit).
pub fn minor_units(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Rounded half-up (away from zero) to the currency's minor unit.
pub fn round(amount: Decimal, currency: &str) -> Decimal {
    let mut rounded = amount.round_dp_with_strategy(
        minor_units(currency),
        RoundingStrategy::MidpointAwayFromZero,
    );
    rounded.rescale(minor_units(currency));
    rounded
}

/// What `seconds` of work at `hourly_rate` cost, rounded to the minor unit,
/// or a `limit_reached` error if it is too large to compute.
pub fn try_amount_for(
    hourly_rate: Decimal,
    seconds: i64,
    currency: &str,
) -> Result<Decimal, ToolError> {
    hourly_rate
        .checked_mul(Decimal::from(seconds))
        .and_then(|cost| cost.checked_div(Decimal::from(3600)))
        .map(|amount| round(amount, currency))
        .ok_or_else(|| too_large("amount"))
}

/// [`try_amount_for`] where the answer must render (a track, a report): it
/// cannot panic. With rates bounded by [`parse_rate`] and durations by the
/// calendar it never overflows; a rate stored before the bound that does
/// saturates at [`Decimal::MAX`] rather than fail a committed write.
pub fn amount_for(hourly_rate: Decimal, seconds: i64, currency: &str) -> Decimal {
    try_amount_for(hourly_rate, seconds, currency).unwrap_or(Decimal::MAX)
}

/// `amount` as a whole number of the currency's minor unit (cents): `None`
/// when it has more decimals than the currency or does not fit.
pub fn to_minor(amount: Decimal, currency: &str) -> Option<i64> {
    let scaled = amount.checked_mul(Decimal::from(10i64.pow(minor_units(currency))))?;
    if scaled.fract().is_zero() {
        scaled.to_i64()
    } else {
        None
    }
}

/// `minor` units of the currency (cents) as an amount.
pub fn from_minor(minor: i64, currency: &str) -> Decimal {
    Decimal::new(minor, minor_units(currency))
}

/// `a + b`, saturating at the bounds of [`Decimal`]: sums of amounts that
/// must render.
pub fn add(a: Decimal, b: Decimal) -> Decimal {
    a.checked_add(b).unwrap_or(if b.is_sign_negative() {
        Decimal::MIN
    } else {
        Decimal::MAX
    })
}

/// The error for arithmetic on money that would overflow.
pub fn too_large(what: &str) -> ToolError {
    ToolError::new(
        crate::ErrorCode::LimitReached,
        format!("the {what} is too large to compute"),
    )
    .hint(format!(
        "rates and prices are at most {MAX_PRICE}, quantities at most {MAX_QUANTITY}"
    ))
}

/// `"120.00"`: an amount as a decimal string with the currency's minor digits.
pub fn format(amount: Decimal, currency: &str) -> String {
    round(amount, currency).to_string()
}

/// A price or rate as text, never rounded (the stored value is what amounts
/// are computed with), with at least the currency's minor digits: `"95.00"`,
/// `"0.125"`, `"1000"` in JPY.
pub fn price(value: Decimal, currency: &str) -> String {
    let mut value = value.normalize();
    if value.scale() < minor_units(currency) {
        value.rescale(minor_units(currency));
    }
    value.to_string()
}

/// Active ISO 4217 currency codes (funds, metals and test codes left out).
const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUP", "CVE",
    "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL",
    "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR",
    "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD",
    "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK",
    "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO",
    "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON",
    "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS",
    "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD",
    "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND",
    "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
];

/// A currency code that ISO 4217 lists, upper-cased.
pub fn parse_currency(code: &str) -> Result<String, ToolError> {
    let code = code.trim().to_ascii_uppercase();
    if ISO_4217.contains(&code.as_str()) {
        Ok(code)
    } else {
        Err(
            ToolError::invalid(format!("{code:?} is not an ISO 4217 currency code"))
                .hint("use a code such as EUR, USD, GBP or CHF"),
        )
    }
}

/// The largest hourly rate or unit price.
pub const MAX_PRICE: u32 = 1_000_000;
/// The largest invoice line quantity.
pub const MAX_QUANTITY: u32 = 1_000_000;
/// The largest budget in hours.
pub const MAX_BUDGET_HOURS: u32 = 1_000_000;
/// The largest budget amount.
pub const MAX_BUDGET_AMOUNT: u64 = 1_000_000_000_000;
/// Decimal places a rate, price or quantity may have: the most minor digits
/// of any currency (3) and three more.
pub const MAX_DECIMALS: u32 = 6;

/// An hourly rate: a non-negative decimal string such as `"95.50"`, at most
/// [`MAX_PRICE`] with at most [`MAX_DECIMALS`] decimals.
pub fn parse_rate(text: &str) -> Result<Decimal, ToolError> {
    parse_price(text, "hourly_rate")
}

/// A rate or price named `field`: as [`parse_rate`].
pub fn parse_price(text: &str, field: &str) -> Result<Decimal, ToolError> {
    let rate: Decimal = text.trim().parse().map_err(|_| {
        ToolError::invalid(format!("{text:?} is not a decimal amount"))
            .hint("write money as a decimal string, e.g. \"95.50\"")
    })?;
    if rate.is_sign_negative() {
        return Err(ToolError::invalid("a rate cannot be negative"));
    }
    bounded(rate, field, Decimal::from(MAX_PRICE), MAX_DECIMALS)
}

/// `value` if it is at most `max` with at most `decimals` decimal places
/// (trailing zeros aside), normalised; else `invalid_argument` naming
/// `field` and the bound.
pub fn bounded(
    value: Decimal,
    field: &str,
    max: Decimal,
    decimals: u32,
) -> Result<Decimal, ToolError> {
    let value = value.normalize();
    if value > max {
        return Err(
            ToolError::invalid(format!("{field} must be at most {max}, not {value}"))
                .detail("field", field)
                .detail("maximum", max.to_string()),
        );
    }
    if value.scale() > decimals {
        return Err(ToolError::invalid(format!(
            "{field} has more than {decimals} decimal places: {value}"
        ))
        .detail("field", field)
        .detail("max_decimals", decimals));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn amounts_round_half_up_to_the_minor_unit() {
        assert_eq!(format(amount_for(d("100"), 5400, "EUR"), "EUR"), "150.00");
        // 20 minutes at 10.00 = 3.3333… → 3.33; 1 minute at 0.30 = 0.005 → 0.01
        assert_eq!(format(amount_for(d("10"), 1200, "EUR"), "EUR"), "3.33");
        assert_eq!(format(amount_for(d("0.30"), 60, "EUR"), "EUR"), "0.01");
        assert_eq!(format(amount_for(d("1000"), 1800, "JPY"), "JPY"), "500");
        assert_eq!(format(amount_for(d("1.0005"), 3600, "KWD"), "KWD"), "1.001");
    }

    #[test]
    fn prices_keep_every_digit_and_at_least_the_minor_ones() {
        assert_eq!(price(d("95"), "EUR"), "95.00");
        assert_eq!(price(d("95.5"), "EUR"), "95.50");
        assert_eq!(price(d("0.125"), "EUR"), "0.125");
        assert_eq!(price(d("1000"), "JPY"), "1000");
    }

    #[test]
    fn currencies_and_rates_are_checked() {
        assert_eq!(parse_currency(" usd ").unwrap(), "USD");
        assert!(parse_currency("EURO").is_err());
        assert!(parse_currency("E1R").is_err());
        assert!(parse_currency("XYZ").is_err());
        assert_eq!(parse_currency("chf").unwrap(), "CHF");
        assert_eq!(parse_rate("95.50").unwrap(), d("95.5"));
        assert!(parse_rate("-1").is_err());
        assert!(parse_rate("1,5").is_err());
    }

    #[test]
    fn rates_and_prices_are_bounded_by_size_and_decimals() {
        assert_eq!(parse_rate("1000000").unwrap(), d("1000000"));
        assert_eq!(parse_rate("0.000001").unwrap(), d("0.000001"));
        assert_eq!(parse_rate("12.500000000").unwrap(), d("12.5"));
        let err = parse_rate("79228162514264337593543950335").unwrap_err();
        assert_eq!(err.code, crate::ErrorCode::InvalidArgument);
        assert!(
            err.message.contains("hourly_rate") && err.message.contains("1000000"),
            "{err:?}"
        );
        let err = parse_rate("1000000.01").unwrap_err();
        assert!(err.message.contains("at most 1000000"), "{err:?}");
        let err = parse_price("0.0000000000000000000000000001", "unit_price").unwrap_err();
        assert!(
            err.message.contains("unit_price") && err.message.contains("6 decimal"),
            "{err:?}"
        );
    }

    #[test]
    fn amounts_never_panic() {
        let max = Decimal::MAX;
        let err = try_amount_for(max, 86_400, "EUR").unwrap_err();
        assert_eq!(err.code, crate::ErrorCode::LimitReached);
        assert!(err.message.contains("amount"), "{err:?}");
        assert_eq!(amount_for(max, 86_400, "EUR"), Decimal::MAX);
        assert_eq!(add(max, d("1")), Decimal::MAX);
        assert_eq!(add(Decimal::MIN, d("-1")), Decimal::MIN);
        // The largest rate for the longest track the calendar allows.
        let seconds = 10_000 * 366 * 86_400;
        assert!(try_amount_for(d("1000000"), seconds, "KWD").is_ok());
    }
}
