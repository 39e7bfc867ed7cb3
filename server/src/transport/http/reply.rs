//! Answering a request: one JSON object when the result comes first, an
//! event stream when the request sends notifications before its result.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use catalogue::User;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinHandle};

use super::{Accepts, App};
use crate::rpc::{self, Handler as _, Incoming, McpHeaders, Notifier, RpcError};

pub fn json(status: StatusCode, body: &Value) -> Response {
    json_body(
        status,
        serde_json::to_vec(body).expect("a JSON value serialises"),
    )
}

fn json_body(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Aborts the request's task when dropped: when axum drops the handler (the
/// client went away) or the event stream's body (the client closed it).
/// Closing the stream is how an HTTP client cancels a request.
struct CancelOnDrop(AbortHandle);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub async fn one(
    app: &Arc<App>,
    request: rpc::Request,
    user: User,
    headers: McpHeaders,
    accepts: Accepts,
    asked: Option<rpc::Exposure>,
) -> Response {
    let id = request.id.clone();
    let (tx, mut notifications) = mpsc::unbounded_channel::<Value>();
    // Without an event stream to carry them, notifications have nowhere to go.
    let notify = match accepts.event_stream {
        true => Notifier::new(move |message| {
            let _ = tx.send(message);
        }),
        false => Notifier::discard(),
    };
    let scope = app.scope(user, headers, notify, asked);
    let session = scope.session.clone();
    let worker = Arc::clone(app);
    // Run here, in the connection's own task: a task of its own would cost
    // a spawn per request. Only a request that sends a notification before
    // its result moves on to a task, which feeds its event stream.
    let mut call = Box::pin(async move { worker.dispatcher.handle(request, scope).await });
    tokio::select! {
        // A notification first: the answer becomes an event stream.
        biased;
        Some(first) = notifications.recv() => {
            let task: JoinHandle<rpc::Response> = tokio::spawn(call);
            let guard = CancelOnDrop(task.abort_handle());
            stream(first, notifications, task, guard, id)
        }
        response = &mut call => {
            // It finished within one poll, having sent notifications on
            // the way: they still go first, in an event stream.
            if let Ok(first) = notifications.try_recv() {
                let task = tokio::spawn(async move { response });
                let guard = CancelOnDrop(task.abort_handle());
                return stream(first, notifications, task, guard, id);
            }
            let status = response.http_status().map_or(StatusCode::OK, |s| {
                StatusCode::from_u16(s).unwrap_or(StatusCode::BAD_REQUEST)
            });
            // Serialised once, straight from the response (not through a
            // `Value` first).
            let mut body = response.to_line();
            body.pop();
            let mut answer = json_body(status, body);
            // An `initialize` that declared MCP Apps: the session id that
            // tells every later request (and instance) so.
            if session.apps() {
                answer.headers_mut().insert(
                    "mcp-session-id",
                    HeaderValue::from_static(crate::apps::SESSION_ID),
                );
            }
            answer
        }
    }
}

/// An event stream of the request's notifications, then its response.
fn stream(
    first: Value,
    mut notifications: mpsc::UnboundedReceiver<Value>,
    mut task: JoinHandle<rpc::Response>,
    guard: CancelOnDrop,
    id: rpc::Id,
) -> Response {
    let (tx, rx) = mpsc::channel::<Bytes>(16);
    tokio::spawn(async move {
        // Held here: the stream's end (its receiver dropped with the body)
        // ends this task, and the guard then cancels the request.
        let _guard = guard;
        if tx.send(event(&first)).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                biased;
                Some(message) = notifications.recv() => {
                    if tx.send(event(&message)).await.is_err() {
                        return;
                    }
                }
                joined = &mut task => {
                    // Anything sent just before the result goes out first.
                    while let Ok(message) = notifications.try_recv() {
                        let _ = tx.send(event(&message)).await;
                    }
                    let response = joined.unwrap_or_else(|err| {
                        tracing::error!(error = %err, "request handler panicked");
                        rpc::Response::error(Some(id), RpcError::internal())
                    });
                    let _ = tx.send(event(&response.to_value())).await;
                    return;
                }
                () = tx.closed() => return,
            }
        }
    });
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|bytes| (Ok::<_, Infallible>(bytes), rx))
    }));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Reverse proxies (nginx) would otherwise buffer the stream.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

fn event(message: &Value) -> Bytes {
    Bytes::from(format!("event: message\ndata: {message}\n\n"))
}

/// A 2025-03-26 batch: its requests run together and answer as one array.
/// Notifications have no stream to go on and are dropped.
pub async fn batch(
    app: &Arc<App>,
    items: Vec<Incoming>,
    user: User,
    headers: McpHeaders,
    asked: Option<rpc::Exposure>,
) -> Response {
    let answers = futures_util::future::join_all(items.into_iter().map(|item| {
        let scope = app.scope(
            user.clone(),
            headers.clone(),
            Notifier::discard(),
            asked.clone(),
        );
        async move {
            match item {
                Incoming::Request(request) => Some(app.dispatcher.handle(request, scope).await),
                Incoming::Reply(response) => Some(response),
                Incoming::Cancel(_) | Incoming::Ignore => None,
            }
        }
    }))
    .await;
    let answers: Vec<Value> = answers
        .into_iter()
        .flatten()
        .map(|r| r.to_value())
        .collect();
    match answers.is_empty() {
        true => StatusCode::ACCEPTED.into_response(),
        false => json(StatusCode::OK, &Value::Array(answers)),
    }
}
