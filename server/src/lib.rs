//! Teetrack's server: the MCP protocol and its one dispatcher, the stdio and
//! HTTP transports, OAuth sign-in, the web app and its MCP Apps views, the
//! embedded reference site and the operator's command line. The `teetrack`
//! binary is [`cli`] run; the docs generator reads [`client_config`].

// stdout is the MCP channel of `teetrack mcp`: nothing else may write there.
// `print_stdout` catches the print macros; `clippy.toml` bars `std::io::stdout`
// itself, so the two places that need it must say so.
#![deny(clippy::print_stdout, clippy::disallowed_methods)]

mod accounts;
mod apps;
mod auth;
pub mod cli;
pub mod client_config;
mod docs_site;
mod oauth;
mod rpc;
mod tools_cmd;
mod transport;
mod web;
