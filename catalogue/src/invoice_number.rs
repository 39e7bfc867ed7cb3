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
    spans(format).into_iter().map(|(_, piece)| piece).collect()
}

/// The pieces of `format`, each with the byte offset it starts at.
fn spans(format: &str) -> Vec<(usize, Piece<'_>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(open) = format[at..].find('{').map(|o| at + o) {
        let Some(close) = format[open..].find('}').map(|c| open + c) else {
            break;
        };
        let placeholder = match &format[open + 1..close] {
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
                if open > at {
                    out.push((at, Piece::Text(&format[at..open])));
                }
                out.push((open, piece));
                at = close + 1;
            }
            None => {
                // Not a placeholder: keep the text up to and including the brace.
                out.push((at, Piece::Text(&format[at..=open])));
                at = open + 1;
            }
        }
    }
    if at < format.len() {
        out.push((at, Piece::Text(&format[at..])));
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

/// The longest invoice number format accepted.
pub const FORMAT_MAX: usize = 40;

/// Check an invoice number format before it is saved. Beyond what sending
/// needs ([`validate`]: a `{SEQ}`), a saved format may hold only the
/// placeholders `{YYYY}`, `{YY}`, `{MM}` and exactly one `{SEQ}` or
/// `{SEQ:n}`, no stray braces or control characters, and at most 40
/// characters: a typo such as `{YYY}` is caught now, not printed on an invoice.
pub fn check_format(format: &str) -> Result<(), ToolError> {
    let bad = |why: String| {
        ToolError::invalid(format!("invoice_number_format {format:?}: {why}")).hint(format!(
            "use text with the placeholders {{YYYY}}, {{YY}}, {{MM}} and exactly one {{SEQ}} \
             or {{SEQ:n}} (zero-padded to n digits, 1–{MAX_PADDING}), e.g. \"INV-{{YYYY}}-{{SEQ:4}}\""
        ))
    };
    validate(format)?;
    if format.chars().count() > FORMAT_MAX {
        return Err(bad(format!("longer than {FORMAT_MAX} characters")));
    }
    if format.chars().any(char::is_control) {
        return Err(bad("it contains a control character".into()));
    }
    let spans = spans(format);
    // A brace the parser kept as text is one that is not a placeholder.
    let stray = spans.iter().find_map(|(start, piece)| match piece {
        Piece::Text(text) => text.find(['{', '}']).map(|at| start + at),
        _ => None,
    });
    if let Some(at) = stray {
        if format[at..].starts_with('}') {
            return Err(bad("a `}` without its `{`".into()));
        }
        let close = format[at..]
            .find('}')
            .ok_or_else(|| bad("a `{` without its `}`".into()))?;
        let name = &format[at + 1..at + close];
        return Err(bad(format!("unknown placeholder {{{name}}}")));
    }
    let sequences = spans
        .iter()
        .filter(|(_, piece)| matches!(piece, Piece::Seq(_)))
        .count();
    if sequences > 1 {
        return Err(bad("it has more than one {SEQ}".into()));
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

    #[test]
    fn saved_formats_are_checked_strictly() {
        for good in ["INV-{YYYY}-{SEQ:4}", "{YY}{MM}/{SEQ}", "R{SEQ:12}", "{SEQ}"] {
            assert!(check_format(good).is_ok(), "{good:?}");
        }
        for bad in [
            "",
            "INV-{YYYY}",
            "{SEQ}{SEQ:3}",
            "{SEQ:0}",
            "{SEQ:13}-{SEQ}",
            "{seq}",
            "{DAY}-{SEQ}",
            "{YYY}-{SEQ}",
            "INV-{SEQ",
            "INV}-{SEQ}",
            "A\n{SEQ}",
            "INV-{YYYY}-{MM}-a-very-long-prefix-{SEQ:4}",
        ] {
            assert_eq!(
                check_format(bad).unwrap_err().code,
                crate::ErrorCode::InvalidArgument,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_saved_format_says_what_is_wrong_with_it() {
        let why = |format: &str| check_format(format).unwrap_err().message;
        assert!(why("INV}-{SEQ}").ends_with("a `}` without its `{`"));
        assert!(why("{SEQ}-{YY").ends_with("a `{` without its `}`"));
        assert!(why("{YYY}-{SEQ}").ends_with("unknown placeholder {YYY}"));
        assert!(why("{SEQ:0}-{SEQ}").ends_with("unknown placeholder {SEQ:0}"));
        assert!(why("{{SEQ}}").ends_with("unknown placeholder {{SEQ}"));
        assert!(why("{SEQ}{SEQ:3}").ends_with("it has more than one {SEQ}"));
        assert!(why("A\t{SEQ}").ends_with("it contains a control character"));
    }
}
