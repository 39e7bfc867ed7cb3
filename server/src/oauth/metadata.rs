//! Discovery: Protected Resource Metadata (RFC 9728) for the MCP endpoint
//! and Authorization Server Metadata (RFC 8414), also at the OpenID
//! configuration path some clients try first. Every URL comes from
//! `--public-url`, so the documents are right behind a reverse proxy.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use catalogue::Scope;

use super::OAuth;

fn scopes() -> [&'static str; 4] {
    Scope::ALL.map(Scope::as_str)
}

pub fn protected_resource_document(oauth: &OAuth) -> Value {
    json!({
        "resource": oauth.resource,
        "authorization_servers": [oauth.issuer],
        "scopes_supported": scopes(),
        "bearer_methods_supported": ["header"],
        "resource_name": "Teetrack",
        "resource_documentation": oauth.url("/docs/"),
    })
}

pub fn authorization_server_document(oauth: &OAuth) -> Value {
    json!({
        "issuer": oauth.issuer,
        "authorization_endpoint": oauth.url("/oauth/authorize"),
        "token_endpoint": oauth.url("/oauth/token"),
        "registration_endpoint": oauth.url("/oauth/register"),
        "revocation_endpoint": oauth.url("/oauth/revoke"),
        "scopes_supported": scopes(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "client_id_metadata_document_supported": true,
        "authorization_response_iss_parameter_supported": true,
        "service_documentation": oauth.url("/docs/"),
    })
}

/// GET /.well-known/oauth-protected-resource[/api/mcp]
pub async fn protected_resource(State(oauth): State<Arc<OAuth>>) -> Response {
    super::json(StatusCode::OK, &protected_resource_document(&oauth))
}

/// GET /.well-known/oauth-authorization-server, /.well-known/openid-configuration
pub async fn authorization_server(State(oauth): State<Arc<OAuth>>) -> Response {
    super::json(StatusCode::OK, &authorization_server_document(&oauth))
}
