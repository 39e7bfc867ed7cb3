//! The pages' frame: the document, the header with its navigation and
//! sign-out, and the headers every page is sent with.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

pub use crate::oauth::consent_page::escape;

use super::session::Signed;

/// Scripts from this server only (the views' and the forms'), no inline
/// script; inline styles for bar widths; no frame may hold a page.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; connect-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

const NAV: [(&str, &str); 7] = [
    ("/", "Dashboard"),
    ("/projects", "Projects"),
    ("/clients", "Clients"),
    ("/tags", "Tags"),
    ("/reports", "Reports"),
    ("/invoices", "Invoices"),
    ("/settings", "Settings"),
];

/// A whole page. `scripts` are asset names (`timers.js`); the bridge and
/// the forms come first whenever there is a session.
pub fn page(
    title: &str,
    signed: Option<&Signed>,
    path: &str,
    body: &str,
    scripts: &[&str],
) -> String {
    let mut out = String::with_capacity(body.len() + 2048);
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!(
        "<title>{} · Teetrack</title>\n<link rel=\"icon\" href=\"data:,\">\n         <link rel=\"stylesheet\" href=\"/assets/style.css\">\n",
        escape(title)
    ));
    if let Some(signed) = signed {
        out.push_str(&format!(
            "<meta name=\"csrf-token\" content=\"{}\">\n<script src=\"/assets/bridge.js\" defer></script>\n\
             <script src=\"/assets/forms.js\" defer></script>\n",
            escape(&signed.csrf)
        ));
        for script in scripts {
            out.push_str(&format!(
                "<script src=\"/assets/{}\" defer></script>\n",
                escape(script)
            ));
        }
    }
    out.push_str("</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to the content</a>\n");
    out.push_str("<header class=\"top\">\n<a class=\"brand\" href=\"/\">Teetrack</a>\n");
    if let Some(signed) = signed {
        out.push_str("<nav aria-label=\"Main\">\n");
        for (href, label) in NAV {
            let current = if href == path {
                " aria-current=\"page\""
            } else {
                ""
            };
            out.push_str(&format!("<a href=\"{href}\"{current}>{label}</a>\n"));
        }
        out.push_str("</nav>\n");
        out.push_str(&format!(
            "<span class=\"muted small\">{}</span>\n<form method=\"post\" action=\"/signout\">{}\
             <button class=\"secondary\" type=\"submit\">Sign out</button></form>\n",
            escape(&signed.user.email),
            csrf_field(signed)
        ));
    }
    out.push_str("</header>\n<main class=\"page\" id=\"main\">\n");
    out.push_str(body);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// The hidden field that carries the session's anti-forgery token.
pub fn csrf_field(signed: &Signed) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(&signed.csrf)
    )
}

/// A view's place on a page, with its first data (a tool's result) in a
/// JSON island its script reads: one set of views, drawn the same way in a
/// page and in an MCP host.
pub fn view(name: &str, data: &Value, arguments: Option<&Value>) -> String {
    // `</` inside JSON could end the script element early.
    let json = data.to_string().replace("</", "<\\/");
    let arguments = arguments
        .map(|a| format!(" data-arguments=\"{}\"", escape(&a.to_string())))
        .unwrap_or_default();
    format!(
        "<div class=\"card\" data-view=\"{name}\"{arguments} aria-live=\"polite\">\
         <script type=\"application/json\">{json}</script>\
         <noscript><p>This part needs JavaScript.</p></noscript></div>\n"
    )
}

/// An error from a tool, or any message for the person, in a page.
pub fn alert(message: &str) -> String {
    format!(
        "<p class=\"error\" role=\"alert\">{}</p>\n",
        escape(message)
    )
}

/// A page as a response: never cached, never framed.
pub fn respond(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Reads a string field of a tool result (`""` when absent).
pub fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_view_island_cannot_close_its_script_early() {
        let html = view(
            "timers",
            &json!({"d": "</script><script>alert(1)</script>"}),
            None,
        );
        assert!(!html.contains("</script><script>alert"), "{html}");
        assert!(html.contains("<\\/script>"));
        let html = view("invoice", &json!({}), Some(&json!({"project": "a\"b"})));
        assert!(
            html.contains("data-arguments=\"{&quot;project&quot;:&quot;a\\&quot;b&quot;}\""),
            "{html}"
        );
    }
}
