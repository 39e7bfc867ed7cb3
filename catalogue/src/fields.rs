//! Checks of the fields projects, clients and tags are written with: names,
//! colours, free text, e-mail addresses, payment terms, and which archived
//! records a list shows.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::reference::Named;
use crate::{ErrorCode, ToolError};

/// Names are trimmed, not empty, at most this many characters.
const MAX_NAME_CHARS: usize = 200;

/// A name for a project, client or tag: trimmed, not empty, not too long.
pub fn valid_name(kind: &str, name: &str) -> Result<String, ToolError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ToolError::invalid(format!("a {kind} needs a name")));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ToolError::invalid(format!(
            "a {kind} name is at most {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name.to_owned())
}

/// A colour as `#RRGGBB`, stored upper-case; empty text means none.
pub fn valid_color(color: Option<String>) -> Result<Option<String>, ToolError> {
    let Some(color) = optional_text(color) else {
        return Ok(None);
    };
    let hex = color.strip_prefix('#').unwrap_or("");
    if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(Some(format!("#{}", hex.to_ascii_uppercase())))
    } else {
        Err(
            ToolError::invalid(format!("{color:?} is not a colour as #RRGGBB"))
                .hint("write six hex digits after #, e.g. \"#1E88E5\""),
        )
    }
}

/// Free text, trimmed; empty text means none.
pub fn optional_text(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Which projects (or clients) a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveFilter {
    /// Only those not archived (the default).
    #[default]
    Active,
    /// Only archived ones.
    Archived,
    /// Both.
    All,
}

/// The `conflict` error for a name that is taken (a project, client or tag).
pub fn name_taken(kind: &str, id: i32, existing: &str) -> ToolError {
    ToolError::new(
        ErrorCode::Conflict,
        format!("a {kind} named {existing:?} already exists (id {id})"),
    )
    .detail(
        "existing",
        Named {
            id,
            name: existing.to_owned(),
        },
    )
}

/// An e-mail address, loosely checked; empty text means none.
pub fn valid_email(email: Option<String>) -> Result<Option<String>, ToolError> {
    let Some(email) = optional_text(email) else {
        return Ok(None);
    };
    let ok = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.contains('@')
    }) && !email.contains(char::is_whitespace);
    if ok {
        Ok(Some(email))
    } else {
        Err(ToolError::invalid(format!(
            "{email:?} is not an email address"
        )))
    }
}

/// Payment terms: 0 (due on receipt) to 365 days.
pub fn valid_terms(days: u32) -> Result<u32, ToolError> {
    if days > 365 {
        return Err(ToolError::invalid("payment_terms_days is at most 365"));
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_and_names_are_checked() {
        assert_eq!(
            valid_color(Some(" #1e88e5 ".into())).unwrap(),
            Some("#1E88E5".into())
        );
        assert_eq!(valid_color(Some("".into())).unwrap(), None);
        for bad in ["1E88E5", "#1E88E", "#GGGGGG", "red", "#1E88E55"] {
            assert_eq!(
                valid_color(Some(bad.into())).unwrap_err().code,
                ErrorCode::InvalidArgument,
                "{bad}"
            );
        }
        assert!(valid_name("project", "  ").is_err());
        assert_eq!(valid_name("project", " Web ").unwrap(), "Web");
        assert!(valid_name("project", &"x".repeat(201)).is_err());
    }

    #[test]
    fn emails_and_terms_are_checked() {
        assert_eq!(valid_email(None).unwrap(), None);
        assert_eq!(valid_email(Some(" ".into())).unwrap(), None);
        assert_eq!(
            valid_email(Some(" ada@example.org ".into()))
                .unwrap()
                .as_deref(),
            Some("ada@example.org")
        );
        for bad in [
            "ada",
            "@example.org",
            "ada@example",
            "a da@example.org",
            "a@b@c.org",
        ] {
            assert!(valid_email(Some(bad.into())).is_err(), "{bad}");
        }
        assert_eq!(valid_terms(0).unwrap(), 0);
        assert_eq!(valid_terms(365).unwrap(), 365);
        assert!(valid_terms(366).is_err());
    }

    #[test]
    fn names_colours_and_text_are_trimmed_and_checked() {
        assert_eq!(valid_name("tag", "  Urgent ").unwrap(), "Urgent");
        assert!(valid_name("tag", "   ").is_err());
        assert!(valid_name("tag", &"x".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(valid_name("tag", &"x".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert_eq!(
            valid_color(Some("#1e88e5".into())).unwrap().as_deref(),
            Some("#1E88E5")
        );
        assert_eq!(valid_color(Some("  ".into())).unwrap(), None);
        assert!(valid_color(Some("1E88E5".into())).is_err());
        assert!(valid_color(Some("#1E88E".into())).is_err());
        assert_eq!(optional_text(Some(" a ".into())).as_deref(), Some("a"));
        assert_eq!(optional_text(Some("".into())), None);
        let err = name_taken("client", 4, "Acme");
        assert_eq!(err.code, ErrorCode::Conflict);
        assert_eq!(err.details["existing"]["id"], 4);
    }
}
