//! The fixtures the MCP conformance suite (`@modelcontextprotocol/conformance`)
//! expects under fixed names: content of every kind, an error, progress, log
//! messages, a capability the client must declare, prompts, resources and a
//! completion, and the multi round-trip requests of 2026-07-28 (SEP-2322:
//! a result that asks the client for input, and the retry that brings it).
//! Plain JSON in and out, so this crate knows nothing of the
//! server; `teetrack` adds them to its lists only when built with its
//! `conformance` feature (`server/tests/conformance/run.sh` does).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

/// A 1×1 red PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// A WAV header with no samples.
const WAV: &str = "UklGRiQAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAZGF0YQAAAAA=";

/// Why a fixture call did not produce a result: a JSON-RPC error.
#[derive(Debug, PartialEq)]
pub struct Fault {
    pub code: i32,
    pub message: String,
    pub data: Option<Value>,
}

/// What a fixture may send while it runs: `(method, params)` of a
/// notification of the request, and `(level, data)` of a log message (the
/// server applies the client's log level).
pub struct Emit<'a> {
    pub notify: &'a (dyn Fn(&str, Value) + Send + Sync),
    pub log: &'a (dyn Fn(&str, Value) + Send + Sync),
}

/// A retry after an `InputRequiredResult`: the client's `inputResponses`
/// and the state the fixture asked to keep, already unsealed and checked by
/// the server (`None` on a first call).
#[derive(Clone, Copy, Debug, Default)]
pub struct Input<'a> {
    pub responses: Option<&'a serde_json::Map<String, Value>>,
    pub state: Option<&'a Value>,
}

fn tool(name: &str, description: &str) -> Value {
    json!({"name": name, "description": description, "inputSchema": {"type": "object", "properties": {}}})
}

pub fn tools() -> Vec<Value> {
    vec![
        tool("test_audio_content", "Returns a WAV as audio content."),
        tool(
            "test_embedded_resource",
            "Returns an embedded text resource.",
        ),
        tool(
            "test_error_handling",
            "Always fails, as a tool result with isError.",
        ),
        tool("test_image_content", "Returns a PNG as image content."),
        tool(
            "test_input_required_result_capabilities",
            "Asks only for the input the client's capabilities allow.",
        ),
        tool(
            "test_input_required_result_elicitation",
            "Asks the user's name (elicitation), then greets.",
        ),
        tool(
            "test_input_required_result_list_roots",
            "Asks for the client's roots, then names them.",
        ),
        tool(
            "test_input_required_result_multi_round",
            "Asks a name, then a colour, with a new requestState each round.",
        ),
        tool(
            "test_input_required_result_multiple_inputs",
            "Asks for elicitation, sampling and roots at once.",
        ),
        tool(
            "test_input_required_result_request_state",
            "Asks for a confirmation and checks its requestState on the retry.",
        ),
        tool(
            "test_input_required_result_sampling",
            "Asks the client's model a question, then answers with its reply.",
        ),
        tool(
            "test_input_required_result_tampered_state",
            "Asks for a confirmation with an integrity-protected requestState.",
        ),
        tool(
            "test_logging_tool",
            "Logs one info message (only sent when the request asks for logs).",
        ),
        tool(
            "test_missing_capability",
            "Needs the client's sampling capability; refuses without it.",
        ),
        tool(
            "test_multiple_content_types",
            "Returns text, an image and an embedded resource.",
        ),
        tool("test_simple_text", "Returns one text block."),
        tool(
            "test_streaming_elicitation",
            "Asks for input the stateless way: an InputRequiredResult, never a request on the stream.",
        ),
        tool(
            "test_tool_with_logging",
            "Logs three info messages 50 ms apart.",
        ),
        tool(
            "test_tool_with_progress",
            "Reports progress 0, 50 and 100 of 100, 50 ms apart.",
        ),
    ]
}

fn text(text: &str) -> Value {
    json!({"type": "text", "text": text})
}

fn result(content: Vec<Value>) -> Value {
    json!({"content": content})
}

/// Runs fixture `name`; `None` when there is no such fixture. `meta` is the
/// request's `_meta` (`Value::Null` when absent). A fixture that needs the
/// client's input answers `resultType: "input_required"`, with any
/// `requestState` as plain JSON: the server seals it.
pub async fn call_tool(
    name: &str,
    meta: &Value,
    input: Input<'_>,
    emit: Emit<'_>,
) -> Option<Result<Value, Fault>> {
    if name.starts_with("test_input_required_result_") || name == "test_streaming_elicitation" {
        return mrtr::call_tool(name, meta, input);
    }
    let pause = || tokio::time::sleep(Duration::from_millis(50));
    Some(Ok(match name {
        "test_simple_text" => result(vec![text("This is a simple text response for testing.")]),
        "test_image_content" => result(vec![
            json!({"type": "image", "data": PNG, "mimeType": "image/png"}),
        ]),
        "test_audio_content" => result(vec![
            json!({"type": "audio", "data": WAV, "mimeType": "audio/wav"}),
        ]),
        "test_embedded_resource" => result(vec![json!({"type": "resource", "resource": {
            "uri": "test://embedded-resource", "mimeType": "text/plain",
            "text": "This is an embedded resource content."}})]),
        "test_multiple_content_types" => result(vec![
            text("Multiple content types test:"),
            json!({"type": "image", "data": PNG, "mimeType": "image/png"}),
            json!({"type": "resource", "resource": {"uri": "test://mixed-content-resource",
                "mimeType": "application/json", "text": "{\"test\":\"data\",\"value\":123}"}}),
        ]),
        "test_error_handling" => json!({
            "content": [text("This tool intentionally returns an error for testing")],
            "isError": true,
        }),
        "test_tool_with_logging" => {
            (emit.log)("info", json!("Tool execution started"));
            pause().await;
            (emit.log)("info", json!("Tool processing data"));
            pause().await;
            (emit.log)("info", json!("Tool execution completed"));
            result(vec![text("Tool with logging executed successfully")])
        }
        "test_logging_tool" => {
            (emit.log)("info", json!("test_logging_tool ran"));
            result(vec![text("Logged once")])
        }
        "test_tool_with_progress" => {
            let token = meta.get("progressToken").cloned();
            for (i, progress) in [0, 50, 100].into_iter().enumerate() {
                if i > 0 {
                    pause().await;
                }
                if let Some(token) = &token {
                    (emit.notify)(
                        "notifications/progress",
                        json!({"progressToken": token, "progress": progress, "total": 100}),
                    );
                }
            }
            result(vec![text("Tool with progress executed successfully")])
        }
        "test_missing_capability" => {
            let capabilities = meta.get("io.modelcontextprotocol/clientCapabilities");
            if capabilities.and_then(|c| c.get("sampling")).is_none() {
                return Some(Err(Fault {
                    code: -32021,
                    message: "test_missing_capability needs the client's sampling capability"
                        .into(),
                    data: Some(json!({"requiredCapabilities": {"sampling": {}}})),
                }));
            }
            result(vec![text("The client declared sampling")])
        }
        _ => return None,
    }))
}

pub fn resources() -> Vec<Value> {
    vec![
        json!({"uri": "test://static-text", "name": "Static Text Resource",
               "description": "A static text resource for testing", "mimeType": "text/plain"}),
        json!({"uri": "test://static-binary", "name": "Static Binary Resource",
               "description": "A static binary resource (image) for testing", "mimeType": "image/png"}),
        json!({"uri": "test://watched-resource", "name": "Watched Resource",
               "description": "A resource that can be subscribed to", "mimeType": "text/plain"}),
    ]
}

pub fn resource_templates() -> Vec<Value> {
    vec![
        json!({"uriTemplate": "test://template/{id}/data", "name": "Resource Template",
                "description": "A resource template with parameter substitution",
                "mimeType": "application/json"}),
    ]
}

/// The `contents` of a fixture resource, or `None`.
pub fn read_resource(uri: &str) -> Option<Value> {
    let one = |mime: &str, field: &str, value: String| json!([{"uri": uri, "mimeType": mime, field: value}]);
    Some(match uri {
        "test://static-text" => one(
            "text/plain",
            "text",
            "This is the content of the static text resource.".into(),
        ),
        "test://static-binary" => one("image/png", "blob", PNG.into()),
        "test://watched-resource" => one("text/plain", "text", "Watched resource content".into()),
        _ => {
            let id = uri
                .strip_prefix("test://template/")?
                .strip_suffix("/data")?;
            if id.is_empty() || id.contains('/') {
                return None;
            }
            let data =
                json!({"id": id, "templateTest": true, "data": format!("Data for ID: {id}")});
            one("application/json", "text", data.to_string())
        }
    })
}

pub fn prompts() -> Vec<Value> {
    vec![
        json!({"name": "test_prompt_with_arguments", "description": "A prompt with required arguments",
               "arguments": [
                   {"name": "arg1", "description": "First test argument", "required": true},
                   {"name": "arg2", "description": "Second test argument", "required": true}]}),
        json!({"name": "test_prompt_with_embedded_resource", "description": "A prompt with an embedded resource",
               "arguments": [{"name": "resourceUri", "description": "URI of the resource to embed", "required": true}]}),
        json!({"name": "test_prompt_with_image", "description": "A prompt with an image"}),
        json!({"name": "test_input_required_result_prompt",
               "description": "A prompt that asks the user for its context first (elicitation)"}),
        json!({"name": "test_simple_prompt", "description": "A simple prompt without arguments"}),
    ]
}

/// A fixture prompt's result, `Some(Err(message))` for a missing argument,
/// or `None` when there is no such fixture.
pub fn get_prompt(
    name: &str,
    arguments: &BTreeMap<String, String>,
    meta: &Value,
    input: Input<'_>,
) -> Option<Result<Value, String>> {
    if name == "test_input_required_result_prompt" {
        return Some(mrtr::prompt(meta, input));
    }
    let arg = |key: &str| {
        arguments
            .get(key)
            .cloned()
            .ok_or_else(|| format!("missing argument {key:?}"))
    };
    let user = |content: Value| json!({"role": "user", "content": content});
    let messages = match name {
        "test_simple_prompt" => Ok(vec![user(text("This is a simple prompt for testing."))]),
        "test_prompt_with_arguments" => arg("arg1").and_then(|a| {
            let b = arg("arg2")?;
            Ok(vec![user(text(&format!(
                "Prompt with arguments: arg1='{a}', arg2='{b}'"
            )))])
        }),
        "test_prompt_with_embedded_resource" => arg("resourceUri").map(|uri| {
            vec![
                user(json!({"type": "resource", "resource": {"uri": uri,
                    "mimeType": "text/plain", "text": "Embedded resource content for testing."}})),
                user(text("Please process the embedded resource above.")),
            ]
        }),
        "test_prompt_with_image" => Ok(vec![
            user(json!({"type": "image", "data": PNG, "mimeType": "image/png"})),
            user(text("Please analyze the image above.")),
        ]),
        _ => return None,
    };
    Some(messages.map(|messages| json!({"messages": messages})))
}

mod mrtr;

/// Completions for a fixture prompt's argument, or `None`.
pub fn complete(prompt: &str, argument: &str, value: &str) -> Option<Vec<String>> {
    if prompt != "test_prompt_with_arguments" || !["arg1", "arg2"].contains(&argument) {
        return None;
    }
    let options = ["paris", "park", "party", "test", "testing"];
    Some(
        options
            .iter()
            .filter(|o| o.starts_with(value))
            .map(|o| o.to_string())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_answer_by_name_and_nothing_else() {
        assert!(
            read_resource("test://template/123/data").unwrap()[0]["text"]
                .as_str()
                .unwrap()
                .contains("123")
        );
        assert!(read_resource("teetrack://settings").is_none());
        let none = Input::default();
        assert!(get_prompt("weekly_report", &BTreeMap::new(), &Value::Null, none).is_none());
        assert!(
            get_prompt(
                "test_prompt_with_arguments",
                &BTreeMap::new(),
                &Value::Null,
                none
            )
            .unwrap()
            .is_err()
        );
        assert_eq!(
            complete("test_prompt_with_arguments", "arg1", "par").unwrap(),
            ["paris", "park", "party"]
        );
        assert!(
            tools()
                .windows(2)
                .all(|w| w[0]["name"].as_str() < w[1]["name"].as_str())
        );
    }
}
