//! Partial updates and optional arguments (SPEC §2: absent and `null` both
//! mean "not given").
//!
//! An update tool changes only the fields given a value; `null` leaves a
//! field as it is, exactly like leaving it out (strict function-calling
//! clients send every property, `null` for "not given"). Clearing a field is
//! said explicitly: its name in the tool's `clear` list. [`field`] merges the
//! two into the patch form the domain code reads.

use serde::{Deserialize, Deserializer, Serialize};

use crate::ToolError;

/// For an optional argument with a default, `#[serde(default, deserialize_with
/// = "crate::patch::or_default")]` (with `#[schemars(with = "Option<T>")]`):
/// absent and `null` both give `T::default()`.
pub fn or_default<'de, T, D>(de: D) -> Result<T, D::Error>
where
    T: Deserialize<'de> + Default,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(de).map(Option::unwrap_or_default)
}

/// One field of a partial update: `value` as given (absent or `null` is
/// `None`), `clear` the tool's list of fields to clear. `None`: leave as is;
/// `Some(None)`: clear; `Some(Some(v))`: set. A field both given a value and
/// named in `clear` is an `invalid_argument` naming it.
pub fn field<T, F>(value: Option<T>, clear: &[F], name: F) -> Result<Option<Option<T>>, ToolError>
where
    F: PartialEq + Serialize,
{
    match (value, clear.contains(&name)) {
        (None, false) => Ok(None),
        (None, true) => Ok(Some(None)),
        (Some(value), false) => Ok(Some(Some(value))),
        (Some(_), true) => {
            let name = serde_json::to_value(&name)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            Err(ToolError::invalid(format!(
                "`{name}` is both given a value and named in `clear`"
            ))
            .hint(format!(
                "give `{name}` a value to set it, or name it in `clear` to clear it, not both"
            ))
            .detail("field", name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Clear {
        HourlyRate,
        Project,
    }

    #[test]
    fn a_field_is_left_set_or_cleared_and_never_both() {
        assert_eq!(field::<i32, _>(None, &[], Clear::Project).unwrap(), None);
        assert_eq!(
            field::<i32, _>(None, &[Clear::Project], Clear::Project).unwrap(),
            Some(None)
        );
        assert_eq!(
            field(Some(3), &[Clear::HourlyRate], Clear::Project).unwrap(),
            Some(Some(3))
        );
        let err = field(Some(3), &[Clear::HourlyRate], Clear::HourlyRate).unwrap_err();
        assert!(err.message.contains("`hourly_rate`"), "{}", err.message);
    }

    #[derive(Debug, Deserialize)]
    struct Args {
        #[serde(default, deserialize_with = "or_default")]
        dry_run: bool,
        #[serde(default, deserialize_with = "or_default")]
        tags: Vec<String>,
    }

    #[test]
    fn null_and_absent_are_both_the_default() {
        for text in [r#"{}"#, r#"{"dry_run": null, "tags": null}"#] {
            let args: Args = serde_json::from_str(text).unwrap();
            assert!(!args.dry_run && args.tags.is_empty(), "{text}");
        }
        let args: Args = serde_json::from_str(r#"{"dry_run": true, "tags": ["a"]}"#).unwrap();
        assert!(args.dry_run && args.tags == ["a"]);
    }
}
