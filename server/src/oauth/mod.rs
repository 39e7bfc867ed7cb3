//! Teetrack's own OAuth 2.1 authorization server, inside `teetrack serve`,
//! so remote connectors (ChatGPT, Claude custom connectors) can sign in
//! without a third-party identity provider.
//!
//! - [`metadata`]: Protected Resource Metadata (RFC 9728) and Authorization
//!   Server Metadata (RFC 8414), every URL in them from `--public-url`.
//! - [`register`]: Dynamic Client Registration (RFC 7591) and Client ID
//!   Metadata Documents (a client id that is an https URL).
//! - [`authorize`] and [`consent_page`]: the authorization code flow with
//!   PKCE (S256 only), `state` and `resource` (RFC 8707); the sign-in and
//!   consent page, protected by a signed form token ([`csrf`]).
//! - [`token`]: the token endpoint (authorization code and refresh token
//!   grants, refresh rotation) and revocation (RFC 7009).
//! - [`bearer`]: what `/api/mcp` accepts: personal API tokens (every scope)
//!   and OAuth access tokens (their grant's scopes, for this resource only).

pub mod authorize;
pub mod bearer;
pub mod checked;
pub mod consent_page;
pub mod csrf;
pub mod metadata;
pub mod register;
pub mod token;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use catalogue::Db;
use catalogue::db::oauth::{Lifetimes, OAuthError};
use serde_json::Value;

use crate::transport::http::rate_limit::RateLimiter;

/// How the authorization server was asked to run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The URL clients reach this server at (scheme://host[:port][/path]),
    /// without a trailing slash: the issuer, and the base of every endpoint.
    pub public_url: String,
    /// Test-only: client metadata documents may be fetched from
    /// `http://127.0.0.1` (a real one is always https).
    pub allow_loopback_client_metadata: bool,
    /// How long an access token lives (seconds); refresh tokens last a month.
    pub access_token_secs: i64,
}

/// The authorization server's shared state.
pub struct OAuth {
    pub db: Db,
    pub issuer: String,
    /// The protected resource (the MCP endpoint), and so the audience every
    /// token issued here is bound to.
    pub resource: String,
    pub lifetimes: Lifetimes,
    /// How long an authorization code lives (seconds).
    pub code_secs: i64,
    pub csrf: csrf::Signer,
    pub client_metadata: register::MetadataFetcher,
    /// Registrations (all together) and sign-in attempts (per client), per
    /// instance: what an unauthenticated caller can make us store or check.
    pub limiter: RateLimiter,
    /// Bearer tokens checked since the database last changed.
    pub checked: checked::Checked,
}

impl std::fmt::Debug for OAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// Registrations, and sign-in attempts for one client, a minute (and at
/// once) per instance: far above what people do, far below a guessing loop.
const LIMIT_PER_MINUTE: u32 = 30;
const LIMIT_BURST: u32 = 20;

/// Access tokens are short-lived (an hour unless told); refresh tokens last a
/// month and rotate.
pub const LIFETIMES: Lifetimes = Lifetimes {
    access_secs: 3600,
    refresh_secs: 30 * 24 * 3600,
};

impl OAuth {
    pub async fn new(settings: Settings, db: Db, mcp_path: &str) -> anyhow::Result<Arc<OAuth>> {
        let key = db
            .run(|conn| {
                catalogue::db::oauth::signing_key(conn)
                    .map_err(|err| catalogue::ToolError::internal(err.to_string()))
            })
            .await
            .map_err(|err| anyhow::anyhow!("cannot read the OAuth signing key: {}", err.message))?;
        let issuer = settings.public_url.trim_end_matches('/').to_owned();
        Ok(Arc::new(OAuth {
            resource: format!("{issuer}{mcp_path}"),
            issuer,
            lifetimes: Lifetimes {
                access_secs: settings.access_token_secs,
                ..LIFETIMES
            },
            code_secs: 120,
            csrf: csrf::Signer::new(key.as_bytes(), Duration::from_secs(30 * 60)),
            client_metadata: register::MetadataFetcher::new(
                settings.allow_loopback_client_metadata,
            )?,
            limiter: RateLimiter::new(LIMIT_PER_MINUTE, LIMIT_BURST).shared_in(&db, "oauth"),
            checked: checked::Checked::new(
                // Without it every request asks the database, as it must.
                catalogue::db::changes::Changes::open(&db)
                    .inspect_err(|err| tracing::warn!(error = %err, "no token cache"))
                    .ok(),
            ),
            db,
        }))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// The Protected Resource Metadata document of the MCP endpoint.
    pub fn resource_metadata_url(&self) -> String {
        let path = self.resource.strip_prefix(&self.issuer).unwrap_or("");
        self.url(&format!("/.well-known/oauth-protected-resource{path}"))
    }

    /// `WWW-Authenticate` for a request without a valid token (RFC 9728 §5.1).
    pub fn challenge(&self) -> String {
        format!(
            "Bearer realm=\"teetrack\", resource_metadata=\"{}\", scope=\"{}\"",
            self.resource_metadata_url(),
            catalogue::scopes::all_joined()
        )
    }

    /// `WWW-Authenticate` for a token that lacks the scope a tool needs.
    pub fn insufficient_scope(&self, scope: &str) -> String {
        format!(
            "Bearer realm=\"teetrack\", error=\"insufficient_scope\", scope=\"{scope}\", resource_metadata=\"{}\", error_description=\"this tool needs the {scope} scope\"",
            self.resource_metadata_url()
        )
    }
}

/// The authorization server's routes.
pub fn routes(oauth: Arc<OAuth>) -> Router {
    Router::new()
        .route(
            "/.well-known/oauth-protected-resource",
            get(metadata::protected_resource),
        )
        .route(
            "/.well-known/oauth-protected-resource/{*path}",
            get(metadata::protected_resource),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(metadata::authorization_server),
        )
        .route(
            "/.well-known/oauth-authorization-server/{*path}",
            get(metadata::authorization_server),
        )
        .route(
            "/.well-known/openid-configuration",
            get(metadata::authorization_server),
        )
        .route(
            "/.well-known/openid-configuration/{*path}",
            get(metadata::authorization_server),
        )
        .route("/oauth/register", post(register::register))
        .route(
            "/oauth/authorize",
            get(authorize::show).post(authorize::decide),
        )
        .route("/oauth/token", post(token::token))
        .route("/oauth/revoke", post(token::revoke))
        .with_state(oauth)
}

/// A JSON answer no cache keeps (tokens, registrations, OAuth errors).
pub fn json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// An OAuth error response (RFC 6749 §5.2).
pub fn error(status: StatusCode, code: &str, description: &str) -> Response {
    json(
        status,
        &serde_json::json!({"error": code, "error_description": description}),
    )
}

/// 429 with `Retry-After`, when [`OAuth::limiter`] says to wait.
pub fn too_many(mut response: Response, wait: Duration) -> Response {
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}

/// A database fault while serving an OAuth endpoint.
pub fn server_error(err: impl std::fmt::Display) -> Response {
    tracing::error!(error = %err, "OAuth endpoint failed");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "the server cannot answer right now",
    )
}

/// Runs OAuth storage work off the async threads.
pub async fn run<T: Send + 'static>(
    db: &Db,
    work: impl FnOnce(&mut catalogue::db::Conn) -> Result<T, OAuthError> + Send + 'static,
) -> Result<T, OAuthError> {
    let outcome: Result<Result<T, OAuthError>, catalogue::ToolError> =
        db.run(move |conn| Ok(work(conn))).await;
    outcome.unwrap_or_else(|err| Err(OAuthError::Unavailable(err.message)))
}
