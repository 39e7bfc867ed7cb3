//! Protocol revisions: which era a request belongs to, the handshake of the
//! legacy era (`initialize`), the discovery of the current one
//! (`server/discover`), and how a result is dressed for its era.
//!
//! Legacy (2024-11-05 … 2025-11-25): an `initialize` handshake settles the
//! version for the rest of the session. Current (2026-07-28): stateless;
//! every request carries its version and the client's capabilities in
//! `params._meta`, and every result says what it is (`resultType`).

use serde_json::{Value, json};

use super::RpcError;
use super::logging::LogLevel;
use super::method::InitializeParams;
use super::scope::{McpHeaders, Scope};

/// The handshake-era revisions we speak, oldest first.
pub const LEGACY_VERSIONS: [&str; 4] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

/// The stateless revision.
pub const MODERN: &str = "2026-07-28";

const LATEST_LEGACY: &str = LEGACY_VERSIONS[LEGACY_VERSIONS.len() - 1];

/// The only legacy revision with JSON-RPC batches (added by 2025-03-26,
/// removed by 2025-06-18); its clients send no `MCP-Protocol-Version` header.
pub const BATCH_VERSION: &str = "2025-03-26";

/// Every version, as `server/discover` and version errors list them.
pub fn supported_versions() -> Vec<&'static str> {
    let mut all = vec![MODERN];
    all.extend(LEGACY_VERSIONS.iter().rev());
    all
}

const PROTOCOL_VERSION_KEY: &str = "io.modelcontextprotocol/protocolVersion";
const CAPABILITIES_KEY: &str = "io.modelcontextprotocol/clientCapabilities";
const LOG_LEVEL_KEY: &str = "io.modelcontextprotocol/logLevel";
const SERVER_INFO_KEY: &str = "io.modelcontextprotocol/serverInfo";

/// Given to the assistant as the server's instructions: the one thing it
/// must do before anything else.
const INSTRUCTIONS: &str = "Teetrack tracks the user's working time: timers, tracks, projects, \
clients, invoices and reports. Call `get_context` first: it tells who the user is, their time \
zone, what \"now\" and \"today\" are in it, their tier and their running timers. Read and write \
every time in that zone. Errors the user can fix come back as tool results with a `code` and a \
`hint`.";

/// How one request is to be served.
#[derive(Clone, Debug, PartialEq)]
pub enum Era {
    /// The handshake era, at this version.
    Legacy(&'static str),
    /// 2026-07-28, with the log level this request asked for. Its client
    /// capabilities are checked for shape only: no product feature needs one.
    Modern { log_level: Option<LogLevel> },
}

impl Era {
    /// Reads the era from the request's `_meta` and, over HTTP, its
    /// `MCP-Protocol-Version` header. The errors are the current revision's
    /// (with the HTTP status it names): a legacy client never sends `_meta`
    /// versions or a current header, so it never sees them.
    pub fn of(method: &str, params: Option<&Value>, scope: &Scope) -> Result<Era, RpcError> {
        let meta = params.and_then(|p| p.get("_meta"));
        let header = scope
            .headers
            .as_ref()
            .and_then(|h| h.protocol_version.as_deref());
        let claimed = meta.and_then(|m| m.get(PROTOCOL_VERSION_KEY));
        let version = match claimed {
            Some(Value::String(v)) => Some(v.as_str()),
            Some(_) => {
                return Err(RpcError::missing_meta(
                    "`io.modelcontextprotocol/protocolVersion` must be a string",
                ));
            }
            None => None,
        };
        if let (Some(header), Some(version)) = (header, version)
            && header != version
        {
            return Err(RpcError::header_mismatch(format!(
                "MCP-Protocol-Version header {header:?} does not match _meta protocolVersion {version:?}"
            )));
        }
        match version.or(header) {
            Some(MODERN) => {
                if version.is_none() {
                    return Err(RpcError::missing_meta(
                        "a 2026-07-28 request needs `_meta` with `io.modelcontextprotocol/protocolVersion`",
                    ));
                }
                if let Some(headers) = &scope.headers {
                    check_headers(method, params, headers)?;
                }
                Self::modern(meta)
            }
            Some(v) => match LEGACY_VERSIONS.iter().find(|l| **l == v) {
                Some(legacy) => Ok(Era::Legacy(legacy)),
                None => Err(RpcError::unsupported_version(v)),
            },
            // Only the current revision has `server/discover`; asking for it
            // without `_meta` is a malformed current request.
            None if method == "server/discover" => Err(RpcError::missing_meta(
                "server/discover needs `_meta` with `io.modelcontextprotocol/protocolVersion` \
                 and `io.modelcontextprotocol/clientCapabilities`",
            )),
            None => Ok(Era::Legacy(
                scope.session.version().unwrap_or(LATEST_LEGACY),
            )),
        }
    }

    fn modern(meta: Option<&Value>) -> Result<Era, RpcError> {
        if !meta
            .and_then(|m| m.get(CAPABILITIES_KEY))
            .is_some_and(Value::is_object)
        {
            return Err(RpcError::missing_meta(
                "`_meta` needs `io.modelcontextprotocol/clientCapabilities` (an object; {} for none)",
            ));
        }
        let log_level = match meta.and_then(|m| m.get(LOG_LEVEL_KEY)) {
            None => None,
            Some(level) => Some(
                serde_json::from_value(level.clone())
                    .map_err(|_| RpcError::invalid_params(format!("unknown log level {level}")))?,
            ),
        };
        Ok(Era::Modern { log_level })
    }

    pub fn is_modern(&self) -> bool {
        matches!(self, Era::Modern { .. })
    }

    /// Dresses a result for its era: the current revision's results say
    /// what they are (`complete` unless the handler said `input_required`)
    /// and who answered.
    pub fn result(&self, mut result: Value) -> Value {
        if self.is_modern()
            && let Value::Object(fields) = &mut result
        {
            fields
                .entry("resultType")
                .or_insert_with(|| json!("complete"));
            let meta = fields.entry("_meta").or_insert_with(|| json!({}));
            if let Value::Object(meta) = meta {
                meta.insert(SERVER_INFO_KEY.into(), server_info());
            }
        }
        result
    }
}

/// Streamable HTTP mirrors the method and the name (tool, prompt, resource)
/// into headers so intermediaries can route without reading the body; a
/// body that says otherwise is refused, so they cannot be told one thing
/// while we do another.
fn check_headers(
    method: &str,
    params: Option<&Value>,
    headers: &McpHeaders,
) -> Result<(), RpcError> {
    match headers.method.as_deref() {
        None => {
            return Err(RpcError::header_mismatch(
                "the Mcp-Method header is missing",
            ));
        }
        Some(sent) if sent != method => {
            return Err(RpcError::header_mismatch(format!(
                "Mcp-Method header {sent:?} does not match the body's method {method:?}"
            )));
        }
        Some(_) => {}
    }
    let field = match method {
        "tools/call" | "prompts/get" => "name",
        "resources/read" => "uri",
        _ => return Ok(()),
    };
    let body = params.and_then(|p| p.get(field)).and_then(Value::as_str);
    let Some(sent) = headers.name.as_deref() else {
        return Err(RpcError::header_mismatch("the Mcp-Name header is missing"));
    };
    let decoded = decode_header_value(sent).ok_or_else(|| {
        RpcError::header_mismatch(format!("the Mcp-Name header {sent:?} is not valid Base64"))
    })?;
    if body != Some(decoded.as_str()) {
        return Err(RpcError::header_mismatch(format!(
            "Mcp-Name header {decoded:?} does not match the body's {field} {body:?}"
        )));
    }
    Ok(())
}

/// A header value as sent: plain, or `=?base64?…?=` for values that are not
/// plain ASCII. `None` for Base64 that does not decode to UTF-8.
pub fn decode_header_value(value: &str) -> Option<String> {
    use base64::Engine as _;
    match value
        .strip_prefix("=?base64?")
        .and_then(|v| v.strip_suffix("?="))
    {
        None => Some(value.to_owned()),
        Some(encoded) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()?;
            String::from_utf8(bytes).ok()
        }
    }
}

fn server_info() -> Value {
    json!({"name": "teetrack", "title": "Teetrack", "version": env!("CARGO_PKG_VERSION")})
}

/// What we offer, in the shape both `initialize` and `server/discover` use.
fn capabilities() -> Value {
    json!({
        "tools": {"listChanged": false},
        "prompts": {"listChanged": false},
        "resources": {"subscribe": false, "listChanged": false},
        "completions": {},
        "logging": {},
    })
}

/// The client's version when we speak it; otherwise our latest legacy one,
/// and the client decides whether it can go on.
pub fn negotiate(requested: &str) -> &'static str {
    LEGACY_VERSIONS
        .into_iter()
        .find(|v| *v == requested)
        .unwrap_or(LATEST_LEGACY)
}

pub fn initialize(params: &InitializeParams, scope: &Scope) -> Value {
    let version = negotiate(&params.protocol_version);
    scope.session.set_version(version);
    tracing::info!(
        requested = params.protocol_version,
        version,
        client = %params.client_info,
        "initialize"
    );
    json!({
        "protocolVersion": version,
        "capabilities": capabilities(),
        "serverInfo": server_info(),
        "instructions": INSTRUCTIONS,
    })
}

pub fn discover() -> Value {
    json!({
        "supportedVersions": supported_versions(),
        "capabilities": capabilities(),
        "instructions": INSTRUCTIONS,
        // What we offer changes only with a new release.
        "ttlMs": super::LIST_TTL_MS,
        "cacheScope": "public",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::scope::{Notifier, Session};

    fn scope(headers: Option<McpHeaders>) -> Scope {
        Scope {
            user: catalogue::User {
                id: 1,
                email: "ada@example.com".into(),
                name: "Ada".into(),
                tier: catalogue::Tier::Free,
            },
            session: Session::default(),
            headers,
            exposure: None,
            notify: Notifier::discard(),
        }
    }

    fn meta(version: &str) -> Value {
        json!({"_meta": {PROTOCOL_VERSION_KEY: version, CAPABILITIES_KEY: {}}})
    }

    fn http(version: Option<&str>, method: &str, name: Option<&str>) -> Option<McpHeaders> {
        Some(McpHeaders {
            protocol_version: version.map(str::to_owned),
            method: Some(method.to_owned()),
            name: name.map(str::to_owned),
            session_id: None,
        })
    }

    fn code(result: Result<Era, RpcError>) -> (i32, Option<u16>) {
        let err = result.expect_err("an error");
        (err.code, err.http_status)
    }

    #[test]
    fn the_era_comes_from_meta_then_the_header_then_the_handshake() {
        let none = scope(None);
        assert_eq!(
            Era::of("tools/list", None, &none).unwrap(),
            Era::Legacy("2025-11-25")
        );
        none.session.set_version("2025-03-26");
        assert_eq!(
            Era::of("tools/list", None, &none).unwrap(),
            Era::Legacy("2025-03-26")
        );
        let legacy_header = scope(http(Some("2025-06-18"), "tools/list", None));
        assert_eq!(
            Era::of("tools/list", None, &legacy_header).unwrap(),
            Era::Legacy("2025-06-18")
        );
        assert!(
            Era::of("tools/list", Some(&meta(MODERN)), &none)
                .unwrap()
                .is_modern()
        );
        // A handshake-era version in `_meta` is served in that era.
        assert_eq!(
            Era::of("tools/list", Some(&meta("2025-11-25")), &scope(None)).unwrap(),
            Era::Legacy("2025-11-25")
        );
    }

    #[test]
    fn current_requests_are_checked_with_the_errors_and_statuses_of_2026_07_28() {
        let bad_meta = json!({"_meta": {PROTOCOL_VERSION_KEY: MODERN}});
        assert_eq!(
            code(Era::of("tools/list", Some(&bad_meta), &scope(None))),
            (-32602, Some(400))
        );
        assert_eq!(
            code(Era::of("server/discover", None, &scope(None))),
            (-32602, Some(400))
        );
        let header_only = scope(http(Some(MODERN), "tools/list", None));
        assert_eq!(
            code(Era::of("tools/list", Some(&json!({})), &header_only)),
            (-32602, Some(400))
        );
        assert_eq!(
            code(Era::of("tools/list", Some(&meta("v999")), &scope(None))),
            (-32022, Some(400))
        );
        let mismatch = scope(http(Some(MODERN), "tools/list", None));
        assert_eq!(
            code(Era::of("tools/list", Some(&meta("v999")), &mismatch)),
            (-32020, Some(400))
        );
        let wrong_method = scope(http(Some(MODERN), "tools/call", None));
        assert_eq!(
            code(Era::of("tools/list", Some(&meta(MODERN)), &wrong_method)),
            (-32020, Some(400))
        );
        let mut call = meta(MODERN);
        call["name"] = json!("get_context");
        let no_name = scope(http(Some(MODERN), "tools/call", None));
        assert_eq!(
            code(Era::of("tools/call", Some(&call), &no_name)),
            (-32020, Some(400))
        );
        let other_name = scope(http(Some(MODERN), "tools/call", Some("stop_timer")));
        assert_eq!(
            code(Era::of("tools/call", Some(&call), &other_name)),
            (-32020, Some(400))
        );
        let encoded = scope(http(
            Some(MODERN),
            "tools/call",
            Some("=?base64?Z2V0X2NvbnRleHQ=?="),
        ));
        assert!(
            Era::of("tools/call", Some(&call), &encoded)
                .unwrap()
                .is_modern()
        );
        let bad_padding = scope(http(
            Some(MODERN),
            "tools/call",
            Some("=?base64?Z2V0X2NvbnRleHQ?="),
        ));
        assert_eq!(
            code(Era::of("tools/call", Some(&call), &bad_padding)),
            (-32020, Some(400))
        );
    }

    #[test]
    fn results_of_the_current_revision_say_what_they_are_and_who_answered() {
        let modern = Era::Modern { log_level: None };
        let result = modern.result(json!({"tools": []}));
        assert_eq!(result["resultType"], "complete");
        assert_eq!(result["_meta"][SERVER_INFO_KEY]["name"], "teetrack");
        assert_eq!(Era::Legacy("2025-06-18").result(json!({})), json!({}));
        let versions = supported_versions();
        assert_eq!(versions[0], MODERN);
        assert_eq!(versions.len(), 5);
    }
}
