//! JSON Schemas of tool arguments and results, from their Rust types.
//!
//! JSON Schema 2020-12 (the MCP default dialect), every subschema inlined
//! (several clients do not follow `$ref`), and optional values written as
//! `anyOf: [T, {"type": "null"}]` rather than `type: [T, "null"]`, which some
//! clients' strict checks reject as unportable.

use schemars::generate::SchemaSettings;
use schemars::transform::{Transform, transform_subschemas};
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value};

pub fn for_type<T: JsonSchema>() -> Value {
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.inline_subschemas = true;
        s.meta_schema = None;
    });
    let mut schema = settings
        .with_transform(PortableNullable)
        .with_transform(ReflowDescriptions)
        .with_transform(StandardFormats)
        .into_generator()
        .into_root_schema_for::<T>();
    // The root title is the Rust type's name: noise to an assistant.
    schema.remove("title");
    schema.to_value()
}

/// Rewrites `type: [T, "null"]` into `anyOf: [{type: T, …}, {type: "null"}]`.
#[derive(Clone, Copy, Debug)]
struct PortableNullable;

/// Keywords that describe the value as a whole and stay beside the `anyOf`.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
];

impl Transform for PortableNullable {
    fn transform(&mut self, schema: &mut Schema) {
        transform_subschemas(self, schema);
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        let Some(Value::Array(types)) = obj.get("type") else {
            return;
        };
        if !types.iter().any(|t| t == "null") {
            return;
        }
        let rest: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        let mut outer = Map::new();
        let mut inner = Map::new();
        for (key, value) in std::mem::take(obj) {
            if ANNOTATIONS.contains(&key.as_str()) {
                outer.insert(key, value);
            } else {
                inner.insert(key, value);
            }
        }
        inner.insert(
            "type".into(),
            if rest.len() == 1 {
                rest[0].clone()
            } else {
                Value::Array(rest)
            },
        );
        if let Some(Value::Array(values)) = inner.get_mut("enum") {
            values.retain(|v| !v.is_null());
        }
        outer.insert(
            "anyOf".into(),
            Value::Array(vec![
                Value::Object(inner),
                serde_json::json!({"type": "null"}),
            ]),
        );
        *obj = outer;
    }
}

/// `format` values JSON Schema 2020-12 defines. schemars also writes Rust's
/// integer widths (`int32`, `uint32`, …), which strict clients flag as
/// unknown; the type and `minimum` already say what they mean.
const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

#[derive(Clone, Copy, Debug)]
struct StandardFormats;

impl Transform for StandardFormats {
    fn transform(&mut self, schema: &mut Schema) {
        transform_subschemas(self, schema);
        if let Some(obj) = schema.as_object_mut()
            && let Some(Value::String(format)) = obj.get("format")
            && !STANDARD_FORMATS.contains(&format.as_str())
        {
            obj.remove("format");
        }
    }
}

/// Doc comments wrap at the source's line width; a description reads better
/// as paragraphs. Single line breaks become spaces, blank lines stay.
#[derive(Clone, Copy, Debug)]
struct ReflowDescriptions;

impl Transform for ReflowDescriptions {
    fn transform(&mut self, schema: &mut Schema) {
        transform_subschemas(self, schema);
        if let Some(Value::String(text)) = schema
            .as_object_mut()
            .and_then(|o| o.get_mut("description"))
        {
            *text = reflow(text);
        }
    }
}

/// Join the lines of each paragraph with spaces; paragraphs stay apart.
pub fn reflow(text: &str) -> String {
    text.split("\n\n")
        .map(|para| {
            para.split('\n')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn descriptions_are_reflowed_into_paragraphs() {
        assert_eq!(reflow("one\ntwo\n\nthree\n four"), "one two\n\nthree four");
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Example {
        /// Always there.
        required: String,
        /// Maybe there.
        optional: Option<i64>,
        nested: Option<Inner>,
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Inner {
        value: bool,
    }

    #[test]
    fn optional_fields_are_any_of_with_null_and_nothing_is_referenced() {
        let schema = for_type::<Example>();
        let text = schema.to_string();
        assert!(!text.contains("$ref"), "{text}");
        assert!(!text.contains("$defs"), "{text}");
        assert!(!text.contains(r#""type":["#), "{text}");
        assert_eq!(
            schema["properties"]["optional"]["description"],
            "Maybe there."
        );
        assert_eq!(
            schema["properties"]["optional"]["anyOf"],
            json!([{"type": "integer"}, {"type": "null"}])
        );
        assert_eq!(
            schema["properties"]["nested"]["anyOf"][1],
            json!({"type": "null"})
        );
        assert_eq!(schema["properties"]["nested"]["anyOf"][0]["type"], "object");
        assert_eq!(schema["required"], json!(["required"]));
        assert!(schema.get("title").is_none());
    }
}
