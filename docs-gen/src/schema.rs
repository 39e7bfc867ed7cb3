//! A JSON Schema as a table a person can read: one row per property, nested
//! objects expanded under dotted paths (`track.project.name`, `tracks[].id`).

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::html::{esc, inline};

/// One property of an object schema, at any depth.
#[derive(Debug)]
pub struct Row {
    /// The path of the object it belongs to, with its trailing dot
    /// (`track.`, `tracks[].`); empty at the top.
    pub parent: String,
    pub name: String,
    pub depth: usize,
    pub required: bool,
    pub ty: Type,
    pub default: Option<Value>,
    pub description: Option<String>,
}

/// What a schema accepts, summarised.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Type {
    /// "string", "integer or string", "array of object", …
    pub label: String,
    pub nullable: bool,
    pub format: Option<String>,
    /// The allowed values of an enum (or of a union of constants).
    pub values: Vec<Value>,
    /// Bounds and patterns, readable: "≥ 1", "≤ 200", "pattern `^…$`".
    pub constraints: Vec<String>,
}

pub fn rows(schema: &Value) -> Vec<Row> {
    let mut out = Vec::new();
    for object in objects(schema) {
        walk(object, "", 0, &mut out);
    }
    out
}

/// The root's own type, when it is not a plain object (rare).
pub fn root_type(schema: &Value) -> Type {
    type_of(schema)
}

fn walk(object: &Map<String, Value>, parent: &str, depth: usize, out: &mut Vec<Row>) {
    let Some(Value::Object(properties)) = object.get("properties") else {
        return;
    };
    let required: Vec<&str> = object
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, prop) in properties {
        out.push(Row {
            parent: parent.to_owned(),
            name: name.clone(),
            depth,
            required: required.contains(&name.as_str()),
            ty: type_of(prop),
            default: prop.get("default").cloned(),
            description: description_of(prop),
        });
        for (child, suffix) in objects_with_suffix(prop, "") {
            walk(child, &format!("{parent}{name}{suffix}."), depth + 1, out);
        }
    }
}

/// The object schemas inside `schema`: itself, the variants of a union, the
/// items of an array (suffix `[]`), the values of a map (suffix `{…}`).
fn objects_with_suffix<'a>(
    schema: &'a Value,
    suffix: &str,
) -> Vec<(&'a Map<String, Value>, String)> {
    let Some(obj) = schema.as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if obj.get("properties").is_some_and(Value::is_object) {
        out.push((obj, suffix.to_owned()));
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(variants)) = obj.get(key) {
            for variant in variants {
                out.extend(objects_with_suffix(variant, suffix));
            }
        }
    }
    if let Some(items) = obj.get("items") {
        out.extend(objects_with_suffix(items, &format!("{suffix}[]")));
    }
    if let Some(values) = obj.get("additionalProperties").filter(|v| v.is_object()) {
        out.extend(objects_with_suffix(values, &format!("{suffix}{{…}}")));
    }
    out
}

fn objects(schema: &Value) -> Vec<&Map<String, Value>> {
    objects_with_suffix(schema, "")
        .into_iter()
        .map(|(o, _)| o)
        .collect()
}

fn description_of(schema: &Value) -> Option<String> {
    if let Some(d) = schema.get("description").and_then(Value::as_str) {
        return Some(d.to_owned());
    }
    // An optional value's description may sit on its non-null variant.
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(variants)) = schema.get(key) {
            let described: Vec<&str> = variants
                .iter()
                .filter_map(|v| v.get("description").and_then(Value::as_str))
                .collect();
            if described.len() == 1 {
                return Some(described[0].to_owned());
            }
        }
    }
    None
}

fn is_null(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
        || schema.get("const").is_some_and(Value::is_null)
}

pub fn type_of(schema: &Value) -> Type {
    let Some(obj) = schema.as_object() else {
        // `true`: anything.
        return Type {
            label: "any".into(),
            ..Type::default()
        };
    };
    let mut ty = Type {
        format: obj.get("format").and_then(Value::as_str).map(str::to_owned),
        constraints: constraints(obj),
        ..Type::default()
    };
    if let Some(value) = obj.get("const") {
        ty.label = json_type_name(value).into();
        ty.values = vec![value.clone()];
        return ty;
    }
    if let Some(Value::Array(values)) = obj.get("enum") {
        ty.nullable = values.iter().any(Value::is_null);
        ty.values = values.iter().filter(|v| !v.is_null()).cloned().collect();
        ty.label = declared(obj)
            .unwrap_or_else(|| ty.values.first().map_or("any", json_type_name).to_owned());
        return ty;
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(variants)) = obj.get(key) {
            let mut labels: Vec<String> = Vec::new();
            for variant in variants {
                if is_null(variant) {
                    ty.nullable = true;
                    continue;
                }
                let inner = type_of(variant);
                ty.nullable |= inner.nullable;
                ty.values.extend(inner.values.iter().cloned());
                if ty.format.is_none() {
                    ty.format = inner.format.clone();
                }
                for c in inner.constraints {
                    if !ty.constraints.contains(&c) {
                        ty.constraints.push(c);
                    }
                }
                for label in inner.label.split(" or ") {
                    if !labels.iter().any(|l| l == label) {
                        labels.push(label.to_owned());
                    }
                }
            }
            ty.label = labels.join(" or ");
            return ty;
        }
    }
    ty.label = match obj.get("type") {
        Some(Value::String(t)) if t == "array" => match obj.get("items") {
            Some(items) => {
                let inner = type_of(items);
                if ty.format.is_none() {
                    ty.format = inner.format.clone();
                }
                if !inner.values.is_empty() {
                    ty.values = inner.values.clone();
                }
                let label = if inner.nullable {
                    format!("{} or null", inner.label)
                } else {
                    inner.label
                };
                format!("array of {label}")
            }
            None => "array".into(),
        },
        Some(Value::String(t)) if t == "object" => {
            match obj.get("additionalProperties").filter(|v| v.is_object()) {
                Some(values) if obj.get("properties").is_none() => {
                    format!("map of {}", type_of(values).label)
                }
                _ => "object".into(),
            }
        }
        Some(Value::Array(types)) => {
            let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            ty.nullable = names.contains(&"null");
            names
                .into_iter()
                .filter(|t| *t != "null")
                .collect::<Vec<_>>()
                .join(" or ")
        }
        Some(Value::String(t)) => t.clone(),
        _ if obj.contains_key("properties") => "object".into(),
        _ => "any".into(),
    };
    ty
}

fn declared(obj: &Map<String, Value>) -> Option<String> {
    obj.get("type").and_then(Value::as_str).map(str::to_owned)
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn constraints(obj: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    let num = |key: &str| obj.get(key).filter(|v| v.is_number()).map(Value::to_string);
    // An unsigned integer's `minimum: 0` says nothing the type does not.
    let unsigned = obj
        .get("format")
        .and_then(Value::as_str)
        .is_some_and(|f| f.starts_with("uint"));
    if let Some(min) = num("minimum").filter(|m| !(unsigned && m == "0")) {
        out.push(format!("≥ {min}"));
    }
    if let Some(min) = num("exclusiveMinimum") {
        out.push(format!("> {min}"));
    }
    if let Some(max) = num("maximum") {
        out.push(format!("≤ {max}"));
    }
    if let Some(max) = num("exclusiveMaximum") {
        out.push(format!("< {max}"));
    }
    if let Some(n) = num("minLength") {
        out.push(format!("at least {n} characters"));
    }
    if let Some(n) = num("maxLength") {
        out.push(format!("at most {n} characters"));
    }
    if let Some(n) = num("minItems") {
        out.push(format!("at least {n} items"));
    }
    if let Some(n) = num("maxItems") {
        out.push(format!("at most {n} items"));
    }
    if obj.get("uniqueItems") == Some(&Value::Bool(true)) {
        out.push("unique items".into());
    }
    if let Some(p) = obj.get("pattern").and_then(Value::as_str) {
        out.push(format!("pattern `{p}`"));
    }
    out
}

impl Type {
    /// The type cell: the label, "or null", the format and the bounds.
    pub fn html(&self) -> String {
        let mut out = format!("<span class=\"ty\">{}</span>", esc(&self.label));
        if self.nullable {
            out.push_str(" <span class=\"ty null\">or null</span>");
        }
        if let Some(format) = &self.format {
            let _ = write!(
                out,
                "<span class=\"fmt\">format <code>{}</code></span>",
                esc(format)
            );
        }
        if !self.constraints.is_empty() {
            let _ = write!(
                out,
                "<span class=\"fmt\">{}</span>",
                inline(&self.constraints.join(", "))
            );
        }
        out
    }

    /// The allowed values, as code, if an enum.
    pub fn values_html(&self) -> Option<String> {
        if self.values.is_empty() {
            return None;
        }
        let values: Vec<String> = self.values.iter().map(value_code).collect();
        Some(values.join(", "))
    }
}

/// A JSON value as inline code: strings in quotes, as a caller writes them.
pub fn value_code(value: &Value) -> String {
    format!("<code>{}</code>", esc(&value.to_string()))
}

/// The schema as a table; an empty schema says so.
pub fn table(schema: &Value, output: bool) -> String {
    let rows = rows(schema);
    if rows.is_empty() {
        let ty = root_type(schema);
        return if ty.label == "object" || ty.label == "any" {
            "<p class=\"empty\">No properties.</p>\n".to_owned()
        } else {
            format!("<p>A {}.</p>\n", ty.html())
        };
    }
    let has_default = rows.iter().any(|r| r.default.is_some());
    // In a result, "required" means the field is always there.
    let (required_label, yes, no) = if output {
        ("Present", "always", "not always")
    } else {
        ("Required", "yes", "no")
    };
    let mut out = String::from("<div class=\"table-wrap\"><table class=\"schema\">\n<thead><tr>");
    let _ = write!(
        out,
        "<th>Property</th><th>Type</th><th>{required_label}</th>"
    );
    if has_default {
        out.push_str("<th>Default</th>");
    }
    out.push_str("<th>Description</th></tr></thead>\n<tbody>\n");
    for row in &rows {
        let _ = write!(
            out,
            "<tr class=\"depth-{depth}\"><td class=\"prop\" data-label=\"Property\"><code>{parent}<b>{name}</b></code></td>",
            depth = row.depth.min(4),
            parent = if row.parent.is_empty() {
                String::new()
            } else {
                format!("<span class=\"parent\">{}</span>", esc(&row.parent))
            },
            name = esc(&row.name),
        );
        let _ = write!(out, "<td data-label=\"Type\">{}</td>", row.ty.html());
        let _ = write!(
            out,
            "<td data-label=\"{required_label}\">{}</td>",
            if row.required {
                format!("<span class=\"req\">{yes}</span>")
            } else {
                format!("<span class=\"opt\">{no}</span>")
            }
        );
        if has_default {
            let _ = write!(
                out,
                "<td data-label=\"Default\">{}</td>",
                row.default.as_ref().map(value_code).unwrap_or_default()
            );
        }
        let mut description = row.description.as_deref().map(inline).unwrap_or_default();
        if let Some(values) = row.ty.values_html() {
            let label = if row.ty.values.len() == 1 {
                "Always"
            } else {
                "One of"
            };
            let _ = write!(
                description,
                "<span class=\"values\">{label}: {values}</span>"
            );
        }
        let _ = writeln!(
            out,
            "<td data-label=\"Description\">{description}</td></tr>"
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nullable_unions_and_arrays_are_named() {
        let t =
            type_of(&json!({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}));
        assert_eq!(
            (t.label.as_str(), t.nullable, t.format.as_deref()),
            ("string", true, Some("date"))
        );
        let t = type_of(&json!({"anyOf": [
            {"anyOf": [{"type": "integer", "format": "int32"}, {"type": "string"}]},
            {"type": "null"}
        ]}));
        assert_eq!(t.label, "integer or string");
        assert!(t.nullable);
        let t = type_of(&json!({"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}));
        assert_eq!(t.label, "array of string");
        assert_eq!(t.values, vec![json!("a"), json!("b")]);
        let t = type_of(
            &json!({"oneOf": [{"const": "x", "type": "string"}, {"const": "y", "type": "string"}]}),
        );
        assert_eq!((t.label.as_str(), t.values.len()), ("string", 2));
        let t = type_of(&json!({"type": "object", "additionalProperties": {"type": "integer"}}));
        assert_eq!(t.label, "map of integer");
        let t =
            type_of(&json!({"type": "integer", "format": "uint32", "minimum": 0, "maximum": 200}));
        assert_eq!(t.constraints, ["≤ 200"]);
    }

    #[test]
    fn nested_objects_are_expanded_under_their_path() {
        let schema = json!({
            "type": "object",
            "properties": {
                "track": {"type": "object", "properties": {
                    "id": {"type": "integer"},
                    "project": {"anyOf": [
                        {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
                        {"type": "null"}
                    ]}
                }, "required": ["id"]},
                "tags": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}}}}
            },
            "required": ["track"]
        });
        let paths: Vec<(String, bool)> = rows(&schema)
            .into_iter()
            .map(|r| (format!("{}{}", r.parent, r.name), r.required))
            .collect();
        let expect = [
            ("track", true),
            ("track.id", true),
            ("track.project", false),
            ("track.project.name", true),
            ("tags", false),
            ("tags[].id", false),
        ];
        assert_eq!(paths, expect.map(|(p, r)| (p.to_owned(), r)).to_vec());
    }

    #[test]
    fn the_table_escapes_and_labels_its_cells() {
        let html = table(
            &json!({"type": "object", "properties": {"a<b": {"type": "string", "description": "Use `x<y`.", "default": "<"}}}),
            false,
        );
        assert!(html.contains("<b>a&lt;b</b>"), "{html}");
        assert!(html.contains("<code>x&lt;y</code>"), "{html}");
        assert!(html.contains("<code>&quot;&lt;&quot;</code>"), "{html}");
        assert!(html.contains("data-label=\"Required\""), "{html}");
    }
}
