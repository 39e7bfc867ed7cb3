//! The token endpoint (authorization code and refresh token grants) and the
//! revocation endpoint (RFC 7009). Every client is public: it names itself
//! with `client_id`, and PKCE proves it is the one that started the flow.

use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use catalogue::db::oauth::{self, OAuthError, TokenPair};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::OAuth;

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    client_id: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    resource: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RevokeRequest {
    token: Option<String>,
    client_id: Option<String>,
}

/// RFC 7636 §4.1: 43 to 128 unreserved characters.
fn valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// BASE64URL(SHA-256(verifier)), the S256 challenge.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn invalid_request(description: &str) -> Response {
    super::error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

fn invalid_grant(description: &str) -> Response {
    super::error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// POST /oauth/token
pub async fn token(
    State(oauth): State<Arc<OAuth>>,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Response {
    let Ok(Form(request)) = form else {
        return invalid_request("the body is not a form (application/x-www-form-urlencoded)");
    };
    let Some(client_id) = request.client_id.clone() else {
        return super::error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client_id is required (public clients only)",
        );
    };
    match request.grant_type.as_deref() {
        Some("authorization_code") => authorization_code(&oauth, request, client_id).await,
        Some("refresh_token") => refresh(&oauth, request, client_id).await,
        Some(_) => super::error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type is authorization_code or refresh_token",
        ),
        None => invalid_request("grant_type is required"),
    }
}

/// Why a code exchange is refused after the code was found.
enum Refused {
    Grant(&'static str),
    Storage(OAuthError),
}

impl From<OAuthError> for Refused {
    fn from(err: OAuthError) -> Refused {
        Refused::Storage(err)
    }
}

async fn authorization_code(oauth: &OAuth, request: TokenRequest, client_id: String) -> Response {
    let (Some(code), Some(verifier)) = (request.code, request.code_verifier) else {
        return invalid_request("code and code_verifier are required");
    };
    if !valid_verifier(&verifier) {
        return invalid_grant("code_verifier is not a valid PKCE verifier");
    }
    let challenge = s256(&verifier);
    let redirect_uri = request.redirect_uri;
    let resource = request.resource.map(|r| r.trim_end_matches('/').to_owned());
    let (issuer, lifetimes) = (oauth.issuer.clone(), oauth.lifetimes);
    let now = jiff::Timestamp::now();
    let outcome = oauth
        .db
        .run(move |conn| {
            Ok::<_, catalogue::ToolError>(oauth::exchange_code(
                conn,
                &code,
                lifetimes,
                now,
                |auth| {
                    if auth.client_id != client_id {
                        return Err(Refused::Grant("the code was issued to another client"));
                    }
                    if redirect_uri
                        .as_deref()
                        .is_some_and(|uri| uri != auth.redirect_uri)
                    {
                        return Err(Refused::Grant(
                            "redirect_uri differs from the authorization request's",
                        ));
                    }
                    if challenge != auth.code_challenge {
                        return Err(Refused::Grant("the PKCE code_verifier does not match"));
                    }
                    if resource
                        .as_deref()
                        .is_some_and(|r| r != auth.resource && r != issuer)
                    {
                        return Err(Refused::Grant(
                            "resource differs from the authorization request's",
                        ));
                    }
                    Ok(())
                },
            ))
        })
        .await;
    match outcome {
        Ok(Ok(pair)) => issued(pair),
        Ok(Err(Refused::Grant(why))) => invalid_grant(why),
        Ok(Err(Refused::Storage(OAuthError::Invalid))) => {
            invalid_grant("the code is unknown, expired or used")
        }
        Ok(Err(Refused::Storage(OAuthError::Reused))) => {
            invalid_grant("the code was used already; the tokens issued for it are revoked")
        }
        Ok(Err(Refused::Storage(err))) => super::server_error(err),
        Err(err) => super::server_error(err.message),
    }
}

async fn refresh(oauth: &OAuth, request: TokenRequest, client_id: String) -> Response {
    let Some(refresh_token) = request.refresh_token else {
        return invalid_request("refresh_token is required");
    };
    let lifetimes = oauth.lifetimes;
    let outcome = super::run(&oauth.db, move |conn| {
        oauth::refresh(
            conn,
            &refresh_token,
            &client_id,
            lifetimes,
            jiff::Timestamp::now(),
        )
    })
    .await;
    match outcome {
        Ok(pair) => issued(pair),
        Err(OAuthError::Invalid) => {
            invalid_grant("the refresh token is unknown, expired, revoked or another client's")
        }
        Err(OAuthError::Reused) => invalid_grant(
            "the refresh token was used already; every token of its grant is now revoked",
        ),
        Err(err) => super::server_error(err),
    }
}

fn issued(pair: TokenPair) -> Response {
    super::json(
        StatusCode::OK,
        &json!({
            "access_token": pair.access_token,
            "token_type": "Bearer",
            "expires_in": pair.expires_in,
            "refresh_token": pair.refresh_token,
            "scope": pair.scope,
        }),
    )
}

/// POST /oauth/revoke: 200 whether or not the token was known (RFC 7009 §2.2).
pub async fn revoke(
    State(oauth): State<Arc<OAuth>>,
    form: Result<Form<RevokeRequest>, FormRejection>,
) -> Response {
    let Ok(Form(request)) = form else {
        return invalid_request("the body is not a form (application/x-www-form-urlencoded)");
    };
    let Some(token) = request.token else {
        return invalid_request("token is required");
    };
    let client_id = request.client_id;
    let outcome = super::run(&oauth.db, move |conn| {
        oauth::revoke_by_token(conn, &token, client_id.as_deref(), jiff::Timestamp::now())
    })
    .await;
    match outcome {
        Ok(_) => StatusCode::OK.into_response(),
        Err(err) => super::server_error(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(valid_verifier(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!valid_verifier("short"));
        assert!(!valid_verifier(&"a".repeat(129)));
        assert!(!valid_verifier(&format!("{}+", "a".repeat(43))));
    }
}
