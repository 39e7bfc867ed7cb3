//! Who may ask for a sign-in: clients registered here (Dynamic Client
//! Registration, RFC 7591) and clients whose id is the https URL of their
//! own metadata (Client ID Metadata Documents). Every client is public (no
//! secret: PKCE protects its codes), and its redirect URIs are compared
//! exactly, character for character.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use catalogue::db::oauth::{self, Client};
use reqwest::Url;
use serde::Deserialize;
use serde_json::json;

use super::OAuth;

const MAX_REGISTRATION_BYTES: usize = 16 * 1024;
const MAX_REDIRECT_URIS: usize = 10;
const MAX_NAME_CHARS: usize = 200;
/// A metadata document is small; anything bigger is not one.
const MAX_METADATA_BYTES: usize = 16 * 1024;
const METADATA_TIMEOUT: Duration = Duration::from_secs(5);
/// A fetched metadata document is reused this long before it is fetched anew.
const METADATA_FRESH_SECS: i64 = 600;

/// What a client may send to register (RFC 7591 §2), and what a metadata
/// document holds. Unknown fields are ignored.
#[derive(Debug, Deserialize)]
pub struct ClientMetadata {
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub client_name: Option<String>,
    #[serde(default)]
    pub client_uri: Option<String>,
    #[serde(default)]
    pub grant_types: Option<Vec<String>>,
    #[serde(default)]
    pub response_types: Option<Vec<String>>,
}

/// A redirect URI a client may register: https, or http to this machine
/// (native apps listening on loopback, RFC 8252 §7.3), or a private-use
/// scheme with a dot (`com.example.app:/cb`, RFC 8252 §7.1); never with a
/// fragment.
pub fn valid_redirect_uri(uri: &str) -> Result<(), String> {
    let url = Url::parse(uri).map_err(|_| format!("{uri:?} is not an absolute URL"))?;
    if url.fragment().is_some() {
        return Err(format!("{uri:?} has a fragment"));
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        "http" => Err(format!(
            "{uri:?}: plain http is allowed only to localhost, 127.0.0.1 or [::1]"
        )),
        scheme if scheme.contains('.') => Ok(()),
        _ => Err(format!(
            "{uri:?}: a redirect URI is https, http on loopback, or a reverse-domain app scheme"
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// POST /oauth/register
pub async fn register(State(oauth): State<Arc<OAuth>>, body: Bytes) -> Response {
    if let Err(wait) = oauth.limiter.allow("register").await {
        return super::too_many(
            super::error(
                StatusCode::TOO_MANY_REQUESTS,
                "temporarily_unavailable",
                "too many registrations; try again shortly",
            ),
            wait,
        );
    }
    let invalid =
        |message: &str| super::error(StatusCode::BAD_REQUEST, "invalid_client_metadata", message);
    if body.len() > MAX_REGISTRATION_BYTES {
        return invalid("the registration is too large");
    }
    let metadata: ClientMetadata = match serde_json::from_slice(&body) {
        Ok(metadata) => metadata,
        Err(err) => return invalid(&format!("not a client metadata object: {err}")),
    };
    let (name, redirect_uris) = match check_metadata(&metadata) {
        Ok(checked) => checked,
        Err(BadMetadata(code, message)) => {
            return super::error(StatusCode::BAD_REQUEST, code, &message);
        }
    };
    let client_uri = metadata.client_uri.clone();
    let saved = super::run(&oauth.db, move |conn| {
        oauth::register_client(
            conn,
            &name,
            &redirect_uris,
            client_uri.as_deref(),
            jiff::Timestamp::now(),
        )
    })
    .await;
    match saved {
        Ok(client) => super::json(
            StatusCode::CREATED,
            &json!({
                "client_id": client.client_id,
                "client_id_issued_at": client.created_at.as_second(),
                "client_name": client.client_name,
                "redirect_uris": client.redirect_uris,
                "client_uri": client.client_uri,
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "none",
            }),
        ),
        Err(err) => super::server_error(err),
    }
}

/// Why metadata is refused: the RFC 7591 error code and a description.
struct BadMetadata(&'static str, String);

impl From<BadMetadata> for String {
    fn from(BadMetadata(_, message): BadMetadata) -> String {
        message
    }
}

/// The name and redirect URIs of acceptable metadata, or why not.
fn check_metadata(metadata: &ClientMetadata) -> Result<(String, Vec<String>), BadMetadata> {
    let redirect = |message: String| BadMetadata("invalid_redirect_uri", message);
    let other = |message: &str| BadMetadata("invalid_client_metadata", message.to_owned());
    if metadata.redirect_uris.is_empty() {
        return Err(redirect("redirect_uris is required".into()));
    }
    if metadata.redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(redirect(format!(
            "at most {MAX_REDIRECT_URIS} redirect_uris"
        )));
    }
    for uri in &metadata.redirect_uris {
        valid_redirect_uri(uri).map_err(redirect)?;
    }
    if let Some(types) = &metadata.response_types
        && types.iter().any(|t| t != "code")
    {
        return Err(other("only the `code` response type is supported"));
    }
    if let Some(grants) = &metadata.grant_types
        && grants
            .iter()
            .any(|g| g != "authorization_code" && g != "refresh_token")
    {
        return Err(other(
            "only the authorization_code and refresh_token grants are supported",
        ));
    }
    let name: String = metadata
        .client_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("an unnamed client")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    Ok((name, metadata.redirect_uris.clone()))
}

/// Fetches Client ID Metadata Documents: https only (plus, in tests, plain
/// http to 127.0.0.1), no redirects, a short timeout and a size cap.
pub struct MetadataFetcher {
    http: reqwest::Client,
    allow_loopback: bool,
}

impl MetadataFetcher {
    pub fn new(allow_loopback: bool) -> anyhow::Result<MetadataFetcher> {
        let http = reqwest::Client::builder()
            .timeout(METADATA_TIMEOUT)
            .connect_timeout(METADATA_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("teetrack/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(MetadataFetcher {
            http,
            allow_loopback,
        })
    }

    /// Whether `client_id` names a metadata document rather than a client
    /// registered here.
    pub fn is_metadata_url(client_id: &str) -> bool {
        client_id.starts_with("https://") || client_id.starts_with("http://")
    }

    fn check_url(&self, client_id: &str) -> Result<Url, String> {
        let url = Url::parse(client_id).map_err(|_| "the client id is not a URL".to_owned())?;
        let loopback_ok = self.allow_loopback
            && url.scheme() == "http"
            && matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback());
        if url.scheme() != "https" && !loopback_ok {
            return Err("a client id URL must be https".into());
        }
        if url.fragment().is_some() || url.path() == "/" || !url.username().is_empty() {
            return Err("a client id URL has a path, and no fragment or credentials".into());
        }
        // An https client id never names this network's own machines.
        if !loopback_ok
            && let Some(host) = url.host()
            && match host {
                url::Host::Ipv4(ip) => {
                    ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified()
                }
                url::Host::Ipv6(ip) => ip.is_loopback() || ip.is_unspecified(),
                url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
            }
        {
            return Err("a client id URL names a public host".into());
        }
        Ok(url)
    }

    async fn fetch(&self, url: Url) -> Result<ClientMetadata, String> {
        let mut response = self
            .http
            .get(url.clone())
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|err| format!("cannot fetch the client's metadata: {err}"))?;
        if !response.status().is_success() {
            return Err(format!(
                "the client's metadata answered {}",
                response.status()
            ));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_METADATA_BYTES as u64)
        {
            return Err("the client's metadata is too large".into());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| format!("cannot read the client's metadata: {err}"))?
        {
            if body.len() + chunk.len() > MAX_METADATA_BYTES {
                return Err("the client's metadata is too large".into());
            }
            body.extend_from_slice(&chunk);
        }
        let metadata: ClientMetadata = serde_json::from_slice(&body)
            .map_err(|err| format!("the client's metadata is not valid JSON metadata: {err}"))?;
        if metadata.client_id.as_deref() != Some(url.as_str()) {
            return Err("the client's metadata names another client_id".into());
        }
        Ok(metadata)
    }
}

/// The client behind `client_id`: registered here, or described by the
/// metadata document at that URL (fetched, or reused while fresh).
pub async fn resolve_client(oauth: &OAuth, client_id: &str) -> Result<Client, String> {
    let id = client_id.to_owned();
    let known = super::run(&oauth.db, move |conn| oauth::find_client(conn, &id))
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "cannot look a client up");
            "the server cannot look clients up right now".to_owned()
        })?;
    let now = jiff::Timestamp::now();
    if !MetadataFetcher::is_metadata_url(client_id) {
        return known.ok_or_else(|| format!("unknown client {client_id:?}; register it first"));
    }
    if let Some(client) = &known
        && client
            .fetched_at
            .is_some_and(|at| now.as_second() - at.as_second() < METADATA_FRESH_SECS)
    {
        return Ok(client.clone());
    }
    let fetcher = &oauth.client_metadata;
    let url = fetcher.check_url(client_id)?;
    let metadata = fetcher.fetch(url).await?;
    let (name, redirect_uris) = check_metadata(&metadata)?;
    let (id, client_uri) = (client_id.to_owned(), metadata.client_uri.clone());
    super::run(&oauth.db, move |conn| {
        oauth::save_metadata_client(conn, &id, &name, &redirect_uris, client_uri.as_deref(), now)
    })
    .await
    .map_err(|err| {
        tracing::error!(error = %err, "cannot save a client");
        "the server cannot save the client right now".to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_https_loopback_http_or_app_schemes() {
        for ok in [
            "https://claude.ai/api/mcp/auth_callback",
            "https://chatgpt.com/connector_platform_oauth_redirect",
            "http://localhost:3000/callback",
            "http://127.0.0.1:8080/cb",
            "http://[::1]/cb",
            "com.example.app:/callback",
        ] {
            assert!(valid_redirect_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://evil.example.com/cb",
            "https://a.example/cb#frag",
            "javascript:alert(1)",
            "/relative",
            "http://localhost.evil.com/cb",
        ] {
            assert!(valid_redirect_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn client_id_urls_are_https_with_a_path_on_a_public_host() {
        let strict = MetadataFetcher::new(false).unwrap();
        assert!(
            strict
                .check_url("https://app.example.com/oauth/client.json")
                .is_ok()
        );
        for bad in [
            "http://app.example.com/client.json",
            "https://app.example.com/",
            "https://127.0.0.1/client.json",
            "https://10.0.0.1/client.json",
            "https://localhost/client.json",
            "http://127.0.0.1:9/client.json",
        ] {
            assert!(strict.check_url(bad).is_err(), "{bad}");
        }
        let tests = MetadataFetcher::new(true).unwrap();
        assert!(tests.check_url("http://127.0.0.1:9/client.json").is_ok());
        assert!(tests.check_url("http://10.0.0.1/client.json").is_err());
    }
}
