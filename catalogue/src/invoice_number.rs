//! Invoice numbers (SPEC §3): the user's `invoice_number_format` setting
//! filled in with the next number of their gapless sequence and the issue date.
//!
//! Placeholders: `{YYYY}` (year), `{YY}` (two-digit year), `{MM}` (two-digit
//! month) of the issue date, `{SEQ}` (the sequence number) and `{SEQ:n}` (the
//! sequence number zero-padded to `n` digits, 1–12). The sequence never resets:
//! a new year does not restart it. Anything else is copied as written.

use jiff::civil::Date;

use crate::ToolError;

/// The format a new user starts with.
pub const DEFAULT_FORMAT: &str = "INV-{YYYY}-{SEQ:4}";

/// The widest zero padding `{SEQ:n}` accepts.
pub const MAX_PADDING: usize = 12;

/// One piece of a format.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Year,
    ShortYear,
    Month,
    Seq(usize),
}

fn pieces(format: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = format;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        let placeholder = match &rest[open + 1..close] {
            "YYYY" => Some(Piece::Year),
            "YY" => Some(Piece::ShortYear),
            "MM" => Some(Piece::Month),
            "SEQ" => Some(Piece::Seq(0)),
            other => other
                .strip_prefix("SEQ:")
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| (1..=MAX_PADDING).contains(n))
                .map(Piece::Seq),
        };
        match placeholder {
            Some(piece) => {
                if open > 0 {
                    out.push(Piece::Text(&rest[..open]));
                }
                out.push(piece);
                rest = &rest[close + 1..];
            }
            None => {
                // Not a placeholder: keep the text up to and including the brace.
                out.push(Piece::Text(&rest[..=open]));
                rest = &rest[open + 1..];
            }
        }
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// Refuse a format that cannot give every invoice its own number: it must
/// contain `{SEQ}` or `{SEQ:n}`.
pub fn validate(format: &str) -> Result<(), ToolError> {
    if format.trim().is_empty() || !pieces(format).iter().any(|p| matches!(p, Piece::Seq(_))) {
        return Err(ToolError::invalid(format!(
            "the invoice number format {format:?} has no {{SEQ}} placeholder, so numbers would repeat"
        ))
        .hint(format!(
            "use {{SEQ}} or {{SEQ:n}} (zero-padded to n digits, 1–{MAX_PADDING}) with {{YYYY}}, {{YY}} and {{MM}}, e.g. {DEFAULT_FORMAT}"
        )));
    }
    Ok(())
}

/// The number for sequence `seq` issued on `issue`.
pub fn format(format: &str, seq: i64, issue: Date) -> String {
    let mut out = String::new();
    for piece in pieces(format) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Year => out.push_str(&format!("{:04}", issue.year())),
            Piece::ShortYear => out.push_str(&format!("{:02}", issue.year().rem_euclid(100))),
            Piece::Month => out.push_str(&format!("{:02}", issue.month())),
            Piece::Seq(width) => out.push_str(&format!("{seq:0width$}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> Date {
        Date::constant(2026, 3, 9)
    }

    #[test]
    fn placeholders_are_filled_and_padded() {
        assert_eq!(format(DEFAULT_FORMAT, 7, day()), "INV-2026-0007");
        assert_eq!(format("{YY}{MM}-{SEQ}", 42, day()), "2603-42");
        assert_eq!(format("R{SEQ:2}", 12345, day()), "R12345");
        assert_eq!(format("{SEQ:6}", 1, day()), "000001");
        assert_eq!(
            format("{YYYY}/{MM}/{SEQ:3}", 3, Date::constant(2027, 12, 1)),
            "2027/12/003"
        );
    }

    #[test]
    fn unknown_or_broken_placeholders_are_kept_as_text() {
        assert_eq!(format("{X}-{SEQ}", 1, day()), "{X}-1");
        assert_eq!(format("{SEQ:0}{SEQ}", 5, day()), "{SEQ:0}5");
        assert_eq!(format("{SEQ:99}{SEQ}", 5, day()), "{SEQ:99}5");
        assert_eq!(format("A{{SEQ}}", 5, day()), "A{5}");
        assert_eq!(format("open {SEQ", 5, day()), "open {SEQ");
        assert_eq!(format("ünï-{SEQ}", 5, day()), "ünï-5");
    }

    #[test]
    fn a_format_needs_a_sequence() {
        assert!(validate(DEFAULT_FORMAT).is_ok());
        assert!(validate("{SEQ}").is_ok());
        for bad in ["", "INV-{YYYY}", "{SEQ:0}", "{SEQ:13}", "{seq}"] {
            assert!(validate(bad).is_err(), "{bad}");
        }
    }
}
