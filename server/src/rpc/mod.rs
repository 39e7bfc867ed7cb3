//! MCP over JSON-RPC 2.0, independent of any transport: the envelope, the
//! typed protocol methods, and the one [`Dispatcher`] every transport serves.

mod dispatcher;
mod lifecycle;
mod message;
mod method;
mod tools;

use std::future::Future;

pub use dispatcher::Dispatcher;
pub use message::{Id, Incoming, Request, Response, RpcError};

/// What a transport serves: answers one request. The [`Dispatcher`] in
/// production; a stand-in with controlled timing in the transport tests.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, request: Request) -> impl Future<Output = Response> + Send;
}
