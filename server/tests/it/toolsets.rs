//! Toolsets and read-only mode end to end, on the real binary: `teetrack mcp
//! --toolsets … --read-only`, `teetrack serve` with the same flags, and the
//! per-request `/api/mcp?toolsets=…&read_only=true`. A hidden tool is absent
//! from `tools/list` and unknown to `tools/call`; prompts and resources that
//! need one are hidden with it; an unknown toolset stops the command.

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::process::Stdio;

use crate::common::{self, Teetrack};
use crate::server::{Client, Server, user_with_token};
use serde_json::{Value, json};

/// Every request of one stdio session, answered; the responses by id.
fn stdio_session(t: &Teetrack, args: &[&str], requests: &[(&str, Value)]) -> HashMap<i64, Value> {
    let mut command = t.command(&[&["mcp"], args].concat());
    let mut child = command
        .env("TEETRACK_MCP_USER_EMAIL", "ada@example.com")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = vec![
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "toolsets-test", "version": "1"}}}),
    ];
    lines.push(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    for (i, (method, params)) in requests.iter().enumerate() {
        lines.push(json!({"jsonrpc": "2.0", "id": i + 1, "method": method, "params": params}));
    }
    for line in lines {
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    // Read before waiting: tools/list alone is more than a pipe holds.
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let status = common::wait(&mut child);
    assert!(status.success(), "{status}");
    out.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|r| (r["id"].as_i64().unwrap(), r))
        .collect()
}

fn tool_names(list: &Value) -> Vec<String> {
    list["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

fn registry_names(keep: impl Fn(&catalogue::ToolDef) -> bool) -> Vec<String> {
    catalogue::registry()
        .iter()
        .filter(|t| keep(t))
        .map(|t| t.name.to_owned())
        .collect()
}

fn names_of(list: &Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn mcp_with_toolsets_lists_and_calls_only_those_tools() {
    let t = Teetrack::new();
    t.ok(&["users", "add", "ada@example.com"]);
    let answers = stdio_session(
        &t,
        &["--toolsets", "timers,reports"],
        &[
            ("tools/list", json!({})),
            ("tools/call", json!({"name": "log_track", "arguments": {}})),
            (
                "tools/call",
                json!({"name": "list_active_timers", "arguments": {}}),
            ),
            ("prompts/list", json!({})),
            ("resources/list", json!({})),
            ("resources/read", json!({"uri": "teetrack://settings"})),
            ("prompts/get", json!({"name": "month_end_invoicing"})),
        ],
    );
    assert_eq!(
        tool_names(&answers[&1]["result"]),
        registry_names(|t| ["timers", "analytics", "context"].contains(&t.area()))
    );
    let hidden = &answers[&2]["error"];
    assert_eq!(hidden["code"], -32602, "{hidden}");
    assert_eq!(hidden["message"], "unknown tool \"log_track\"");
    assert_eq!(answers[&3]["result"]["isError"], false);
    // weekly_report needs review_timesheet (tracks), budget_check
    // list_projects: both hidden with them, and so is the settings resource.
    assert_eq!(
        names_of(&answers[&4]["result"], "prompts"),
        Vec::<String>::new()
    );
    assert_eq!(answers[&5]["result"]["resources"], json!([]));
    assert!(answers[&6].get("error").is_some(), "{}", answers[&6]);
    assert_eq!(answers[&7]["error"]["code"], -32602);
}

#[test]
fn mcp_read_only_hides_every_write() {
    let t = Teetrack::new();
    t.ok(&["users", "add", "ada@example.com"]);
    let answers = stdio_session(
        &t,
        &["--read-only"],
        &[
            ("tools/list", json!({})),
            (
                "tools/call",
                json!({"name": "start_timer", "arguments": {}}),
            ),
            ("prompts/list", json!({})),
            ("resources/read", json!({"uri": "teetrack://settings"})),
        ],
    );
    assert_eq!(
        tool_names(&answers[&1]["result"]),
        registry_names(|t| t.read_only)
    );
    assert_eq!(
        answers[&2]["error"]["message"],
        "unknown tool \"start_timer\""
    );
    assert_eq!(
        names_of(&answers[&3]["result"], "prompts"),
        ["budget_check", "weekly_report"]
    );
    assert_eq!(
        answers[&4]["result"]["contents"][0]["mimeType"],
        "application/json"
    );
}

#[test]
fn an_unknown_toolset_stops_mcp_serve_and_config_with_the_valid_ones() {
    let t = Teetrack::new();
    t.ok(&["users", "add", "ada@example.com"]);
    for args in [
        vec!["mcp", "--toolsets", "timers,billing"],
        vec!["serve", "--listen", "127.0.0.1:0", "--toolsets", "billing"],
        vec!["config", "gemini", "--toolsets", "billing"],
    ] {
        let out = t
            .command(&args)
            .env("TEETRACK_MCP_USER_EMAIL", "ada@example.com")
            .stdin(Stdio::piped())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let line = common::one_line(&out.stderr);
        assert!(line.contains("unknown toolset \"billing\""), "{line}");
        for area in [
            "context",
            "timers",
            "tracks",
            "projects",
            "tags",
            "clients",
            "invoices",
            "analytics",
            "settings",
            "reports",
        ] {
            assert!(line.contains(area), "{area} in {line}");
        }
    }
}

#[test]
fn config_passes_toolsets_and_read_only_through() {
    let t = Teetrack::new();
    let gemini = t.ok(&[
        "config",
        "gemini",
        "--toolsets",
        "timers,tracks",
        "--read-only",
    ]);
    let doc: Value = serde_json::from_str(&gemini).unwrap();
    assert_eq!(
        doc["mcpServers"]["teetrack"]["args"],
        json!(["mcp", "--toolsets", "timers,tracks", "--read-only"])
    );
    let chatgpt = t.ok(&["config", "chatgpt", "--toolsets", "invoices"]);
    let doc: Value = serde_json::from_str(&chatgpt).unwrap();
    assert_eq!(
        doc["server_url"],
        "http://127.0.0.1:8787/api/mcp?toolsets=invoices"
    );
}

#[tokio::test]
async fn serve_exposes_its_toolsets_and_a_request_narrows_them() {
    let t = Teetrack::new();
    let token = user_with_token(&t, "ada@example.com");
    let server = Server::start(&t, &["--toolsets", "timers,tracks,invoices"]);
    let list = |url: String| {
        let token = token.clone();
        async move {
            let client = Client::new(&url, Some(&token));
            client
                .legacy("2025-06-18", 1, "tools/list", json!({}))
                .await
        }
    };
    let served =
        registry_names(|t| ["timers", "tracks", "invoices", "context"].contains(&t.area()));
    assert_eq!(tool_names(list(server.url.clone()).await.result()), served);
    let narrowed = list(format!("{}?toolsets=timers&read_only=true", server.url)).await;
    assert_eq!(
        tool_names(narrowed.result()),
        registry_names(|t| ["timers", "context"].contains(&t.area()) && t.read_only)
    );
    // A request cannot widen what the server serves.
    let widened = list(format!("{}?toolsets=settings", server.url)).await;
    assert_eq!(
        tool_names(widened.result()),
        registry_names(|t| t.area() == "context")
    );
    let bad = list(format!("{}?toolsets=billing", server.url)).await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown toolset"),
        "{}",
        bad.body()
    );

    let client = Client::new(&format!("{}?toolsets=timers", server.url), Some(&token));
    let call = client
        .legacy(
            "2025-06-18",
            2,
            "tools/call",
            json!({"name": "list_tracks", "arguments": {}}),
        )
        .await;
    assert_eq!(call.error_code(), -32602);
    let call = client
        .legacy(
            "2025-06-18",
            3,
            "tools/call",
            json!({"name": "list_active_timers", "arguments": {}}),
        )
        .await;
    assert_eq!(call.result()["isError"], false);
    // The invoice CSV template goes with `export_invoice_csv`.
    let templates = client
        .legacy("2025-06-18", 4, "resources/templates/list", json!({}))
        .await;
    assert_eq!(templates.result()["resourceTemplates"], json!([]));
    let all = Client::new(&server.url, Some(&token));
    let templates = all
        .legacy("2025-06-18", 5, "resources/templates/list", json!({}))
        .await;
    assert_eq!(
        templates.result()["resourceTemplates"][0]["name"],
        "invoice_csv"
    );
}
