//! Thin adapters that carry JSON-RPC messages to and from the
//! [`crate::rpc::Dispatcher`], and the bridge from stdio to a remote server.

pub mod http;
pub mod remote;
pub mod stdio;
