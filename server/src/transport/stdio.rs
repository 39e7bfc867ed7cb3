//! MCP over stdio: newline-delimited JSON-RPC on stdin and stdout.
//!
//! stdin is read by the runtime itself when it is a pipe (what every MCP
//! client gives us): made non-blocking and watched with epoll, so lines that
//! arrive while the server is busy are picked up between tasks, with no
//! thread to wake per line. Otherwise (a file, a terminal) a dedicated thread
//! reads it: tokio's own `stdin()` would hand every read to the blocking
//! pool, several times the cost per message. Each request runs as its own
//! task, so a slow tool never holds up a fast one; its response is written to
//! stdout by that task as soon as it is ready (one `write` of one line under
//! a lock: handing it to a writer thread cost a thread wake-up per response).

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::os::fd::AsFd as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::thread;

use catalogue::User;
use tokio::task::{AbortHandle, JoinError, JoinSet};

use crate::rpc::{
    BATCH_VERSION, Handler, Id, Incoming, Message, Notifier, Request, Response, RpcError, Scope,
    Session as Handshake,
};

/// The longest line (one message) read from stdin, newline excluded. A
/// longer line is skipped to its end without being kept, and answered with
/// an error naming this bound: `--max-body-bytes`' default for HTTP.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// A line from stdin, or the news that one over [`MAX_LINE_BYTES`] was
/// skipped.
pub(super) type Line = Result<Vec<u8>, TooLong>;

#[derive(Debug, PartialEq)]
pub(super) struct TooLong;

impl TooLong {
    pub(super) fn message() -> String {
        format!("a message over {MAX_LINE_BYTES} bytes (the line-length limit) was skipped")
    }
}

/// Serve the process's own stdin and stdout, as `user`, until stdin closes.
pub async fn serve_stdio<H: Handler>(handler: Arc<H>, user: User) -> io::Result<()> {
    // The one place that touches stdout in `teetrack mcp`: the protocol channel.
    #[allow(clippy::disallowed_methods)]
    let stdout = io::stdout();
    // A duplicate of fd 0 (it shares the pipe and its flags), as a file.
    let stdin = std::fs::File::from(io::stdin().as_fd().try_clone_to_owned()?);
    // On a worker thread, not the thread that blocks on the runtime: a task
    // spawned from a worker starts on that same worker, where a spawn from
    // outside has to wake another thread first.
    match tokio::net::unix::pipe::Receiver::from_file(stdin) {
        Ok(pipe) => {
            let (line_tx, lines) = tokio::sync::mpsc::channel(LINES_QUEUED);
            tokio::spawn(read_lines_async(pipe, line_tx));
            tokio::spawn(serve_lines(handler, user, lines, stdout)).await?
        }
        Err(_) => tokio::spawn(serve(handler, user, io::stdin(), stdout)).await?,
    }
}

/// Lines read but not yet taken up. Bounded: a client that writes faster
/// than we answer waits on its pipe instead of growing our memory.
const LINES_QUEUED: usize = 256;

/// Read requests from `input` (on a thread of its own) and write responses
/// to `output` until `input` ends; then let the requests in flight answer,
/// and return.
pub async fn serve<H: Handler>(
    handler: Arc<H>,
    user: User,
    input: impl Read + Send + 'static,
    output: impl Write + Send + 'static,
) -> io::Result<()> {
    let (line_tx, lines) = tokio::sync::mpsc::channel(LINES_QUEUED);
    let reader = thread::Builder::new()
        .name("mcp-stdin".into())
        .spawn(move || read_lines(input, line_tx))?;
    serve_lines(handler, user, lines, output).await?;
    tokio::task::spawn_blocking(move || {
        let _ = reader.join();
    })
    .await?;
    Ok(())
}

/// Answer the requests of `lines` until it ends, then let the requests in
/// flight answer.
async fn serve_lines<H: Handler>(
    handler: Arc<H>,
    user: User,
    mut lines: tokio::sync::mpsc::Receiver<Line>,
    output: impl Write + Send + 'static,
) -> io::Result<()> {
    let mut session = Session {
        handler,
        user,
        handshake: Handshake::default(),
        out: Out::new(output),
        in_flight: Arc::default(),
        tasks: JoinSet::new(),
    };
    loop {
        tokio::select! {
            line = lines.recv() => match line {
                Some(Ok(line)) => session.receive(&line),
                Some(Err(TooLong)) => send(
                    &session.out,
                    &Response::error(None, RpcError::invalid_request(TooLong::message())),
                ),
                None => break,
            },
            Some(joined) = session.tasks.join_next_with_id() => session.finished(joined),
        }
    }
    tracing::debug!(in_flight = session.tasks.len(), "stdin closed");
    while let Some(joined) = session.tasks.join_next_with_id().await {
        session.finished(joined);
    }
    Ok(())
}

/// stdout, shared by the tasks that answer: each writes whole lines.
#[derive(Clone)]
struct Out(Arc<OutState>);

struct OutState {
    output: Mutex<Box<dyn Write + Send>>,
    /// Set at the first failed write (the client closed our stdout): later
    /// lines are dropped without a word.
    broken: AtomicBool,
}

impl Out {
    fn new(output: impl Write + Send + 'static) -> Out {
        Out(Arc::new(OutState {
            output: Mutex::new(Box::new(output)),
            broken: AtomicBool::new(false),
        }))
    }

    /// Writes `line` (newline included) and flushes it.
    fn send(&self, line: Vec<u8>) {
        if self.0.broken.load(Ordering::Relaxed) {
            return;
        }
        let mut output = self.0.output.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(err) = output.write_all(&line).and_then(|()| output.flush())
            && !self.0.broken.swap(true, Ordering::Relaxed)
        {
            tracing::error!(error = %err, "cannot write stdout; no more responses");
        }
    }
}

/// The requests of one stdio connection that have not answered yet.
type InFlight = Arc<Mutex<HashMap<Id, AbortHandle>>>;

struct Session<H> {
    handler: Arc<H>,
    user: User,
    /// The stdio process is the legacy session: one handshake for all.
    handshake: Handshake,
    out: Out,
    in_flight: InFlight,
    tasks: JoinSet<()>,
}

impl<H: Handler> Session<H> {
    fn receive(&mut self, line: &[u8]) {
        let line = line.trim_ascii();
        if line.is_empty() {
            return;
        }
        match Message::read(line) {
            Message::One(incoming) => self.receive_one(incoming),
            Message::Batch(items) => self.batch(items),
        }
    }

    fn receive_one(&mut self, incoming: Incoming) {
        match incoming {
            Incoming::Request(request) => self.start(request),
            Incoming::Cancel(id) => {
                if let Some(task) = lock(&self.in_flight).remove(&id) {
                    tracing::debug!(%id, "cancelled");
                    task.abort();
                }
            }
            Incoming::Reply(response) => send(&self.out, &response),
            Incoming::Ignore => {}
        }
    }

    fn scope(&self) -> Scope {
        let out = self.out.clone();
        Scope {
            user: self.user.clone(),
            session: self.handshake.clone(),
            headers: None,
            // The process's own exposure is the dispatcher's.
            exposure: None,
            notify: Notifier::new(move |message| {
                let mut line = message.to_string().into_bytes();
                line.push(b'\n');
                out.send(line);
            }),
        }
    }

    /// A JSON-RPC batch, which only 2025-03-26 has: its requests run
    /// together and their responses go back as one array. A batch is not
    /// cancellable request by request, and its notifications are dropped.
    fn batch(&mut self, items: Vec<Incoming>) {
        if self.handshake.version() != Some(BATCH_VERSION) {
            let message =
                format!("JSON-RPC batches are only part of protocol version {BATCH_VERSION}");
            send(
                &self.out,
                &Response::error(None, RpcError::invalid_request(message)),
            );
            return;
        }
        let handler = Arc::clone(&self.handler);
        let scope = Scope {
            notify: Notifier::discard(),
            ..self.scope()
        };
        let out = self.out.clone();
        self.tasks.spawn(async move {
            let answers = futures_util::future::join_all(items.into_iter().map(|item| {
                let (handler, scope) = (Arc::clone(&handler), scope.clone());
                async move {
                    match item {
                        Incoming::Request(request) => Some(handler.handle(request, scope).await),
                        Incoming::Reply(response) => Some(response),
                        Incoming::Cancel(_) | Incoming::Ignore => None,
                    }
                }
            }))
            .await;
            let answers: Vec<_> = answers
                .into_iter()
                .flatten()
                .map(|r| r.to_value())
                .collect();
            if !answers.is_empty() {
                let mut line = serde_json::Value::Array(answers).to_string().into_bytes();
                line.push(b'\n');
                out.send(line);
            }
        });
    }

    fn start(&mut self, request: Request) {
        // Held while spawning, so the task cannot finish and look for its
        // entry before the entry exists.
        let mut in_flight = lock(&self.in_flight);
        if in_flight.contains_key(&request.id) {
            let message = format!("request id {} is already in flight", request.id);
            send(
                &self.out,
                &Response::error(Some(request.id), RpcError::invalid_request(message)),
            );
            return;
        }
        let id = request.id.clone();
        let scope = self.scope();
        let handler = Arc::clone(&self.handler);
        let registry = Arc::clone(&self.in_flight);
        let out = self.out.clone();
        let task = self.tasks.spawn(async move {
            let key = request.id.clone();
            let response = handler.handle(request, scope).await;
            // No entry: cancelled after the work was done but before this
            // point. The spec allows answering then; staying silent is what
            // the client that cancelled expects.
            let live = lock(&registry).remove(&key).is_some();
            if live {
                send(&out, &response);
            }
        });
        in_flight.insert(id, task);
    }

    /// A task that panicked still owes its client an answer.
    fn finished(&mut self, joined: Result<(tokio::task::Id, ()), JoinError>) {
        let Err(err) = joined else { return };
        if err.is_cancelled() {
            return;
        }
        tracing::error!(error = %err, "request handler panicked");
        let mut in_flight = lock(&self.in_flight);
        let request = in_flight
            .iter()
            .find(|(_, task)| task.id() == err.id())
            .map(|(id, _)| id.clone());
        if let Some(id) = request {
            in_flight.remove(&id);
            send(&self.out, &Response::error(Some(id), RpcError::internal()));
        }
    }
}

fn lock(in_flight: &InFlight) -> MutexGuard<'_, HashMap<Id, AbortHandle>> {
    // Nothing panics while holding the lock; a poisoned map is still sound.
    in_flight
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn send(out: &Out, response: &Response) {
    out.send(response.to_line());
}

pub(super) fn read_lines(input: impl Read, lines: tokio::sync::mpsc::Sender<Line>) {
    let mut input = BufReader::with_capacity(64 * 1024, input);
    loop {
        match read_line(&mut input, MAX_LINE_BYTES) {
            Ok(None) => return,
            Ok(Some(line)) => {
                if lines.blocking_send(line).is_err() {
                    return;
                }
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot read stdin; stopping");
                return;
            }
        }
    }
}

/// [`read_lines`] for a pipe the runtime watches.
async fn read_lines_async(
    input: tokio::net::unix::pipe::Receiver,
    lines: tokio::sync::mpsc::Sender<Line>,
) {
    let mut input = tokio::io::BufReader::with_capacity(64 * 1024, input);
    loop {
        match read_line_async(&mut input, MAX_LINE_BYTES).await {
            Ok(None) => return,
            Ok(Some(line)) => {
                if lines.send(line).await.is_err() {
                    return;
                }
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot read stdin; stopping");
                return;
            }
        }
    }
}

/// [`read_line`], reading without blocking; the same bound, the same
/// answers.
async fn read_line_async(
    input: &mut (impl tokio::io::AsyncBufRead + Unpin),
    max: usize,
) -> io::Result<Option<Line>> {
    use tokio::io::AsyncBufReadExt as _;
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let available = input.fill_buf().await?;
        if available.is_empty() {
            return Ok(match (too_long, line.is_empty()) {
                (true, _) => Some(Err(TooLong)),
                (false, true) => None,
                (false, false) => Some(Ok(line)),
            });
        }
        let newline = available.iter().position(|&b| b == b'\n');
        let used = newline.map_or(available.len(), |at| at + 1);
        if !too_long {
            let text = used - usize::from(newline.is_some());
            if line.len() + text > max {
                too_long = true;
                line = Vec::new();
            } else {
                line.extend_from_slice(&available[..used]);
            }
        }
        input.consume(used);
        if newline.is_some() {
            return Ok(Some(if too_long { Err(TooLong) } else { Ok(line) }));
        }
    }
}

/// The next line, newline included, if it is at most `max` bytes without
/// it; else [`TooLong`], once the line has been read to its end and
/// dropped. Memory stays within `max` plus the reader's buffer, whatever
/// the client sends. `None` at the end of the input.
fn read_line(input: &mut impl BufRead, max: usize) -> io::Result<Option<Line>> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let available = match input.fill_buf() {
            Ok(available) => available,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        if available.is_empty() {
            // The end of the input; a last line without its newline counts.
            return Ok(match (too_long, line.is_empty()) {
                (true, _) => Some(Err(TooLong)),
                (false, true) => None,
                (false, false) => Some(Ok(line)),
            });
        }
        let newline = available.iter().position(|&b| b == b'\n');
        let used = newline.map_or(available.len(), |at| at + 1);
        if !too_long {
            let text = used - usize::from(newline.is_some());
            if line.len() + text > max {
                too_long = true;
                line = Vec::new();
            } else {
                line.extend_from_slice(&available[..used]);
            }
        }
        input.consume(used);
        if newline.is_some() {
            return Ok(Some(if too_long { Err(TooLong) } else { Ok(line) }));
        }
    }
}

/// Writes everything queued, and flushes only when the queue is momentarily
/// empty: one write call for a burst of responses, none held back.
pub(super) fn write_lines(output: impl Write, queue: mpsc::Receiver<Vec<u8>>) {
    let mut output = BufWriter::with_capacity(64 * 1024, output);
    while let Ok(line) = queue.recv() {
        let written = output
            .write_all(&line)
            .and_then(|()| {
                queue
                    .try_iter()
                    .try_for_each(|line| output.write_all(&line))
            })
            .and_then(|()| output.flush());
        if let Err(err) = written {
            tracing::error!(error = %err, "cannot write stdout; stopping");
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{PipeReader, PipeWriter};
    use std::time::Duration;

    use serde_json::{Value, json};

    use super::*;

    /// Answers with its method's name; `slow` takes a while, `boom` panics.
    /// Records what ran to the end, to tell an aborted task from a muted one.
    #[derive(Default)]
    struct Timed {
        completed: Mutex<Vec<String>>,
    }

    impl Handler for Timed {
        async fn handle(&self, request: Request, _: Scope) -> Response {
            match request.method.as_str() {
                "slow" => tokio::time::sleep(Duration::from_millis(300)).await,
                "boom" => panic!("the handler broke"),
                _ => {}
            }
            self.completed.lock().unwrap().push(request.method.clone());
            Response::new(request.id, Ok(Value::String(request.method)))
        }
    }

    struct Connection {
        handler: Arc<Timed>,
        client: PipeWriter,
        server: BufReader<PipeReader>,
        served: tokio::task::JoinHandle<io::Result<()>>,
    }

    fn connect() -> Connection {
        let (input, client) = io::pipe().unwrap();
        let (server, output) = io::pipe().unwrap();
        let handler = Arc::new(Timed::default());
        let user = User {
            id: 1,
            email: "ada@example.com".into(),
            name: "Ada".into(),
            tier: catalogue::Tier::Free,
        };
        let served = tokio::spawn(serve(Arc::clone(&handler), user, input, output));
        Connection {
            handler,
            client,
            server: BufReader::new(server),
            served,
        }
    }

    impl Connection {
        fn send(&mut self, messages: &[Value]) {
            let mut text = String::new();
            for message in messages {
                text.push_str(&message.to_string());
                text.push('\n');
            }
            self.send_raw(&text);
        }

        fn send_raw(&mut self, text: &str) {
            self.client.write_all(text.as_bytes()).unwrap();
        }

        /// Blocks until the server answers; the test's own thread is not one
        /// of the runtime's workers.
        fn receive(&mut self) -> Option<Value> {
            read_response(&mut self.server)
        }

        /// Closes stdin, waits for the server to finish, and returns every
        /// response it wrote since the last `receive`, and what completed.
        async fn close(self) -> (Vec<Value>, Vec<String>) {
            let Connection {
                handler,
                client,
                mut server,
                served,
            } = self;
            drop(client);
            served.await.unwrap().unwrap();
            let rest = std::iter::from_fn(|| read_response(&mut server)).collect();
            let completed = handler.completed.lock().unwrap().clone();
            (rest, completed)
        }
    }

    fn read_response(server: &mut BufReader<PipeReader>) -> Option<Value> {
        let mut line = String::new();
        match server.read_line(&mut line).unwrap() {
            0 => None,
            _ => Some(serde_json::from_str(&line).unwrap()),
        }
    }

    fn call(id: i64, method: &str) -> Value {
        json!({"jsonrpc": "2.0", "id": id, "method": method})
    }

    fn cancel(id: i64) -> Value {
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": id}})
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_fast_request_overtakes_a_slow_one() {
        let mut conn = connect();
        conn.send(&[call(1, "slow"), call(2, "fast")]);
        assert_eq!(conn.receive().unwrap()["id"], 2);
        assert_eq!(conn.receive().unwrap()["id"], 1);
        let (rest, _) = conn.close().await;
        assert_eq!(rest, Vec::<Value>::new());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_cancelled_request_is_aborted_and_never_answered() {
        let mut conn = connect();
        conn.send(&[call(1, "slow"), cancel(1), call(2, "fast")]);
        assert_eq!(conn.receive().unwrap()["id"], 2);
        let (rest, completed) = conn.close().await;
        assert_eq!(rest, Vec::<Value>::new());
        assert_eq!(
            completed,
            ["fast"],
            "the slow task was aborted, not just muted"
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn closing_stdin_lets_requests_in_flight_answer_first() {
        let mut conn = connect();
        conn.send(&[call(1, "slow"), call(2, "slow")]);
        let (rest, completed) = conn.close().await;
        let mut ids: Vec<_> = rest.iter().map(|r| r["id"].clone()).collect();
        ids.sort_by_key(|id| id.as_i64());
        assert_eq!(ids, [1, 2]);
        assert_eq!(completed, ["slow", "slow"]);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_panicking_handler_answers_internal_error_and_the_rest_goes_on() {
        let mut conn = connect();
        conn.send(&[call(1, "boom")]);
        let response = conn.receive().unwrap();
        assert_eq!(response["id"], 1);
        assert_eq!(response["error"]["code"], RpcError::INTERNAL_ERROR);
        conn.send(&[call(2, "fast")]);
        assert_eq!(conn.receive().unwrap()["result"], "fast");
        conn.close().await;
    }

    #[test]
    fn lines_are_read_up_to_the_bound_and_longer_ones_skipped_whole() {
        let input = b"12345\n123456\n\nabc\n1234567890123\nlast";
        let mut reader = BufReader::with_capacity(4, &input[..]);
        let mut lines = Vec::new();
        while let Some(line) = read_line(&mut reader, 5).unwrap() {
            lines.push(line.map(|l| String::from_utf8(l).unwrap()));
        }
        assert_eq!(
            lines,
            [
                Ok("12345\n".to_owned()),
                Err(TooLong),
                Ok("\n".to_owned()),
                Ok("abc\n".to_owned()),
                Err(TooLong),
                Ok("last".to_owned()),
            ]
        );
    }

    /// The pipe reader cuts lines exactly as the thread's reader does.
    #[tokio::test]
    async fn the_async_reader_reads_lines_like_the_blocking_one() {
        let input = b"12345\n123456\n\nabc\n1234567890123\nlast";
        let mut reader = tokio::io::BufReader::with_capacity(4, &input[..]);
        let mut lines = Vec::new();
        while let Some(line) = read_line_async(&mut reader, 5).await.unwrap() {
            lines.push(line.map(|l| String::from_utf8(l).unwrap()));
        }
        let mut blocking = BufReader::with_capacity(4, &input[..]);
        let mut expected = Vec::new();
        while let Some(line) = read_line(&mut blocking, 5).unwrap() {
            expected.push(line.map(|l| String::from_utf8(l).unwrap()));
        }
        assert_eq!(lines, expected);
        assert_eq!(lines.len(), 6);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_line_over_the_limit_is_answered_with_the_limit_and_serving_goes_on() {
        let mut conn = connect();
        // Written on a thread: the server reads it while we wait to answer.
        let mut client = conn.client.try_clone().unwrap();
        let writer = thread::spawn(move || {
            let huge = vec![b'x'; 3 * MAX_LINE_BYTES];
            client.write_all(&huge).unwrap();
            client.write_all(b"\n").unwrap();
        });
        let error = conn.receive().unwrap();
        writer.join().unwrap();
        assert_eq!(error["id"], Value::Null);
        assert_eq!(error["error"]["code"], RpcError::INVALID_REQUEST);
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains(&MAX_LINE_BYTES.to_string()), "{message}");
        conn.send(&[call(1, "fast")]);
        assert_eq!(conn.receive().unwrap()["result"], "fast");
        conn.close().await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn bad_lines_are_answered_and_blank_lines_and_notifications_are_not() {
        let mut conn = connect();
        conn.send_raw("\n  \r\n{oops\n");
        conn.send(&[
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            call(1, "slow"),
            call(1, "fast"),
        ]);
        let parse_error = conn.receive().unwrap();
        assert_eq!(parse_error["error"]["code"], RpcError::PARSE_ERROR);
        let duplicate = conn.receive().unwrap();
        assert_eq!(
            (duplicate["id"].clone(), duplicate["error"]["code"].clone()),
            (json!(1), json!(RpcError::INVALID_REQUEST))
        );
        let (rest, _) = conn.close().await;
        assert_eq!(rest, [json!({"jsonrpc": "2.0", "id": 1, "result": "slow"})]);
    }
}
