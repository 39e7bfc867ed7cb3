//! The one dispatcher: a request in, its response out, for every transport.
//! It holds no per-connection state, so any instance can answer any request.

use catalogue::{Clock, Ctx, Db, User};
use serde_json::{Value, json};

use super::method::{CallToolParams, Method};
use super::tools::{self, Listing};
use super::{Handler, Request, Response, RpcError, lifecycle};

#[derive(Debug)]
pub struct Dispatcher {
    /// Who every tool call runs as: one authenticated user per stdio process.
    user: User,
    db: Db,
    tools: Listing,
}

impl Dispatcher {
    pub fn new(user: User, db: Db) -> Dispatcher {
        Dispatcher {
            user,
            db,
            tools: Listing::new(catalogue::registry()),
        }
    }

    #[cfg(test)]
    fn with_page_size(self, page_size: usize) -> Dispatcher {
        Dispatcher {
            tools: self.tools.with_page_size(page_size),
            ..self
        }
    }

    async fn dispatch(&self, method: Method) -> Result<Value, RpcError> {
        match method {
            Method::Initialize(params) => Ok(lifecycle::initialize(&params)),
            Method::Ping => Ok(json!({})),
            Method::ListTools(params) => self.tools.page(params.cursor.as_deref()),
            Method::CallTool(params) => self.call_tool(params).await,
        }
    }

    async fn call_tool(&self, params: CallToolParams) -> Result<Value, RpcError> {
        let tool = catalogue::find_tool(&params.name)
            .ok_or_else(|| RpcError::invalid_params(format!("unknown tool {:?}", params.name)))?;
        let ctx = Ctx::new(self.user.clone(), self.db.clone(), Clock::System);
        tools::call_result(tool.name, tool.call(ctx, params.arguments).await)
    }
}

impl Handler for Dispatcher {
    async fn handle(&self, request: Request) -> Response {
        tracing::debug!(id = %request.id, method = request.method, "request");
        let outcome = match Method::parse(&request.method, request.params) {
            Ok(method) => self.dispatch(method).await,
            Err(err) => Err(err),
        };
        Response::new(request.id, outcome)
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::Pin;

    use catalogue::{CallError, Tier, ToolDef, ToolError};
    use serde_json::json;

    use super::*;
    use crate::rpc::Incoming;
    use crate::rpc::lifecycle::PROTOCOL_VERSIONS;

    struct Fixture {
        _dir: tempfile::TempDir,
        db: Db,
        user: User,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(Some(dir.path().join("t.db").to_str().unwrap())).unwrap();
        let user = catalogue::db::users::add_user(
            &mut db.conn().unwrap(),
            "ada@example.com",
            Some("Ada"),
            jiff::Timestamp::now(),
        )
        .unwrap();
        Fixture {
            _dir: dir,
            db,
            user,
        }
    }

    fn dispatcher(f: &Fixture) -> Dispatcher {
        Dispatcher::new(f.user.clone(), f.db.clone())
    }

    /// One message through the dispatcher the way a transport does it:
    /// `None` when nothing is sent back.
    async fn exchange(d: &Dispatcher, message: Value) -> Option<Value> {
        let response = match Incoming::read(message.to_string().as_bytes()) {
            Incoming::Request(request) => d.handle(request).await,
            Incoming::Reply(response) => response,
            Incoming::Cancel(_) | Incoming::Ignore => return None,
        };
        Some(serde_json::from_slice(&response.to_line()).unwrap())
    }

    async fn request(d: &Dispatcher, method: &str, params: Value) -> Value {
        let message = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response = exchange(d, message).await.expect("a response");
        assert_eq!(response["id"], 1, "{response}");
        response
    }

    async fn result(d: &Dispatcher, method: &str, params: Value) -> Value {
        let response = request(d, method, params).await;
        assert!(response.get("error").is_none(), "{response}");
        response["result"].clone()
    }

    async fn error(d: &Dispatcher, method: &str, params: Value) -> (i64, String) {
        let response = request(d, method, params).await;
        assert!(response.get("result").is_none(), "{response}");
        let error = &response["error"];
        (
            error["code"].as_i64().unwrap(),
            error["message"].as_str().unwrap().to_owned(),
        )
    }

    #[tokio::test]
    async fn initialize_echoes_every_version_we_speak_and_offers_our_latest_otherwise() {
        let f = fixture();
        let d = dispatcher(&f);
        for version in PROTOCOL_VERSIONS {
            let r = result(&d, "initialize", json!({"protocolVersion": version})).await;
            assert_eq!(r["protocolVersion"], version);
        }
        let r = result(
            &d,
            "initialize",
            json!({
                "protocolVersion": "2099-01-01",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "1"},
            }),
        )
        .await;
        assert_eq!(r["protocolVersion"], "2025-11-25");
        assert_eq!(
            r["serverInfo"],
            json!({"name": "teetrack", "title": "Teetrack", "version": env!("CARGO_PKG_VERSION")})
        );
        assert_eq!(r["capabilities"], json!({"tools": {"listChanged": false}}));
        assert!(r["instructions"].as_str().unwrap().contains("get_context"));
    }

    #[tokio::test]
    async fn ping_answers_an_empty_object() {
        let f = fixture();
        assert_eq!(result(&dispatcher(&f), "ping", json!({})).await, json!({}));
    }

    #[tokio::test]
    async fn notifications_and_client_responses_get_no_response() {
        let f = fixture();
        let d = dispatcher(&f);
        for message in [
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 3}}),
            json!({"jsonrpc": "2.0", "method": "notifications/unheard_of", "params": {}}),
            json!({"jsonrpc": "2.0", "id": 4, "result": {}}),
        ] {
            assert_eq!(exchange(&d, message.clone()).await, None, "{message}");
        }
    }

    #[tokio::test]
    async fn protocol_faults_get_the_standard_error_codes() {
        let f = fixture();
        let d = dispatcher(&f);
        let code_and_id = |r: Value| (r["error"]["code"].as_i64().unwrap(), r["id"].clone());

        let raw = match Incoming::read(b"{\"jsonrpc\": \"2.0\", \"id\": 1,") {
            Incoming::Reply(r) => serde_json::from_slice::<Value>(&r.to_line()).unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(code_and_id(raw), (-32700, Value::Null));

        let r = exchange(&d, json!({"id": 2, "method": "ping"}))
            .await
            .unwrap();
        assert_eq!(code_and_id(r), (-32600, json!(2)));
        let r = exchange(&d, json!({"jsonrpc": "2.0", "id": [2], "method": "ping"})).await;
        assert_eq!(code_and_id(r.unwrap()), (-32600, Value::Null));

        let (code, message) = error(&d, "prompts/list", json!({})).await;
        assert_eq!(code, -32601);
        assert!(message.contains("prompts/list"), "{message}");

        assert_eq!(error(&d, "initialize", json!({})).await.0, -32602);
        assert_eq!(error(&d, "tools/call", json!({})).await.0, -32602);
    }

    #[tokio::test]
    async fn tools_list_walks_every_page_with_a_small_page_size() {
        let f = fixture();
        let d = dispatcher(&f).with_page_size(1);
        let mut names = Vec::new();
        let mut cursor = None;
        loop {
            let params = cursor.map_or(json!({}), |c| json!({"cursor": c}));
            let page = result(&d, "tools/list", params).await;
            let tools = page["tools"].as_array().unwrap();
            assert_eq!(tools.len(), 1, "{page}");
            names.push(tools[0]["name"].as_str().unwrap().to_owned());
            match page.get("nextCursor") {
                Some(next) => cursor = Some(next.clone()),
                None => break,
            }
        }
        let all: Vec<_> = catalogue::registry().iter().map(|t| t.name).collect();
        assert_eq!(names, all);
    }

    #[tokio::test]
    async fn an_invalid_cursor_is_invalid_params() {
        let f = fixture();
        let d = dispatcher(&f);
        for cursor in ["", "bogus", "after:"] {
            assert_eq!(
                error(&d, "tools/list", json!({"cursor": cursor})).await.0,
                -32602,
                "{cursor:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_tool_is_listed_with_schemas_annotations_tier_and_area() {
        let f = fixture();
        let page = result(&dispatcher(&f), "tools/list", json!({})).await;
        let tool = page["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "get_context")
            .expect("get_context is listed")
            .clone();
        assert_eq!(tool["title"], "Get context");
        assert!(tool["description"].as_str().unwrap().contains("first"));
        assert_eq!(tool["inputSchema"]["type"], "object");
        assert_eq!(tool["outputSchema"]["type"], "object");
        assert_eq!(
            tool["annotations"],
            json!({
                "title": "Get context",
                "readOnlyHint": true,
                "destructiveHint": false,
                "idempotentHint": true,
                "openWorldHint": false,
            })
        );
        assert_eq!(
            tool["_meta"],
            json!({"teetrack/tier": "free", "teetrack/area": "context"})
        );
    }

    #[tokio::test]
    async fn get_context_answers_as_the_authenticated_user() {
        let f = fixture();
        let d = dispatcher(&f);
        for arguments in [json!({}), Value::Null] {
            let r = result(
                &d,
                "tools/call",
                json!({"name": "get_context", "arguments": arguments}),
            )
            .await;
            assert_eq!(r["isError"], false);
            let structured = &r["structuredContent"];
            assert_eq!(structured["user"]["email"], "ada@example.com");
            let text = r["content"][0]["text"].as_str().unwrap();
            assert_eq!(&serde_json::from_str::<Value>(text).unwrap(), structured);
        }
    }

    #[tokio::test]
    async fn unknown_tools_and_bad_arguments_are_invalid_params() {
        let f = fixture();
        let d = dispatcher(&f);
        let (code, message) = error(&d, "tools/call", json!({"name": "fly_to_moon"})).await;
        assert_eq!(code, -32602);
        assert!(message.contains("fly_to_moon"), "{message}");
        let (code, message) = error(
            &d,
            "tools/call",
            json!({"name": "get_context", "arguments": {"verbose": true}}),
        )
        .await;
        assert_eq!(code, -32602);
        assert!(message.contains("verbose"), "{message}");
    }

    type HandlerFuture = Pin<Box<dyn Future<Output = Result<Value, CallError>> + Send>>;

    fn test_tool(tier: Tier, handler: fn(catalogue::Ctx, Value) -> HandlerFuture) -> ToolDef {
        ToolDef {
            name: "test_tool",
            title: "Test tool",
            description: "A tool that exists only in this test.",
            area: None,
            module: "tests",
            read_only: true,
            destructive: false,
            idempotent: true,
            tier,
            input_schema: || json!({"type": "object"}),
            output_schema: || json!({"type": "object"}),
            handler,
        }
    }

    /// No gated tool may exist yet, so a stand-in goes through the same
    /// `ToolDef::call` and result mapping that `tools/call` uses.
    #[tokio::test]
    async fn a_domain_error_is_a_result_with_is_error_and_an_internal_one_is_not() {
        let f = fixture();
        let ctx = || Ctx::new(f.user.clone(), f.db.clone(), Clock::System);

        let gated = test_tool(Tier::Pro, |_, _| Box::pin(async { Ok(json!({})) }));
        let r = tools::call_result(gated.name, gated.call(ctx(), Value::Null).await).unwrap();
        assert_eq!(r["isError"], true);
        assert_eq!(r["structuredContent"]["code"], "tier_required");
        assert_eq!(r["structuredContent"]["required_tier"], "pro");

        let broken = test_tool(Tier::Free, |_, _| {
            Box::pin(async { Err(ToolError::internal("the disk is on fire").into()) })
        });
        let err =
            tools::call_result(broken.name, broken.call(ctx(), Value::Null).await).unwrap_err();
        assert_eq!(err.code, RpcError::INTERNAL_ERROR);
        assert!(!err.message.contains("disk"));
    }
}
