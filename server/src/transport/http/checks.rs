//! The checks a request passes before its body is read: where it comes from
//! (Origin, Host), where its credential is, and what it accepts.

use axum::http::{HeaderMap, Uri, header};

/// Which browser origins may call us. Non-browser clients send no `Origin`
/// and are let through (the token is their check); a browser page always
/// sends one, and a DNS-rebinding page sends its own.
#[derive(Clone, Debug)]
pub struct OriginPolicy {
    /// Bound to loopback: pages served from this machine (`localhost`,
    /// `127.0.0.1`, `[::1]`, any port) may call us, and the Host header must
    /// name this machine too.
    pub loopback: bool,
    /// `scheme://host[:port]`, lowercase, from `--allowed-origin`.
    pub allowed: Vec<String>,
}

impl OriginPolicy {
    pub fn new(loopback: bool, allowed: &[String]) -> OriginPolicy {
        OriginPolicy {
            loopback,
            allowed: allowed
                .iter()
                .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
                .collect(),
        }
    }

    /// `Err` with the reason for a 403.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), String> {
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("").to_ascii_lowercase();
            let local = self.loopback
                && origin.split_once("://").is_some_and(|(scheme, rest)| {
                    matches!(scheme, "http" | "https") && is_loopback_authority(rest)
                });
            if !local && !self.allowed.contains(&origin) {
                return Err(format!("origin {origin:?} is not allowed"));
            }
        }
        if self.loopback {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("");
            if !is_loopback_authority(&host.to_ascii_lowercase()) {
                return Err(format!("host {host:?} is not this machine"));
            }
        }
        Ok(())
    }
}

/// `localhost`, `127.0.0.1` or `[::1]`, with an optional port.
fn is_loopback_authority(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or(rest, |(host, _)| host),
        None => authority.split(':').next().unwrap_or(""),
    };
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

/// A credential in the URL ends up in proxy and access logs: refuse it
/// loudly instead of ignoring it.
pub fn token_in_query(uri: &Uri) -> bool {
    uri.query().is_some_and(|query| {
        query.split('&').any(|pair| {
            let name = pair.split('=').next().unwrap_or("").to_ascii_lowercase();
            matches!(
                name.as_str(),
                "token" | "access_token" | "api_key" | "apikey" | "key" | "bearer"
            ) || pair.starts_with("tt_")
                || pair.contains("=tt_")
        })
    })
}

/// The bearer token of `Authorization: Bearer <token>`, if well formed.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// What the `Accept` header allows: JSON is required (every response may be
/// one); an event stream is used only when allowed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Accepts {
    pub json: bool,
    pub event_stream: bool,
}

pub fn accepts(headers: &HeaderMap) -> Accepts {
    let mut accepts = Accepts {
        json: false,
        event_stream: false,
    };
    for value in headers.get_all(header::ACCEPT) {
        for range in value.to_str().unwrap_or("").split(',') {
            let media = range
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            match media.as_str() {
                "*/*" => {
                    accepts.json = true;
                    accepts.event_stream = true;
                }
                "application/*" | "application/json" => accepts.json = true,
                "text/*" | "text/event-stream" => accepts.event_stream = true,
                _ => {}
            }
        }
    }
    accepts
}

pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn loopback_origins_and_hosts_pass_others_only_when_listed() {
        let local = OriginPolicy::new(true, &[]);
        let ok = |p: &OriginPolicy, h: &[(&str, &str)]| p.check(&headers(h)).is_ok();
        assert!(ok(&local, &[("host", "127.0.0.1:8787")]));
        assert!(ok(
            &local,
            &[
                ("host", "localhost:8787"),
                ("origin", "http://localhost:6274")
            ]
        ));
        assert!(ok(
            &local,
            &[("host", "[::1]:8787"), ("origin", "http://[::1]")]
        ));
        assert!(!ok(
            &local,
            &[
                ("host", "127.0.0.1:8787"),
                ("origin", "http://evil.example.com")
            ]
        ));
        assert!(!ok(&local, &[("host", "evil.example.com")]));
        assert!(!ok(&local, &[("host", "localhost.evil.com")]));
        assert!(!ok(&local, &[("host", "localhost"), ("origin", "null")]));

        let public = OriginPolicy::new(false, &["https://chat.example.com/".into()]);
        assert!(ok(&public, &[("host", "tt.example.com")]));
        assert!(ok(
            &public,
            &[
                ("host", "tt.example.com"),
                ("origin", "https://chat.example.com")
            ]
        ));
        assert!(!ok(
            &public,
            &[("host", "tt.example.com"), ("origin", "http://localhost")]
        ));
    }

    #[test]
    fn tokens_are_found_in_query_strings() {
        for query in [
            "/api/mcp?token=x",
            "/api/mcp?a=1&ACCESS_TOKEN=x",
            "/api/mcp?tt_abc",
            "/api/mcp?k=tt_abc",
        ] {
            assert!(token_in_query(&query.parse().unwrap()), "{query}");
        }
        assert!(!token_in_query(&"/api/mcp?debug=1".parse().unwrap()));
        assert!(!token_in_query(&"/api/mcp".parse().unwrap()));
    }

    #[test]
    fn bearer_and_accept_are_read_leniently_but_exactly() {
        assert_eq!(
            bearer(&headers(&[("authorization", "Bearer tt_x")])),
            Some("tt_x")
        );
        assert_eq!(
            bearer(&headers(&[("authorization", "bearer  tt_x ")])),
            Some("tt_x")
        );
        assert_eq!(
            bearer(&headers(&[("authorization", "Basic dXNlcg==")])),
            None
        );
        assert_eq!(bearer(&headers(&[("authorization", "Bearer ")])), None);
        let both = accepts(&headers(&[(
            "accept",
            "application/json, text/event-stream",
        )]));
        assert_eq!((both.json, both.event_stream), (true, true));
        let json = accepts(&headers(&[("accept", "application/json;q=0.9")]));
        assert_eq!((json.json, json.event_stream), (true, false));
        assert!(!accepts(&headers(&[("accept", "text/html")])).json);
        assert!(!accepts(&headers(&[])).json);
        assert!(is_json(&headers(&[(
            "content-type",
            "application/json; charset=utf-8"
        )])));
        assert!(!is_json(&headers(&[("content-type", "text/plain")])));
    }
}
