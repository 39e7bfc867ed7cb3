//! Money: exact decimals with an ISO 4217 currency, never floats.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::ToolError;

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

/// What `seconds` of work at `hourly_rate` cost, rounded to the minor unit.
pub fn amount_for(hourly_rate: Decimal, seconds: i64, currency: &str) -> Decimal {
    round(
        hourly_rate * Decimal::from(seconds) / Decimal::from(3600),
        currency,
    )
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

/// An hourly rate: a non-negative decimal string such as `"95.50"`.
pub fn parse_rate(text: &str) -> Result<Decimal, ToolError> {
    let rate: Decimal = text.trim().parse().map_err(|_| {
        ToolError::invalid(format!("{text:?} is not a decimal amount"))
            .hint("write money as a decimal string, e.g. \"95.50\"")
    })?;
    if rate.is_sign_negative() {
        return Err(ToolError::invalid("a rate cannot be negative"));
    }
    Ok(rate.normalize())
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
}
