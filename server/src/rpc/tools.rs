//! The wire shapes of `tools/list` and `tools/call`: a tool's manifest, pages
//! of them, and a tool's outcome as a call result or a JSON-RPC error.

use catalogue::{CallError, ErrorCode, Json, ToolDef, ToolError};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use super::revision::Era;
use super::{Exposure, Payload, RpcError};

/// Every tool's manifest, rendered once: schemas do not change while we run.
#[derive(Debug)]
pub struct Listing {
    /// In registry order, which is sorted by name.
    tools: Vec<(&'static ToolDef, Value)>,
    page_size: usize,
}

/// Enough for today's whole catalogue in one page; a client that pages gets
/// the same answer in pieces.
const PAGE_SIZE: usize = 100;

/// The cursor names the last tool already sent, not an offset, so that it
/// stays meaningful across server versions (and instances behind a load
/// balancer) that list a different set of tools.
const CURSOR_PREFIX: &str = "after:";

impl Listing {
    pub fn new(registry: &[&'static ToolDef]) -> Listing {
        Listing {
            tools: registry.iter().map(|t| (*t, t.manifest())).collect(),
            page_size: PAGE_SIZE,
        }
    }

    /// Small pages, so tests walk more than one.
    #[cfg(test)]
    pub fn with_page_size(self, page_size: usize) -> Listing {
        assert!(page_size > 0);
        Listing { page_size, ..self }
    }

    /// A page of the tools `exposure` shows.
    pub fn page(&self, cursor: Option<&str>, exposure: &Exposure) -> Result<Value, RpcError> {
        let tools: Vec<&(&'static ToolDef, Value)> = self
            .tools
            .iter()
            .filter(|(t, _)| exposure.allows(t))
            .collect();
        let start = match cursor {
            None => 0,
            Some(cursor) => {
                let after = cursor
                    .strip_prefix(CURSOR_PREFIX)
                    .filter(|name| !name.is_empty())
                    .ok_or_else(|| {
                        RpcError::invalid_params(format!("invalid cursor {cursor:?}"))
                    })?;
                tools.partition_point(|(tool, _)| tool.name <= after)
            }
        };
        let end = (start + self.page_size).min(tools.len());
        let page = &tools[start..end];
        let mut result = json!({
            "tools": page.iter().map(|(_, manifest)| manifest).collect::<Vec<_>>(),
        });
        if let (true, Some((last, _))) = (end < tools.len(), page.last()) {
            result["nextCursor"] = json!(format!("{CURSOR_PREFIX}{}", last.name));
        }
        Ok(result)
    }
}

/// A tool's outcome as MCP sees it, as `era` shapes results. Domain errors
/// are results the assistant reads and acts on; bad arguments and server
/// faults are protocol errors.
pub fn call_result(
    tool: &str,
    outcome: Result<Json, CallError>,
    era: &Era,
) -> Result<Payload, RpcError> {
    match outcome {
        Ok(json) => Ok(Payload::Json(success(&json, era))),
        Err(err) => {
            let err = refused(tool, err)?;
            // An error's body `{code, message, hint, …}` is text only: it
            // never matches the output schema, and clients built on the
            // TypeScript SDK validate `structuredContent` even on `isError`
            // results, throwing the body away.
            let body = serde_json::to_string(&err).expect("a tool error serialises");
            let result = json!({"content": [{"type": "text", "text": body}], "isError": true});
            Ok(era.result(result).into())
        }
    }
}

/// The protocol error a failed call is, or the domain error (plain data:
/// strings and JSON values) it answers with. A server fault is logged here
/// and stays vague on the wire.
pub fn refused(tool: &str, err: CallError) -> Result<ToolError, RpcError> {
    match err {
        CallError::InvalidParams(message) => Err(RpcError::invalid_params(message)),
        CallError::Tool(err) if err.code == ErrorCode::Internal => {
            tracing::error!(tool, error = %err.message, "tool failed");
            Err(RpcError::internal())
        }
        CallError::Tool(err) => Ok(err),
    }
}

/// A success carries its JSON twice: as text, for clients that only read
/// `content`, and as `structuredContent`, matching the output schema. Both
/// come from the tool's one serialisation: the text escapes it, the
/// structured copy is spliced in as it is.
fn success(json: &RawValue, era: &Era) -> Box<RawValue> {
    #[derive(Serialize)]
    struct Text<'a> {
        r#type: &'static str,
        text: &'a str,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Success<'a> {
        content: [Text<'a>; 1],
        structured_content: &'a RawValue,
        is_error: bool,
        /// What the revision adds to every result (`resultType`, `_meta`).
        #[serde(flatten)]
        revision: Map<String, Value>,
    }
    let revision = match era.result(Value::Object(Map::new())) {
        Value::Object(fields) => fields,
        _ => Map::new(),
    };
    let success = Success {
        content: [Text {
            r#type: "text",
            text: json.get(),
        }],
        structured_content: json,
        is_error: false,
        revision,
    };
    // Strings, a boolean, a map with string keys and JSON already checked.
    serde_json::value::to_raw_value(&success).expect("a tool result serialises")
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalogue::{Tier, ToolError};

    fn fake(name: &'static str) -> &'static ToolDef {
        fn never(_: catalogue::Ctx, _: Value) -> catalogue::__private::HandlerFuture {
            unreachable!("listing never calls a tool")
        }
        Box::leak(Box::new(ToolDef {
            name,
            title: name,
            description: name,
            area: Some("tests"),
            module: "tests",
            read_only: true,
            destructive: false,
            idempotent: true,
            tier: Tier::Free,
            scope: catalogue::Scope::Admin,
            input_schema: || json!({"type": "object"}),
            output_schema: || json!({"type": "object"}),
            handler: never,
        }))
    }

    fn names(page: &Value) -> Vec<&str> {
        page["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn pages_follow_each_other_until_no_next_cursor() {
        let registry = ["a", "b", "c", "d", "e"].map(fake);
        let listing = Listing::new(&registry).with_page_size(2);
        let all = Exposure::default();
        let first = listing.page(None, &all).unwrap();
        assert_eq!(names(&first), ["a", "b"]);
        let second = listing.page(first["nextCursor"].as_str(), &all).unwrap();
        assert_eq!(names(&second), ["c", "d"]);
        let last = listing.page(second["nextCursor"].as_str(), &all).unwrap();
        assert_eq!(names(&last), ["e"]);
        assert!(last.get("nextCursor").is_none(), "{last}");
        // A cursor from a server that listed a tool we no longer have still
        // resumes in the right place.
        assert_eq!(
            names(&listing.page(Some("after:bb"), &all).unwrap()),
            ["c", "d"]
        );
        assert_eq!(
            listing.page(Some("c"), &all).unwrap_err().code,
            RpcError::INVALID_PARAMS
        );
    }

    const LEGACY: Era = Era::Legacy("2025-06-18");

    /// The response's `result` as the client reads it.
    fn read(payload: Payload) -> Value {
        serde_json::to_value(payload).unwrap()
    }

    fn raw(value: &Value) -> Json {
        serde_json::value::to_raw_value(value).unwrap()
    }

    #[test]
    fn a_result_carries_its_json_as_text_and_as_structured_content() {
        let value = json!({"b": 1, "a": [true, null], "c": "a \"quoted\" line\n"});
        let text = r#"{"b":1,"a":[true,null],"c":"a \"quoted\" line\n"}"#;
        assert_eq!(
            read(call_result("t", Ok(raw(&value)), &LEGACY).unwrap()),
            json!({
                "content": [{"type": "text", "text": text}],
                "structuredContent": value,
                "isError": false,
            })
        );
        // The current revision's fields follow, as on every other result.
        let modern = Era::Modern { log_level: None };
        let result = read(call_result("t", Ok(raw(&value)), &modern).unwrap());
        let expected = modern.result(json!({
            "content": [{"type": "text", "text": text}],
            "structuredContent": value,
            "isError": false,
        }));
        assert_eq!(result, expected);
        assert_eq!(result["resultType"], "complete", "{result}");
    }

    #[test]
    fn a_domain_error_is_a_result_with_is_error_and_its_body_as_text_only() {
        let err = ToolError::tier_required("create_invoice", Tier::Pro);
        let body = serde_json::to_value(&err).unwrap();
        assert_eq!(body["code"], "tier_required");
        assert_eq!(body["required_tier"], "pro");
        let result = read(call_result("create_invoice", Err(err.into()), &LEGACY).unwrap());
        assert_eq!(
            result,
            json!({
                "content": [{"type": "text", "text": body.to_string()}],
                "isError": true,
            })
        );
        assert!(result.get("structuredContent").is_none(), "{result}");
    }

    #[test]
    fn bad_arguments_are_invalid_params_and_faults_stay_vague() {
        let err = call_result(
            "t",
            Err(CallError::InvalidParams("missing field `x`".into())),
            &LEGACY,
        )
        .unwrap_err();
        assert_eq!(
            err,
            RpcError::invalid_params("missing field `x`"),
            "the tool's own message reaches the client"
        );
        let err = call_result(
            "t",
            Err(ToolError::internal("disk on fire at /var/db").into()),
            &LEGACY,
        )
        .unwrap_err();
        assert_eq!(err.code, RpcError::INTERNAL_ERROR);
        assert!(!err.message.contains("disk"), "{}", err.message);
    }
}
