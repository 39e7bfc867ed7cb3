//! The web app and MCP Apps over real sockets: password sign-in with its
//! limit, the session cookie, CSRF on /app/rpc and on forms, tenancy through
//! the dispatcher, and the MCP Apps negotiation (a client that does not
//! declare the extension sees exactly what it saw before).

use std::io::Write as _;
use std::process::Stdio;

use serde_json::{Value, json};

use crate::common::Teetrack;
use crate::server::{Client, Server, user_with_token};

const UI: &str = "io.modelcontextprotocol/ui";
const MIME: &str = "text/html;profile=mcp-app";

fn set_password(t: &Teetrack, email: &str, password: &str) {
    let mut child = t
        .command(&["users", "set-password", email])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn init(capabilities: Value) -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": capabilities,
        "clientInfo": {"name": "t", "version": "1"}}})
    .to_string()
}

fn without_ui(mut tools: Value) -> Value {
    for tool in tools.as_array_mut().unwrap() {
        let meta = tool.as_object_mut().unwrap();
        if let Some(Value::Object(m)) = meta.get_mut("_meta") {
            m.remove("ui");
            if m.is_empty() {
                meta.remove("_meta");
            }
        }
    }
    tools
}

#[tokio::test]
async fn mcp_apps_are_offered_only_to_a_client_that_declares_them() {
    let t = Teetrack::new();
    let token = user_with_token(&t, "ada@example.com");
    let server = Server::start(&t, &[]);
    let client = Client::new(&server.url, Some(&token));

    // A client without the extension: no session id, no extension, no views.
    let plain = client.post(&init(json!({})), &[]).await;
    assert_eq!(plain.status, 200);
    assert!(!plain.headers.contains_key("mcp-session-id"));
    assert!(plain.result()["capabilities"].get("extensions").is_none());
    let plain_tools = client
        .legacy("2025-11-25", 2, "tools/list", json!({}))
        .await;
    let plain_tools = plain_tools.result()["tools"].clone();
    assert!(
        plain_tools
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("_meta").is_none_or(|m| m.get("ui").is_none()))
    );
    let plain_resources = client
        .legacy("2025-11-25", 3, "resources/list", json!({}))
        .await;
    assert!(!plain_resources.result().to_string().contains("ui://"));

    // A host with it: the handshake hands out the session id that carries it.
    let apps = client
        .post(
            &init(json!({"extensions": {UI: {"mimeTypes": [MIME]}}})),
            &[],
        )
        .await;
    assert_eq!(apps.headers["mcp-session-id"], "teetrack-mcp-apps-1");
    assert_eq!(
        apps.result()["capabilities"]["extensions"][UI]["mimeTypes"],
        json!([MIME])
    );
    let session = [
        ("mcp-protocol-version", "2025-11-25"),
        ("mcp-session-id", "teetrack-mcp-apps-1"),
    ];
    let list = json!({"jsonrpc": "2.0", "id": 4, "method": "tools/list", "params": {}}).to_string();
    let tools = client.post(&list, &session).await.result()["tools"].clone();
    let uri = |name: &str| {
        tools
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()["_meta"]["ui"]["resourceUri"]
            .as_str()
            .map(str::to_owned)
    };
    for name in [
        "start_timer",
        "list_active_timers",
        "get_time_totals",
        "review_timesheet",
        "preview_invoice",
        "get_invoice",
    ] {
        assert!(uri(name).is_some_and(|u| u.starts_with("ui://")), "{name}");
    }
    assert_eq!(uri("log_track"), None);
    // Apart from `_meta.ui`, exactly the tools a plain client gets.
    assert_eq!(without_ui(tools.clone()), plain_tools);

    let read = json!({"jsonrpc": "2.0", "id": 5, "method": "resources/read",
        "params": {"uri": uri("start_timer").unwrap()}})
    .to_string();
    let view = client.post(&read, &session).await;
    let content = &view.result()["contents"][0];
    assert_eq!(content["mimeType"], MIME);
    assert_eq!(content["_meta"]["ui"]["csp"]["connectDomains"], json!([]));
    assert!(content["text"].as_str().unwrap().contains("ui/initialize"));
    let resources =
        json!({"jsonrpc": "2.0", "id": 6, "method": "resources/list", "params": {}}).to_string();
    let listed = client.post(&resources, &session).await;
    let views = listed.result()["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["uri"].as_str().unwrap().starts_with("ui://"))
        .count();
    assert_eq!(views, 4);
    let unknown = json!({"jsonrpc": "2.0", "id": 7, "method": "resources/read", "params": {"uri": "ui://teetrack/nope.html"}}).to_string();
    assert_eq!(client.post(&unknown, &session).await.error_code(), -32002);

    // The 2026-07-28 revision declares it in each request.
    let modern = client
        .modern(8, "tools/list", json!({}), json!({"io.modelcontextprotocol/clientCapabilities": {"extensions": {UI: {"mimeTypes": [MIME]}}}}))
        .await;
    assert!(
        modern
            .result()
            .to_string()
            .contains("ui://teetrack/timers.html")
    );
    let modern_plain = client.modern(9, "tools/list", json!({}), json!({})).await;
    assert!(!modern_plain.result().to_string().contains("ui://"));
}

/// The value of `name="csrf"` in a page.
fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn sign_in_sessions_csrf_and_the_failed_sign_in_limit() {
    let t = Teetrack::new();
    let ada_token = user_with_token(&t, "ada@example.com");
    t.ok(&["users", "add", "bob@example.com"]);
    set_password(&t, "ada@example.com", "ada passphrase 1");
    set_password(&t, "bob@example.com", "bob passphrase 2");
    let server = Server::start(&t, &[]);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = &server.base;

    let anonymous = http.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(anonymous.status(), 303);
    assert_eq!(anonymous.headers()["location"], "/signin");
    let page = http
        .get(format!("{base}/signin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form_token = csrf_of(&page);
    let sign_in = |email: &str, password: &str, csrf: &str| {
        http.post(format!("{base}/signin"))
            .form(&[
                ("csrf", csrf),
                ("method", "password"),
                ("email", email),
                ("password", password),
            ])
            .send()
    };
    assert_eq!(
        sign_in("ada@example.com", "wrong password", &form_token)
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        sign_in("ada@example.com", "ada passphrase 1", "forged")
            .await
            .unwrap()
            .status(),
        403
    );
    let ok = sign_in("ada@example.com", "ada passphrase 1", &form_token)
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    let cookie = ok.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && !cookie.contains("Secure"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_owned();

    let dashboard = http
        .get(format!("{base}/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.status(), 200);
    let csp = dashboard.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self';"),
        "no inline script: {csp}"
    );
    let html = dashboard.text().await.unwrap();
    assert!(html.contains("data-view=\"timers\""));
    let session_csrf = csrf_of(&html);

    let rpc = |csrf: &str, origin: Option<&str>, name: &str, arguments: Value| {
        let mut request = http
            .post(format!("{base}/app/rpc"))
            .header("cookie", &cookie)
            .header("x-csrf-token", csrf)
            .header("content-type", "application/json")
            .body(
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                    "params": {"name": name, "arguments": arguments}})
                .to_string(),
            );
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    assert_eq!(
        rpc("guess", None, "list_active_timers", json!({}))
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        rpc(
            &session_csrf,
            Some("https://evil.example"),
            "list_active_timers",
            json!({})
        )
        .await
        .unwrap()
        .status(),
        403
    );
    let started: Value = rpc(
        &session_csrf,
        Some(base),
        "start_timer",
        json!({"description": "from the web"}),
    )
    .await
    .unwrap()
    .text()
    .await
    .map(|text| serde_json::from_str(&text).unwrap())
    .unwrap();
    assert_eq!(started["result"]["isError"], false, "{started}");
    // The same tools, the same errors: a bad argument is the tool's own refusal.
    let refused: Value = rpc(
        &session_csrf,
        None,
        "log_track",
        json!({"start": "not a time"}),
    )
    .await
    .unwrap()
    .text()
    .await
    .map(|text| serde_json::from_str(&text).unwrap())
    .unwrap();
    assert!(refused.to_string().contains("not a time"), "{refused}");
    // Views may call tools, nothing else.
    let listed = http
        .post(format!("{base}/app/rpc"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &session_csrf)
        .header("content-type", "application/json")
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 400);

    // The timer started in the browser is the one MCP sees.
    let mcp = Client::new(&server.url, Some(&ada_token));
    let active = mcp
        .legacy(
            "2025-11-25",
            2,
            "tools/call",
            json!({"name": "list_active_timers", "arguments": {}}),
        )
        .await;
    assert_eq!(
        active.result()["structuredContent"]["timers"][0]["description"],
        "from the web"
    );

    // A form without the session's token changes nothing.
    let forged = http
        .post(format!("{base}/settings/tokens"))
        .header("cookie", &cookie)
        .form(&[("name", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let made = http
        .post(format!("{base}/settings/tokens"))
        .header("cookie", &cookie)
        .form(&[("name", "laptop"), ("csrf", session_csrf.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token_at = made.find("id=\"new-token\">").unwrap() + 15;
    let token = &made[token_at..token_at + 43];
    assert!(token.starts_with("tt_"), "{token}");
    let with_new = Client::new(&server.url, Some(token));
    assert_eq!(with_new.post(&init(json!({})), &[]).await.status, 200);

    // Sign-out ends the session in the database, not only in the browser.
    let out = http
        .post(format!("{base}/signout"))
        .header("cookie", &cookie)
        .form(&[("csrf", session_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = http
        .get(format!("{base}/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 303);
    assert_eq!(
        rpc(&session_csrf, None, "list_active_timers", json!({}))
            .await
            .unwrap()
            .status(),
        401
    );

    // Five wrong passwords for bob: then even the right one waits.
    for _ in 0..5 {
        assert_eq!(
            sign_in("bob@example.com", "not it at all", &form_token)
                .await
                .unwrap()
                .status(),
            401
        );
    }
    let limited = sign_in("bob@example.com", "bob passphrase 2", &form_token)
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    assert!(
        limited
            .text()
            .await
            .unwrap()
            .contains("Too many failed sign-ins")
    );
}
