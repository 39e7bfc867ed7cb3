//! `teetrack tools …` and `teetrack config …`: the registry and the client
//! configurations, printed for the operator.

use std::path::Path;

use anyhow::Context as _;
use catalogue::{Db, ToolDef, registry};
use serde_json::{Value, json};

use crate::accounts::{output, table};
use crate::client_config::{self, Client, Setup};

/// Every tool's manifest, exactly as `tools/list` serves it (area and tier
/// under `_meta`), in one JSON document.
pub fn export() -> anyhow::Result<()> {
    let doc = export_document();
    output(serde_json::to_string_pretty(&doc)?)
}

pub fn export_document() -> Value {
    json!({
        "server": "teetrack",
        "version": env!("CARGO_PKG_VERSION"),
        "tools": registry().iter().map(|t| t.manifest()).collect::<Vec<_>>(),
    })
}

/// One line a tool: name, area, tier, annotations, title.
pub fn list() -> anyhow::Result<()> {
    let rows = registry().iter().map(|t| {
        vec![
            t.name.to_owned(),
            t.area().to_owned(),
            t.tier.to_string(),
            annotations(t),
            t.title.to_owned(),
        ]
    });
    table(&["NAME", "AREA", "TIER", "ANNOTATIONS", "TITLE"], rows)
}

fn annotations(tool: &ToolDef) -> String {
    let flags = [
        (tool.read_only, "read-only"),
        (tool.destructive, "destructive"),
        (tool.idempotent, "idempotent"),
    ];
    let set: Vec<&str> = flags.iter().filter(|f| f.0).map(|f| f.1).collect();
    if set.is_empty() {
        "-".into()
    } else {
        set.join(",")
    }
}

/// `teetrack config CLIENT`: the configuration on stdout, how to use it on
/// stderr, so `teetrack config claude-desktop > snippet.json` keeps only JSON.
pub fn config(
    client: Client,
    url: String,
    create_token: Option<String>,
    (toolsets, read_only): (Vec<String>, bool),
    database_url: Option<&str>,
    open: impl FnOnce() -> anyhow::Result<Db>,
) -> anyhow::Result<()> {
    let command = std::env::current_exe().context("cannot find the teetrack binary's path")?;
    let token = match &create_token {
        Some(email) => {
            let db = open()?;
            let conn = &mut db.conn()?;
            let (_, token) = catalogue::db::users::create_token(
                conn,
                email,
                Some(client.as_str()),
                jiff::Timestamp::now(),
            )?;
            Some(token)
        }
        None => None,
    };
    let setup = Setup {
        command: command.display().to_string(),
        token,
        // The client starts `teetrack mcp` elsewhere: it must open this same
        // database, and a relative path would not find it.
        database_url: database_url.map(absolute_database),
        url,
        toolsets,
        read_only,
    };
    let rendered = client_config::render(client, &setup);
    for line in &rendered.before {
        eprintln!("{line}\n");
    }
    output(&rendered.snippet)?;
    for line in &rendered.after {
        eprintln!("\n{line}");
    }
    if let Some(email) = create_token {
        eprintln!(
            "\nThe configuration holds a new token for {email} (named {client:?}); it is \
             shown only here. `teetrack tokens list {email}` lists it.",
            client = client.as_str()
        );
    }
    Ok(())
}

/// A relative file path made absolute; URLs and absolute paths as they are.
fn absolute_database(url: &str) -> String {
    if url.contains("://") || Path::new(url).is_absolute() {
        return url.to_owned();
    }
    std::env::current_dir()
        .map(|dir| dir.join(url).display().to_string())
        .unwrap_or_else(|_| url.to_owned())
}
