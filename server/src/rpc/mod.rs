//! MCP over JSON-RPC 2.0, independent of any transport: the envelope, the
//! typed protocol methods, the revisions, and the one [`Dispatcher`] every
//! transport serves.

mod dispatcher;
mod exposure;
mod extras;
#[cfg(feature = "conformance")]
mod fixtures;
#[cfg(test)]
mod fuzz;
mod logging;
mod message;
mod method;
mod prompts;
mod request_state;
mod resources;
mod revision;
mod scope;
mod tools;

use std::future::Future;

pub use dispatcher::Dispatcher;
pub use exposure::Exposure;
pub use message::{Id, Incoming, Message, Payload, Request, Response, RpcError};
pub use revision::{BATCH_VERSION, MODERN};
pub use scope::{McpHeaders, Notifier, Scope, Session};

/// How long a client may cache a list (tools, prompts, resources) or the
/// discovery result: they change only with a new release of the server.
const LIST_TTL_MS: u64 = 5 * 60 * 1000;

/// What a transport serves: answers one request in its scope. The
/// [`Dispatcher`] in production; a stand-in with controlled timing in the
/// transport tests.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, request: Request, scope: Scope) -> impl Future<Output = Response> + Send;
}
