//! `teetrack mcp --remote URL`: a stdio server that forwards every message
//! to a hosted Teetrack over Streamable HTTP, for clients that only spawn
//! stdio servers. Each request is its own POST with the bearer token; event
//! streams are unpacked into lines; a cancellation aborts the request's POST,
//! which closes its stream, which cancels it on the server.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread;

use anyhow::{Context as _, anyhow};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde_json::{Value, json};
use tokio::task::{AbortHandle, JoinSet};

use super::stdio::{TooLong, read_lines, write_lines};
use crate::rpc::{Id, MODERN};

/// The bridge to one remote endpoint with one token.
#[derive(Clone)]
pub struct Remote {
    http: reqwest::Client,
    url: reqwest::Url,
    /// The version an `initialize` settled on, sent as `MCP-Protocol-Version`
    /// (handshake-era clients do not put it in every message).
    version: Arc<Mutex<Option<String>>>,
}

/// `--remote URL` with `--toolsets` or `--read-only`: the remote server
/// narrows its tools by the endpoint's query, so they go there.
pub fn with_exposure(url: &str, toolsets: &[String], read_only: bool) -> anyhow::Result<String> {
    if toolsets.is_empty() && !read_only {
        return Ok(url.to_owned());
    }
    let mut parsed =
        reqwest::Url::parse(url).with_context(|| format!("--remote {url:?} is not a URL"))?;
    {
        let mut query = parsed.query_pairs_mut();
        if !toolsets.is_empty() {
            query.append_pair("toolsets", &toolsets.join(","));
        }
        if read_only {
            query.append_pair("read_only", "true");
        }
    }
    Ok(parsed.into())
}

impl Remote {
    pub fn new(url: &str, token: &str) -> anyhow::Result<Remote> {
        let url =
            reqwest::Url::parse(url).with_context(|| format!("--remote {url:?} is not a URL"))?;
        anyhow::ensure!(
            matches!(url.scheme(), "http" | "https"),
            "--remote {url} must be an http:// or https:// URL"
        );
        let mut headers = HeaderMap::new();
        let mut bearer = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| anyhow!("TEETRACK_MCP_TOKEN is not a valid token"))?;
        bearer.set_sensitive(true);
        headers.insert(AUTHORIZATION, bearer);
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .tcp_nodelay(true)
            .build()?;
        Ok(Remote {
            http,
            url,
            version: Arc::default(),
        })
    }

    /// Checks the URL and the token with a `server/discover`, so that a
    /// misconfiguration is one line on stderr before anything is served.
    pub async fn check(&self) -> anyhow::Result<()> {
        let probe = json!({"jsonrpc": "2.0", "id": 0, "method": "server/discover", "params": {"_meta": {
            "io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientCapabilities": {},
        }}});
        let response = self
            .post(&probe)
            .await
            .with_context(|| format!("cannot reach {}", self.url))?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            401 => Err(anyhow!(
                "{} refused TEETRACK_MCP_TOKEN (unknown or revoked); create one with `teetrack tokens create EMAIL` on that server",
                self.url
            )),
            status => Err(anyhow!(
                "{} answered HTTP {status}; is it a Teetrack MCP endpoint?",
                self.url
            )),
        }
    }

    async fn post(&self, message: &Value) -> reqwest::Result<reqwest::Response> {
        let mut request = self.http.post(self.url.clone()).body(message.to_string());
        let meta_version = message
            .pointer("/params/_meta/io.modelcontextprotocol~1protocolVersion")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let version = meta_version.or_else(|| lock(&self.version).clone());
        if let Some(version) = version {
            request = request.header("mcp-protocol-version", version);
        }
        if let Some(method) = message["method"].as_str() {
            request = request.header("mcp-method", header_safe(method));
            let name = match method {
                "tools/call" | "prompts/get" => message.pointer("/params/name"),
                "resources/read" => message.pointer("/params/uri"),
                _ => None,
            };
            if let Some(name) = name.and_then(Value::as_str) {
                request = request.header("mcp-name", header_safe(name));
            }
        }
        request.send().await
    }

    /// Forwards one message; what comes back, as lines for stdout.
    async fn forward(&self, message: Value) -> Vec<Value> {
        let id = message.get("id").cloned();
        let is_initialize = message["method"] == "initialize";
        let answers = match self.exchange(&message).await {
            Ok(answers) => answers,
            Err(err) => {
                tracing::error!(error = %err, "remote request failed");
                match id {
                    Some(id) if message.get("method").is_some() => vec![json!({
                        "jsonrpc": "2.0", "id": id,
                        "error": {"code": -32603, "message": format!("the remote Teetrack is unreachable: {err}")},
                    })],
                    _ => Vec::new(),
                }
            }
        };
        if is_initialize
            && let Some(version) = answers
                .iter()
                .find_map(|a| a.pointer("/result/protocolVersion").and_then(Value::as_str))
        {
            *lock(&self.version) = Some(version.to_owned());
        }
        answers
    }

    async fn exchange(&self, message: &Value) -> anyhow::Result<Vec<Value>> {
        let mut response = self.post(message).await?;
        let status = response.status();
        let event_stream = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if !event_stream {
            let body = response.bytes().await?;
            if body.is_empty() {
                return Ok(Vec::new());
            }
            let mut answer: Value = serde_json::from_slice(&body)
                .with_context(|| format!("HTTP {status} with a body that is not JSON"))?;
            // A refusal before the request was read (401, 403, 429) has no
            // id; the client still needs its request answered.
            if let (Value::Object(fields), Some(id)) = (&mut answer, message.get("id"))
                && fields.contains_key("error")
                && fields.get("id").is_none_or(Value::is_null)
            {
                fields.insert("id".into(), id.clone());
            }
            return Ok(match answer {
                Value::Array(items) => items,
                one => vec![one],
            });
        }
        let mut events = Vec::new();
        let mut buffer = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            buffer.extend_from_slice(&chunk);
            while let Some(end) = find_event_end(&buffer) {
                let event: Vec<u8> = buffer.drain(..end).collect();
                events.extend(event_data(&event));
            }
        }
        events.extend(event_data(&buffer));
        Ok(events)
    }
}

/// Non-ASCII names travel Base64-encoded, as Streamable HTTP specifies.
fn header_safe(value: &str) -> String {
    use base64::Engine as _;
    let plain = value.bytes().all(|b| (0x20..0x7f).contains(&b))
        && value.trim() == value
        && !(value.starts_with("=?base64?") && value.ends_with("?="));
    match plain {
        true => value.to_owned(),
        false => format!(
            "=?base64?{}?=",
            base64::engine::general_purpose::STANDARD.encode(value)
        ),
    }
}

/// The end (past the blank line) of the first complete event in `buffer`.
fn find_event_end(buffer: &[u8]) -> Option<usize> {
    let lf = buffer.windows(2).position(|w| w == b"\n\n").map(|p| p + 2);
    let crlf = buffer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4);
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The JSON message in one event's `data:` lines, if any.
fn event_data(event: &[u8]) -> Option<Value> {
    let text = String::from_utf8_lossy(event);
    let data: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(|d| d.strip_prefix(' ').unwrap_or(d))
        .collect();
    if data.is_empty() {
        return None;
    }
    serde_json::from_str(&data.join("\n")).ok()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Serve the process's stdin and stdout through `remote` until stdin closes.
pub async fn bridge_stdio(remote: Remote) -> io::Result<()> {
    // The bridge's own stdout is its protocol channel, as in `teetrack mcp`.
    #[allow(clippy::disallowed_methods)]
    let stdout = io::stdout();
    tokio::spawn(bridge(remote, io::stdin(), stdout)).await?
}

pub async fn bridge(
    remote: Remote,
    input: impl Read + Send + 'static,
    output: impl Write + Send + 'static,
) -> io::Result<()> {
    let (line_tx, mut lines) = tokio::sync::mpsc::channel(256);
    let reader = thread::Builder::new()
        .name("bridge-stdin".into())
        .spawn(move || read_lines(input, line_tx))?;
    let (out, out_rx) = mpsc::channel::<Vec<u8>>();
    let writer = thread::Builder::new()
        .name("bridge-stdout".into())
        .spawn(move || write_lines(output, out_rx))?;
    let in_flight: Arc<Mutex<HashMap<Id, AbortHandle>>> = Arc::default();
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            line = lines.recv() => match line {
                Some(Err(TooLong)) => {
                    let error = json!({"jsonrpc": "2.0", "id": null,
                        "error": {"code": -32600, "message": TooLong::message()}});
                    let _ = out.send(format!("{error}\n").into_bytes());
                }
                Some(Ok(line)) => {
                    let Ok(message) = serde_json::from_slice::<Value>(line.trim_ascii()) else {
                        if !line.trim_ascii().is_empty() {
                            let error = json!({"jsonrpc": "2.0", "id": null,
                                "error": {"code": -32700, "message": "parse error"}});
                            let _ = out.send(format!("{error}\n").into_bytes());
                        }
                        continue;
                    };
                    if message["method"] == "notifications/cancelled"
                        && let Some(id) = request_id(message.pointer("/params/requestId"))
                        && let Some(task) = lock(&in_flight).remove(&id)
                    {
                        task.abort();
                    }
                    let (remote, out, registry) = (remote.clone(), out.clone(), Arc::clone(&in_flight));
                    let id = request_id(message.get("id")).filter(|_| message.get("method").is_some());
                    let mut in_flight = lock(&in_flight);
                    let task = tasks.spawn(async move {
                        let key = request_id(message.get("id"));
                        for answer in remote.forward(message).await {
                            let _ = out.send(format!("{answer}\n").into_bytes());
                        }
                        if let Some(key) = key {
                            lock(&registry).remove(&key);
                        }
                    });
                    if let Some(id) = id {
                        in_flight.insert(id, task);
                    }
                }
                None => break,
            },
            Some(_) = tasks.join_next() => {}
        }
    }
    while tasks.join_next().await.is_some() {}
    drop(out);
    tokio::task::spawn_blocking(move || {
        let _ = reader.join();
        let _ = writer.join();
    })
    .await?;
    Ok(())
}

fn request_id(value: Option<&Value>) -> Option<Id> {
    match value? {
        Value::String(s) => Some(Id::String(s.clone())),
        Value::Number(n) => n.as_i64().map(Id::Number),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toolsets_of_the_bridge_go_into_the_remote_endpoints_query() {
        let url = "https://tt.example.com/api/mcp";
        assert_eq!(with_exposure(url, &[], false).unwrap(), url);
        assert_eq!(
            with_exposure(url, &["timers".into(), "tracks".into()], true).unwrap(),
            "https://tt.example.com/api/mcp?toolsets=timers%2Ctracks&read_only=true"
        );
        assert!(with_exposure("not a url", &[], true).is_err());
    }

    #[test]
    fn events_are_split_on_blank_lines_and_read_from_their_data() {
        let stream = b"event: message\ndata: {\"a\":1}\n\nevent: message\r\ndata: {\"b\":2}\r\n\r\n: keep-alive\n\n";
        let mut buffer = stream.to_vec();
        let mut found = Vec::new();
        while let Some(end) = find_event_end(&buffer) {
            let event: Vec<u8> = buffer.drain(..end).collect();
            found.extend(event_data(&event));
        }
        assert_eq!(found, [json!({"a": 1}), json!({"b": 2})]);
        assert!(buffer.is_empty());
    }

    #[test]
    fn names_that_are_not_plain_ascii_go_base64() {
        assert_eq!(header_safe("get_context"), "get_context");
        assert_eq!(
            header_safe("teetrack://invoices/1.csv"),
            "teetrack://invoices/1.csv"
        );
        assert_eq!(header_safe("Café"), "=?base64?Q2Fmw6k=?=");
        assert_eq!(header_safe(" padded"), "=?base64?IHBhZGRlZA==?=");
    }
}
