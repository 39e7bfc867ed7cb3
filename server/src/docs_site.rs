//! The tool reference site (`docs/`, embedded at build time by `build.rs`),
//! served read-only at `/docs/` by `teetrack serve`. Static and public: it
//! holds the tools' documentation, never a user's data.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

/// Every file of `docs/`: its path under `/docs/` and its bytes, sorted.
static FILES: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/docs_files.rs"));

/// The site's pages load nothing from elsewhere and run only their own
/// scripts; the favicon is an empty `data:` URL.
const CSP: &str = "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
                   frame-ancestors 'none'";

/// `/docs` (redirected to `/docs/`), `/docs/` (the index) and every file.
/// (`/` is the web app's: the dashboard, or its sign-in page.)
pub fn routes<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .route("/docs", get(|| async { Redirect::permanent("/docs/") }))
        .route("/docs/", get(|| async { file("index.html") }))
        .route(
            "/docs/{*path}",
            get(|Path(path): Path<String>| async move { file(&path) }),
        )
}

fn file(path: &str) -> Response {
    let path = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_owned()
    };
    let Ok(index) = FILES.binary_search_by(|(p, _)| (*p).cmp(path.as_str())) else {
        return (
            StatusCode::NOT_FOUND,
            "no such page in the Teetrack reference\n",
        )
            .into_response();
    };
    let mut response = FILES[index].1.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&path)),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The site changes with the binary: revalidate rather than serve stale.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_site_is_sorted_and_has_its_index() {
        assert!(
            FILES.windows(2).all(|w| w[0].0 < w[1].0),
            "binary search needs order"
        );
        assert!(FILES.iter().any(|(p, _)| *p == "index.html"));
        assert!(FILES.iter().any(|(p, _)| p.starts_with("tools/")));
        assert_eq!(content_type("assets/style.css"), "text/css; charset=utf-8");
    }
}
