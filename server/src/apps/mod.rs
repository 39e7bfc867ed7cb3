//! MCP Apps (`io.modelcontextprotocol/ui`, stable 2026-01-26): interactive
//! views of tool results, rendered by the host in a sandboxed iframe.
//!
//! One set of views (`server/views/`, embedded in the binary) serves two
//! ways: here as `ui://` resources, whole HTML documents that talk to the
//! host over `postMessage`; and in the web app ([`crate::web`]), where the
//! same scripts call the same tools through `teetrack serve` with the
//! browser's session. The shared bridge (`views/bridge.js`) picks the way.
//!
//! Nothing changes for a host without the extension: the tools' `_meta.ui`,
//! the views in `resources/list` and the server's `extensions` capability
//! appear only when the client declared the extension (in `initialize`, in
//! a 2026-07-28 request's capabilities, or over HTTP through the session id
//! the handshake hands out, see [`SESSION_ID`]).

use serde_json::{Value, json};

/// The extension's identifier.
pub const EXTENSION: &str = "io.modelcontextprotocol/ui";
/// What a view resource is.
pub const MIME_TYPE: &str = "text/html;profile=mcp-app";

/// Stateless HTTP keeps nothing between requests, so a client that declared
/// the extension in `initialize` gets this `Mcp-Session-Id`, which it sends
/// back with every request: any instance then knows it renders views. It
/// names a capability, not a person: it grants nothing.
pub const SESSION_ID: &str = "teetrack-mcp-apps-1";

/// One view: its resource, and the tools whose results it shows.
#[derive(Debug)]
pub struct View {
    pub name: &'static str,
    pub uri: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub tools: &'static [&'static str],
    /// The view's own script (after the shared bridge).
    pub script: &'static str,
}

pub const STYLE: &str = include_str!("../../views/style.css");
pub const BRIDGE: &str = include_str!("../../views/bridge.js");
/// The web app's forms (not part of any MCP view).
pub const FORMS: &str = include_str!("../../views/forms.js");

pub const VIEWS: [View; 4] = [
    View {
        name: "timers",
        uri: "ui://teetrack/timers.html",
        title: "Running timers",
        description: "The running timers, ticking, with Stop and Switch, and a Start form.",
        tools: &["start_timer", "list_active_timers"],
        script: include_str!("../../views/timers.js"),
    },
    View {
        name: "totals",
        uri: "ui://teetrack/totals.html",
        title: "Time totals",
        description: "Totals as a chart by day (or month, year) and project, with the table.",
        tools: &["get_time_totals"],
        script: include_str!("../../views/totals.js"),
    },
    View {
        name: "timesheet",
        uri: "ui://teetrack/timesheet.html",
        title: "Timesheet review",
        description: "A period's days with gaps, overlaps, long tracks and tracks without a project.",
        tools: &["review_timesheet"],
        script: include_str!("../../views/timesheet.js"),
    },
    View {
        name: "invoice",
        uri: "ui://teetrack/invoice.html",
        title: "Invoice",
        description: "An invoice or its preview, with Generate, Send and Paid buttons.",
        tools: &["preview_invoice", "get_invoice"],
        script: include_str!("../../views/invoice.js"),
    },
];

/// The view that shows `tool`'s results.
pub fn for_tool(tool: &str) -> Option<&'static View> {
    VIEWS.iter().find(|v| v.tools.contains(&tool))
}

pub fn by_name(name: &str) -> Option<&'static View> {
    VIEWS.iter().find(|v| v.name == name)
}

/// The web app's static files, by name: the shared style, bridge and
/// forms, and each view's script.
pub fn asset(name: &str) -> Option<(&'static str, &'static str)> {
    const JS: &str = "text/javascript; charset=utf-8";
    match name {
        "style.css" => Some(("text/css; charset=utf-8", STYLE)),
        "bridge.js" => Some((JS, BRIDGE)),
        "forms.js" => Some((JS, FORMS)),
        _ => {
            let view = by_name(name.strip_suffix(".js")?)?;
            Some((JS, view.script))
        }
    }
}

/// Whether client capabilities (`initialize`'s, or a 2026-07-28 request's)
/// declare the extension with the HTML views' MIME type.
pub fn declared(capabilities: &Value) -> bool {
    capabilities
        .pointer("/extensions")
        .and_then(|e| e.get(EXTENSION))
        .and_then(|ui| ui.get("mimeTypes"))
        .and_then(Value::as_array)
        .is_some_and(|types| types.iter().any(|t| t == MIME_TYPE))
}

/// Whether a request comes from a client that renders views: it declared
/// the extension in its handshake (stdio), sends the session id that
/// handshake handed out (HTTP), or declares it in this 2026-07-28 request.
pub fn requested(meta: &Value, scope: &crate::rpc::Scope) -> bool {
    scope.session.apps()
        || scope.headers.as_ref().and_then(|h| h.session_id.as_deref()) == Some(SESSION_ID)
        || meta
            .get("io.modelcontextprotocol/clientCapabilities")
            .is_some_and(declared)
}

/// The server's side of the negotiation, added to its capabilities.
pub fn add_capability(capabilities: &mut Value) {
    if let Value::Object(fields) = capabilities {
        fields.insert(
            "extensions".into(),
            json!({EXTENSION: {"mimeTypes": [MIME_TYPE]}}),
        );
    }
}

/// A `tools/list` page with `_meta.ui.resourceUri` on the tools that have a view.
pub fn annotate_tools(mut page: Value) -> Value {
    if let Some(tools) = page.get_mut("tools").and_then(Value::as_array_mut) {
        for tool in tools {
            let Some(view) = tool["name"].as_str().and_then(for_tool) else {
                continue;
            };
            if let Value::Object(fields) = tool {
                let meta = fields.entry("_meta").or_insert_with(|| json!({}));
                if let Value::Object(meta) = meta {
                    meta.insert("ui".into(), json!({"resourceUri": view.uri}));
                }
            }
        }
    }
    page
}

/// The views as `resources/list` entries.
pub fn resources() -> Vec<Value> {
    VIEWS
        .iter()
        .map(|view| {
            json!({
                "uri": view.uri,
                "name": view.name,
                "title": view.title,
                "description": view.description,
                "mimeType": MIME_TYPE,
            })
        })
        .collect()
}

/// What the host must allow a view: nothing from outside. Empty domain lists
/// are the specification's "no external origins".
fn resource_meta() -> Value {
    json!({"ui": {
        "csp": {"connectDomains": [], "resourceDomains": [], "frameDomains": [], "baseUriDomains": []},
        "prefersBorder": true,
    }})
}

/// `resources/read` of a view; `None` for an unknown `ui://` URI.
pub fn read(uri: &str) -> Option<Value> {
    let view = VIEWS.iter().find(|v| v.uri == uri)?;
    Some(json!({"contents": [{
        "uri": view.uri,
        "mimeType": MIME_TYPE,
        "text": document(view),
        "_meta": resource_meta(),
    }]}))
}

/// A view as one HTML document (the host loads it from a string: no other
/// file can be fetched). Made when read, so a `teetrack mcp` that no host
/// asks for a view never builds one.
pub fn document(view: &View) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body class=\"in-host\">\n\
         <main id=\"app\" data-view=\"{name}\" aria-live=\"polite\"><p class=\"muted\">Loading…</p></main>\n\
         <script>{BRIDGE}</script>\n<script>{script}</script>\n</body>\n</html>\n",
        title = view.title,
        name = view.name,
        script = view.script,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_view_names_registered_tools_and_each_tool_has_one_view() {
        let mut seen = Vec::new();
        for view in &VIEWS {
            assert!(view.uri.starts_with("ui://"), "{}", view.uri);
            for tool in view.tools {
                assert!(
                    catalogue::find_tool(tool).is_some(),
                    "{tool} is not registered"
                );
                assert!(!seen.contains(tool), "{tool} has two views");
                seen.push(*tool);
            }
        }
        for tool in [
            "start_timer",
            "list_active_timers",
            "get_time_totals",
            "review_timesheet",
            "preview_invoice",
            "get_invoice",
        ] {
            assert!(for_tool(tool).is_some(), "{tool} has no view");
        }
    }

    #[test]
    fn the_extension_is_declared_only_with_the_html_mime_type() {
        assert!(declared(
            &json!({"extensions": {EXTENSION: {"mimeTypes": [MIME_TYPE]}}})
        ));
        assert!(!declared(
            &json!({"extensions": {EXTENSION: {"mimeTypes": ["text/plain"]}}})
        ));
        assert!(!declared(&json!({"extensions": {EXTENSION: {}}})));
        assert!(!declared(&json!({"extensions": {}})));
        assert!(!declared(&json!({})));
        assert!(!declared(&Value::Null));
    }

    #[test]
    fn tools_with_views_get_their_resource_uri_and_others_stay_as_they_were() {
        let page = json!({"tools": [
            {"name": "start_timer", "inputSchema": {}},
            {"name": "log_track", "inputSchema": {}},
        ], "nextCursor": "x"});
        let annotated = annotate_tools(page.clone());
        assert_eq!(
            annotated["tools"][0]["_meta"],
            json!({"ui": {"resourceUri": "ui://teetrack/timers.html"}})
        );
        assert_eq!(annotated["tools"][1], page["tools"][1]);
        assert_eq!(annotated["nextCursor"], "x");
    }

    #[test]
    fn a_view_reads_as_one_self_contained_html_document_with_no_outside_origin() {
        for view in &VIEWS {
            let read = read(view.uri).unwrap();
            let content = &read["contents"][0];
            assert_eq!(content["mimeType"], MIME_TYPE);
            assert_eq!(content["uri"], view.uri);
            let csp = &content["_meta"]["ui"]["csp"];
            for key in [
                "connectDomains",
                "resourceDomains",
                "frameDomains",
                "baseUriDomains",
            ] {
                assert_eq!(csp[key], json!([]), "{key}");
            }
            let html = content["text"].as_str().unwrap();
            assert!(html.starts_with("<!doctype html>"));
            assert!(html.contains(view.script.trim()));
            // Nothing loaded from anywhere: no src=, href= or url( to a host.
            for needle in ["http://", "https://", "src=", "@import", "url("] {
                assert!(!html.contains(needle), "{} holds {needle:?}", view.name);
            }
        }
        assert!(read("ui://teetrack/nothing.html").is_none());
    }

    #[test]
    fn assets_are_the_views_scripts_the_bridge_and_the_style() {
        assert_eq!(asset("style.css").unwrap().1, STYLE);
        assert_eq!(asset("bridge.js").unwrap().1, BRIDGE);
        assert_eq!(asset("timers.js").unwrap().1, VIEWS[0].script);
        assert!(asset("../Cargo.toml").is_none());
        assert!(asset("timers").is_none());
    }
}
