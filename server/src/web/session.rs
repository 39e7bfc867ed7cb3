//! Browser sessions: the cookie, the signed-in user behind it, and the
//! anti-forgery checks every state-changing request passes.
//!
//! The cookie is `HttpOnly` (no script, not even the views', can read it),
//! `SameSite=Lax` (other sites' forms and fetches do not carry it) and
//! `Secure` with the `__Host-` prefix when the public URL is https. Each
//! session has its own anti-forgery token, stored with it: forms send it as a
//! hidden field, the views' requests as `X-CSRF-Token`.

use axum::http::{HeaderMap, HeaderValue, header};
use catalogue::User;
use catalogue::db::web as store;
use sha2::{Digest, Sha256};

use super::Web;

/// How long a sign-in lasts.
pub const LIFETIME_SECS: i64 = 14 * 24 * 3600;

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct Signed {
    pub user: User,
    pub csrf: String,
    /// The cookie's secret: what signing out and a password change end.
    pub secret: String,
}

/// The cookie's name: `__Host-` binds it to this host over https, where
/// browsers honour the prefix; plain http (a laptop) cannot use it.
pub fn cookie_name(secure: bool) -> &'static str {
    match secure {
        true => "__Host-teetrack_session",
        false => "teetrack_session",
    }
}

/// `Set-Cookie` for a new session.
pub fn set_cookie(secure: bool, secret: &str) -> HeaderValue {
    let value = format!(
        "{}={secret}; Path=/; Max-Age={LIFETIME_SECS}; HttpOnly; SameSite=Lax{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `Set-Cookie` that ends the session in the browser.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    let value = format!(
        "{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session secret the request's cookies carry, if any.
pub fn secret_in(headers: &HeaderMap, secure: bool) -> Option<String> {
    let name = cookie_name(secure);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty() && value.len() <= 128)
        .map(|(_, value)| value.to_owned())
}

/// The signed-in user of the request; `None` without a live session (or
/// when the database cannot say, which is logged).
pub async fn current(web: &Web, headers: &HeaderMap) -> Option<Signed> {
    lookup(&web.db, web.secure, headers).await
}

/// [`current`] for a page outside the web app (the OAuth consent page).
pub async fn lookup(db: &catalogue::Db, secure: bool, headers: &HeaderMap) -> Option<Signed> {
    let secret = secret_in(headers, secure)?;
    let lookup = secret.clone();
    let now = jiff::Timestamp::now();
    let found = db
        .run(move |conn| {
            store::find_session(conn, &lookup, now)
                .map_err(|err| catalogue::ToolError::internal(err.to_string()))
        })
        .await;
    match found {
        Ok(found) => found.map(|(user, csrf)| Signed { user, csrf, secret }),
        Err(err) => {
            tracing::error!(error = %err.message, "cannot read a web session");
            None
        }
    }
}

/// Whether `sent` is the session's anti-forgery token. Both sides are
/// hashed first, so the comparison's time says nothing about the token.
pub fn csrf_matches(signed: &Signed, sent: &str) -> bool {
    !sent.is_empty() && Sha256::digest(sent.as_bytes()) == Sha256::digest(signed.csrf.as_bytes())
}

/// A state-changing request from another site's page is refused even before
/// its token is looked at: browsers send `Origin` with every POST, and ours
/// is the public URL's. No `Origin` (an old browser, a script) falls back on
/// the token alone.
pub fn same_origin(headers: &HeaderMap, origin: &str) -> bool {
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(sent) => sent.eq_ignore_ascii_case(origin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn the_cookie_is_http_only_lax_and_secure_over_https() {
        let plain = set_cookie(false, "abc");
        assert_eq!(
            plain,
            "teetrack_session=abc; Path=/; Max-Age=1209600; HttpOnly; SameSite=Lax"
        );
        let secure = set_cookie(true, "abc").to_str().unwrap().to_owned();
        assert!(
            secure.starts_with("__Host-teetrack_session=abc; Path=/;"),
            "{secure}"
        );
        assert!(
            secure.ends_with("; HttpOnly; SameSite=Lax; Secure"),
            "{secure}"
        );
        assert!(clear_cookie(false).to_str().unwrap().contains("Max-Age=0"));
    }

    #[test]
    fn the_secret_is_read_from_its_own_cookie_only() {
        let h = headers(&[("cookie", "a=1; teetrack_session=s3cret; b=2")]);
        assert_eq!(secret_in(&h, false).as_deref(), Some("s3cret"));
        assert_eq!(
            secret_in(&h, true),
            None,
            "https expects the __Host- cookie"
        );
        let h = headers(&[("cookie", "x=1"), ("cookie", "__Host-teetrack_session=t")]);
        assert_eq!(secret_in(&h, true).as_deref(), Some("t"));
        let h = headers(&[("cookie", "teetrack_session=")]);
        assert_eq!(secret_in(&h, false), None);
    }

    #[test]
    fn csrf_and_origin_checks() {
        let signed = Signed {
            user: catalogue::User {
                id: 1,
                email: "a@b.c".into(),
                name: "a".into(),
                tier: catalogue::Tier::Free,
            },
            csrf: "token".into(),
            secret: "s".into(),
        };
        assert!(csrf_matches(&signed, "token"));
        assert!(!csrf_matches(&signed, "tokem"));
        assert!(!csrf_matches(&signed, ""));
        let origin = "http://127.0.0.1:8787";
        assert!(same_origin(&headers(&[]), origin));
        assert!(same_origin(
            &headers(&[("origin", "http://127.0.0.1:8787")]),
            origin
        ));
        assert!(!same_origin(
            &headers(&[("origin", "https://evil.example")]),
            origin
        ));
        assert!(!same_origin(&headers(&[("origin", "null")]), origin));
    }
}
