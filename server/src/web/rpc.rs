//! POST /app/rpc: the views' way to the tools in the browser. One JSON-RPC
//! request, answered by the same dispatcher as `/api/mcp`, as the signed-in
//! user. What a view may ask is what an MCP Apps host lets a view ask:
//! `tools/call` (and `ping`).
//!
//! The session cookie alone is not enough: the request must carry the
//! session's anti-forgery token in `X-CSRF-Token` (a header no other site's
//! page can set without CORS, which this server never grants) and, when the
//! browser says where it comes from, this server's `Origin`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::{Web, scope, session};
use crate::rpc::{Handler as _, Incoming, Message};
use crate::transport::http::reply_json;

/// A view's request is small: a tool's arguments.
const MAX_BODY: usize = 256 * 1024;

fn refuse(status: StatusCode, message: &str) -> Response {
    reply_json(
        status,
        &json!({"jsonrpc": "2.0", "error": {"code": -32600, "message": message}}),
    )
}

pub async fn rpc(State(web): State<Arc<Web>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(signed) = session::current(&web, &headers).await else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "not signed in (or the session ended)",
        );
    };
    let token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !session::same_origin(&headers, &web.origin) || !session::csrf_matches(&signed, token) {
        return refuse(
            StatusCode::FORBIDDEN,
            "missing or wrong X-CSRF-Token: only this session's pages may call tools",
        );
    }
    if body.len() > MAX_BODY {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "the request is too large");
    }
    let request = match Message::read(&body) {
        Message::One(Incoming::Request(request)) => request,
        Message::One(Incoming::Reply(response)) => {
            return reply_json(StatusCode::BAD_REQUEST, &response.to_value());
        }
        _ => return refuse(StatusCode::BAD_REQUEST, "send one JSON-RPC request"),
    };
    if !matches!(request.method.as_str(), "tools/call" | "ping") {
        return refuse(
            StatusCode::BAD_REQUEST,
            &format!(
                "{} is not for views: call tools with tools/call",
                request.method
            ),
        );
    }
    let response = web.dispatcher.handle(request, scope(&signed.user)).await;
    reply_json(StatusCode::OK, &response.to_value())
}
