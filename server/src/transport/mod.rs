//! Thin adapters that carry JSON-RPC messages to and from the
//! [`crate::rpc::Dispatcher`].

pub mod stdio;
