//! The command line, and what each command runs.

use std::sync::Arc;

use catalogue::{Db, Tier};
use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use clap::{Parser, Subcommand};

use crate::auth::Identity;
use crate::rpc::Dispatcher;
use crate::{accounts, transport};

#[derive(Debug, Parser)]
#[command(
    name = "teetrack",
    version,
    about = "A self-hostable time tracker served over MCP"
)]
pub struct Cli {
    /// The database: a SQLite file path or `sqlite://` URL.
    /// [default: $XDG_DATA_HOME/teetrack/teetrack.db, else ~/.local/share/teetrack/teetrack.db]
    #[arg(long, global = true, env = "TEETRACK_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve MCP over stdio (newline-delimited JSON-RPC) as the user of
    /// TEETRACK_MCP_TOKEN, else TEETRACK_MCP_USER_EMAIL (local development only).
    Mcp,
    /// Manage users.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage a user's personal API tokens.
    #[command(subcommand)]
    Tokens(TokensCommand),
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user (on the free tier).
    Add {
        email: String,
        /// Display name [default: the part of the email before the @]
        #[arg(long)]
        name: Option<String>,
    },
    /// List every user.
    List,
    /// Move a user to another tier.
    SetTier {
        email: String,
        #[arg(value_parser = tier_parser())]
        tier: Tier,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Create a token; it is printed once and never shown again.
    Create {
        email: String,
        /// A name to tell the token apart in listings [default: "default"]
        #[arg(long)]
        name: Option<String>,
    },
    /// List a user's tokens (never the tokens themselves).
    List { email: String },
    /// Revoke a token, by its id or its listed prefix.
    Revoke {
        email: String,
        #[arg(value_name = "ID_OR_PREFIX")]
        token: String,
    },
}

/// The possible values come from `Tier` itself, so `--help` lists them.
fn tier_parser() -> impl clap::builder::TypedValueParser<Value = Tier> {
    PossibleValuesParser::new(Tier::ALL.map(Tier::as_str)).try_map(|s| s.parse::<Tier>())
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let open = || Db::open(cli.database_url.as_deref());
    match cli.command {
        Command::Mcp => {
            // The identity is read before the database is touched, and both
            // are checked before stdin is: a misconfigured client gets one
            // line on stderr and an exit code, never a half-served session.
            let identity = Identity::from_env()?;
            let db = open()?;
            let user = identity.authenticate(&db)?;
            tracing::info!(user = user.email, "serving MCP on stdio");
            let dispatcher = Arc::new(Dispatcher::new(user, db));
            tokio::runtime::Runtime::new()?.block_on(transport::stdio::serve_stdio(dispatcher))?;
            Ok(())
        }
        Command::Users(command) => accounts::users(&open()?, command),
        Command::Tokens(command) => accounts::tokens(&open()?, command),
    }
}
