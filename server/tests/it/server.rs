//! `teetrack serve` as a child process on a free loopback port, and an HTTP
//! client that speaks to it the way MCP clients do.

use std::process::{Child, Stdio};
use std::sync::mpsc;

use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::common::{DEADLINE, Teetrack};

pub struct Server {
    child: Child,
    pub url: String,
    pub base: String,
    /// Kept open: a server that logs must not block on a full pipe.
    _stderr: mpsc::Receiver<String>,
}

impl Server {
    /// Starts `teetrack serve --listen 127.0.0.1:0 <args>` and waits for the
    /// line that names its address.
    pub fn start(t: &Teetrack, args: &[&str]) -> Server {
        let mut command = t.command(&["serve", "--listen", "127.0.0.1:0"]);
        command.args(args);
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = crate::common::lines(child.stderr.take().unwrap());
        let line = stderr
            .recv_timeout(DEADLINE)
            .expect("teetrack serve names its address");
        let url = line
            .strip_prefix("teetrack: serving MCP at ")
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .to_owned();
        let base = url.trim_end_matches("/api/mcp").to_owned();
        Server {
            child,
            url,
            base,
            _stderr: stderr,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the server to exit (after a signal).
    pub fn wait(mut self) -> std::process::ExitStatus {
        crate::common::wait(&mut self.child)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A user with a token, made with the CLI as an operator would.
pub fn user_with_token(t: &Teetrack, email: &str) -> String {
    t.ok(&["users", "add", email]);
    t.ok(&["tokens", "create", email]).trim().to_owned()
}

/// What came back for one POST: the status, the headers, and the messages
/// (one JSON body, or every event of a stream).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub messages: Vec<Value>,
}

impl Reply {
    /// The one message of a JSON reply, or the last of a stream.
    pub fn body(&self) -> &Value {
        self.messages.last().expect("a body")
    }

    pub fn result(&self) -> &Value {
        let body = self.body();
        assert!(body.get("error").is_none(), "{body}");
        &body["result"]
    }

    pub fn error_code(&self) -> i64 {
        self.body()["error"]["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("an error: {}", self.body()))
    }

    pub fn is_event_stream(&self) -> bool {
        self.headers
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap().starts_with("text/event-stream"))
    }
}

/// An MCP client over HTTP with a bearer token.
pub struct Client {
    http: reqwest::Client,
    pub url: String,
    pub token: Option<String>,
}

impl Client {
    pub fn new(url: &str, token: Option<&str>) -> Client {
        Client {
            http: reqwest::Client::new(),
            url: url.to_owned(),
            token: token.map(str::to_owned),
        }
    }

    /// A POST with the headers a conforming client sends, then `extra`.
    pub async fn post(&self, body: &str, extra: &[(&str, &str)]) -> Reply {
        let mut headers = HeaderMap::new();
        let mut set = |name: &str, value: &str| {
            headers.insert(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        };
        set("content-type", "application/json");
        set("accept", "application/json, text/event-stream");
        if let Some(token) = &self.token {
            set("authorization", &format!("Bearer {token}"));
        }
        // The test's own headers replace the defaults.
        for (name, value) in extra {
            set(name, value);
        }
        let request = self
            .http
            .post(&self.url)
            .headers(headers)
            .body(body.to_owned());
        let response = tokio::time::timeout(DEADLINE, request.send())
            .await
            .expect("an answer in time")
            .unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let messages = if headers
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap().starts_with("text/event-stream"))
        {
            text.split("\n\n")
                .filter_map(|event| {
                    let data: Vec<&str> = event
                        .lines()
                        .filter_map(|l| l.strip_prefix("data: "))
                        .collect();
                    (!data.is_empty()).then(|| serde_json::from_str(&data.join("\n")).unwrap())
                })
                .collect()
        } else if text.is_empty() {
            Vec::new()
        } else {
            vec![serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON: {text}"))]
        };
        Reply {
            status,
            headers,
            messages,
        }
    }

    /// A handshake-era request at `version` (sent in the header).
    pub async fn legacy(&self, version: &str, id: i64, method: &str, params: Value) -> Reply {
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.post(&body.to_string(), &[("mcp-protocol-version", version)])
            .await
    }

    /// A 2026-07-28 request: `_meta` and the mirrored headers.
    pub async fn modern(&self, id: i64, method: &str, mut params: Value, meta: Value) -> Reply {
        let mut full_meta = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": {"name": "http-test", "version": "1"},
            "io.modelcontextprotocol/clientCapabilities": {},
        });
        for (k, v) in meta.as_object().into_iter().flatten() {
            full_meta[k] = v.clone();
        }
        params["_meta"] = full_meta;
        let name = params
            .get("name")
            .or_else(|| params.get("uri"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let mut headers = vec![
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", method),
        ];
        if let Some(name) = &name {
            headers.push(("mcp-name", name));
        }
        self.post(&body.to_string(), &headers).await
    }
}
