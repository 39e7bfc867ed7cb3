//! The command line, and what each command runs.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use catalogue::{Db, Tier};
use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use clap::{Parser, Subcommand};

use crate::auth::{Identity, TOKEN_VAR};
use crate::client_config::{self, Client};
use crate::rpc::{Dispatcher, Exposure};
use crate::transport::http::{self, Config};
use crate::transport::remote::{self, Remote};
use crate::{accounts, tools_cmd, transport};

#[derive(Debug, Parser)]
#[command(
    name = "teetrack",
    version,
    about = "A self-hostable time tracker served over MCP"
)]
pub struct Cli {
    /// The database: a SQLite file path or `sqlite://` URL, or a PostgreSQL
    /// server's `postgres://user@host/db` URL.
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
    Mcp {
        /// Forward to a hosted Teetrack at this URL (e.g.
        /// https://tt.example.com/api/mcp) as the user of TEETRACK_MCP_TOKEN,
        /// instead of serving a local database.
        #[arg(long, value_name = "URL")]
        remote: Option<String>,
        #[command(flatten)]
        exposure: ExposureArgs,
    },
    /// Serve MCP over Streamable HTTP at /api/mcp (and GET /healthz). Every
    /// request carries `Authorization: Bearer <token>`.
    Serve(ServeArgs),
    /// Manage users.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage a user's personal API tokens and OAuth grants.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// Print a one-time code (valid 10 minutes, single use) that signs the
    /// user in on the OAuth consent page of `teetrack serve`.
    LoginCode { email: String },
    /// The tool catalogue: a table, or every manifest as JSON.
    #[command(subcommand)]
    Tools(ToolsCommand),
    /// Print the configuration that connects a client to Teetrack.
    Config(ConfigArgs),
    /// The database itself.
    #[command(subcommand)]
    Db(DbCommand),
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Copy every row of this SQLite database (--database-url, or the
    /// default file) into an empty PostgreSQL database, which is migrated
    /// first: the move from the embedded default to a server. One
    /// transaction: a copy that fails leaves the target empty.
    Copy {
        /// The PostgreSQL database to fill: postgres://user@host/db
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ToolsCommand {
    /// One line a tool: name, area, tier, annotations, title.
    List,
    /// Every tool's manifest (as `tools/list` serves it) as one JSON document.
    Export {
        #[arg(long, default_value = "json", value_parser = ["json"])]
        format: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// The client to configure.
    #[arg(value_parser = client_parser())]
    client: Client,
    /// Create a token for this user and put it in the configuration
    /// [default: a placeholder to replace].
    #[arg(long, value_name = "EMAIL")]
    create_token: Option<String>,
    /// The MCP endpoint of `teetrack serve`, for remote clients (chatgpt).
    #[arg(long, default_value = client_config::DEFAULT_URL)]
    url: String,
    /// Put these toolsets and read-only mode into the configuration.
    #[command(flatten)]
    exposure: ExposureArgs,
}

/// Which tools to expose: `--toolsets` and `--read-only`, the same on `mcp`,
/// `serve` and `config`.
#[derive(Debug, clap::Args)]
pub struct ExposureArgs {
    /// Expose only these toolsets, comma-separated: the catalogue's areas
    /// (context, timers, tracks, projects, tags, clients, invoices, analytics,
    /// settings; `reports` is analytics). `context` (get_context) is always
    /// exposed. Prompts and resources that need a hidden tool are hidden.
    /// [default: every toolset]
    #[arg(long, value_delimiter = ',', value_name = "SET,...")]
    toolsets: Vec<String>,
    /// Expose only the read-only tools (readOnlyHint).
    #[arg(long)]
    read_only: bool,
}

impl ExposureArgs {
    /// Checked at start-up: an unknown toolset stops the command with the
    /// list of valid ones.
    fn exposure(&self) -> anyhow::Result<Exposure> {
        Exposure::new(&self.toolsets, self.read_only)
            .map_err(|err| anyhow::anyhow!("--toolsets: {err}"))
    }

    /// The names as given, trimmed and lower-cased (after [`Self::exposure`]
    /// accepted them).
    fn names(&self) -> Vec<String> {
        self.toolsets
            .iter()
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user (on the free tier).
    Add {
        email: String,
        /// Display name [default: the part of the email before the @]
        #[arg(long)]
        name: Option<String>,
        /// Succeed without a change when a user with exactly this email
        /// (case-insensitive) already exists.
        #[arg(long)]
        if_missing: bool,
    },
    /// List every user.
    List,
    /// Move a user to another tier.
    SetTier {
        email: String,
        #[arg(value_parser = tier_parser())]
        tier: Tier,
    },
    /// Set a user's password for the web app and the OAuth sign-in page. At a
    /// terminal it is typed twice, not shown; otherwise it is the first line
    /// of standard input (pipe it in). Never from the command line.
    SetPassword { email: String },
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
    /// List a user's tokens (never the tokens themselves), then the OAuth
    /// grants of connectors they signed in to.
    List { email: String },
    /// Revoke a token, by its id or its listed prefix, or an OAuth grant
    /// (and all its tokens) by its listed id, `oauth:N`.
    Revoke {
        email: String,
        #[arg(value_name = "ID_OR_PREFIX")]
        token: String,
    },
}

fn client_parser() -> impl clap::builder::TypedValueParser<Value = Client> {
    PossibleValuesParser::new(Client::ALL.map(Client::as_str)).try_map(|s| s.parse::<Client>())
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Where to listen. Loopback by default; any other address is an explicit
    /// choice and needs --allowed-origin.
    #[arg(long, default_value = "127.0.0.1:8787", value_name = "ADDR:PORT")]
    listen: SocketAddr,
    /// A browser origin (scheme://host[:port]) that may call the server,
    /// e.g. https://chatgpt.com; repeat for several. Pages on this machine
    /// may always call a loopback server.
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    allowed_origins: Vec<String>,
    /// The largest request body accepted, in bytes.
    #[arg(long, default_value_t = 1024 * 1024, value_name = "BYTES")]
    max_body_bytes: usize,
    /// Requests a minute allowed per token, per server instance.
    #[arg(long, default_value_t = 600, value_name = "N")]
    rate_limit: u32,
    /// Requests a token may send at once before the per-minute rate applies.
    #[arg(long, default_value_t = 60, value_name = "N")]
    rate_burst: u32,
    /// Failed authentications (unknown, expired or revoked tokens) a minute
    /// allowed per client address; past them the address gets 429 before
    /// any token it sends is looked up. Behind a reverse proxy every client
    /// has the proxy's address.
    #[arg(long, default_value_t = 10, value_name = "N")]
    auth_failure_limit: u32,
    /// Failed authentications a client address may make at once before the
    /// per-minute rate applies.
    #[arg(long, default_value_t = 20, value_name = "N")]
    auth_failure_burst: u32,
    /// Seconds a connection has to send a complete request head, counted
    /// from when it opens or its previous response ends: a silent or
    /// half-sent connection, and a keep-alive connection idle this long, is
    /// closed.
    #[arg(long, default_value_t = 10, value_name = "SECS", value_parser = seconds_parser)]
    header_read_timeout: u64,
    /// Seconds a request's body has to arrive in full, from its head; past
    /// them the request gets 408 and its connection is closed.
    #[arg(long, default_value_t = 30, value_name = "SECS", value_parser = seconds_parser)]
    body_read_timeout: u64,
    /// Connections served at once; more wait until one ends. Keep it under
    /// the process's open-file limit (`ulimit -n`).
    #[arg(long, default_value_t = 512, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// The URL clients reach this server at, when it differs from --listen
    /// (behind a reverse proxy), e.g. https://tt.example.com. Used in every
    /// OAuth metadata document. [default: http://<the listen address>]
    #[arg(long, value_name = "URL", value_parser = public_url_parser)]
    public_url: Option<String>,
    /// Test-only: fetch OAuth client metadata documents over plain http from
    /// 127.0.0.1 (a real client id is always an https URL).
    #[arg(long, hide = true)]
    oauth_allow_loopback_client_metadata: bool,
    /// Test-only: how long an OAuth access token lives, in seconds.
    #[arg(long, hide = true, default_value_t = 3600)]
    oauth_access_token_secs: i64,
    #[command(flatten)]
    exposure: ExposureArgs,
}

/// A timeout in whole seconds, at least one.
fn seconds_parser(value: &str) -> Result<u64, String> {
    match value.parse::<u64>() {
        Ok(secs) if (1..=86_400).contains(&secs) => Ok(secs),
        _ => Err("a whole number of seconds from 1 to 86400".into()),
    }
}

/// An absolute http(s) URL without query or fragment; kept without a
/// trailing slash.
fn public_url_parser(value: &str) -> Result<String, String> {
    let url = url::Url::parse(value).map_err(|err| format!("not a URL: {err}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("an http(s) URL with a host, like https://tt.example.com".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("no query or fragment".into());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// The possible values come from `Tier` itself, so `--help` lists them.
fn tier_parser() -> impl clap::builder::TypedValueParser<Value = Tier> {
    PossibleValuesParser::new(Tier::ALL.map(Tier::as_str)).try_map(|s| s.parse::<Tier>())
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let open = || Db::open(cli.database_url.as_deref());
    match cli.command {
        Command::Mcp {
            remote: Some(url),
            exposure,
        } => {
            exposure.exposure()?;
            let url = remote::with_exposure(&url, &exposure.names(), exposure.read_only)?;
            // Only a token identifies a remote user: email is never accepted
            // over HTTP.
            let token = std::env::var(TOKEN_VAR)
                .ok()
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "--remote needs {TOKEN_VAR}: a token made with `teetrack tokens create EMAIL` on that server"
                    )
                })?;
            let remote = Remote::new(&url, token.trim())?;
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(remote.check())?;
            tracing::info!(url, "bridging MCP on stdio to a remote Teetrack");
            runtime.block_on(remote::bridge_stdio(remote))?;
            Ok(())
        }
        Command::Mcp {
            remote: None,
            exposure,
        } => {
            let exposure = exposure.exposure()?;
            // The identity is read before the database is touched, and both
            // are checked before stdin is: a misconfigured client gets one
            // line on stderr and an exit code, never a half-served session.
            let identity = Identity::from_env()?;
            let db = open()?;
            let user = identity.authenticate(&db)?;
            tracing::info!(user = user.email, "serving MCP on stdio");
            let dispatcher = Arc::new(Dispatcher::new(db.clone()).with_exposure(exposure));
            // One thread serves the session (one client, one pipe each way):
            // no worker threads to start or to hand requests between. Writes
            // still go to the blocking pool (they wait on the write lock and
            // an fsync).
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            // The planner's statistics are refreshed beside the session, not
            // before its first answer (0.2–0.3 ms of a 3 ms start).
            runtime.spawn_blocking(move || refresh_statistics(&db));
            runtime.block_on(transport::stdio::serve_stdio(dispatcher, user))?;
            Ok(())
        }
        Command::Serve(args) => {
            let config = Config {
                exposure: args.exposure.exposure()?,
                listen: args.listen,
                allowed_origins: args.allowed_origins,
                max_body_bytes: args.max_body_bytes,
                rate_per_minute: args.rate_limit,
                rate_burst: args.rate_burst,
                public_url: args.public_url,
                allow_loopback_client_metadata: args.oauth_allow_loopback_client_metadata,
                access_token_secs: args.oauth_access_token_secs,
                header_read_timeout: Duration::from_secs(args.header_read_timeout),
                body_read_timeout: Duration::from_secs(args.body_read_timeout),
                max_connections: args.max_connections as usize,
                auth_failures_per_minute: args.auth_failure_limit,
                auth_failure_burst: args.auth_failure_burst,
            };
            let db = open()?;
            refresh_statistics(&db);
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                // Blocking work here is database work (and the odd DNS
                // lookup): a burst of requests (16 clients' first calls)
                // started a thread each, kept 10 s, each with its own stack
                // and allocator arena, for connections it then waited on.
                .max_blocking_threads(catalogue::db::MAX_CONNECTIONS as usize)
                .build()?
                .block_on(http::serve(config, db, http::shutdown_signal()))
        }
        Command::Users(command) => accounts::users(&open()?, command),
        Command::Tokens(command) => accounts::tokens(&open()?, command),
        Command::LoginCode { email } => accounts::login_code(&open()?, &email),
        Command::Db(DbCommand::Copy { to }) => {
            let target = catalogue::db::Location::parse(Some(&to))?;
            anyhow::ensure!(
                matches!(target, catalogue::db::Location::Postgres(_)),
                "--to takes a postgres:// URL"
            );
            let from = open()?;
            let to = Db::open(Some(&to))?;
            let copied = catalogue::db::copy::copy(&from, &to)?;
            let total: i64 = copied.iter().map(|c| c.rows).sum();
            let rows = copied
                .into_iter()
                .map(|c| vec![c.table, c.rows.to_string()]);
            accounts::table(&["TABLE", "ROWS"], rows)?;
            accounts::output(format_args!(
                "copied {total} rows into {}",
                to.location().display()
            ))
        }
        Command::Tools(ToolsCommand::List) => tools_cmd::list(),
        Command::Tools(ToolsCommand::Export { .. }) => tools_cmd::export(),
        Command::Config(args) => {
            args.exposure.exposure()?;
            tools_cmd::config(
                args.client,
                args.url,
                args.create_token,
                (args.exposure.names(), args.exposure.read_only),
                cli.database_url.as_deref(),
                open,
            )
        }
    }
}

/// A failed refresh costs plans, not answers: said, and the server goes on.
fn refresh_statistics(db: &Db) {
    if let Err(err) = db.refresh_statistics() {
        tracing::warn!(error = %format!("{err:#}"), "the planner's statistics were not refreshed");
    }
}
