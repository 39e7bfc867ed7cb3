//! The web app of `teetrack serve`: sign-in, the dashboard, account
//! settings and the pages of projects, clients, tags, reports and invoices.
//!
//! Every figure a page shows and every change a person makes is a call of a
//! registered tool through the one [`Dispatcher`], as the user signed in:
//! the same validation, tenancy, tier gates and errors an assistant gets.
//! Pages are drawn on the server; their live parts are the MCP Apps views
//! ([`crate::apps`]), whose scripts call tools over `/app/rpc`.
//!
//! Only the account itself (password, sessions, API tokens, OAuth grants) is
//! handled here, because no tool manages credentials.

mod account;
mod dashboard;
mod html;
mod pages;
pub mod password;
mod rpc;
pub mod session;
mod settings;
pub mod signin;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use catalogue::{Db, User};
use serde_json::{Value, json};

use crate::oauth::OAuth;
use crate::rpc::{Dispatcher, Handler as _, Id, Notifier, Request as RpcRequest, Scope, Session};

/// The web app's shared state.
pub struct Web {
    pub db: Db,
    pub dispatcher: Arc<Dispatcher>,
    pub oauth: Arc<OAuth>,
    /// The public URL is https: cookies are `Secure`.
    pub secure: bool,
    /// `scheme://host[:port]` of the public URL: what `Origin` must say.
    pub origin: String,
    /// The MCP endpoint as clients reach it.
    pub mcp_url: String,
}

impl std::fmt::Debug for Web {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Web")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Web {
    pub fn new(db: Db, dispatcher: Arc<Dispatcher>, oauth: Arc<OAuth>, mcp_path: &str) -> Web {
        let public = oauth.issuer.clone();
        let origin = url::Url::parse(&public)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|_| public.clone());
        Web {
            db,
            dispatcher,
            secure: public.starts_with("https://"),
            origin,
            mcp_url: format!("{public}{mcp_path}"),
            oauth,
        }
    }

    /// Calls a tool as `user` through the dispatcher, as `tools/call` would.
    pub async fn call(&self, user: &User, name: &str, arguments: Value) -> Result<Value, Refusal> {
        let request = RpcRequest {
            id: Id::Number(1),
            method: "tools/call".into(),
            params: Some(json!({"name": name, "arguments": arguments})),
        };
        let answer = self
            .dispatcher
            .handle(request, scope(user))
            .await
            .to_value();
        outcome(answer)
    }
}

/// The scope of a web request: the signed-in user, every tool the server
/// exposes, nothing streamed.
pub(crate) fn scope(user: &User) -> Scope {
    Scope {
        user: user.clone(),
        session: Session::default(),
        headers: None,
        notify: Notifier::discard(),
        exposure: None,
    }
}

/// Why a tool said no, as a page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub message: String,
    pub hint: Option<String>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.hint {
            Some(hint) => write!(f, "{} {hint}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// A JSON-RPC answer to `tools/call` as the tool's structured result or
/// its refusal (a protocol error, or an error result's `{message, hint}`).
fn outcome(answer: Value) -> Result<Value, Refusal> {
    if let Some(error) = answer.get("error") {
        return Err(Refusal {
            message: error["message"].as_str().unwrap_or("refused").to_owned(),
            hint: None,
        });
    }
    let result = &answer["result"];
    if result["isError"] == true {
        let body: Value = result["content"][0]["text"]
            .as_str()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or(Value::Null);
        return Err(Refusal {
            message: body["message"].as_str().unwrap_or("refused").to_owned(),
            hint: body["hint"].as_str().map(str::to_owned),
        });
    }
    Ok(result["structuredContent"].clone())
}

/// The web app's routes.
pub fn routes(web: Arc<Web>) -> Router {
    Router::new()
        .route("/", get(dashboard::show))
        .route("/signin", get(account::signin_page).post(account::signin))
        .route("/signout", post(account::signout))
        .route(
            "/account/password",
            get(account::password_page).post(account::change_password),
        )
        .route("/settings", get(settings::show))
        .route("/settings/tokens", post(settings::create_token))
        .route("/settings/tokens/revoke", post(settings::revoke_token))
        .route("/settings/apps/revoke", post(settings::revoke_grant))
        .route("/projects", get(pages::projects))
        .route("/clients", get(pages::clients))
        .route("/tags", get(pages::tags))
        .route("/reports", get(pages::reports))
        .route("/invoices", get(pages::invoices))
        .route("/invoices/{id}", get(pages::invoice))
        .route("/app/rpc", post(rpc::rpc))
        .route("/assets/{name}", get(asset))
        .with_state(web)
}

/// GET /assets/{name}: the style sheet and the views' scripts.
async fn asset(Path(name): Path<String>) -> Response {
    match crate::apps::asset(&name) {
        Some((content_type, body)) => {
            let mut response = body.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            // They change with a release only; the page is never cached.
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            );
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            response
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The client's address, for the failed sign-in limit.
pub(crate) fn address_of(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip())
}

/// 303 to `location`.
pub(crate) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// The page for a request without a session: sign in, then come back.
pub(crate) fn to_signin() -> Response {
    see_other("/signin")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_outcome_is_the_structured_result_or_the_tools_message_and_hint() {
        let ok = json!({"jsonrpc": "2.0", "id": 1, "result": {
            "content": [{"type": "text", "text": "{}"}], "structuredContent": {"a": 1}, "isError": false}});
        assert_eq!(outcome(ok), Ok(json!({"a": 1})));
        let refused = json!({"jsonrpc": "2.0", "id": 1, "result": {"isError": true, "content": [{
            "type": "text", "text": "{\"code\":\"tier_required\",\"message\":\"needs pro\",\"hint\":\"upgrade\"}"}]}});
        assert_eq!(
            outcome(refused),
            Err(Refusal {
                message: "needs pro".into(),
                hint: Some("upgrade".into())
            })
        );
        let invalid = json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "missing field `id`"}});
        assert_eq!(outcome(invalid).unwrap_err().message, "missing field `id`");
    }
}
