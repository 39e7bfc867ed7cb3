//! `teetrack`: the MCP server and the operator's command line, over the
//! `teetrack` library.

// The same guard as the library's: the binary's own code writes to stderr only.
#![deny(clippy::print_stdout, clippy::disallowed_methods)]

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser as _;
use teetrack::cli;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_logging();
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line: the whole cause chain, for the operator or the MCP
            // client's log (libpq's messages span lines; they are joined).
            let message = format!("{err:#}");
            let message: Vec<&str> = message
                .split('\n')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            eprintln!("teetrack: {}", message.join(" "));
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr, filtered by `RUST_LOG` (default: warnings and errors).
fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
