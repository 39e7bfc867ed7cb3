//! The fixed set of MCP methods we answer, each with its typed params. The
//! open set of tools lives in the catalogue's registry instead.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

use serde_json::Value;

use super::RpcError;
use super::logging::LogLevel;

#[derive(Debug)]
pub enum Method {
    Initialize(InitializeParams),
    Discover,
    Ping,
    SetLogLevel(SetLevelParams),
    ListTools(ListParams),
    CallTool(CallToolParams),
    ListPrompts(ListParams),
    GetPrompt(GetPromptParams),
    ListResources(ListParams),
    ListResourceTemplates(ListParams),
    ReadResource(ReadResourceParams),
    Complete(CompleteParams),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeParams {
    pub protocol_version: String,
    /// Only logged: what the client is helps read a bug report.
    #[serde(default)]
    pub client_info: Value,
    /// Read for one extension only: MCP Apps.
    #[serde(default)]
    pub capabilities: Value,
}

#[derive(Debug, Deserialize)]
pub struct SetLevelParams {
    pub level: LogLevel,
}

/// The params of every paged list.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CallToolParams {
    pub name: String,
    /// Left as JSON: each tool reads its own arguments (absent is `null`).
    #[serde(default)]
    pub arguments: Value,
    #[serde(flatten)]
    pub input: InputParams,
}

#[derive(Debug, Deserialize)]
pub struct GetPromptParams {
    pub name: String,
    #[serde(default)]
    pub arguments: BTreeMap<String, String>,
    #[serde(flatten)]
    pub input: InputParams,
}

/// A retry after an `InputRequiredResult` (2026-07-28, SEP-2322): the
/// client's answers, keyed as the server asked, and the server's sealed
/// state, echoed untouched.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputParams {
    /// `null` counts as absent; anything but an object is invalid params.
    #[serde(default)]
    pub input_responses: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    pub request_state: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ReadResourceParams {
    pub uri: String,
}

#[derive(Debug, Deserialize)]
pub struct CompleteParams {
    #[serde(rename = "ref")]
    pub reference: CompletionRef,
    pub argument: CompletionArgument,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub enum CompletionRef {
    #[serde(rename = "ref/prompt")]
    Prompt { name: String },
    /// A resource template's variable; its `uri` names the template.
    #[serde(rename = "ref/resource")]
    Resource {},
}

#[derive(Debug, Deserialize)]
pub struct CompletionArgument {
    pub name: String,
    pub value: String,
}

impl Method {
    /// An unknown method is -32601; params of the wrong shape are -32602.
    pub fn parse(method: &str, params: Option<Value>) -> Result<Method, RpcError> {
        Ok(match method {
            "initialize" => Method::Initialize(params_of(method, params)?),
            "server/discover" => Method::Discover,
            // `ping` takes no params; whatever `_meta` it carries is irrelevant.
            "ping" => Method::Ping,
            "logging/setLevel" => Method::SetLogLevel(params_of(method, params)?),
            "tools/list" => Method::ListTools(params_of(method, params)?),
            "tools/call" => Method::CallTool(params_of(method, params)?),
            "prompts/list" => Method::ListPrompts(params_of(method, params)?),
            "prompts/get" => Method::GetPrompt(params_of(method, params)?),
            "resources/list" => Method::ListResources(params_of(method, params)?),
            "resources/templates/list" => Method::ListResourceTemplates(params_of(method, params)?),
            "resources/read" => Method::ReadResource(params_of(method, params)?),
            "completion/complete" => Method::Complete(params_of(method, params)?),
            _ => return Err(RpcError::method_not_found(method)),
        })
    }

    /// Whether the era has the method named `method`: 2026-07-28 removed
    /// the handshake, `ping` and `logging/setLevel`; `server/discover` is its
    /// own. Checked before the params, which the other era may shape apart.
    pub fn in_era(method: &str, modern: bool) -> bool {
        match method {
            "initialize" | "ping" | "logging/setLevel" => !modern,
            "server/discover" => modern,
            _ => true,
        }
    }
}

fn params_of<T: DeserializeOwned>(method: &str, params: Option<Value>) -> Result<T, RpcError> {
    let params = params.unwrap_or_else(|| Value::Object(Default::default()));
    serde_json::from_value(params)
        .map_err(|err| RpcError::invalid_params(format!("invalid params for {method}: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code(result: Result<Method, RpcError>) -> i32 {
        result.expect_err("an error").code
    }

    #[test]
    fn methods_parse_into_their_typed_params() {
        assert!(matches!(
            Method::parse("initialize", Some(json!({"protocolVersion": "2025-06-18"}))),
            Ok(Method::Initialize(p)) if p.protocol_version == "2025-06-18"
        ));
        assert!(matches!(
            Method::parse("ping", Some(json!({"_meta": {}}))),
            Ok(Method::Ping)
        ));
        assert!(matches!(
            Method::parse("tools/list", None),
            Ok(Method::ListTools(ListParams { cursor: None }))
        ));
        assert!(matches!(
            Method::parse("tools/call", Some(json!({"name": "get_context"}))),
            Ok(Method::CallTool(p)) if p.name == "get_context" && p.arguments.is_null()
                && p.input.input_responses.is_none() && p.input.request_state.is_none()
        ));
        assert!(matches!(
            Method::parse("prompts/get", Some(json!({"name": "p", "inputResponses": {"k": {}},
                "requestState": "s"}))),
            Ok(Method::GetPrompt(p)) if p.input.input_responses.as_ref().is_some_and(|r| r.contains_key("k"))
                && p.input.request_state.as_deref() == Some("s")
        ));
    }

    #[test]
    fn unknown_methods_and_bad_params_are_told_apart() {
        let err = Method::parse("resources/subscribe", None).unwrap_err();
        assert_eq!(err.code, RpcError::METHOD_NOT_FOUND);
        assert!(err.message.contains("resources/subscribe"));
        assert_eq!(
            code(Method::parse(
                "logging/setLevel",
                Some(json!({"level": "loud"}))
            )),
            RpcError::INVALID_PARAMS
        );
        assert_eq!(
            code(Method::parse(
                "completion/complete",
                Some(json!({"ref": {"type": "ref/x"}, "argument": {"name": "a", "value": ""}}))
            )),
            RpcError::INVALID_PARAMS
        );
        assert_eq!(
            code(Method::parse("initialize", None)),
            RpcError::INVALID_PARAMS
        );
        assert_eq!(
            code(Method::parse("tools/call", Some(json!({"arguments": {}})))),
            RpcError::INVALID_PARAMS
        );
        assert_eq!(
            code(Method::parse("tools/list", Some(json!({"cursor": 3})))),
            RpcError::INVALID_PARAMS
        );
        assert_eq!(
            code(Method::parse("tools/call", Some(json!("get_context")))),
            RpcError::INVALID_PARAMS
        );
        assert_eq!(
            code(Method::parse(
                "tools/call",
                Some(json!({"name": "t", "inputResponses": {"k": {}}, "requestState": 3}))
            )),
            RpcError::INVALID_PARAMS
        );
        assert_eq!(
            code(Method::parse(
                "tools/call",
                Some(json!({"name": "t", "inputResponses": [1]}))
            )),
            RpcError::INVALID_PARAMS
        );
    }
}
