//! `teetrack tools …` and `teetrack config …` through the real binary, and
//! the protocol page of the committed docs against what the binary speaks.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::Teetrack;
use catalogue::registry;
use serde_json::{Value, json};

/// The binary as `std::env::current_exe` names it: canonical.
fn binary() -> PathBuf {
    std::fs::canonicalize(env!("CARGO_BIN_EXE_teetrack")).unwrap()
}

#[test]
fn tools_export_is_every_manifest_as_tools_list_serves_it() {
    let t = Teetrack::new();
    let doc: Value = serde_json::from_str(&t.ok(&["tools", "export"])).expect("valid JSON");
    assert_eq!(doc["server"], "teetrack");
    let exported = doc["tools"].as_array().expect("a tools array");
    let names: Vec<&str> = exported
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let registered: Vec<&str> = registry().iter().map(|t| t.name).collect();
    assert_eq!(names, registered, "every registry tool, in registry order");
    for (tool, json) in registry().iter().zip(exported) {
        assert_eq!(*json, tool.manifest(), "{}", tool.name);
        assert_eq!(json["inputSchema"], (tool.input_schema)(), "{}", tool.name);
        assert_eq!(
            json["outputSchema"],
            (tool.output_schema)(),
            "{}",
            tool.name
        );
        assert_eq!(json["title"], tool.title);
        assert_eq!(json["_meta"]["teetrack/area"], tool.area());
        assert_eq!(json["_meta"]["teetrack/tier"], tool.tier.as_str());
        for hint in ["readOnlyHint", "destructiveHint", "idempotentHint"] {
            assert!(
                json["annotations"][hint].is_boolean(),
                "{} {hint}",
                tool.name
            );
        }
    }
    // `--format json` is the default, spelled out; anything else is refused.
    assert_eq!(
        t.ok(&["tools", "export", "--format", "json"]),
        t.ok(&["tools", "export"])
    );
    let out = t.run(&["tools", "export", "--format", "yaml"]);
    assert!(!out.status.success());
}

#[test]
fn tools_list_is_a_table_of_every_tool() {
    let t = Teetrack::new();
    let list = t.ok(&["tools", "list"]);
    let mut lines = list.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "AREA", "TIER", "ANNOTATIONS", "TITLE"]);
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), registry().len());
    for (tool, row) in registry().iter().zip(rows) {
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            &cells[..3],
            [tool.name, tool.area(), tool.tier.as_str()],
            "{row}"
        );
        assert_eq!(cells[3].contains("read-only"), tool.read_only, "{row}");
        assert_eq!(cells[3].contains("destructive"), tool.destructive, "{row}");
        assert_eq!(cells[3].contains("idempotent"), tool.idempotent, "{row}");
        assert!(row.ends_with(tool.title), "{row}");
    }
}

#[test]
fn config_claude_code_is_the_claude_mcp_add_line() {
    let t = Teetrack::new();
    let out = t.run(&["config", "claude-code"]);
    assert!(out.status.success());
    let line = String::from_utf8(out.stdout).unwrap();
    let db = t.db_url();
    assert_eq!(
        line.trim_end(),
        format!(
            "claude mcp add teetrack -e TEETRACK_MCP_TOKEN=tt_YOUR_TOKEN -e TEETRACK_DATABASE_URL={} -- {} mcp",
            db,
            binary().display()
        )
    );
    assert_eq!(line.lines().count(), 1, "stdout is the command line only");
    let help = String::from_utf8_lossy(&out.stderr);
    assert!(help.contains("teetrack tokens create"), "{help}");
}

#[test]
fn config_json_clients_name_the_absolute_binary() {
    let t = Teetrack::new();
    for (client, servers) in [
        ("claude-desktop", "mcpServers"),
        ("gemini", "mcpServers"),
        ("vscode", "servers"),
    ] {
        let doc: Value =
            serde_json::from_str(&t.ok(&["config", client])).expect("stdout is JSON only");
        let server = &doc[servers]["teetrack"];
        let command = server["command"].as_str().unwrap();
        assert!(Path::new(command).is_absolute(), "{client}: {command}");
        assert_eq!(Path::new(command), binary(), "{client}");
        assert_eq!(server["args"], json!(["mcp"]), "{client}");
        assert_eq!(
            server["env"]["TEETRACK_DATABASE_URL"],
            t.db_url(),
            "{client}: the database the command was run with"
        );
        if client == "vscode" {
            assert_eq!(server["type"], "stdio");
            assert_eq!(
                server["env"]["TEETRACK_MCP_TOKEN"],
                "${input:teetrack-token}"
            );
            assert_eq!(doc["inputs"][0]["id"], "teetrack-token");
        } else {
            assert_eq!(server["env"]["TEETRACK_MCP_TOKEN"], "tt_YOUR_TOKEN");
        }
    }
}

#[test]
fn config_chatgpt_is_the_remote_url_with_a_bearer_header() {
    let t = Teetrack::new();
    let doc: Value = serde_json::from_str(&t.ok(&["config", "chatgpt"])).unwrap();
    assert_eq!(doc["server_url"], "http://127.0.0.1:8787/api/mcp");
    assert_eq!(doc["headers"]["Authorization"], "Bearer tt_YOUR_TOKEN");

    let url = "https://teetrack.example.com/api/mcp";
    let out = t.run(&["config", "chatgpt", "--url", url]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["server_url"], url);
    let help = String::from_utf8_lossy(&out.stderr);
    assert!(
        help.contains(url) && help.contains("Developer mode"),
        "{help}"
    );

    let out = t.run(&["config", "cursor"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("claude-code"));
}

/// Starts the server exactly as a client would from `server`: its command,
/// args and env, and nothing of ours; true if it served (an empty stdin, then
/// a clean exit).
fn serves(server: &Value) -> bool {
    let mut command = Command::new(server["command"].as_str().unwrap());
    command
        .args(
            server["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap()),
        )
        .env_clear()
        .envs(
            server["env"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap())),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command.status().unwrap().success()
}

#[test]
fn config_create_token_yields_a_token_that_authenticates() {
    let t = Teetrack::new();
    t.ok(&["users", "add", "ada@example.com"]);
    // Five tokens: more than the free tier's two.
    t.ok(&["users", "set-tier", "ada@example.com", "business"]);
    for (client, servers) in [
        ("claude-desktop", "mcpServers"),
        ("gemini", "mcpServers"),
        ("vscode", "servers"),
    ] {
        let out = t.run(&["config", client, "--create-token", "ada@example.com"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let server = &doc[servers]["teetrack"];
        let token = server["env"]["TEETRACK_MCP_TOKEN"].as_str().unwrap();
        assert!(token.starts_with("tt_") && token.len() >= 35, "{token}");
        assert!(
            doc.get("inputs").is_none(),
            "no prompt when the token is there"
        );
        assert!(
            serves(server),
            "{client}: the configured server authenticates"
        );

        // The same configuration with the placeholder is refused.
        let mut placeholder = server.clone();
        placeholder["env"]["TEETRACK_MCP_TOKEN"] = json!("tt_YOUR_TOKEN");
        assert!(
            !serves(&placeholder),
            "{client}: a placeholder does not authenticate"
        );
    }

    let line = t.ok(&["config", "claude-code", "--create-token", "ada@example.com"]);
    let token = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("TEETRACK_MCP_TOKEN="))
        .unwrap();
    let status = t
        .command(&["mcp"])
        .env("TEETRACK_MCP_TOKEN", token)
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "the claude-code token authenticates");

    let doc: Value =
        serde_json::from_str(&t.ok(&["config", "chatgpt", "--create-token", "ada@example.com"]))
            .unwrap();
    let bearer = doc["headers"]["Authorization"].as_str().unwrap();
    assert!(
        bearer.starts_with("Bearer tt_") && !bearer.contains("YOUR_TOKEN"),
        "{bearer}"
    );

    // Each token is named after its client.
    let list = t.ok(&["tokens", "list", "ada@example.com"]);
    for client in [
        "claude-desktop",
        "gemini",
        "vscode",
        "claude-code",
        "chatgpt",
    ] {
        assert!(list.contains(client), "{list}");
    }

    let err = t.fails(&["config", "gemini", "--create-token", "nobody@example.com"]);
    assert!(err.contains("nobody@example.com"), "{err}");
}

/// The revisions the committed protocol page lists.
fn documented_revisions() -> Vec<String> {
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/protocol.html");
    let html = std::fs::read_to_string(&page).expect("docs/protocol.html");
    html.split("data-revision=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect()
}

/// The revisions the server lists in answer to `server/discover`.
fn discovered_revisions(t: &Teetrack) -> Vec<String> {
    let mut child = t
        .command(&["mcp"])
        .env("TEETRACK_MCP_USER_EMAIL", "ada@example.com")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let request = json!({
        "jsonrpc": "2.0", "id": 1, "method": "server/discover",
        "params": {"_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "0"},
            "io.modelcontextprotocol/clientCapabilities": {},
        }},
    });
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{request}").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let reply: Value = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["id"] == 1)
        .expect("an answer to server/discover");
    reply["result"]["supportedVersions"]
        .as_array()
        .unwrap_or_else(|| panic!("no supportedVersions: {reply}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_protocol_page_lists_exactly_the_revisions_served() {
    let t = Teetrack::new();
    t.ok(&["users", "add", "ada@example.com"]);
    let mut documented = documented_revisions();
    let mut served = discovered_revisions(&t);
    documented.sort();
    served.sort();
    assert_eq!(
        documented, served,
        "docs/protocol.html and `server/discover` disagree; update PROTOCOL_REVISIONS in \
         docs-gen/src/pages.rs and run `cargo run -p docs-gen -- write`"
    );
}
