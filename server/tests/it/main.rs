//! The server's integration tests, one binary: most modules drive the real
//! `teetrack` binary (or `teetrack serve` over real sockets) against a
//! database of their own; `schema` checks `schema.rs` against the
//! migrations. One binary links SQLite and the helpers once, not once per
//! file.

mod cli;
mod common;
mod docs_http;
mod hardening;
mod instances;
mod mcp_http;
mod mcp_stdio;
mod oauth;
mod schema;
mod server;
mod tools_config;
mod toolsets;
mod web;
