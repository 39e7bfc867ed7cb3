//! The connections of `teetrack serve`, driven with hyper directly (axum's
//! own `serve` offers no knob for them): at most `max_connections` at once,
//! a deadline for every request head and every request body, and a graceful
//! shutdown that lets the requests in flight finish.
//!
//! hyper starts its header-read timer whenever a connection waits for a
//! request head: from the moment it is accepted, and again as soon as the
//! previous response is written. So one timeout closes a connection that
//! stays silent, one that sends half a head, and a keep-alive connection
//! left idle that long.

use std::convert::Infallible;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, header};
use hyper::body::{Body as HttpBody, Bytes, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tower_service::Service as _;

/// What a client may hold and for how long.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// From when a connection waits for a request (accepted, or its previous
    /// response written) to that request's last header line.
    pub header_read_timeout: Duration,
    /// From a request's head to its body's last byte.
    pub body_read_timeout: Duration,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
}

/// Accepts and serves connections until `shutdown` resolves; then stops
/// accepting and waits for the connections to finish their requests.
pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut shutdown = pin!(shutdown);
    loop {
        // A slot first: at the cap, new connections wait in the kernel's
        // backlog instead of costing a descriptor each.
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    accept_failed(&err).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Nagle's algorithm and delayed ACKs would hold each small
        // event-stream write for tens of milliseconds.
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::warn!(error = %err, "cannot set TCP_NODELAY");
        }
        let router = router.clone();
        let body_timeout = limits.body_read_timeout;
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let read = Arc::new(AtomicBool::new(false));
            let mut request =
                request.map(|body| Deadline::new(body, body_timeout, Arc::clone(&read)));
            request.extensions_mut().insert(ConnectInfo(peer));
            let answer = router.clone().call(request);
            async move {
                let mut response = answer.await?;
                // Answered without reading the whole body (a 404, a 405):
                // the rest of it would be taken for the next request, and
                // hyper drops such a connection without a word. Say so, and
                // the client opens a new one.
                if !read.load(Ordering::Relaxed) {
                    response
                        .headers_mut()
                        .insert(header::CONNECTION, HeaderValue::from_static("close"));
                }
                Ok::<_, Infallible>(response)
            }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(tcp), service));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                // A header-read timeout, a client that went away: routine.
                tracing::debug!(%peer, error = %err, "connection closed");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Out of descriptors (EMFILE) or memory: wait a moment rather than spin.
/// A client that reset the connection before we accepted it is no error.
async fn accept_failed(err: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %err, "cannot accept a connection");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// A request body that must arrive whole before its deadline, however slowly
/// it trickles in; past it, reading fails with [`BodyTimeout`].
pub struct Deadline {
    body: Incoming,
    at: Instant,
    /// Armed on the first read that has to wait.
    timer: Option<Pin<Box<Sleep>>>,
    /// Set once the body has been read to its end.
    read: Arc<AtomicBool>,
}

impl Deadline {
    fn new(body: Incoming, timeout: Duration, read: Arc<AtomicBool>) -> Deadline {
        read.store(body.is_end_stream(), Ordering::Relaxed);
        Deadline {
            body,
            at: Instant::now() + timeout,
            timer: None,
            read,
        }
    }
}

/// The request body did not arrive within the body-read timeout.
#[derive(Debug)]
pub struct BodyTimeout;

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive in time")
    }
}

impl std::error::Error for BodyTimeout {}

impl HttpBody for Deadline {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.body).poll_frame(cx) {
            if frame.is_none() || this.body.is_end_stream() {
                this.read.store(true, Ordering::Relaxed);
            }
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        let at = this.at;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(BodyTimeout.into()))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Whether reading a body failed because its deadline passed.
pub fn is_body_timeout(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(err) = cause {
        if err.is::<BodyTimeout>() {
            return true;
        }
        cause = err.source();
    }
    false
}
