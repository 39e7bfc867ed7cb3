//! Length limits on every string a tool takes (issue 16): stated in the
//! input schema as `maxLength` for the fields that hold free text, and
//! enforced for every string, stated or not, by one check in
//! [`crate::contract::parse_args`] driven by the input schema.
//!
//! Only the free-text fields carry the keyword (the model-facing size of
//! `tools/list` is budgeted); every other string (names, which `fields`
//! bounds at 200 too, references, colours, dates, decimals, currency codes,
//! cursors) is held to [`DEFAULT_MAX`].

use serde_json::{Map, Value};

use crate::ToolError;

/// The bound of a string whose schema states none, in characters.
pub const DEFAULT_MAX: usize = 200;

/// Fields stated in the schema, by property name: characters at most.
pub const STATED: &[(&str, usize)] = &[
    ("search", 200),
    ("description", 1_000),
    ("notes", 5_000),
    ("address", 1_000),
    ("email", 254),
    ("phone", 50),
    ("vat_id", 50),
    ("idempotency_key", 200),
];

/// Adds `maxLength` to the string schemas of the [`STATED`] properties of
/// an input schema.
pub fn annotate(schema: &mut Value) {
    match schema {
        Value::Object(obj) => {
            if let Some(Value::Object(properties)) = obj.get_mut("properties") {
                for (name, sub) in properties.iter_mut() {
                    if let Some(&(_, max)) = STATED.iter().find(|(n, _)| n == name) {
                        state_max(sub, max);
                    }
                }
            }
            for value in obj.values_mut() {
                annotate(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(annotate),
        _ => {}
    }
}

/// `maxLength: max` on `schema` if it is a free string, else on its
/// string `anyOf` branches.
fn state_max(schema: &mut Value, max: usize) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if obj.get("type").and_then(Value::as_str) == Some("string") && !obj.contains_key("enum") {
        obj.entry("maxLength").or_insert(max.into());
    }
    if let Some(Value::Array(branches)) = obj.get_mut("anyOf") {
        for branch in branches {
            state_max(branch, max);
        }
    }
}

/// Every string in `args` within its bound: the `maxLength` its place in
/// `schema` states, else [`DEFAULT_MAX`]. The error names the field's path.
pub fn check(args: &Value, schema: &Value) -> Result<(), ToolError> {
    walk(args, Some(schema), &mut String::new())
}

fn walk(value: &Value, schema: Option<&Value>, path: &mut String) -> Result<(), ToolError> {
    match value {
        Value::String(text) => {
            let max = schema.and_then(stated_max).unwrap_or(DEFAULT_MAX);
            // Bytes bound characters from above: count only when needed.
            if text.len() > max && text.chars().count() > max {
                let field = if path.is_empty() { "(arguments)" } else { path };
                return Err(
                    ToolError::invalid(format!("{field} is longer than {max} characters"))
                        .hint(format!("shorten {field} to at most {max} characters"))
                        .detail("field", field)
                        .detail("max_length", max),
                );
            }
            Ok(())
        }
        Value::Array(items) => {
            let sub = schema.and_then(|s| find(s, &|o| o.get("items")));
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(item, sub, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(fields) => {
            for (name, field) in fields {
                let sub = schema.and_then(|s| {
                    find(s, &|o| {
                        o.get("properties")
                            .and_then(Value::as_object)
                            .and_then(|p| p.get(name))
                    })
                });
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
                walk(field, sub, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `get` of `schema`, else of its first `anyOf`/`oneOf`/`allOf` branch that has it.
fn find<'a>(
    schema: &'a Value,
    get: &dyn Fn(&'a Map<String, Value>) -> Option<&'a Value>,
) -> Option<&'a Value> {
    let obj = schema.as_object()?;
    get(obj).or_else(|| {
        ["anyOf", "oneOf", "allOf"]
            .iter()
            .filter_map(|k| obj.get(*k).and_then(Value::as_array))
            .flatten()
            .find_map(|branch| find(branch, get))
    })
}

fn stated_max(schema: &Value) -> Option<usize> {
    find(schema, &|o| o.get("maxLength"))
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        let mut schema = json!({"type": "object", "properties": {
            "description": {"type": "string"},
            "notes": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "billable": {"type": "boolean"},
            "kind": {"type": "string", "enum": ["a", "b"]},
            "filter": {"anyOf": [{"type": "object", "properties": {
                "search": {"type": "string"}}}, {"type": "null"}]},
            "lines": {"type": "array", "items": {"type": "object", "properties": {
                "description": {"type": "string"}}}},
        }});
        annotate(&mut schema);
        schema
    }

    #[test]
    fn free_text_fields_state_their_bound_and_enums_do_not() {
        let schema = schema();
        let p = &schema["properties"];
        assert_eq!(p["description"]["maxLength"], 1_000);
        assert_eq!(p["notes"]["anyOf"][0]["maxLength"], 5_000);
        assert_eq!(p["notes"]["anyOf"][1].get("maxLength"), None);
        assert_eq!(p["kind"].get("maxLength"), None);
        assert_eq!(
            p["filter"]["anyOf"][0]["properties"]["search"]["maxLength"],
            200
        );
        assert_eq!(
            p["lines"]["items"]["properties"]["description"]["maxLength"],
            1_000
        );
    }

    #[test]
    fn every_string_is_bounded_and_the_error_names_its_path() {
        let schema = schema();
        let long = |n: usize| "é".repeat(n);
        assert!(
            check(
                &json!({"description": long(1_000), "notes": long(5_000)}),
                &schema
            )
            .is_ok()
        );
        for (args, field, max) in [
            (json!({"description": long(1_001)}), "description", 1_000),
            (json!({"notes": long(5_001)}), "notes", 5_000),
            (
                json!({"filter": {"search": long(50_000)}}),
                "filter.search",
                200,
            ),
            (
                json!({"lines": [{"description": "x"}, {"description": long(1_001)}]}),
                "lines[1].description",
                1_000,
            ),
            // Not stated: the default bound.
            (json!({"project": long(201)}), "project", DEFAULT_MAX),
            (json!({"tags": ["a", long(201)]}), "tags[1]", DEFAULT_MAX),
        ] {
            let err = check(&args, &schema).unwrap_err();
            assert_eq!(err.code, crate::ErrorCode::InvalidArgument);
            assert_eq!(
                err.message,
                format!("{field} is longer than {max} characters")
            );
            assert_eq!(err.details["field"], field);
            assert_eq!(err.details["max_length"], max);
        }
    }
}
