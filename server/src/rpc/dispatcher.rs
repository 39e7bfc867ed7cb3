//! The one dispatcher: a request in, its response out, for every transport
//! and every protocol revision. It keeps nothing between requests (a stdio
//! session's handshake lives in the transport's [`Session`]), so any
//! instance can answer any request.

use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;
use std::time::Instant;

use catalogue::{Clock, Ctx, Db, Progress, User};
use futures_util::FutureExt as _;
use serde_json::{Value, json};

use super::extras::{self, Extras};
use super::logging::{LogLevel, RequestLog};
use super::method::{CallToolParams, CompleteParams, CompletionRef, InputParams, Method};
use super::prompts::{self, Completion, Lookup};
use super::request_state::{Binding, StateKey};
use super::revision::{self, Era};
use super::scope::{Notifier, Scope};
use super::tools::{self, Listing};
use super::{Exposure, Handler, LIST_TTL_MS, Payload, Request, Response, RpcError, resources};

#[derive(Debug)]
pub struct Dispatcher {
    db: Db,
    /// Rendered at the first `tools/list`, not at start-up: every tool's
    /// schemas take longer to build than the rest of a cold start.
    tools: OnceLock<Listing>,
    /// What this build serves beside the product (see [`extras::installed`]).
    extras: &'static dyn Extras,
    /// What the server exposes (`--toolsets`, `--read-only`); a request may
    /// narrow it further ([`Scope::exposure`]).
    exposure: Exposure,
    /// Seals the `requestState` of an `InputRequiredResult`: derived from
    /// the database's secret on first use, so every instance has the same.
    state_key: OnceLock<StateKey>,
}

/// At most this many completion values, as the spec allows.
const MAX_COMPLETIONS: usize = 100;

impl Dispatcher {
    pub fn new(db: Db) -> Dispatcher {
        Dispatcher {
            db,
            tools: OnceLock::new(),
            extras: extras::installed(),
            exposure: Exposure::default(),
            state_key: OnceLock::new(),
        }
    }

    fn listing(&self) -> &Listing {
        self.tools
            .get_or_init(|| Listing::new(catalogue::registry()))
    }

    /// Exposes only what `exposure` allows (every tool by default).
    pub fn with_exposure(self, exposure: Exposure) -> Dispatcher {
        Dispatcher { exposure, ..self }
    }

    /// What one request sees: the server's exposure, narrowed by the request's.
    fn exposure(&self, scope: &Scope) -> Exposure {
        match &scope.exposure {
            Some(asked) => self.exposure.and(asked),
            None => self.exposure.clone(),
        }
    }

    /// Seals and opens `requestState` with `key` (one every instance shares).
    #[cfg(test)]
    fn with_state_key(self, key: StateKey) -> Dispatcher {
        Dispatcher {
            state_key: OnceLock::from(key),
            ..self
        }
    }

    async fn state_key(&self) -> Result<&StateKey, RpcError> {
        if let Some(key) = self.state_key.get() {
            return Ok(key);
        }
        let secret = self
            .db
            .run(|conn| {
                catalogue::db::oauth::signing_key(conn)
                    .map_err(|err| catalogue::ToolError::internal(err.to_string()))
            })
            .await
            .map_err(|err| {
                tracing::error!(error = %err.message, "cannot read the server's secret");
                RpcError::internal()
            })?;
        Ok(self
            .state_key
            .get_or_init(|| StateKey::from_secret(secret.as_bytes())))
    }

    #[cfg(test)]
    fn with_page_size(self, page_size: usize) -> Dispatcher {
        Dispatcher {
            tools: OnceLock::from(Listing::new(catalogue::registry()).with_page_size(page_size)),
            ..self
        }
    }

    async fn serve(&self, request: Request, scope: &Scope) -> Result<Payload, RpcError> {
        let era = Era::of(&request.method, request.params.as_ref(), scope)?;
        let modern = era.is_modern();
        let not_found = |method: &str| match modern {
            true => RpcError::method_not_found_404(method),
            false => RpcError::method_not_found(method),
        };
        let meta = request
            .params
            .as_ref()
            .and_then(|p| p.get("_meta"))
            .cloned()
            .unwrap_or(Value::Null);
        let progress_token = request
            .params
            .as_ref()
            .and_then(|p| p.pointer("/_meta/progressToken"))
            .filter(|t| t.is_string() || t.is_i64())
            .cloned();
        if !Method::in_era(&request.method, modern) {
            return Err(not_found(&request.method));
        }
        let method = Method::parse(&request.method, request.params).map_err(|err| {
            match err.code == RpcError::METHOD_NOT_FOUND {
                true => not_found(&request.method),
                false => err,
            }
        })?;
        let log_level = match &era {
            Era::Modern { log_level, .. } => *log_level,
            Era::Legacy(_) => scope.session.log_level(),
        };
        let log = RequestLog::new(log_level, scope.notify.clone());
        let exposure = self.exposure(scope);
        // MCP Apps: only a client that declared it sees the views.
        let apps = crate::apps::requested(&meta, scope);
        // What a list result may be cached for: the lists change only with a
        // release, and say nothing about the user; a resource is the user's.
        let cacheable = |result: Value, ttl_ms: u64, cache_scope: &str| match (modern, result) {
            (true, Value::Object(mut fields)) => {
                fields.insert("ttlMs".into(), json!(ttl_ms));
                fields.insert("cacheScope".into(), json!(cache_scope));
                Value::Object(fields)
            }
            (_, result) => result,
        };
        let result = match method {
            Method::Initialize(params) => {
                let mut result = revision::initialize(&params, scope);
                if crate::apps::declared(&params.capabilities) {
                    scope.session.set_apps();
                    crate::apps::add_capability(&mut result["capabilities"]);
                }
                result
            }
            Method::Discover => {
                let mut result = revision::discover();
                if apps {
                    crate::apps::add_capability(&mut result["capabilities"]);
                }
                result
            }
            Method::Ping => json!({}),
            Method::SetLogLevel(params) => {
                scope.session.set_log_level(params.level);
                json!({})
            }
            Method::ListTools(params) => {
                let page = self.listing().page(params.cursor.as_deref(), &exposure)?;
                let page = extras::add(page, "tools", params.cursor.is_none(), self.extras.tools());
                let page = match apps {
                    true => crate::apps::annotate_tools(page),
                    false => page,
                };
                cacheable(page, LIST_TTL_MS, "public")
            }
            Method::CallTool(params) => {
                let binding = binding(scope, &request.method, &params.name, &params.arguments);
                let state = self.open_state(&params.input, &binding, &era).await?;
                let retry = (&params.input, state.as_ref());
                if catalogue::find_tool(&params.name).is_none()
                    && let Some(outcome) = self
                        .extras
                        .call_tool(&params.name, &meta, scope, &era, retry)
                        .await
                {
                    return Ok(era
                        .result(self.seal_state(outcome?, &binding, &era).await?)
                        .into());
                }
                let progress = progress_token.map(|token| progress_reporter(token, &scope.notify));
                // Shaped for its era as it is written (see `tools::call_result`).
                return self
                    .call_tool(params, scope.user.clone(), progress, &log, &exposure, &era)
                    .await;
            }
            Method::ListPrompts(params) => {
                let list = single_page(prompts::list(&exposure), params.cursor)?;
                let list = extras::add(list, "prompts", true, self.extras.prompts());
                cacheable(list, LIST_TTL_MS, "public")
            }
            Method::GetPrompt(params) => {
                let arguments = json!(params.arguments);
                let binding = binding(scope, &request.method, &params.name, &arguments);
                let state = self.open_state(&params.input, &binding, &era).await?;
                let retry = (&params.input, state.as_ref());
                if let Some(outcome) =
                    self.extras
                        .get_prompt(&params.name, &params.arguments, &meta, retry)
                {
                    return Ok(era
                        .result(self.seal_state(outcome?, &binding, &era).await?)
                        .into());
                }
                prompts::get(&params.name, &params.arguments, &exposure)?
            }
            Method::ListResources(params) => {
                let list = single_page(resources::list(&exposure), params.cursor)?;
                let list = extras::add(list, "resources", true, self.extras.resources());
                let list = extras::add(list, "resources", apps, crate::apps::resources());
                cacheable(list, LIST_TTL_MS, "public")
            }
            Method::ListResourceTemplates(params) => {
                let list = single_page(resources::templates(&exposure), params.cursor)?;
                let list = extras::add(
                    list,
                    "resourceTemplates",
                    true,
                    self.extras.resource_templates(),
                );
                cacheable(list, LIST_TTL_MS, "public")
            }
            Method::ReadResource(params) => match self.extras.read_resource(&params.uri) {
                Some(contents) => cacheable(contents?, 0, "public"),
                // The views are the same for everyone and change with a release.
                None if params.uri.starts_with("ui://") => match crate::apps::read(&params.uri) {
                    Some(contents) => cacheable(contents, LIST_TTL_MS, "public"),
                    None => return Err(self.no_resource(&params.uri, modern)),
                },
                None => cacheable(
                    self.read_resource(&params.uri, scope.user.clone(), modern, &exposure)
                        .await?,
                    0,
                    "private",
                ),
            },
            Method::Complete(params) => {
                self.complete(params, scope.user.clone(), &exposure).await?
            }
        };
        Ok(era.result(result).into())
    }

    /// The handler's own state a retry carries in `requestState`, checked
    /// (SEP-2322: it comes back through the client, so it is untrusted until
    /// its seal is). A state this server did not seal for this user, method
    /// and name is invalid params, and so is an answer in `inputResponses`
    /// that is no result object; the handshake era has neither field.
    async fn open_state(
        &self,
        input: &InputParams,
        binding: &Binding<'_>,
        era: &Era,
    ) -> Result<Option<Value>, RpcError> {
        if era.is_modern()
            && let Some((key, _)) = input
                .input_responses
                .iter()
                .flatten()
                .find(|(_, answer)| !answer.is_object())
        {
            return Err(RpcError::invalid_params(format!(
                "inputResponses[{key:?}] must be the result of the request asked for \
                 (an ElicitResult, CreateMessageResult or ListRootsResult object)"
            )));
        }
        match (&input.request_state, era.is_modern()) {
            (Some(sealed), true) => self
                .state_key()
                .await?
                .open(binding, sealed, jiff::Timestamp::now().as_second())
                .map(Some),
            _ => Ok(None),
        }
    }

    /// An `InputRequiredResult` with its handler's `requestState` (any
    /// JSON) sealed into the opaque string the client echoes back. Only the
    /// current revision can ask the client for input within a request.
    async fn seal_state(
        &self,
        mut result: Value,
        binding: &Binding<'_>,
        era: &Era,
    ) -> Result<Value, RpcError> {
        if result["resultType"] != "input_required" {
            return Ok(result);
        }
        if !era.is_modern() {
            return Err(RpcError::invalid_params(format!(
                "{} needs the client's input, which only protocol revision {} can give within a request",
                binding.name,
                super::MODERN
            )));
        }
        if let Some(state) = result.get_mut("requestState") {
            let sealed =
                self.state_key()
                    .await?
                    .seal(binding, state, jiff::Timestamp::now().as_second());
            *state = Value::String(sealed);
        }
        Ok(result)
    }

    async fn call_tool(
        &self,
        params: CallToolParams,
        user: User,
        progress: Option<Progress>,
        log: &RequestLog,
        exposure: &Exposure,
        era: &Era,
    ) -> Result<Payload, RpcError> {
        // A tool this server or request hides is as unknown as one that
        // does not exist.
        let tool = exposure
            .find(&params.name)
            .ok_or_else(|| RpcError::invalid_params(format!("unknown tool {:?}", params.name)))?;
        let mut ctx = Ctx::new(user, self.db.clone(), Clock::System);
        if let Some(progress) = progress {
            ctx = ctx.with_progress(progress);
        }
        let started = Instant::now();
        let outcome = tool.call_json(ctx, params.arguments).await;
        let result = tools::call_result(tool.name, outcome, era);
        log.log(LogLevel::Debug, || {
            format!(
                "{} answered in {} ms",
                tool.name,
                started.elapsed().as_millis()
            )
        });
        if let Err(err) = &result
            && err.code == RpcError::INTERNAL_ERROR
        {
            log.log(LogLevel::Error, || {
                format!("{} failed: {}", tool.name, err.message)
            });
        }
        result
    }

    /// Runs a tool for a non-tool request (a resource, a completion): its
    /// domain errors become invalid params, as the resource's own would.
    async fn run_tool(
        &self,
        name: &str,
        arguments: Value,
        user: User,
        exposure: &Exposure,
    ) -> Result<Value, RpcError> {
        let tool = exposure.find(name).ok_or_else(RpcError::internal)?;
        let ctx = Ctx::new(user, self.db.clone(), Clock::System);
        match tool.call(ctx, arguments).await {
            Ok(value) => Ok(value),
            Err(err) => {
                let err = tools::refused(tool.name, err)?;
                let mut refusal = RpcError::invalid_params(err.message.clone());
                refusal.data = Some(serde_json::to_value(&err).expect("a tool error serialises"));
                Err(refusal)
            }
        }
    }

    async fn read_resource(
        &self,
        uri: &str,
        user: User,
        modern: bool,
        exposure: &Exposure,
    ) -> Result<Value, RpcError> {
        let Some(read) = resources::resolve(uri, exposure) else {
            return Err(self.no_resource(uri, modern));
        };
        let value = self
            .run_tool(read.tool, read.arguments, user, exposure)
            .await?;
        let text = (read.text)(value).ok_or_else(RpcError::internal)?;
        Ok(json!({"contents": [{"uri": uri, "mimeType": read.mime_type, "text": text}]}))
    }

    /// 2026-07-28 made an unknown resource invalid params; the handshake
    /// era had its own code for it.
    fn no_resource(&self, uri: &str, modern: bool) -> RpcError {
        let mut err = RpcError::invalid_params(format!("no resource {uri:?}"));
        if !modern {
            err.code = RpcError::RESOURCE_NOT_FOUND;
        }
        err.data = Some(json!({"uri": uri}));
        err
    }

    async fn complete(
        &self,
        params: CompleteParams,
        user: User,
        exposure: &Exposure,
    ) -> Result<Value, RpcError> {
        let typed = params.argument.value;
        let values: Vec<String> = match params.reference {
            CompletionRef::Prompt { name } => {
                match self.extras.complete(&name, &params.argument.name, &typed) {
                    Some(values) => values?,
                    None => {
                        match prompts::complete(&name, &params.argument.name, &typed, exposure)? {
                            Completion::Values(values) => {
                                values.into_iter().map(str::to_owned).collect()
                            }
                            Completion::Lookup(lookup) => {
                                self.names(lookup, &typed, user, exposure).await?
                            }
                        }
                    }
                }
            }
            // The invoice template's `{id}` is a number the client has from
            // `list_invoices`; nothing useful to offer.
            CompletionRef::Resource {} => Vec::new(),
        };
        let has_more = values.len() > MAX_COMPLETIONS;
        let shown: Vec<String> = values.into_iter().take(MAX_COMPLETIONS).collect();
        Ok(json!({"completion": {"values": shown, "hasMore": has_more}}))
    }

    /// Names of the user's projects or clients that start with `typed`
    /// (case-insensitive), through the list tool's own search.
    async fn names(
        &self,
        lookup: Lookup,
        typed: &str,
        user: User,
        exposure: &Exposure,
    ) -> Result<Vec<String>, RpcError> {
        let mut arguments = json!({"limit": 200});
        if !typed.is_empty() {
            arguments["search"] = json!(typed);
        }
        let listed = self
            .run_tool(lookup.tool, arguments, user, exposure)
            .await?;
        let typed = typed.to_lowercase();
        Ok(listed[lookup.list]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|item| item["name"].as_str())
            .filter(|name| name.to_lowercase().starts_with(&typed))
            .map(str::to_owned)
            .collect())
    }
}

/// What a `requestState` is bound to: who asked, and for what.
fn binding<'a>(scope: &Scope, method: &'a str, name: &'a str, arguments: &'a Value) -> Binding<'a> {
    Binding {
        user_id: scope.user.id,
        method,
        name,
        arguments,
    }
}

/// Prompts and resources fit on one page; a cursor can only be a mistake.
fn single_page(list: Value, cursor: Option<String>) -> Result<Value, RpcError> {
    match cursor {
        None => Ok(list),
        Some(cursor) => Err(RpcError::invalid_params(format!(
            "invalid cursor {cursor:?}"
        ))),
    }
}

/// Turns a tool's progress reports into `notifications/progress` for the
/// request that asked with `token`.
fn progress_reporter(token: Value, notify: &Notifier) -> Progress {
    let notify = notify.clone();
    Progress::new(move |done, total, message| {
        let mut params = json!({"progressToken": token, "progress": done});
        if let Some(total) = total {
            params["total"] = json!(total);
        }
        if !message.is_empty() {
            params["message"] = json!(message);
        }
        notify.send("notifications/progress", params);
    })
}

impl Handler for Dispatcher {
    async fn handle(&self, request: Request, scope: Scope) -> Response {
        tracing::debug!(id = %request.id, method = request.method, "request");
        let id = request.id.clone();
        let method = request.method.clone();
        // A panic in a handler (a tool's bug) is that request's internal
        // error, logged once, and never the transport's: a batch's other
        // requests and the connection or process go on.
        // Boxed: `serve`'s future holds every method's state, and a task
        // moves its future whole as it is spawned and as it finishes (copies
        // were 9% of a small call's samples at 32 in flight; boxed, the
        // p50 of one call at a time moved by half a microsecond).
        let outcome = AssertUnwindSafe(Box::pin(self.serve(request, &scope)))
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| {
                let reason = panic
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
                    .unwrap_or("(no message)");
                tracing::error!(%id, method, panic = reason, "request handler panicked");
                Err(RpcError::internal())
            });
        Response::new(id, outcome)
    }
}

#[cfg(test)]
mod tests {
    use catalogue::{Tier, ToolDef, ToolError};
    use serde_json::json;

    use super::*;
    use crate::rpc::Incoming;
    use crate::rpc::revision::LEGACY_VERSIONS;
    use crate::rpc::scope::Session;

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

    /// The dispatcher and the scope of a stdio session of the fixture's user.
    struct Harness {
        dispatcher: Dispatcher,
        scope: Scope,
    }

    impl Harness {
        fn with_page_size(self, page_size: usize) -> Harness {
            Harness {
                dispatcher: self.dispatcher.with_page_size(page_size),
                ..self
            }
        }
    }

    fn dispatcher(f: &Fixture) -> Harness {
        Harness {
            dispatcher: Dispatcher::new(f.db.clone()),
            scope: Scope {
                user: f.user.clone(),
                session: Session::default(),
                headers: None,
                notify: Notifier::discard(),
                exposure: None,
            },
        }
    }

    /// One message through the dispatcher the way a transport does it:
    /// `None` when nothing is sent back.
    async fn exchange(d: &Harness, message: Value) -> Option<Value> {
        let response = match Incoming::read(message.to_string().as_bytes()) {
            Incoming::Request(request) => d.dispatcher.handle(request, d.scope.clone()).await,
            Incoming::Reply(response) => response,
            Incoming::Cancel(_) | Incoming::Ignore => return None,
        };
        Some(serde_json::from_slice(&response.to_line()).unwrap())
    }

    async fn request(d: &Harness, method: &str, params: Value) -> Value {
        let message = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response = exchange(d, message).await.expect("a response");
        assert_eq!(response["id"], 1, "{response}");
        response
    }

    async fn result(d: &Harness, method: &str, params: Value) -> Value {
        let response = request(d, method, params).await;
        assert!(response.get("error").is_none(), "{response}");
        response["result"].clone()
    }

    async fn error(d: &Harness, method: &str, params: Value) -> (i64, String) {
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
        for version in LEGACY_VERSIONS {
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
        assert_eq!(r["capabilities"]["tools"], json!({"listChanged": false}));
        assert_eq!(r["capabilities"]["prompts"], json!({"listChanged": false}));
        assert_eq!(
            d.scope.session.version(),
            Some("2025-11-25"),
            "the handshake is kept"
        );
        assert!(r["instructions"].as_str().unwrap().contains("get_context"));
    }

    fn capture() -> (Notifier, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
        let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&sent);
        (Notifier::new(move |m| sink.lock().unwrap().push(m)), sent)
    }

    fn modern(params: Value) -> Value {
        let mut params = params;
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
        });
        params
    }

    #[tokio::test]
    async fn the_current_revision_answers_with_result_types_and_cache_hints() {
        let f = fixture();
        let d = dispatcher(&f);
        let discover = result(&d, "server/discover", modern(json!({}))).await;
        assert_eq!(discover["resultType"], "complete");
        assert_eq!(discover["supportedVersions"][0], "2026-07-28");
        assert_eq!(discover["capabilities"]["completions"], json!({}));
        let list = result(&d, "tools/list", modern(json!({}))).await;
        assert_eq!(
            (list["cacheScope"].clone(), list["ttlMs"].clone()),
            (json!("public"), json!(LIST_TTL_MS))
        );
        let call = result(&d, "tools/call", modern(json!({"name": "get_context"}))).await;
        assert_eq!(
            (call["resultType"].clone(), call["isError"].clone()),
            (json!("complete"), json!(false))
        );
        for removed in [
            "initialize",
            "ping",
            "logging/setLevel",
            "subscriptions/listen",
        ] {
            let response = request(&d, removed, modern(json!({}))).await;
            assert_eq!(response["error"]["code"], -32601, "{removed}");
        }
        assert_eq!(
            d.scope.session.version(),
            None,
            "a current request settles no session"
        );
        // The same dispatcher goes on serving the handshake era.
        assert!(
            result(&d, "tools/list", json!({}))
                .await
                .get("resultType")
                .is_none()
        );
        assert_eq!(error(&d, "server/discover", json!({})).await.0, -32602);
    }

    /// Two instances that share the secret: what one seals, the other
    /// opens; a state altered on the way, or sealed for another call, is
    /// invalid params (SEP-2322: `requestState` is attacker-controlled).
    #[tokio::test]
    async fn request_state_round_trips_between_instances_and_tampering_is_refused() {
        let f = fixture();
        let instance = || Harness {
            dispatcher: Dispatcher::new(f.db.clone())
                .with_state_key(StateKey::from_secret(b"shared by every instance")),
            ..dispatcher(&f)
        };
        let (a, b) = (instance(), instance());
        let modern_era = Era::Modern { log_level: None };
        let arguments = json!({});
        let call = binding(&a.scope, "tools/call", "get_context", &arguments);
        let asked = a
            .dispatcher
            .seal_state(
                json!({"resultType": "input_required", "inputRequests": {}, "requestState": {"step": 1}}),
                &call,
                &modern_era,
            )
            .await
            .unwrap();
        let sealed = asked["requestState"]
            .as_str()
            .expect("sealed into a string");
        assert!(!sealed.contains("step"), "opaque: {sealed}");
        let retry = InputParams {
            input_responses: None,
            request_state: Some(sealed.to_owned()),
        };
        assert_eq!(
            b.dispatcher
                .open_state(&retry, &call, &modern_era)
                .await
                .unwrap(),
            Some(json!({"step": 1}))
        );
        let with_state = |state: &str| {
            modern(json!({"name": "get_context", "arguments": {}, "requestState": state}))
        };
        let answered = result(&b, "tools/call", with_state(sealed)).await;
        assert_eq!(answered["resultType"], "complete");
        let malformed = modern(json!({"name": "get_context", "inputResponses": {"k": 12345}}));
        let (code, message) = error(&b, "tools/call", malformed).await;
        assert_eq!(code, RpcError::INVALID_PARAMS as i64);
        assert!(message.contains("inputResponses[\"k\"]"), "{message}");
        for (state, why) in [
            (format!("{sealed}-TAMPERED"), "integrity check failed"),
            ("made-up".to_owned(), "not a state this server issued"),
        ] {
            let (code, message) = error(&b, "tools/call", with_state(&state)).await;
            assert_eq!(code, RpcError::INVALID_PARAMS as i64, "{state}");
            assert!(message.contains(why), "{message}");
        }
        let (code, message) = error(
            &b,
            "tools/call",
            modern(json!({"name": "get_context", "arguments": {"x": 1}, "requestState": sealed})),
        )
        .await;
        assert_eq!(code, RpcError::INVALID_PARAMS as i64);
        assert!(message.contains("another request"), "{message}");
        let other_key = Harness {
            dispatcher: Dispatcher::new(f.db.clone())
                .with_state_key(StateKey::from_secret(b"another deployment")),
            ..dispatcher(&f)
        };
        let (code, _) = error(&other_key, "tools/call", with_state(sealed)).await;
        assert_eq!(code, RpcError::INVALID_PARAMS as i64);
        // The handshake era has no requestState to check, and cannot ask.
        let legacy = json!({"name": "get_context", "requestState": "made-up"});
        assert_eq!(result(&b, "tools/call", legacy).await["isError"], false);
        let refused = a.dispatcher.seal_state(
            json!({"resultType": "input_required", "requestState": {}}),
            &call,
            &Era::Legacy("2025-11-25"),
        );
        assert_eq!(refused.await.unwrap_err().code, RpcError::INVALID_PARAMS);
    }

    /// Without a key given, each instance derives it from the secret in the
    /// database they share.
    #[tokio::test]
    async fn instances_on_one_database_share_the_request_state_key() {
        let f = fixture();
        let (a, b) = (Dispatcher::new(f.db.clone()), Dispatcher::new(f.db.clone()));
        let arguments = json!({});
        let call = Binding {
            user_id: f.user.id,
            method: "tools/call",
            name: "t",
            arguments: &arguments,
        };
        let now = jiff::Timestamp::now().as_second();
        let sealed = a
            .state_key()
            .await
            .unwrap()
            .seal(&call, &json!("kept"), now);
        let opened = b.state_key().await.unwrap().open(&call, &sealed, now);
        assert_eq!(opened.unwrap(), "kept");
    }

    #[tokio::test]
    async fn set_level_opts_a_stdio_session_into_log_messages() {
        let f = fixture();
        let (notify, sent) = capture();
        let d = Harness {
            scope: Scope {
                notify,
                ..dispatcher(&f).scope
            },
            ..dispatcher(&f)
        };
        result(&d, "tools/call", json!({"name": "get_context"})).await;
        assert!(sent.lock().unwrap().is_empty(), "no log without an opt-in");
        assert_eq!(
            result(&d, "logging/setLevel", json!({"level": "debug"})).await,
            json!({})
        );
        result(&d, "tools/call", json!({"name": "get_context"})).await;
        let sent = sent.lock().unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0]["method"], "notifications/message");
        assert!(
            sent[0]["params"]["data"]
                .as_str()
                .unwrap()
                .starts_with("get_context answered in")
        );
    }

    #[tokio::test]
    async fn a_tools_progress_reports_go_out_with_the_requests_token() {
        let f = fixture();
        let (notify, sent) = capture();
        let ctx = Ctx::new(f.user.clone(), f.db.clone(), Clock::System)
            .with_progress(progress_reporter(json!("export-1"), &notify));
        ctx.progress(50, Some(200), "50 of 200 tracks");
        ctx.progress(200, None, "");
        assert_eq!(
            *sent.lock().unwrap(),
            [
                json!({"jsonrpc": "2.0", "method": "notifications/progress", "params":
                    {"progressToken": "export-1", "progress": 50, "total": 200, "message": "50 of 200 tracks"}}),
                json!({"jsonrpc": "2.0", "method": "notifications/progress", "params":
                    {"progressToken": "export-1", "progress": 200}}),
            ]
        );
    }

    #[tokio::test]
    async fn prompts_and_resources_are_served_in_both_eras() {
        let f = fixture();
        let d = dispatcher(&f);
        let listed = result(&d, "prompts/list", json!({})).await;
        assert_eq!(listed["prompts"].as_array().unwrap().len(), 3);
        let read = result(&d, "resources/read", json!({"uri": "teetrack://settings"})).await;
        assert_eq!(read["contents"][0]["mimeType"], "application/json");
        assert_eq!(
            error(&d, "resources/read", json!({"uri": "teetrack://nope"}))
                .await
                .0,
            -32002
        );
        assert_eq!(
            error(
                &d,
                "resources/read",
                modern(json!({"uri": "teetrack://nope"}))
            )
            .await
            .0,
            -32602
        );
        assert_eq!(
            error(&d, "prompts/list", json!({"cursor": "x"})).await.0,
            -32602
        );
        let complete = result(
            &d,
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "budget_check"}, "argument": {"name": "project", "value": "zz"}}),
        )
        .await;
        assert_eq!(complete["completion"]["values"], json!([]));
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

        let (code, message) = error(&d, "resources/subscribe", json!({})).await;
        assert_eq!(code, -32601);
        assert!(message.contains("resources/subscribe"), "{message}");

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
            json!({"teetrack/tier": "free", "teetrack/area": "context", "teetrack/scope": "tracks:read"})
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

    fn test_tool(
        tier: Tier,
        handler: fn(catalogue::Ctx, Value) -> catalogue::__private::HandlerFuture,
    ) -> ToolDef {
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
            scope: catalogue::Scope::Admin,
            input_schema: || json!({"type": "object"}),
            output_schema: || json!({"type": "object"}),
            handler,
        }
    }

    /// Stand-ins, so the tier gate and an internal error are tested apart
    /// from any real tool: they go through the same `ToolDef::call` and
    /// result mapping that `tools/call` uses.
    #[tokio::test]
    async fn a_domain_error_is_a_result_with_is_error_and_an_internal_one_is_not() {
        let f = fixture();
        let ctx = || Ctx::new(f.user.clone(), f.db.clone(), Clock::System);

        let legacy = Era::Legacy("2025-06-18");
        let gated = test_tool(Tier::Pro, |_, _| {
            Box::pin(async { Ok(serde_json::value::to_raw_value(&json!({})).unwrap()) })
        });
        let outcome = gated.call_json(ctx(), Value::Null).await;
        let r = serde_json::to_value(tools::call_result(gated.name, outcome, &legacy).unwrap())
            .unwrap();
        assert_eq!(r["isError"], true);
        assert!(r.get("structuredContent").is_none(), "{r}");
        let body: Value = serde_json::from_str(r["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(body["code"], "tier_required");
        assert_eq!(body["required_tier"], "pro");

        let broken = test_tool(Tier::Free, |_, _| {
            Box::pin(async { Err(ToolError::internal("the disk is on fire").into()) })
        });
        let outcome = broken.call_json(ctx(), Value::Null).await;
        let err = tools::call_result(broken.name, outcome, &legacy).unwrap_err();
        assert_eq!(err.code, RpcError::INTERNAL_ERROR);
        assert!(!err.message.contains("disk"));
    }
}
