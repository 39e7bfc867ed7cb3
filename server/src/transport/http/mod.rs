//! `teetrack serve`: MCP over Streamable HTTP at `/api/mcp`, plus `/healthz`.
//!
//! Stateless: every request carries its bearer token (checked against the
//! database each time) and its protocol version (the `MCP-Protocol-Version`
//! header, or `_meta` since 2026-07-28). No session id is issued, so any
//! instance on the same database can answer any request. A response is one
//! JSON object unless the request produces notifications (progress, log
//! messages) before its result; then it becomes an event stream.

mod checks;
mod conn;
pub(crate) mod rate_limit;
mod reply;

pub(crate) use reply::json as reply_json;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use catalogue::{Db, User};
use futures_util::StreamExt as _;
use serde_json::json;

use crate::oauth::bearer::{self, Principal, Rejected};
use crate::oauth::{self, OAuth};
use crate::rpc::{
    BATCH_VERSION, Dispatcher, Exposure, Incoming, McpHeaders, Message, Notifier, Scope, Session,
};
use checks::{Accepts, OriginPolicy};
use rate_limit::RateLimiter;

/// How `teetrack serve` was asked to run.
#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    /// Browser origins allowed besides this machine's own pages.
    pub allowed_origins: Vec<String>,
    pub max_body_bytes: usize,
    /// Per token and per instance (see [`rate_limit`]).
    pub rate_per_minute: u32,
    pub rate_burst: u32,
    /// The URL clients reach this server at, behind a reverse proxy; used in
    /// every OAuth metadata document [default: http://<the bound address>].
    pub public_url: Option<String>,
    /// Test-only: OAuth client metadata documents may be fetched over plain
    /// http from 127.0.0.1.
    pub allow_loopback_client_metadata: bool,
    /// How long an OAuth access token lives (seconds).
    pub access_token_secs: i64,
    /// Timeouts and the connection cap (see [`conn`]).
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub max_connections: usize,
    /// Failed authentications a minute, and at once, per client address.
    pub auth_failures_per_minute: u32,
    pub auth_failure_burst: u32,
    /// The tools served (`--toolsets`, `--read-only`); a request may narrow
    /// it with `?toolsets=…&read_only=true`.
    pub exposure: Exposure,
}

/// The MCP endpoint's path.
pub const ENDPOINT: &str = "/api/mcp";

struct App {
    dispatcher: Arc<Dispatcher>,
    oauth: Arc<OAuth>,
    origins: OriginPolicy,
    limiter: RateLimiter,
    /// Failed authentications per client address: past its budget, an
    /// address gets 429 before its token costs a database lookup.
    auth_failures: RateLimiter,
    max_body_bytes: usize,
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    config: Config,
    db: Db,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let loopback = config.listen.ip().is_loopback();
    anyhow::ensure!(
        loopback || !config.allowed_origins.is_empty(),
        "--listen {} is not a loopback address: list the browser origins that may call it \
         with --allowed-origin (e.g. --allowed-origin https://chatgpt.com)",
        config.listen
    );
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let local = listener.local_addr()?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"));
    let oauth = OAuth::new(
        oauth::Settings {
            public_url,
            allow_loopback_client_metadata: config.allow_loopback_client_metadata,
            access_token_secs: config.access_token_secs,
        },
        db.clone(),
        ENDPOINT,
    )
    .await?;
    let dispatcher = Arc::new(Dispatcher::new(db.clone()).with_exposure(config.exposure.clone()));
    // The web app: pages and views call the tools through this same dispatcher.
    let web = Arc::new(crate::web::Web::new(
        db.clone(),
        Arc::clone(&dispatcher),
        Arc::clone(&oauth),
        ENDPOINT,
    ));
    let app = Arc::new(App {
        dispatcher,
        oauth: Arc::clone(&oauth),
        origins: OriginPolicy::new(loopback, &config.allowed_origins),
        limiter: RateLimiter::new(config.rate_per_minute, config.rate_burst)
            .shared_in(&db, "requests"),
        auth_failures: RateLimiter::new(config.auth_failures_per_minute, config.auth_failure_burst)
            .shared_in(&db, "auth-failures"),
        max_body_bytes: config.max_body_bytes,
    });
    let router = Router::new()
        // GET (a standalone event stream) and DELETE (ending a session) are
        // not offered: we push nothing outside a request and keep no
        // sessions. axum answers them 405 with `Allow: POST`.
        .route(ENDPOINT, post(mcp))
        .route(
            "/healthz",
            get(|| async { reply::json(StatusCode::OK, &json!({"status": "ok"})) }),
        );
    // The tool reference, static and public, at /docs/.
    let router = crate::docs_site::routes(router)
        .with_state(app)
        // Sign-in for remote connectors: discovery, registration,
        // authorization, tokens.
        .merge(oauth::routes(oauth))
        .merge(crate::web::routes(web));
    let limits = conn::Limits {
        header_read_timeout: config.header_read_timeout,
        body_read_timeout: config.body_read_timeout,
        max_connections: config.max_connections,
    };
    // One line for the operator (and the tests, which listen on port 0).
    eprintln!("teetrack: serving MCP at http://{local}{ENDPOINT}");
    conn::run(listener, router, limits, shutdown).await;
    Ok(())
}

/// SIGINT or SIGTERM: the signals that stop a server in a terminal, under
/// systemd or in a container.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot watch SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

/// POST /api/mcp.
async fn mcp(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let mut body = Some(body);
    let response = answer(&app, &parts, &mut body).await;
    match body {
        // Refused before the body was read.
        Some(unread) => settle(unread, &parts.headers, response, app.max_body_bytes).await,
        None => response,
    }
}

/// The answer to a POST; takes the body out of `body` once it is to be read.
async fn answer(
    app: &Arc<App>,
    parts: &axum::http::request::Parts,
    body: &mut Option<Body>,
) -> Response {
    let headers = &parts.headers;
    if let Err(reason) = app.origins.check(headers) {
        return refusal(StatusCode::FORBIDDEN, &reason);
    }
    if checks::token_in_query(&parts.uri) {
        return refusal(
            StatusCode::BAD_REQUEST,
            "a token in the URL is refused (URLs end up in logs): send it as `Authorization: Bearer <token>`",
        );
    }
    let asked = match asked_exposure(&parts.uri) {
        Ok(asked) => asked,
        Err(reason) => return refusal(StatusCode::BAD_REQUEST, &reason),
    };
    let Some(token) = checks::bearer(headers) else {
        return unauthorized(
            &app.oauth,
            "missing bearer token: send `Authorization: Bearer <token>`; make one with `teetrack tokens create EMAIL`, or sign in with OAuth",
        );
    };
    // Failed authentications are counted per client address too: one
    // client trying many tokens gets 429 before each costs a lookup.
    let address = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip());
    if let Some(address) = address
        && let Err(wait) = app.auth_failures.allows(&address.to_string()).await
    {
        return too_many(
            "too many failed authentications from this address; wait before trying again",
            wait,
        );
    }
    if let Err(wait) = app.limiter.allow(token).await {
        return too_many("too many requests for this token; slow down", wait);
    }
    let principal = match authenticate(&app.oauth, token).await {
        Ok(principal) => principal,
        Err((response, failed)) => {
            if let (true, Some(address)) = (failed, address) {
                let _ = app.auth_failures.allow(&address.to_string()).await;
            }
            return response;
        }
    };
    let user = principal.user.clone();
    let accepts = checks::accepts(headers);
    if !accepts.json {
        return refusal(
            StatusCode::NOT_ACCEPTABLE,
            "Accept must allow application/json (and text/event-stream for streamed responses)",
        );
    }
    if !checks::is_json(headers) {
        return refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        );
    }
    let Some(body) = body.take() else {
        return refusal(StatusCode::BAD_REQUEST, "the request body was already read");
    };
    let body = match read_body(body, headers, app.max_body_bytes).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let mcp_headers = McpHeaders {
        protocol_version: header_text(headers, "mcp-protocol-version"),
        method: header_text(headers, "mcp-method"),
        name: header_text(headers, "mcp-name"),
        session_id: header_text(headers, "mcp-session-id"),
    };
    let message = Message::read(&body);
    if let Some(response) = scope_refusal(&app.oauth, &principal, &message) {
        return response;
    }
    match message {
        Message::One(Incoming::Request(request)) => {
            reply::one(app, request, user, mcp_headers, accepts, asked).await
        }
        Message::One(Incoming::Reply(response)) => {
            reply::json(StatusCode::BAD_REQUEST, &response.to_value())
        }
        // Notifications and client responses: nothing to answer. A
        // cancellation over HTTP is the client closing the request's stream.
        Message::One(Incoming::Cancel(_) | Incoming::Ignore) => {
            StatusCode::ACCEPTED.into_response()
        }
        Message::Batch(items) => {
            let version = mcp_headers
                .protocol_version
                .as_deref()
                .unwrap_or(BATCH_VERSION);
            if version != BATCH_VERSION {
                return refusal(
                    StatusCode::BAD_REQUEST,
                    &format!("JSON-RPC batches are only part of protocol version {BATCH_VERSION}"),
                );
            }
            reply::batch(app, items, user, mcp_headers, asked).await
        }
    }
}

impl App {
    fn scope(
        &self,
        user: User,
        headers: McpHeaders,
        notify: Notifier,
        asked: Option<Exposure>,
    ) -> Scope {
        Scope {
            user,
            // Nothing of a handshake outlives its request over HTTP.
            session: Session::default(),
            headers: Some(headers),
            notify,
            exposure: asked,
        }
    }
}

/// What a request asks to see: `?toolsets=timers,tracks` (repeatable) and
/// `?read_only=true`, as on the command line. It narrows what the server
/// exposes and never widens it. `None` when the URL asks for nothing.
fn asked_exposure(uri: &axum::http::Uri) -> Result<Option<Exposure>, String> {
    let Some(query) = uri.query() else {
        return Ok(None);
    };
    let mut toolsets = Vec::new();
    let mut read_only = None;
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "toolsets" => toolsets.push(value.into_owned()),
            "read_only" | "read-only" => {
                read_only = Some(match value.as_ref() {
                    "" | "true" | "1" => true,
                    "false" | "0" => false,
                    other => {
                        return Err(format!("read_only={other:?}: expected true or false"));
                    }
                });
            }
            _ => {}
        }
    }
    if toolsets.is_empty() && read_only.is_none() {
        return Ok(None);
    }
    Exposure::new(&toolsets, read_only.unwrap_or(false)).map(Some)
}

/// The token's user and scopes, checked against the database on every
/// request; a refusal says whether the token itself failed.
async fn authenticate(oauth: &OAuth, token: &str) -> Result<Principal, (Response, bool)> {
    match bearer::authenticate(oauth, token).await {
        Ok(principal) => Ok(principal),
        Err(Rejected::Invalid) => Err((
            unauthorized(oauth, "invalid token (unknown, expired or revoked)"),
            true,
        )),
        Err(Rejected::WrongAudience) => Err((
            unauthorized(oauth, "the token was issued for another resource"),
            true,
        )),
        Err(Rejected::Unavailable(err)) => {
            tracing::error!(error = %err, "cannot check a token");
            Err((
                refusal(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "cannot check the token right now",
                ),
                false,
            ))
        }
    }
}

/// 429 with `Retry-After` in whole seconds.
fn too_many(message: &str, wait: Duration) -> Response {
    let mut response = refusal(StatusCode::TOO_MANY_REQUESTS, message);
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}

/// A `tools/call` needs the scope its tool's manifest names; a token without
/// it gets 403 `insufficient_scope`, naming the scope to ask for. `None`
/// when every call in `message` is allowed.
fn scope_refusal(oauth: &OAuth, principal: &Principal, message: &Message) -> Option<Response> {
    // A token without scopes (a personal one) may call every tool.
    principal.scopes.as_ref()?;
    let calls: Vec<&crate::rpc::Request> = match message {
        Message::One(Incoming::Request(request)) => vec![request],
        Message::Batch(items) => items
            .iter()
            .filter_map(|item| match item {
                Incoming::Request(request) => Some(request),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    for request in calls {
        if request.method != "tools/call" {
            continue;
        }
        let name = request
            .params
            .as_ref()
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str());
        let Some(tool) = name.and_then(catalogue::find_tool) else {
            continue;
        };
        let scope = tool.scope.as_str();
        if !principal.allows(scope) {
            let mut response = refusal(
                StatusCode::FORBIDDEN,
                &format!(
                    "{} needs the {scope} scope, which this token was not granted",
                    tool.name
                ),
            );
            if let Ok(value) = HeaderValue::from_str(&oauth.insufficient_scope(scope)) {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, value);
            }
            return Some(response);
        }
    }
    None
}

/// The whole body, up to `limit` bytes. A refusal here leaves the rest of
/// the body unread, so it closes the connection.
async fn read_body(body: Body, headers: &HeaderMap, limit: usize) -> Result<Bytes, Response> {
    let too_large = || {
        closing(refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the request body is over {limit} bytes"),
        ))
    };
    if declared_length(headers).is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|err| {
            closing(match conn::is_body_timeout(&err) {
                true => refusal(
                    StatusCode::REQUEST_TIMEOUT,
                    "the request body did not arrive in time",
                ),
                false => refusal(StatusCode::BAD_REQUEST, "cannot read the request body"),
            })
        })?;
        if bytes.len() + chunk.len() > limit {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(bytes))
}

/// A refusal sent before the body was read. The client may send its next
/// request on this connection right after this one's body: read that body
/// to its end (up to `limit` bytes, within the body-read timeout) so the
/// connection stays usable, or else say `Connection: close`, which hyper
/// honours by closing it once this response is written. Left to hyper, an
/// unread body closes the connection without a word, and the client's next
/// request on it fails.
async fn settle(body: Body, headers: &HeaderMap, response: Response, limit: usize) -> Response {
    if declared_length(headers).is_some_and(|n| n > limit as u64) {
        return closing(response);
    }
    let mut stream = body.into_data_stream();
    let mut read = 0;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) if read + chunk.len() <= limit => read += chunk.len(),
            _ => return closing(response),
        }
    }
    response
}

/// `Connection: close` on a response: the connection ends after it.
fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A refusal before any JSON-RPC request was read: a JSON-RPC error without
/// an id, which is what the transport specification allows in such a body.
fn refusal(status: StatusCode, message: &str) -> Response {
    reply::json(
        status,
        &json!({"jsonrpc": "2.0", "error": {"code": -32600, "message": message}}),
    )
}

/// 401, naming the Protected Resource Metadata where a client finds out how
/// to sign in (RFC 9728 §5.1).
fn unauthorized(oauth: &OAuth, message: &str) -> Response {
    let mut response = refusal(StatusCode::UNAUTHORIZED, message);
    let challenge = HeaderValue::from_str(&oauth.challenge())
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer realm=\"teetrack\""));
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, challenge);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_json_rpc_errors_without_an_id() {
        let response = refusal(StatusCode::UNAUTHORIZED, "no");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let body =
            futures_util::FutureExt::now_or_never(axum::body::to_bytes(response.into_body(), 1024))
                .unwrap()
                .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            json!({"jsonrpc": "2.0", "error": {"code": -32600, "message": "no"}})
        );
    }

    #[test]
    fn a_request_asks_for_toolsets_and_read_only_in_the_query() {
        let uri = |q: &str| q.parse::<axum::http::Uri>().unwrap();
        assert_eq!(asked_exposure(&uri("/api/mcp")), Ok(None));
        assert_eq!(asked_exposure(&uri("/api/mcp?other=1")), Ok(None));
        assert_eq!(
            asked_exposure(&uri("/api/mcp?toolsets=timers,tracks&read_only=true")),
            Ok(Some(Exposure::new(&["timers", "tracks"], true).unwrap()))
        );
        assert_eq!(
            asked_exposure(&uri("/api/mcp?toolsets=timers&toolsets=reports")),
            Ok(Some(
                Exposure::new(&["timers", "analytics"], false).unwrap()
            ))
        );
        assert_eq!(
            asked_exposure(&uri("/api/mcp?read_only")),
            Ok(Some(Exposure::new::<&str>(&[], true).unwrap()))
        );
        let err = asked_exposure(&uri("/api/mcp?toolsets=billing")).unwrap_err();
        assert!(err.contains("billing") && err.contains("invoices"), "{err}");
        assert!(asked_exposure(&uri("/api/mcp?read_only=maybe")).is_err());
    }
}
