//! What a transport knows about one request besides its JSON: who sent it,
//! the legacy session it belongs to (if any), the HTTP headers that mirror
//! its body, and where its notifications go.

use std::sync::{Arc, Mutex, PoisonError};

use catalogue::User;
use serde_json::Value;

use super::logging::LogLevel;

/// The context of one request.
#[derive(Clone)]
pub struct Scope {
    /// Who the request runs as: checked by the transport, never by the
    /// dispatcher (a stdio process has one user; HTTP checks every request).
    pub user: User,
    /// The handshake-era session: the stdio process's own, or a fresh one per
    /// HTTP request (stateless serving keeps nothing between requests).
    pub session: Session,
    /// The request-metadata headers of Streamable HTTP; `None` on stdio.
    pub headers: Option<McpHeaders>,
    /// Sends a notification that belongs to this request (progress, log).
    pub notify: Notifier,
    /// What this request asked to see (`/api/mcp?toolsets=…`), narrowing
    /// what the server exposes; `None` on stdio.
    pub exposure: Option<super::Exposure>,
}

/// The `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` headers, as sent.
#[derive(Clone, Debug, Default)]
pub struct McpHeaders {
    pub protocol_version: Option<String>,
    pub method: Option<String>,
    pub name: Option<String>,
    /// `Mcp-Session-Id`: this server hands one out only to a client that
    /// declared MCP Apps (see [`crate::apps::SESSION_ID`]).
    pub session_id: Option<String>,
}

/// What an `initialize` handshake settles for the requests after it. On
/// stdio it lives as long as the process; over HTTP each request gets a new
/// one, so a version from the handshake never outlives its response (HTTP
/// clients repeat it in `MCP-Protocol-Version`).
#[derive(Clone, Debug, Default)]
pub struct Session(Arc<Mutex<SessionState>>);

#[derive(Clone, Copy, Debug, Default)]
struct SessionState {
    version: Option<&'static str>,
    log_level: Option<LogLevel>,
    /// The client declared the MCP Apps extension in its handshake.
    apps: bool,
}

impl Session {
    fn with<T>(&self, f: impl FnOnce(&mut SessionState) -> T) -> T {
        // Nothing panics while holding the lock; a poisoned state is still sound.
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The version the handshake settled on, if there was one.
    pub fn version(&self) -> Option<&'static str> {
        self.with(|s| s.version)
    }

    pub fn set_version(&self, version: &'static str) {
        self.with(|s| s.version = Some(version));
    }

    /// The level set by `logging/setLevel`; `None` until a client sets one.
    pub fn log_level(&self) -> Option<LogLevel> {
        self.with(|s| s.log_level)
    }

    pub fn set_log_level(&self, level: LogLevel) {
        self.with(|s| s.log_level = Some(level));
    }

    /// Whether the handshake declared MCP Apps.
    pub fn apps(&self) -> bool {
        self.with(|s| s.apps)
    }

    pub fn set_apps(&self) {
        self.with(|s| s.apps = true);
    }
}

/// Where a request's notifications go: the stdio writer, or that request's
/// own HTTP response stream.
#[derive(Clone)]
pub struct Notifier(Arc<dyn Fn(Value) + Send + Sync>);

impl Notifier {
    pub fn new(send: impl Fn(Value) + Send + Sync + 'static) -> Notifier {
        Notifier(Arc::new(send))
    }

    /// For requests whose notifications have nowhere to go (batches).
    pub fn discard() -> Notifier {
        Notifier::new(|_| {})
    }

    pub fn send(&self, method: &str, params: Value) {
        (self.0)(serde_json::json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }
}
