//! The fixed set of MCP methods we answer, each with its typed params. The
//! open set of tools lives in the catalogue's registry instead.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::RpcError;

#[derive(Debug)]
pub enum Method {
    Initialize(InitializeParams),
    Ping,
    ListTools(ListToolsParams),
    CallTool(CallToolParams),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeParams {
    pub protocol_version: String,
    /// Only logged: what the client is helps read a bug report.
    #[serde(default)]
    pub client_info: Value,
}

#[derive(Debug, Deserialize)]
pub struct ListToolsParams {
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CallToolParams {
    pub name: String,
    /// Left as JSON: each tool reads its own arguments (absent is `null`).
    #[serde(default)]
    pub arguments: Value,
}

impl Method {
    /// An unknown method is -32601; params of the wrong shape are -32602.
    pub fn parse(method: &str, params: Option<Value>) -> Result<Method, RpcError> {
        Ok(match method {
            "initialize" => Method::Initialize(params_of(method, params)?),
            // `ping` takes no params; whatever `_meta` it carries is irrelevant.
            "ping" => Method::Ping,
            "tools/list" => Method::ListTools(params_of(method, params)?),
            "tools/call" => Method::CallTool(params_of(method, params)?),
            _ => return Err(RpcError::method_not_found(method)),
        })
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
            Ok(Method::ListTools(ListToolsParams { cursor: None }))
        ));
        assert!(matches!(
            Method::parse("tools/call", Some(json!({"name": "get_context"}))),
            Ok(Method::CallTool(p)) if p.name == "get_context" && p.arguments.is_null()
        ));
    }

    #[test]
    fn unknown_methods_and_bad_params_are_told_apart() {
        let err = Method::parse("resources/list", None).unwrap_err();
        assert_eq!(err.code, RpcError::METHOD_NOT_FOUND);
        assert!(err.message.contains("resources/list"));
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
    }
}
