//! `teetrack mcp` end to end: refusals before anything is served, and a full
//! session over the real binary's stdin and stdout.

use std::collections::HashMap;
use std::io::Write;
use std::process::Stdio;

use crate::common::{DEADLINE, Teetrack};
use serde_json::{Value, json};

/// Runs `teetrack mcp` with `env` and a stdin that stays open: a server that
/// read stdin instead of refusing would hang here until the deadline.
fn refused(t: &Teetrack, env: &[(&str, &str)]) -> String {
    let mut child = t
        .command(&["mcp"])
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = crate::common::wait(&mut child);
    let out = child.wait_with_output().unwrap();
    assert!(!status.success(), "served with {env:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "",
        "stdout is for MCP only"
    );
    crate::common::one_line(&out.stderr)
}

#[test]
fn mcp_refuses_to_serve_without_a_valid_identity() {
    let t = Teetrack::new();
    t.ok(&["users", "add", "ada@example.com"]);
    let token = t.ok(&["tokens", "create", "ada@example.com"]);
    let token = token.trim_end();
    t.ok(&["tokens", "revoke", "ada@example.com", "1"]);

    let line = refused(&t, &[]);
    assert!(
        line.contains("TEETRACK_MCP_TOKEN") && line.contains("teetrack tokens create"),
        "{line}"
    );
    let line = refused(
        &t,
        &[(
            "TEETRACK_MCP_TOKEN",
            "tt_NotARealToken000000000000000000000",
        )],
    );
    assert!(line.contains("not a valid token"), "{line}");
    let line = refused(&t, &[("TEETRACK_MCP_TOKEN", token)]);
    assert!(line.contains("not a valid token"), "revoked: {line}");
    // A bad token is not rescued by a good email: the token is the identity.
    let line = refused(
        &t,
        &[
            ("TEETRACK_MCP_TOKEN", token),
            ("TEETRACK_MCP_USER_EMAIL", "ada@example.com"),
        ],
    );
    assert!(line.contains("not a valid token"), "{line}");
    let line = refused(&t, &[("TEETRACK_MCP_USER_EMAIL", "bob@example.com")]);
    assert!(
        line.contains("no user with email bob@example.com") && line.contains("teetrack users add"),
        "{line}"
    );
}

#[test]
fn a_full_session_over_stdio_then_a_clean_exit() {
    let t = Teetrack::new();
    t.ok(&["users", "add", "ada@example.com", "--name", "Ada"]);
    let mut child = t
        .command(&["mcp"])
        .env("TEETRACK_MCP_USER_EMAIL", "ada@example.com")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = crate::common::lines(child.stdout.take().unwrap());
    let mut send = |message: Value| writeln!(stdin, "{message}").unwrap();
    let receive = || -> Value {
        let line = stdout.recv_timeout(DEADLINE).expect("a response");
        serde_json::from_str(&line).expect("stdout carries only JSON-RPC")
    };

    send(
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "integration-test", "version": "1"},
        }}),
    );
    let init = receive();
    assert_eq!(init["id"], 0);
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(init["result"]["serverInfo"]["name"], "teetrack");

    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}));
    send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                "params": {"name": "get_context", "arguments": {}}}));
    send(json!({"jsonrpc": "2.0", "id": "last", "method": "ping"}));

    // Answered concurrently: in any order, each exactly once.
    let mut by_id: HashMap<String, Value> = (0..3)
        .map(|_| receive())
        .map(|r| (r["id"].to_string(), r))
        .collect();
    let mut take = |id: Value| by_id.remove(&id.to_string()).expect("answered once");
    let (list, call, ping) = (take(json!(1)), take(json!(2)), take(json!("last")));
    let tools = list["result"]["tools"].as_array().unwrap();
    assert!(tools.iter().any(|t| t["name"] == "get_context"), "{list}");
    assert_eq!(call["result"]["isError"], false);
    assert_eq!(
        call["result"]["structuredContent"]["user"]["email"],
        "ada@example.com"
    );
    assert_eq!(ping, json!({"jsonrpc": "2.0", "id": "last", "result": {}}));

    drop(stdin);
    let status = crate::common::wait(&mut child);
    assert!(status.success(), "{status}");
    assert!(
        stdout.recv_timeout(DEADLINE).is_err(),
        "nothing after the last response"
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "quiet at the default log level"
    );
}
