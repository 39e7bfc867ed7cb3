//! Every tool's input schema keeps to the dialect that every function-calling
//! API accepts (SPEC §2 "Conventions", issue 10): OpenAI strict mode after
//! the Agents SDK's `ensure_strict_json_schema`, Gemini's function
//! declarations, JSON Schema draft 2020-12. Driven by the registry; a failure
//! names the tool and the property.
//!
//! The rules:
//! - no `oneOf` (strict mode takes `anyOf` only; Gemini neither), no `const`,
//!   no `default` keyword at all (a default is stated in the description);
//! - a `{"type": "null"}` branch only on a property that is not required:
//!   strict mode makes every property required, so an optional property's
//!   null is how a model says "not given"; a required property has nothing
//!   to leave out, and a null there would only be refused by the tool;
//! - every object says `additionalProperties: false` (every tool's arguments
//!   deny unknown fields, and strict mode needs it said);
//! - every property has a description, nested objects' properties included.
//!
//! Validity against the draft 2020-12 meta-schema is checked by the Python
//! client suite (server/tests/interop/test_agents.py), with the reference
//! validator the clients themselves use.

use catalogue::registry;
use serde_json::{Map, Value};

/// Properties whose description a tool file still lacks: none. The list
/// only shrinks, and an entry that is no longer needed fails.
const MISSING_DESCRIPTIONS: &[(&str, &str)] = &[];

#[derive(Default)]
struct Findings {
    problems: Vec<String>,
    undescribed: Vec<(String, String)>,
}

impl Findings {
    fn problem(&mut self, tool: &str, path: &str, what: &str) {
        self.problems.push(format!("{tool}: {path}: {what}"));
    }
}

fn is_null_branch(schema: &Value) -> bool {
    schema.get("type").is_some_and(|t| t == "null")
}

/// Walks `schema` at `path`; `optional` when it is the schema of a property
/// that is not required (the one place a null branch may appear).
fn walk(tool: &str, path: &str, schema: &Value, optional: bool, found: &mut Findings) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    for keyword in ["oneOf", "const", "default"] {
        if obj.contains_key(keyword) {
            found.problem(tool, path, &format!("`{keyword}` is outside the dialect"));
        }
    }
    if obj.get("type").is_some_and(Value::is_array) {
        found.problem(tool, path, "`type` as a list: use `anyOf`");
    }
    if is_null_branch(schema) {
        found.problem(tool, path, "a bare `{\"type\": \"null\"}`");
    }
    if let Some(Value::Array(branches)) = obj.get("anyOf") {
        for (i, branch) in branches.iter().enumerate() {
            let here = format!("{path}/anyOf/{i}");
            if is_null_branch(branch) {
                if !optional {
                    found.problem(
                        tool,
                        &here,
                        "a null branch on a required property (null = not given is only for optional ones)",
                    );
                }
                continue;
            }
            walk(tool, &here, branch, false, found);
        }
    }
    for keyword in ["allOf", "prefixItems"] {
        if let Some(Value::Array(items)) = obj.get(keyword) {
            for (i, item) in items.iter().enumerate() {
                walk(tool, &format!("{path}/{keyword}/{i}"), item, false, found);
            }
        }
    }
    for keyword in ["items", "additionalProperties", "not"] {
        if let Some(sub) = obj.get(keyword).filter(|s| s.is_object()) {
            walk(tool, &format!("{path}/{keyword}"), sub, false, found);
        }
    }
    let is_object =
        obj.get("type").is_some_and(|t| t == "object") || obj.contains_key("properties");
    if is_object && obj.get("additionalProperties") != Some(&Value::Bool(false)) {
        found.problem(
            tool,
            path,
            "an object without `additionalProperties: false`",
        );
    }
    if let Some(Value::Object(properties)) = obj.get("properties") {
        check_properties(tool, path, properties, obj.get("required"), found);
    }
}

fn check_properties(
    tool: &str,
    path: &str,
    properties: &Map<String, Value>,
    required: Option<&Value>,
    found: &mut Findings,
) {
    let required: Vec<&str> = required
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (name, property) in properties {
        let here = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        let described = property
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| !d.trim().is_empty());
        if !described {
            found.undescribed.push((tool.to_owned(), here.clone()));
        }
        walk(
            tool,
            &here,
            property,
            !required.contains(&name.as_str()),
            found,
        );
    }
}

fn findings() -> Findings {
    let mut found = Findings::default();
    for tool in registry() {
        let schema = (tool.input_schema)();
        assert_eq!(
            schema["type"], "object",
            "{}: input is an object",
            tool.name
        );
        walk(tool.name, "", &schema, false, &mut found);
    }
    found
}

#[test]
fn every_input_schema_keeps_to_the_function_calling_dialect() {
    let found = findings();
    assert!(
        found.problems.is_empty(),
        "input schemas outside the dialect:\n{}",
        found.problems.join("\n")
    );
}

#[test]
fn every_input_property_has_a_description() {
    let found = findings();
    let missing: Vec<String> = found
        .undescribed
        .iter()
        .filter(|(tool, path)| !MISSING_DESCRIPTIONS.contains(&(tool.as_str(), path.as_str())))
        .map(|(tool, path)| format!("{tool}: {path}"))
        .collect();
    assert!(
        missing.is_empty(),
        "input properties without a description:\n{}",
        missing.join("\n")
    );
    let stale: Vec<String> = MISSING_DESCRIPTIONS
        .iter()
        .filter(|(tool, path)| {
            !found
                .undescribed
                .iter()
                .any(|(t, p)| t == tool && p == path)
        })
        .map(|(tool, path)| format!("{tool}: {path}"))
        .collect();
    assert!(
        stale.is_empty(),
        "described now: remove from MISSING_DESCRIPTIONS:\n{}",
        stale.join("\n")
    );
}

/// The checker itself finds what it must: each rule fails on a schema that
/// breaks it.
#[test]
fn the_checker_names_the_tool_and_property_of_each_violation() {
    let schema = serde_json::json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "mode": {"description": "m", "oneOf": [{"const": "a"}, {"const": "b"}]},
            "limit": {"description": "l", "type": "integer", "default": 50},
            "id": {"description": "i", "anyOf": [{"type": "integer"}, {"type": "null"}]},
            "rate": {"description": "r", "anyOf": [{"type": "string"}, {"type": "null"}]},
            "filter": {"description": "f", "type": "object", "properties": {"x": {"type": "boolean"}}},
        },
        "required": ["id"],
    });
    let mut found = Findings::default();
    walk("t", "", &schema, false, &mut found);
    let problems = found.problems.join("\n");
    for expected in [
        "t: mode: `oneOf`",
        "t: limit: `default`",
        "t: id/anyOf/1: a null branch on a required property",
        "t: filter: an object without `additionalProperties: false`",
    ] {
        assert!(
            problems.contains(expected),
            "{expected} not in:\n{problems}"
        );
    }
    assert!(!problems.contains("rate"), "{problems}");
    assert_eq!(found.undescribed, [("t".to_owned(), "filter.x".to_owned())]);
}
