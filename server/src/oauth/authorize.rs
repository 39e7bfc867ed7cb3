//! The authorization endpoint: GET shows the sign-in and consent page for a
//! checked request; POST (the page's form) signs the user in and answers the
//! client with a code, or with `access_denied`.
//!
//! A request whose client or redirect URI cannot be trusted gets an error
//! page and never a redirect (RFC 6749 §4.1.2.1); other faults go back to
//! the client's redirect URI with `error` and `state`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use catalogue::User;
use catalogue::db::oauth::{self, Authorization, Client};
use catalogue::db::users;
use reqwest::Url;
use serde::Deserialize;

use super::OAuth;
use super::consent_page::{self, Page};
use super::register::resolve_client;

/// The query of an authorization request.
#[derive(Debug, Default, Deserialize)]
pub struct Params {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub state: Option<String>,
    pub scope: Option<String>,
    pub resource: Option<String>,
}

/// The consent form: the request again, its signature, the decision, the
/// scopes the user left ticked and the user's credential.
#[derive(Debug, Default)]
pub struct Decision {
    pub params: Params,
    pub csrf: String,
    pub decision: String,
    pub credential: String,
    /// A password sign-in (the web app's accounts).
    pub email: String,
    pub password: String,
    /// "yes": approve as the browser's signed-in web session.
    pub use_session: String,
    /// Every `grant` checkbox left ticked (a repeated field).
    pub grants: Vec<String>,
}

impl Decision {
    /// Reads the form body; a repeated field other than `grant` keeps its
    /// first value.
    pub fn read(body: &[u8]) -> Decision {
        let mut form = Decision::default();
        for (name, value) in url::form_urlencoded::parse(body) {
            let value = value.into_owned();
            let slot = match name.as_ref() {
                "grant" => {
                    form.grants.push(value);
                    continue;
                }
                "csrf" => &mut form.csrf,
                "decision" => &mut form.decision,
                "credential" => &mut form.credential,
                "email" => &mut form.email,
                "password" => &mut form.password,
                "use_session" => &mut form.use_session,
                "response_type" => form.params.response_type.get_or_insert_default(),
                "client_id" => form.params.client_id.get_or_insert_default(),
                "redirect_uri" => form.params.redirect_uri.get_or_insert_default(),
                "code_challenge" => form.params.code_challenge.get_or_insert_default(),
                "code_challenge_method" => {
                    form.params.code_challenge_method.get_or_insert_default()
                }
                "state" => form.params.state.get_or_insert_default(),
                "scope" => form.params.scope.get_or_insert_default(),
                "resource" => form.params.resource.get_or_insert_default(),
                _ => continue,
            };
            if slot.is_empty() {
                *slot = value;
            }
        }
        form
    }
}

/// A checked request, waiting for the user.
#[derive(Debug, Clone)]
pub struct Pending {
    pub client: Client,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub state: Option<String>,
    /// Known scopes, space-separated, in [`catalogue::Scope::ALL`] order.
    pub scope: String,
    /// The audience the tokens will be bound to.
    pub resource: String,
}

impl Pending {
    /// What the form's signature covers: everything the code will be bound to.
    pub fn fields(&self) -> [&str; 6] {
        [
            &self.client.client_id,
            &self.redirect_uri,
            &self.code_challenge,
            self.state.as_deref().unwrap_or(""),
            &self.scope,
            &self.resource,
        ]
    }

    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split_whitespace()
    }
}

/// Why a request cannot go on.
pub enum Refusal {
    /// The client or its redirect URI is in doubt: tell the user, not the client.
    Page(String),
    /// Back to the client: `error`, its description and the request's `state`.
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: String,
        state: Option<String>,
    },
}

/// A PKCE challenge: BASE64URL(SHA-256(verifier)) is 43 characters.
fn valid_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The resource a client named, if it is this server's MCP endpoint (or
/// this server as a whole); the tokens' audience is always the endpoint.
fn resource_for(oauth: &OAuth, asked: Option<&str>) -> Option<String> {
    match asked {
        None => Some(oauth.resource.clone()),
        Some(asked) => {
            let asked = asked.trim_end_matches('/');
            (asked == oauth.resource || asked == oauth.issuer).then(|| oauth.resource.clone())
        }
    }
}

/// Checks an authorization request: the client and redirect URI first.
pub async fn check(oauth: &OAuth, params: &Params) -> Result<Pending, Refusal> {
    let client_id = params
        .client_id
        .as_deref()
        .ok_or_else(|| Refusal::Page("The request names no client (client_id).".into()))?;
    let client = resolve_client(oauth, client_id)
        .await
        .map_err(|why| Refusal::Page(format!("Teetrack cannot identify the client: {why}.")))?;
    let redirect_uri = match (&params.redirect_uri, client.redirect_uris.as_slice()) {
        (Some(uri), registered) if registered.iter().any(|r| r == uri) => uri.clone(),
        (Some(uri), _) => {
            return Err(Refusal::Page(format!(
                "The redirect URI {uri:?} is not one that {} registered.",
                client.client_name
            )));
        }
        (None, [only]) => only.clone(),
        (None, _) => {
            return Err(Refusal::Page(
                "The request names no redirect_uri, and the client registered several.".into(),
            ));
        }
    };
    let state = params.state.clone();
    let refuse = |error: &'static str, description: &str| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        error,
        description: description.to_owned(),
        state: state.clone(),
    };
    if params.response_type.as_deref() != Some("code") {
        return Err(refuse(
            "unsupported_response_type",
            "only response_type=code is supported",
        ));
    }
    let code_challenge = match (
        params.code_challenge.as_deref(),
        params.code_challenge_method.as_deref(),
    ) {
        (Some(challenge), Some("S256")) if valid_challenge(challenge) => challenge.to_owned(),
        (Some(_), Some("S256")) => {
            return Err(refuse(
                "invalid_request",
                "code_challenge is not an S256 challenge",
            ));
        }
        (Some(_), _) => {
            return Err(refuse(
                "invalid_request",
                "code_challenge_method must be S256 (plain is not supported)",
            ));
        }
        (None, _) => {
            return Err(refuse(
                "invalid_request",
                "PKCE is required: send code_challenge (S256)",
            ));
        }
    };
    let Some(resource) = resource_for(oauth, params.resource.as_deref()) else {
        return Err(refuse(
            "invalid_target",
            &format!("this server issues tokens for {} only", oauth.resource),
        ));
    };
    let asked: Vec<&str> = params
        .scope
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    if let Some(unknown) = asked.iter().find(|s| !catalogue::scopes::is_known(s)) {
        return Err(refuse(
            "invalid_scope",
            &format!("unknown scope {unknown:?}"),
        ));
    }
    // No scope asked for: everything a user can grant, listed on the page.
    let scope = catalogue::Scope::ALL
        .map(catalogue::Scope::as_str)
        .into_iter()
        .filter(|name| asked.is_empty() || asked.contains(name))
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Pending {
        client,
        redirect_uri,
        code_challenge,
        state,
        scope,
        resource,
    })
}

/// The web app's signed-in user of this browser, if any: the consent page
/// then needs no credential.
async fn web_user(oauth: &OAuth, headers: &HeaderMap) -> Option<User> {
    let secure = oauth.issuer.starts_with("https://");
    crate::web::session::lookup(&oauth.db, secure, headers)
        .await
        .map(|signed| signed.user)
}

/// GET /oauth/authorize
pub async fn show(
    State(oauth): State<Arc<OAuth>>,
    headers: HeaderMap,
    params: Result<Query<Params>, QueryRejection>,
) -> Response {
    let params = match params {
        Ok(Query(params)) => params,
        Err(err) => return refusal_page(&format!("The request is malformed: {err}.")),
    };
    match check(&oauth, &params).await {
        Ok(pending) => {
            let signed_in = web_user(&oauth, &headers).await;
            page(&oauth, &pending, signed_in.as_ref(), None)
        }
        Err(refusal) => refused(&oauth, refusal),
    }
}

/// POST /oauth/authorize
pub async fn decide(
    State(oauth): State<Arc<OAuth>>,
    headers: HeaderMap,
    extensions: Extensions,
    body: Bytes,
) -> Response {
    let address = extensions
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip());
    let signed_in = web_user(&oauth, &headers).await;
    let form = Decision::read(&body);
    let pending = match check(&oauth, &form.params).await {
        Ok(pending) => pending,
        Err(refusal) => return refused(&oauth, refusal),
    };
    let now = jiff::Timestamp::now();
    if !oauth
        .csrf
        .verify(&form.csrf, now.as_second(), &pending.fields())
    {
        return refusal_page(
            "This sign-in form has expired or was not made by Teetrack. Go back to the app \
             and connect again.",
        );
    }
    if form.decision != "approve" {
        return refused(
            &oauth,
            Refusal::Redirect {
                redirect_uri: pending.redirect_uri,
                error: "access_denied",
                description: "the user denied the request".into(),
                state: pending.state,
            },
        );
    }
    // What the user left ticked, of what the signed request asked for.
    let granted = pending
        .scopes()
        .filter(|scope| form.grants.iter().any(|g| g == scope))
        .collect::<Vec<_>>()
        .join(" ");
    if granted.is_empty() {
        return page(
            &oauth,
            &pending,
            signed_in.as_ref(),
            Some("Tick at least one thing to allow, or choose Deny."),
        );
    }
    let attempts = format!("sign-in {}", pending.client.client_id);
    if let Err(wait) = oauth.limiter.allow(&attempts).await {
        return super::too_many(
            html(
                StatusCode::TOO_MANY_REQUESTS,
                consent_page::render_error(
                    "Too many sign-in attempts for this app; wait a minute and connect again.",
                ),
            ),
            wait,
        );
    }
    let credential = form.credential.trim().to_owned();
    let user = match (&signed_in, form.use_session.as_str()) {
        // Signed in to the web app in this browser: that is who approves.
        (Some(user), "yes") => user.clone(),
        _ if !form.email.trim().is_empty() => {
            match crate::web::signin::with_password(
                &oauth.db,
                form.email.trim().to_owned(),
                form.password.clone(),
                address,
            )
            .await
            {
                Ok(user) => user,
                Err(failure) => {
                    return page(&oauth, &pending, None, Some(&failure.message()));
                }
            }
        }
        _ if credential.is_empty() => {
            return page(
                &oauth,
                &pending,
                signed_in.as_ref(),
                Some(
                    "Enter your email and password, or a one-time code or an API token, to approve.",
                ),
            );
        }
        _ => match sign_in(&oauth, credential, now).await {
            Ok(user) => user,
            Err(message) => return page(&oauth, &pending, None, Some(message)),
        },
    };
    let auth = Authorization {
        client_id: pending.client.client_id.clone(),
        user_id: user.id,
        redirect_uri: pending.redirect_uri.clone(),
        code_challenge: pending.code_challenge.clone(),
        resource: pending.resource.clone(),
        scope: granted,
    };
    let ttl = oauth.code_secs;
    let code = super::run(&oauth.db, move |conn| {
        oauth::create_code(conn, &auth, ttl, now)
    })
    .await;
    match code {
        Ok(code) => redirect(
            &pending.redirect_uri,
            &[
                ("code", Some(code.as_str())),
                ("state", pending.state.as_deref()),
                ("iss", Some(oauth.issuer.as_str())),
            ],
        ),
        Err(err) => {
            tracing::error!(error = %err, "cannot save an authorization code");
            refusal_page("Teetrack cannot finish the sign-in right now; try again shortly.")
        }
    }
}

/// The user behind an API token (`tt_…`) or a one-time code from
/// `teetrack login-code`; a message for the page when neither fits.
async fn sign_in(
    oauth: &OAuth,
    credential: String,
    now: jiff::Timestamp,
) -> Result<User, &'static str> {
    let is_token = credential.starts_with("tt_");
    let outcome = super::run(&oauth.db, move |conn| {
        if is_token {
            users::authenticate_token(conn, &credential, now).map_err(|err| match err {
                users::AccountError::BadToken => oauth::OAuthError::Invalid,
                other => oauth::OAuthError::Unavailable(other.to_string()),
            })
        } else {
            oauth::use_login_code(conn, &credential, now)
        }
    })
    .await;
    match outcome {
        Ok(user) => Ok(user),
        Err(oauth::OAuthError::Invalid) if is_token => {
            Err("That API token is not valid (unknown or revoked).")
        }
        Err(oauth::OAuthError::Invalid) => Err(
            "That one-time code is not valid: it may be mistyped, used already, or expired. \
             Make a new one with `teetrack login-code EMAIL`.",
        ),
        Err(err) => {
            tracing::error!(error = %err, "cannot sign a user in");
            Err("Teetrack cannot check that right now; try again shortly.")
        }
    }
}

fn page(
    oauth: &OAuth,
    pending: &Pending,
    signed_in: Option<&User>,
    error: Option<&str>,
) -> Response {
    let csrf = oauth
        .csrf
        .sign(jiff::Timestamp::now().as_second(), &pending.fields());
    html(
        StatusCode::OK,
        consent_page::render(&Page {
            action: &oauth.url("/oauth/authorize"),
            pending,
            csrf: &csrf,
            error,
            signed_in: signed_in.map(|user| user.email.as_str()),
        }),
    )
}

fn refused(_oauth: &OAuth, refusal: Refusal) -> Response {
    match refusal {
        Refusal::Page(message) => refusal_page(&message),
        Refusal::Redirect {
            redirect_uri,
            error,
            description,
            state,
        } => redirect(
            &redirect_uri,
            &[
                ("error", Some(error)),
                ("error_description", Some(description.as_str())),
                ("state", state.as_deref()),
            ],
        ),
    }
}

fn refusal_page(message: &str) -> Response {
    html(StatusCode::BAD_REQUEST, consent_page::render_error(message))
}

/// 303: the browser follows with a GET, whatever the form's method was.
fn redirect(redirect_uri: &str, pairs: &[(&str, Option<&str>)]) -> Response {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        return refusal_page("The client's redirect URI is not a URL.");
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
    }
    let mut response = StatusCode::SEE_OTHER.into_response();
    match HeaderValue::from_str(url.as_str()) {
        Ok(location) => {
            response.headers_mut().insert(header::LOCATION, location);
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(_) => refusal_page("The client's redirect URI cannot be used."),
    }
}

/// A page for people: never cached, never framed (clickjacking), no scripts.
pub fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_keeps_every_ticked_box_and_the_first_of_other_fields() {
        let form = Decision::read(
            b"client_id=c1&client_id=c2&grant=tracks%3Aread&grant=admin&state=a+b&decision=approve&credential=ABCDE-FGHIJ&other=x",
        );
        assert_eq!(form.params.client_id.as_deref(), Some("c1"));
        assert_eq!(form.grants, ["tracks:read", "admin"]);
        assert_eq!(form.params.state.as_deref(), Some("a b"));
        assert_eq!(form.decision, "approve");
        assert_eq!(form.credential, "ABCDE-FGHIJ");
        assert_eq!(form.params.scope, None);
    }

    #[test]
    fn challenges_are_43_base64url_characters() {
        assert!(valid_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!valid_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c"
        ));
        assert!(!valid_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"
        ));
    }
}
