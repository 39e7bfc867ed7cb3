//! JSON Schemas of tool arguments and results, from their Rust types.
//!
//! JSON Schema 2020-12 (the MCP default dialect), every subschema inlined
//! (several clients do not follow `$ref`), and optional values written as
//! `anyOf: [T, {"type": "null"}]` rather than `type: [T, "null"]`, which some
//! clients' strict checks reject as unportable.
//!
//! Every schema, input and output alike, keeps to the dialect that every
//! function-calling API accepts (OpenAI strict mode after the Agents SDK's
//! conversion, Gemini's function declarations, draft 2020-12): a serde unit
//! enum is a plain `enum` with each value's meaning in the description
//! ([`PlainEnums`]), and a default is stated in words, never as a `default`
//! keyword ([`DefaultsInWords`]). Output schemas are never sent to a model,
//! but they follow the same dialect: one form of enum for the reference site
//! to render, and a validator reads `enum` exactly as it reads `oneOf` of
//! `const`s.

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
        .with_transform(PlainEnums)
        .with_transform(DefaultsInWords)
        .into_generator()
        .into_root_schema_for::<T>();
    // The root title is the Rust type's name: noise to an assistant.
    schema.remove("title");
    schema.to_value()
}

/// For input schemas: a described schema's `anyOf`/`oneOf`/`allOf` branches
/// and array `items` lose their own `description`, which only repeats, at
/// greater length, what the enclosing property already says (the `Ref` and
/// duration types' texts inside every reference or duration property, an
/// enum's type text inside an optional property's branch). Properties of
/// nested objects keep theirs: each is a new property.
pub fn drop_nested_descriptions(schema: &mut Value) {
    walk_descriptions(schema, false);
}

/// `described`: an enclosing property or value already describes `schema`.
fn walk_descriptions(schema: &mut Value, described: bool) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if described {
        obj.remove("description");
    }
    let described = described
        || obj
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|t| !t.trim().is_empty());
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(branches)) = obj.get_mut(key) {
            for branch in branches.iter_mut() {
                walk_descriptions(branch, described);
            }
        }
    }
    // `anyOf: [{anyOf: [A, B]}, null]` (an optional untagged enum, once its
    // branch's description is gone) says the same as `anyOf: [A, B, null]`.
    if let Some(Value::Array(branches)) = obj.get_mut("anyOf") {
        let flat = branches
            .drain(..)
            .flat_map(|branch| match branch {
                Value::Object(mut inner) if inner.len() == 1 && inner.contains_key("anyOf") => {
                    match inner.remove("anyOf") {
                        Some(Value::Array(nested)) => nested,
                        _ => unreachable!("checked above"),
                    }
                }
                other => vec![other],
            })
            .collect();
        *branches = flat;
    }
    if let Some(items) = obj.get_mut("items") {
        walk_descriptions(items, described);
    }
    for key in ["properties", "$defs"] {
        if let Some(Value::Object(children)) = obj.get_mut(key) {
            for child in children.values_mut() {
                walk_descriptions(child, false);
            }
        }
    }
    if let Some(extra) = obj.get_mut("additionalProperties") {
        walk_descriptions(extra, false);
    }
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

/// Rewrites a `oneOf` whose branches are each `{type?: "string", const,
/// description?}` (a serde unit enum documented per variant) into
/// `{"type": "string", "enum": [...]}`, and folds each value's meaning into
/// the description of the property: "One of: `a` — its meaning; `b` — …".
/// An optional enum (`anyOf: [the enum, {"type": "null"}]`) gets the list in
/// the description beside the `anyOf`, where the property is described.
#[derive(Clone, Copy, Debug)]
struct PlainEnums;

impl Transform for PlainEnums {
    fn transform(&mut self, schema: &mut Schema) {
        if let Some(obj) = schema.as_object_mut() {
            let mut meanings = plain_enum(obj);
            if meanings.is_none()
                && let Some(Value::Array(branches)) = obj.get_mut("anyOf")
            {
                meanings = branches
                    .iter_mut()
                    .filter_map(Value::as_object_mut)
                    .find_map(plain_enum);
            }
            if let Some(meanings) = meanings.filter(|m| !m.is_empty()) {
                append_to_description(obj, &meanings);
            }
        }
        transform_subschemas(self, schema);
    }
}

/// Turns `obj` into a plain string enum if it is a `oneOf` of string
/// constants; returns the "One of: …" sentence (empty when no value has a
/// description of its own).
fn plain_enum(obj: &mut Map<String, Value>) -> Option<String> {
    let Some(Value::Array(branches)) = obj.get("oneOf") else {
        return None;
    };
    let mut values = Vec::new();
    let mut meanings = Vec::new();
    for branch in branches {
        let branch = branch.as_object()?;
        let value = branch.get("const")?.as_str()?;
        if branch
            .keys()
            .any(|k| !matches!(k.as_str(), "type" | "const" | "description"))
            || branch.get("type").is_some_and(|t| t != "string")
        {
            return None;
        }
        values.push(Value::String(value.to_owned()));
        meanings.push(match branch.get("description").and_then(Value::as_str) {
            Some(text) => format!(
                "`{value}` — {}",
                lowercase_first(text.trim_end_matches('.'))
            ),
            None => format!("`{value}`"),
        });
    }
    let any_meaning = branches
        .iter()
        .any(|b| b.get("description").is_some_and(Value::is_string));
    let mut plain = Map::new();
    plain.insert("type".into(), "string".into());
    plain.insert("enum".into(), Value::Array(values));
    for (key, value) in std::mem::take(obj) {
        if key != "oneOf" && key != "type" {
            plain.insert(key, value);
        }
    }
    *obj = plain;
    Some(match any_meaning {
        true => format!("One of: {}.", meanings.join("; ")),
        false => String::new(),
    })
}

/// "One line per track" → "one line per track"; "ISO 4217" stays.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => first
            .to_lowercase()
            .chain(text[first.len_utf8()..].chars())
            .collect(),
        _ => text.to_owned(),
    }
}

fn append_to_description(obj: &mut Map<String, Value>, sentence: &str) {
    match obj.get_mut("description") {
        Some(Value::String(text)) if !text.trim().is_empty() => {
            let trimmed = text.trim_end();
            let stop = if trimmed.ends_with(['.', '!', '?', ')', ':']) {
                ""
            } else {
                "."
            };
            *text = format!("{trimmed}{stop} {sentence}");
        }
        _ => {
            obj.insert("description".into(), sentence.into());
        }
    }
}

/// Removes every `default` keyword (strict function-calling dialects refuse
/// them) and states a non-null one in the description: "Default: 50.".
/// `false` is left unsaid: an optional flag that is off unless given is the
/// convention, and saying so on every boolean costs tokens on every call.
#[derive(Clone, Copy, Debug)]
struct DefaultsInWords;

impl Transform for DefaultsInWords {
    fn transform(&mut self, schema: &mut Schema) {
        transform_subschemas(self, schema);
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        match obj.remove("default") {
            None | Some(Value::Null) | Some(Value::Bool(false)) => {}
            Some(value) => append_to_description(obj, &format!("Default: {}.", in_words(&value))),
        }
    }
}

fn in_words(value: &Value) -> String {
    match value {
        Value::String(text) if text.is_empty() => "empty".into(),
        Value::String(text) => format!("`{text}`"),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::Array(items) if items.is_empty() => "none".into(),
        other => format!("`{other}`"),
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

    /// How tracks become lines.
    #[derive(JsonSchema, serde::Deserialize, serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    enum GroupBy {
        /// One line per track.
        Track,
        /// One line per project.
        Project,
    }

    #[derive(JsonSchema, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Plain {
        A,
        B,
    }

    fn project() -> GroupBy {
        GroupBy::Project
    }

    fn fifty() -> u32 {
        50
    }

    #[derive(JsonSchema, serde::Deserialize)]
    #[allow(dead_code)]
    struct WithEnumsAndDefaults {
        /// How tracks become lines
        #[serde(default = "project")]
        group_by: GroupBy,
        /// Bucket size.
        bucket: Option<GroupBy>,
        plain: Plain,
        /// At most this many.
        #[serde(default = "fifty")]
        limit: u32,
        /// A note.
        #[serde(default)]
        note: String,
        /// Cleared with null.
        #[serde(default)]
        rate: Option<String>,
    }

    #[test]
    fn enums_are_plain_with_meanings_in_the_description_and_defaults_are_words() {
        let schema = for_type::<WithEnumsAndDefaults>();
        let text = schema.to_string();
        for keyword in [r#""oneOf""#, r#""const""#, r#""default""#] {
            assert!(!text.contains(keyword), "{keyword} in {text}");
        }
        let props = &schema["properties"];
        assert_eq!(
            props["group_by"],
            json!({
                "type": "string",
                "enum": ["track", "project"],
                "description": "How tracks become lines. One of: `track` — one line per track; \
                                `project` — one line per project. Default: `project`.",
            })
        );
        assert_eq!(
            props["bucket"]["description"],
            "Bucket size. One of: `track` — one line per track; `project` — one line per project."
        );
        assert_eq!(
            props["bucket"]["anyOf"][0]["enum"],
            json!(["track", "project"])
        );
        assert_eq!(props["bucket"]["anyOf"][1], json!({"type": "null"}));
        assert_eq!(
            props["plain"],
            json!({"type": "string", "enum": ["a", "b"]})
        );
        assert_eq!(
            props["limit"]["description"],
            "At most this many. Default: 50."
        );
        assert_eq!(props["note"]["description"], "A note. Default: empty.");
        assert_eq!(props["rate"]["description"], "Cleared with null.");
    }

    #[test]
    fn described_properties_lose_their_branches_descriptions_and_nested_any_of() {
        let mut schema = json!({
            "type": "object",
            "properties": {
                "project": {
                    "description": "Project id or name.",
                    "anyOf": [
                        {"description": "An id or a name.", "anyOf": [{"type": "integer"}, {"type": "string"}]},
                        {"type": "null"},
                    ],
                },
                "tags": {
                    "description": "Tags.",
                    "type": "array",
                    "items": {"description": "An id or a name.", "anyOf": [{"type": "integer"}, {"type": "string"}]},
                },
                "bare": {"anyOf": [{"description": "Only here.", "type": "string"}, {"type": "null"}]},
            },
        });
        drop_nested_descriptions(&mut schema);
        let props = &schema["properties"];
        assert_eq!(
            props["project"],
            json!({
                "description": "Project id or name.",
                "anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}],
            })
        );
        assert_eq!(
            props["tags"]["items"],
            json!({"anyOf": [{"type": "integer"}, {"type": "string"}]})
        );
        // Nothing above describes it: the branch keeps its description.
        assert_eq!(props["bare"]["anyOf"][0]["description"], "Only here.");
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
