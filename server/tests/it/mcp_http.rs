//! `teetrack serve` end to end over real sockets: every refusal and its
//! status, both protocol eras, batches, event streams, two instances on one
//! database, graceful shutdown, and the `teetrack mcp --remote` bridge.

use std::io::{Read as _, Write as _};
use std::process::Stdio;
use std::time::Duration;

use crate::common::{DEADLINE, Teetrack};
use crate::server::{Client, Server, user_with_token};
use serde_json::{Value, json};

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;

fn setup() -> (Teetrack, String) {
    let t = Teetrack::new();
    let token = user_with_token(&t, "ada@example.com");
    (t, token)
}

#[tokio::test]
async fn every_refusal_has_its_status() {
    let (t, token) = setup();
    let server = Server::start(
        &t,
        &[
            "--max-body-bytes",
            "2000",
            "--rate-limit",
            "60",
            "--rate-burst",
            "1000",
        ],
    );
    let ok = Client::new(&server.url, Some(&token));

    let anonymous = Client::new(&server.url, None).post(INIT, &[]).await;
    assert_eq!(anonymous.status, 401);
    let challenge = anonymous.headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.starts_with("Bearer realm=\"teetrack\", resource_metadata=\""),
        "{challenge}"
    );
    let wrong = Client::new(&server.url, Some("tt_NotARealToken000000000000000000000"))
        .post(INIT, &[])
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.headers.contains_key("www-authenticate"));
    // Email is no identity over HTTP.
    let by_email = ok
        .post(INIT, &[("authorization", "Bearer ada@example.com")])
        .await;
    assert_eq!(by_email.status, 401);

    let in_query = Client::new(&format!("{}?access_token={token}", server.url), None)
        .post(INIT, &[])
        .await;
    assert_eq!(in_query.status, 400);
    assert!(
        in_query.body()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Authorization")
    );

    assert_eq!(
        ok.post(INIT, &[("origin", "http://evil.example.com")])
            .await
            .status,
        403
    );
    assert_eq!(
        ok.post(INIT, &[("host", "evil.example.com")]).await.status,
        403
    );
    assert_eq!(
        ok.post(INIT, &[("origin", "http://localhost:6274")])
            .await
            .status,
        200
    );
    assert_eq!(ok.post(INIT, &[("accept", "text/html")]).await.status, 406);
    assert_eq!(
        ok.post(INIT, &[("content-type", "text/plain")])
            .await
            .status,
        415
    );
    let big =
        json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": "x".repeat(3000)}});
    assert_eq!(ok.post(&big.to_string(), &[]).await.status, 413);

    let bad_version = ok.legacy("1999-01-01", 2, "tools/list", json!({})).await;
    assert_eq!(bad_version.status, 400);
    assert_eq!(bad_version.error_code(), -32022);

    let notification = ok
        .post(
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            &[],
        )
        .await;
    assert_eq!((notification.status, notification.messages.len()), (202, 0));
    let cancelled = ok
        .post(
            r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9}}"#,
            &[],
        )
        .await;
    assert_eq!(cancelled.status, 202);
    assert_eq!(ok.post("{oops", &[]).await.status, 400);

    let http = reqwest::Client::new();
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let response = http
            .request(method, &server.url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()["allow"], "POST");
    }
    let health = http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let health: Value = serde_json::from_str(&health.text().await.unwrap()).unwrap();
    assert_eq!(health, json!({"status": "ok"}));
}

#[tokio::test]
async fn a_token_past_its_burst_waits_with_retry_after() {
    let (t, token) = setup();
    let server = Server::start(&t, &["--rate-limit", "1", "--rate-burst", "2"]);
    let client = Client::new(&server.url, Some(&token));
    for _ in 0..2 {
        assert_eq!(client.post(INIT, &[]).await.status, 200);
    }
    let limited = client.post(INIT, &[]).await;
    assert_eq!(limited.status, 429);
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Another token has its own bucket.
    t.ok(&["users", "set-tier", "ada@example.com", "pro"]);
    let other = t
        .ok(&["tokens", "create", "ada@example.com"])
        .trim()
        .to_owned();
    assert_eq!(
        Client::new(&server.url, Some(&other))
            .post(INIT, &[])
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn the_handshake_era_works_statelessly_with_batches_for_2025_03_26() {
    let (t, token) = setup();
    let server = Server::start(&t, &[]);
    let client = Client::new(&server.url, Some(&token));

    let init = client.post(INIT, &[]).await;
    assert_eq!(init.status, 200);
    assert_eq!(init.result()["protocolVersion"], "2025-06-18");
    assert!(
        init.headers.get("mcp-session-id").is_none(),
        "stateless: no session id"
    );
    assert!(init.result().get("resultType").is_none());

    let list = client
        .legacy("2025-06-18", 2, "tools/list", json!({}))
        .await;
    assert!(
        list.result()["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "get_context")
    );
    let call = client
        .legacy(
            "2025-06-18",
            3,
            "tools/call",
            json!({"name": "get_context", "arguments": {}}),
        )
        .await;
    assert_eq!(
        call.result()["structuredContent"]["user"]["email"],
        "ada@example.com"
    );
    let unknown = client
        .legacy("2025-06-18", 4, "resources/subscribe", json!({}))
        .await;
    assert_eq!((unknown.status, unknown.error_code()), (200, -32601));

    // 2025-03-26 clients send no version header, and may batch.
    let batch = json!([
        {"jsonrpc": "2.0", "id": "a", "method": "ping"},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": "b", "method": "tools/call", "params": {"name": "get_context"}},
        {"jsonrpc": "2.0", "id": "c", "method": "no/such"},
    ]);
    let answered = client.post(&batch.to_string(), &[]).await;
    assert_eq!(answered.status, 200);
    let answers = answered.body().as_array().unwrap().clone();
    let ids: Vec<_> = answers.iter().map(|a| a["id"].clone()).collect();
    assert_eq!(ids, [json!("a"), json!("b"), json!("c")]);
    assert_eq!(answers[1]["result"]["isError"], false);
    assert_eq!(answers[2]["error"]["code"], -32601);
    let only_notifications = json!([{"jsonrpc": "2.0", "method": "notifications/initialized"}]);
    assert_eq!(
        client
            .post(&only_notifications.to_string(), &[])
            .await
            .status,
        202
    );
    let later = client
        .post(
            &batch.to_string(),
            &[("mcp-protocol-version", "2025-06-18")],
        )
        .await;
    assert_eq!(later.status, 400);
}

#[tokio::test]
async fn the_current_revision_is_stateless_with_its_own_errors() {
    let (t, token) = setup();
    let server = Server::start(&t, &[]);
    let client = Client::new(&server.url, Some(&token));

    let discover = client
        .modern(1, "server/discover", json!({}), json!({}))
        .await;
    assert_eq!(discover.status, 200);
    let result = discover.result();
    assert_eq!(result["resultType"], "complete");
    assert_eq!(result["supportedVersions"][0], "2026-07-28");
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "teetrack"
    );

    let list = client.modern(2, "tools/list", json!({}), json!({})).await;
    let result = list.result();
    assert_eq!(
        (result["resultType"].clone(), result["cacheScope"].clone()),
        (json!("complete"), json!("public"))
    );
    assert!(result["ttlMs"].as_u64().unwrap() > 0);

    let call = client
        .modern(
            3,
            "tools/call",
            json!({"name": "get_context", "arguments": {}}),
            json!({}),
        )
        .await;
    assert!(
        !call.is_event_stream(),
        "nothing to stream without a log level or progress"
    );
    assert_eq!(
        call.result()["structuredContent"]["user"]["email"],
        "ada@example.com"
    );

    for (method, status) in [
        ("initialize", 404),
        ("ping", 404),
        ("logging/setLevel", 404),
        ("no/such", 404),
    ] {
        let reply = client.modern(4, method, json!({}), json!({})).await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (status, -32601),
            "{method}"
        );
        assert_eq!(reply.body()["id"], 4);
    }
    let missing_meta = client
        .post(
            r#"{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{}}"#,
            &[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "tools/list"),
            ],
        )
        .await;
    assert_eq!(
        (missing_meta.status, missing_meta.error_code()),
        (400, -32602)
    );
    let unsupported = client
        .modern(
            6,
            "tools/list",
            json!({}),
            json!({"io.modelcontextprotocol/protocolVersion": "2030-01-01"}),
        )
        .await;
    assert_eq!(
        (unsupported.status, unsupported.error_code()),
        (400, -32020),
        "header and _meta disagree"
    );
    let wrong_name = client
        .post(
            &json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "get_context", "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {}}}})
            .to_string(),
            &[("mcp-protocol-version", "2026-07-28"), ("mcp-method", "tools/call"), ("mcp-name", "stop_timer")],
        )
        .await;
    assert_eq!((wrong_name.status, wrong_name.error_code()), (400, -32020));

    let prompts = client.modern(8, "prompts/list", json!({}), json!({})).await;
    assert_eq!(prompts.result()["prompts"].as_array().unwrap().len(), 3);
    let prompt = client
        .modern(
            9,
            "prompts/get",
            json!({"name": "weekly_report", "arguments": {"week": "this_week"}}),
            json!({}),
        )
        .await;
    assert_eq!(prompt.result()["messages"][0]["role"], "user");
    let completion = client
        .modern(
            10,
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "weekly_report"}, "argument": {"name": "week", "value": "th"}}),
            json!({}),
        )
        .await;
    assert_eq!(
        completion.result()["completion"]["values"],
        json!(["this_week"])
    );
    let settings = client
        .modern(
            11,
            "resources/read",
            json!({"uri": "teetrack://settings"}),
            json!({}),
        )
        .await;
    let contents = &settings.result()["contents"][0];
    assert_eq!(
        (
            contents["mimeType"].clone(),
            settings.result()["cacheScope"].clone()
        ),
        (json!("application/json"), json!("private"))
    );
    assert!(
        contents["text"].as_str().unwrap().contains("time_zone"),
        "{contents}"
    );
    let missing = client
        .modern(
            12,
            "resources/read",
            json!({"uri": "teetrack://nothing"}),
            json!({}),
        )
        .await;
    assert_eq!(missing.error_code(), -32602);
}

#[tokio::test]
async fn notifications_before_the_result_turn_the_reply_into_an_event_stream() {
    let (t, token) = setup();
    let server = Server::start(&t, &[]);
    let client = Client::new(&server.url, Some(&token));
    let call = client
        .modern(
            1,
            "tools/call",
            json!({"name": "get_context", "arguments": {}}),
            json!({"io.modelcontextprotocol/logLevel": "debug"}),
        )
        .await;
    assert!(call.is_event_stream(), "{:?}", call.headers);
    assert_eq!(call.headers["x-accel-buffering"], "no");
    let log = &call.messages[0];
    assert_eq!(log["method"], "notifications/message");
    assert_eq!(log["params"]["level"], "debug");
    assert!(
        log["params"]["data"]
            .as_str()
            .unwrap()
            .contains("get_context")
    );
    assert_eq!(call.body()["id"], 1);
    assert_eq!(call.result()["isError"], false);

    // A client that cannot take a stream gets the JSON result alone.
    let json_only = client
        .post(
            &json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "get_context", "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {},
                "io.modelcontextprotocol/logLevel": "debug"}}})
            .to_string(),
            &[
                ("accept", "application/json"),
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "tools/call"),
                ("mcp-name", "get_context"),
            ],
        )
        .await;
    assert!(!json_only.is_event_stream());
    assert_eq!(json_only.messages.len(), 1);
}

#[tokio::test]
async fn two_instances_on_one_database_answer_one_client_alternately() {
    let (t, token) = setup();
    let a = Server::start(&t, &[]);
    let b = Server::start(&t, &[]);
    let (on_a, on_b) = (
        Client::new(&a.url, Some(&token)),
        Client::new(&b.url, Some(&token)),
    );

    // The handshake on one, the session's requests on the other.
    assert_eq!(
        on_a.post(INIT, &[]).await.result()["protocolVersion"],
        "2025-06-18"
    );
    // Started two minutes ago, so that stopping it now is not a zero-length track.
    let start = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() - 120).unwrap();
    let started = on_b
        .legacy(
            "2025-06-18",
            2,
            "tools/call",
            json!({"name": "start_timer", "arguments": {"description": "Write the spec", "start": start.to_string()}}),
        )
        .await;
    assert_eq!(started.result()["isError"], false, "{}", started.body());
    let running = on_a
        .legacy(
            "2025-06-18",
            3,
            "tools/call",
            json!({"name": "list_active_timers", "arguments": {}}),
        )
        .await;
    let timers = running.result()["structuredContent"]["timers"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(timers.len(), 1);
    assert_eq!(timers[0]["description"], "Write the spec");
    let stopped = on_b
        .modern(
            4,
            "tools/call",
            json!({"name": "stop_timer", "arguments": {}}),
            json!({}),
        )
        .await;
    assert_eq!(stopped.result()["isError"], false, "{}", stopped.body());
    let none = on_a
        .modern(
            5,
            "tools/call",
            json!({"name": "list_active_timers", "arguments": {}}),
            json!({}),
        )
        .await;
    assert_eq!(none.result()["structuredContent"]["timers"], json!([]));

    // A token revoked through one is refused by both at their next request.
    t.ok(&["tokens", "revoke", "ada@example.com", "1"]);
    assert_eq!(on_a.post(INIT, &[]).await.status, 401);
    assert_eq!(on_b.post(INIT, &[]).await.status, 401);
}

#[tokio::test]
async fn the_token_use_is_recorded_to_the_minute() {
    let (t, token) = setup();
    let server = Server::start(&t, &[]);
    let client = Client::new(&server.url, Some(&token));
    for _ in 0..3 {
        assert_eq!(client.post(INIT, &[]).await.status, 200);
    }
    let listing = t.ok(&["tokens", "list", "ada@example.com"]);
    let row = listing.lines().nth(1).unwrap();
    assert!(!row.contains(" - "), "a last use is recorded: {listing}");
}

#[tokio::test]
async fn sigterm_finishes_the_request_in_flight_then_exits_cleanly() {
    let (t, token) = setup();
    let server = Server::start(&t, &[]);
    let address = server.base.trim_start_matches("http://").to_owned();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    let (head, tail) = body.split_at(10);
    let mut socket = std::net::TcpStream::connect(&address).unwrap();
    socket.set_read_timeout(Some(DEADLINE)).unwrap();
    write!(
        socket,
        "POST /api/mcp HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{head}",
        body.len()
    )
    .unwrap();
    socket.flush().unwrap();
    // The request is in flight (half its body sent) when the signal comes.
    std::thread::sleep(Duration::from_millis(200));
    let pid = server.pid();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    std::thread::sleep(Duration::from_millis(200));
    socket.write_all(tail.as_bytes()).unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.ends_with(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#),
        "{answer}"
    );
    let status = server.wait();
    assert!(status.success(), "{status}");
}

#[test]
fn serve_refuses_a_public_address_without_allowed_origins() {
    let t = Teetrack::new();
    let line = t.fails(&["serve", "--listen", "0.0.0.0:0"]);
    assert!(line.contains("--allowed-origin"), "{line}");
}

#[test]
fn the_remote_bridge_serves_stdio_from_a_hosted_teetrack() {
    let (t, token) = setup();
    let server = Server::start(&t, &[]);
    let bridge = |token: &str| {
        t.command(&["mcp", "--remote", &server.url])
            .env("TEETRACK_MCP_TOKEN", token)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };

    let mut refused = bridge("tt_NotARealToken000000000000000000000");
    let status = crate::common::wait(&mut refused);
    let out = refused.wait_with_output().unwrap();
    assert!(!status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert!(crate::common::one_line(&out.stderr).contains("refused TEETRACK_MCP_TOKEN"));

    let mut child = bridge(&token);
    let mut stdin = child.stdin.take().unwrap();
    let stdout = crate::common::lines(child.stdout.take().unwrap());
    let mut send = |message: Value| writeln!(stdin, "{message}").unwrap();
    let receive = || -> Value {
        serde_json::from_str(&stdout.recv_timeout(DEADLINE).expect("a response")).unwrap()
    };
    send(serde_json::from_str(INIT).unwrap());
    assert_eq!(receive()["result"]["protocolVersion"], "2025-06-18");
    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "get_context", "arguments": {}}}),
    );
    let call = receive();
    assert_eq!(call["id"], 2);
    assert_eq!(
        call["result"]["structuredContent"]["user"]["email"],
        "ada@example.com"
    );
    send(
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "get_context", "_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/logLevel": "debug"}}}),
    );
    let log = receive();
    assert_eq!(
        log["method"], "notifications/message",
        "streamed events become lines: {log}"
    );
    let result = receive();
    assert_eq!(
        (result["id"].clone(), result["result"]["resultType"].clone()),
        (json!(3), json!("complete"))
    );
    drop(stdin);
    assert!(crate::common::wait(&mut child).success());
}
