//! `initialize`: protocol version negotiation and what we tell the client
//! about ourselves.

use serde_json::{Value, json};

use super::method::InitializeParams;

/// The revisions we speak, oldest first. Clients still send all of them.
pub const PROTOCOL_VERSIONS: [&str; 4] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

const LATEST: &str = PROTOCOL_VERSIONS[PROTOCOL_VERSIONS.len() - 1];

/// Given to the assistant as the server's instructions: the one thing it
/// must do before anything else.
const INSTRUCTIONS: &str = "Teetrack tracks the user's working time: timers, tracks, projects, \
clients, invoices and reports. Call `get_context` first: it tells who the user is, their time \
zone, what \"now\" and \"today\" are in it, their tier and their running timers. Read and write \
every time in that zone. Errors the user can fix come back as tool results with a `code` and a \
`hint`.";

/// The client's version when we speak it; otherwise our latest, and the
/// client decides whether it can go on.
pub fn negotiate(requested: &str) -> &'static str {
    PROTOCOL_VERSIONS
        .into_iter()
        .find(|v| *v == requested)
        .unwrap_or(LATEST)
}

pub fn initialize(params: &InitializeParams) -> Value {
    let version = negotiate(&params.protocol_version);
    tracing::info!(
        requested = params.protocol_version,
        version,
        client = %params.client_info,
        "initialize"
    );
    json!({
        "protocolVersion": version,
        "capabilities": {"tools": {"listChanged": false}},
        "serverInfo": {
            "name": "teetrack",
            "title": "Teetrack",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "instructions": INSTRUCTIONS,
    })
}
