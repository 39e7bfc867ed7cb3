//! `teetrack serve` against clients that hold sockets, send half a request,
//! get refused mid-keep-alive, or try token after token (issue 16 items 3, 4
//! and 7), over real sockets with a raw HTTP/1.1 client where the exact
//! bytes on the connection matter.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use crate::common::{self, DEADLINE, Teetrack};
use crate::server::{self, Server, user_with_token};

const PING: &str = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;

fn connect(server: &Server) -> TcpStream {
    connect_to(&server.base)
}

/// A connection to the server at `base` (`http://host:port`).
fn connect_to(base: &str) -> TcpStream {
    let stream = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.set_write_timeout(Some(DEADLINE)).unwrap();
    stream
}

/// One response read off a raw connection.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn closes(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

/// Reads one response (a `Content-Length` body) from `reader`.
fn read_answer(reader: &mut BufReader<TcpStream>) -> std::io::Result<Answer> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("a header line");
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let mut answer = Answer {
        status,
        headers,
        body: String::new(),
    };
    let length: usize = answer
        .header("content-length")
        .map_or(0, |v| v.parse().unwrap());
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    answer.body = String::from_utf8(body).unwrap();
    Ok(answer)
}

/// A POST to /api/mcp with the given extra header lines and body.
fn post(extra: &[String], body: &[u8]) -> Vec<u8> {
    post_declared(extra, body.len(), body)
}

/// A POST that declares `length` bytes and sends the head and `body`, the
/// start of them.
fn post_declared(extra: &[String], length: usize, body: &[u8]) -> Vec<u8> {
    let mut request =
        format!("POST /api/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\n");
    for line in extra {
        request.push_str(line);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn json_headers(token: &str) -> Vec<String> {
    vec![
        format!("Authorization: Bearer {token}"),
        "Content-Type: application/json".into(),
        "Accept: application/json, text/event-stream".into(),
    ]
}

/// `teetrack serve` run through `sh`, to set its descriptor limit.
struct Limited {
    child: Child,
    url: String,
    base: String,
    _stderr: mpsc::Receiver<String>,
}

impl Drop for Limited {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `teetrack serve` with at most `files` open descriptors, as on a host with
/// a low `ulimit -n`.
fn start_with_file_limit(t: &Teetrack, files: u32, args: &[&str]) -> Limited {
    let mut serve = vec!["serve", "--listen", "127.0.0.1:0"];
    serve.extend_from_slice(args);
    let inner = t.command(&serve);
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit -n {files} && exec \"$@\""))
        .arg("sh")
        .arg(inner.get_program())
        .args(inner.get_args());
    for (name, value) in inner.get_envs() {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = common::lines(child.stderr.take().unwrap());
    let line = stderr
        .recv_timeout(DEADLINE)
        .expect("teetrack serve names its address");
    let url = line
        .strip_prefix("teetrack: serving MCP at ")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_owned();
    let base = url.trim_end_matches("/api/mcp").to_owned();
    Limited {
        child,
        url,
        base,
        _stderr: stderr,
    }
}

/// Item 3: more silent connections than the server may hold, yet a real
/// request is answered: the cap keeps descriptors free, and the header-read
/// timeout frees the slots. Before, with 64 descriptors, the silent
/// connections exhausted them for as long as they were held.
#[tokio::test]
async fn silent_connections_past_the_cap_do_not_lock_out_a_real_client() {
    let (t, token) = setup();
    let server = start_with_file_limit(
        &t,
        64,
        &["--max-connections", "16", "--header-read-timeout", "1"],
    );
    let silent: Vec<TcpStream> = (0..100).map(|_| connect_to(&server.base)).collect();
    let reply = server::Client::new(&server.url, Some(&token))
        .post(PING, &[])
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.result(), &serde_json::json!({}));
    drop(silent);
}

/// Item 3: a request whose head or body never finishes is closed after the
/// timeout (the body one with 408 and `Connection: close`).
#[test]
fn half_sent_requests_are_closed_after_the_timeouts() {
    let (t, token) = setup();
    let server = Server::start(
        &t,
        &["--header-read-timeout", "1", "--body-read-timeout", "1"],
    );

    let mut half_head = connect(&server);
    half_head
        .write_all(b"POST /api/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
        .unwrap();
    let mut rest = Vec::new();
    // Ends (EOF) rather than waiting out the read timeout.
    half_head
        .read_to_end(&mut rest)
        .expect("the server closes a half-sent head");

    let mut half_body = connect(&server);
    let request = post(&json_headers(&token), PING.as_bytes());
    half_body.write_all(&request[..request.len() - 10]).unwrap();
    let mut reader = BufReader::new(half_body.try_clone().unwrap());
    let answer = read_answer(&mut reader).unwrap();
    assert_eq!(answer.status, 408, "{answer:?}");
    assert!(answer.closes(), "{answer:?}");
    let mut rest = Vec::new();
    reader
        .read_to_end(&mut rest)
        .expect("then the connection ends");
}

/// Item 4: a refusal before the body is read leaves the connection usable,
/// or says `Connection: close` and closes it. Before, a keep-alive client's
/// next request on the connection failed in about a third of the tries.
#[test]
fn a_refusal_keeps_the_connection_usable_or_closes_it_cleanly() {
    let (t, token) = setup();
    let spent = user_with_token(&t, "bob@example.com");
    let server = Server::start(
        &t,
        &[
            "--max-body-bytes",
            "300000",
            "--rate-limit",
            "1",
            "--rate-burst",
            "250",
            "--auth-failure-burst",
            "1000",
        ],
    );
    // One token past its budget, for the 429s.
    let mut stream = connect(&server);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        stream
            .write_all(&post(&json_headers(&spent), PING.as_bytes()))
            .unwrap();
        if read_answer(&mut reader).unwrap().status == 429 {
            break;
        }
    }

    // Large enough not to have arrived whole when the refusal is written.
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"pad":"{}"}}}}"#,
        "x".repeat(200_000)
    )
    .into_bytes();
    let with = |token: &str, content_type: &str, accept: &str| {
        vec![
            format!("Authorization: Bearer {token}"),
            format!("Content-Type: {content_type}"),
            format!("Accept: {accept}"),
        ]
    };
    let json = "application/json";
    let refusals: Vec<(u16, Vec<u8>)> = vec![
        (401, post(&[format!("Content-Type: {json}")], &body)),
        (
            401,
            post(
                &json_headers("tt_NotARealToken000000000000000000000"),
                &body,
            ),
        ),
        (
            403,
            post(
                &[
                    json_headers(&token),
                    vec!["Origin: http://evil.example.com".into()],
                ]
                .concat(),
                &body,
            ),
        ),
        (406, post(&with(&token, json, "text/html"), &body)),
        // Over the limit, declared: refused from the head alone.
        (
            413,
            post_declared(&json_headers(&token), 400_000, &body[..1000]),
        ),
        (415, post(&with(&token, "text/plain", json), &body)),
        (429, post(&json_headers(&spent), &body)),
        // Refused by the router itself: only POST is served there.
        (
            405,
            [b"PUT".as_slice(), &post(&json_headers(&token), &body)[4..]].concat(),
        ),
    ];
    let mut failures = Vec::new();
    for round in 0..100 {
        let (status, request) = &refusals[round % refusals.len()];
        let outcome = (|| -> std::io::Result<bool> {
            stream.write_all(request)?;
            let refused = read_answer(&mut reader)?;
            assert_eq!(refused.status, *status, "{refused:?}");
            if refused.closes() {
                // Said so: the client opens another connection.
                stream = connect(&server);
                reader = BufReader::new(stream.try_clone()?);
            }
            stream.write_all(&post(&json_headers(&token), PING.as_bytes()))?;
            Ok(read_answer(&mut reader)?.status == 200)
        })();
        match outcome {
            Ok(true) => {}
            Ok(false) => failures.push(format!("round {round} ({status}): next request refused")),
            Err(err) => {
                failures.push(format!("round {round} ({status}): {err}"));
                stream = connect(&server);
                reader = BufReader::new(stream.try_clone().unwrap());
            }
        }
    }
    assert_eq!(failures, Vec::<String>::new());
}

/// Item 7: one address trying token after token is throttled after a bound,
/// before its tokens cost a lookup each; the bound is a flag.
#[tokio::test]
async fn many_bad_tokens_from_one_address_get_429_after_the_bound() {
    let (t, _token) = setup();
    let server = Server::start(
        &t,
        &["--auth-failure-burst", "5", "--auth-failure-limit", "1"],
    );
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let mut retry_after = None;
    for n in 0..300 {
        let client = server::Client::new(&server.url, Some(&format!("tt_bad{n:032}")));
        let reply = client.post(PING, &[]).await;
        if reply.status == 429 {
            retry_after = reply.headers.get("retry-after").cloned();
        }
        *statuses.entry(reply.status).or_default() += 1;
    }
    assert_eq!(
        statuses,
        [(401, 5), (429, 295)].into_iter().collect(),
        "five failures, then 429"
    );
    let retry_after: u64 = retry_after.unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
}

fn setup() -> (Teetrack, String) {
    let t = Teetrack::new();
    let token = user_with_token(&t, "ada@example.com");
    (t, token)
}

#[test]
fn serve_help_shows_the_limits_and_their_defaults() {
    let t = Teetrack::new();
    let help = t.ok(&["serve", "--help"]);
    for (flag, default) in [
        ("--header-read-timeout", "[default: 10]"),
        ("--body-read-timeout", "[default: 30]"),
        ("--max-connections", "[default: 512]"),
        ("--auth-failure-limit", "[default: 10]"),
        ("--auth-failure-burst", "[default: 20]"),
    ] {
        let at = help
            .find(flag)
            .unwrap_or_else(|| panic!("{flag} in --help:\n{help}"));
        let next = help[at + flag.len()..]
            .find("\n  -")
            .map_or(help.len(), |n| at + flag.len() + n);
        assert!(
            help[at..next].contains(default),
            "{flag} {default}:\n{}",
            &help[at..next]
        );
    }
}
