//! The two database engines behind one connection type: SQLite (an embedded
//! file, the zero-set-up default) and PostgreSQL (a server shared by any
//! number of `teetrack serve` instances). Which one is chosen by the URL's
//! scheme, here and nowhere else.
//!
//! Queries are written once against [`Conn`] (diesel's `MultiConnection`).
//! What the two engines do differently lives in this module: opening and
//! setting up a connection, migrations, how a write transaction keeps the
//! product's invariants, and the few statements diesel cannot express for
//! both at once (`per_backend!`).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use diesel::connection::{AnsiTransactionManager, SimpleConnection as _, TransactionManager};
use diesel::r2d2::{self, ManageConnection};
use diesel::{Connection as _, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness as _, embed_migrations};

/// A connection to either engine. Every data-layer function takes `&mut Conn`.
#[derive(diesel::MultiConnection)]
pub enum Conn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// The backend of [`Conn`], for boxed queries and `check_for_backend`.
pub type Backend = multi_connection_impl::MultiBackend;

/// Runs `$body` with `$c` bound to the concrete connection inside `$conn`.
/// The body is compiled once per engine. For the statements
/// `MultiConnection` cannot express (upserts, `RETURNING`, multi-row
/// inserts), and for those on a path every call takes: through
/// `MultiConnection` a statement has its SQL built twice (to learn whether
/// it may be cached, then to bind it) before the engine's cache is asked,
/// where the engine's own connection finds a statement of static shape by
/// its type, building nothing. That building was a third of a small read.
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::Conn::Sqlite($c) => $body,
            $crate::db::Conn::Pg($c) => $body,
        }
    };
}
pub(crate) use per_backend;

/// Which engine a `TEETRACK_DATABASE_URL` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A file path (plain, `sqlite://` or `sqlite:`).
    Sqlite(PathBuf),
    /// A libpq URL, passed on as given.
    Postgres(String),
}

impl Location {
    /// `None`: the default SQLite file.
    pub fn parse(url: Option<&str>) -> anyhow::Result<Location> {
        let Some(url) = url else {
            return Ok(Location::Sqlite(default_path()?));
        };
        let url = url.trim();
        anyhow::ensure!(!url.is_empty(), "TEETRACK_DATABASE_URL is empty");
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Location::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        anyhow::ensure!(!path.is_empty(), "TEETRACK_DATABASE_URL names no file");
        Ok(Location::Sqlite(PathBuf::from(path)))
    }

    /// For messages: the file, or the server URL without its password.
    pub fn display(&self) -> String {
        match self {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres(url) => redact(url),
        }
    }

    /// A new connection, set up as the pool's are ([`Setup`]); its error
    /// is the engine's own (`MultiConnection::establish` tries each engine
    /// in turn and reports only the last).
    pub fn connect(&self) -> diesel::ConnectionResult<Conn> {
        let mut conn = self.establish()?;
        Setup::default()
            .apply(&mut conn)
            .map_err(|err| diesel::ConnectionError::BadConnection(err.to_string()))?;
        Ok(conn)
    }

    fn establish(&self) -> diesel::ConnectionResult<Conn> {
        Ok(match self {
            Location::Sqlite(path) => {
                Conn::Sqlite(SqliteConnection::establish(&path.to_string_lossy())?)
            }
            Location::Postgres(url) => Conn::Pg(PgConnection::establish(url)?),
        })
    }
}

/// A PostgreSQL URL with any password replaced by `***`.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// `$XDG_DATA_HOME/teetrack/teetrack.db`, else `~/.local/share/teetrack/teetrack.db`.
fn default_path() -> anyhow::Result<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| dirs::home_dir().map(|home| home.join(".local/share")))
        .context("cannot find a home directory; set TEETRACK_DATABASE_URL")?;
    Ok(Path::new(&base).join("teetrack").join("teetrack.db"))
}

// ------------------------------------------------------------------ pool

/// The r2d2 manager: connects to the [`Location`] (not through
/// `MultiConnection::establish`, whose error hides the real one) and sets
/// each new connection up.
#[derive(Debug)]
pub struct Manager {
    location: Location,
    setup: Setup,
}

impl Manager {
    pub fn new(location: Location) -> Manager {
        Manager {
            location,
            setup: Setup::default(),
        }
    }
}

impl ManageConnection for Manager {
    type Connection = Conn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Conn, r2d2::Error> {
        let mut conn = self
            .location
            .establish()
            .map_err(r2d2::Error::ConnectionError)?;
        self.setup
            .apply(&mut conn)
            .map_err(r2d2::Error::QueryError)?;
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        use diesel::r2d2::R2D2Connection as _;
        conn.is_broken()
    }
}

/// How long a SQLite connection waits for another process's write lock.
const BUSY_TIMEOUT: &str = "PRAGMA busy_timeout = 10000;";

/// A new connection's settings.
///
/// SQLite: WAL and a busy timeout let Claude Code, Claude Desktop and an
/// HTTP server share one file; foreign keys are off by default.
/// `synchronous = FULL`: in WAL mode every commit is fsynced to the log
/// before it returns, so a write a tool has acknowledged survives a power
/// cut or an OS crash. `NORMAL` syncs only at checkpoints: safe against a
/// killed process, but the last commits may be lost with the power.
///
/// WAL is a property of the file: the pool's first connection (opened
/// alone, by the migrations' checkout) switches it, before the pool opens
/// more. Switching needs an exclusive lock, and several fresh connections
/// racing for it fail with "database is locked" rather than wait.
///
/// PostgreSQL: its defaults already commit durably (`synchronous_commit`
/// on) and check foreign keys; a statement that waits on a lock longer than
/// SQLite's busy timeout fails the same way.
#[derive(Debug, Default)]
struct Setup {
    wal_set: std::sync::atomic::AtomicBool,
}

impl Setup {
    fn apply(&self, conn: &mut Conn) -> diesel::QueryResult<()> {
        use std::sync::atomic::Ordering;
        match conn {
            Conn::Sqlite(conn) => {
                let wal = match self.wal_set.load(Ordering::Acquire) {
                    true => "",
                    false => "PRAGMA journal_mode = WAL;",
                };
                conn.batch_execute(&format!(
                    "{BUSY_TIMEOUT} {wal} PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                ))?;
                self.wal_set.store(true, Ordering::Release);
            }
            Conn::Pg(conn) => conn.batch_execute(
                "SET lock_timeout = '10s'; SET TIME ZONE 'UTC'; SET client_min_messages = warning;",
            )?,
        }
        Ok(())
    }
}

/// Refreshes SQLite's planner statistics as each pooled connection closes,
/// as SQLite recommends for long-lived connections (PostgreSQL's
/// autovacuum does this by itself).
#[derive(Debug)]
pub(super) struct Optimize;

impl r2d2::CustomizeConnection<Conn, r2d2::Error> for Optimize {
    fn on_release(&self, mut conn: Conn) {
        if let Conn::Sqlite(conn) = &mut conn
            && let Err(err) = conn.batch_execute(OPTIMIZE)
        {
            tracing::warn!(error = %err, "PRAGMA optimize failed");
        }
    }
}

/// Refresh the planner's statistics where tables changed (SQLite's own
/// `ANALYZE` scheduler).
const OPTIMIZE: &str = "PRAGMA analysis_limit = 1000; PRAGMA optimize;";
/// [`refresh_statistics`]: every table, not only those this connection
/// read (0x10000), and ANALYZE where needed (0x02).
const OPTIMIZE_ALL: &str = "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;";

/// The planner needs statistics to choose between the tracks indexes on a
/// large history; `PRAGMA optimize` gathers them (ANALYZE) only for tables
/// that changed enough since the last time, bounded by `analysis_limit`.
/// PostgreSQL's autovacuum does this by itself.
pub(super) fn refresh_statistics(conn: &mut Conn) -> diesel::QueryResult<()> {
    match conn {
        Conn::Sqlite(conn) => conn.batch_execute(OPTIMIZE_ALL),
        Conn::Pg(_) => Ok(()),
    }
}

// ------------------------------------------------------------ migrations

/// One directory per engine, with the same versions: the schema is the
/// same, its DDL differs (identity columns, collations).
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// Advisory lock keys (PostgreSQL): the first of two `int4`s names what is
/// locked, the second which one. "tt" in ASCII, so another application's
/// locks on the same server are unlikely to collide.
const LOCK_CLASS_STARTUP: i32 = 0x7474_0001;
const LOCK_CLASS_USER: i32 = 0x7474_0002;
const LOCK_CLASS_SHARED: i32 = 0x7474_0003;

/// Pending migrations, then fresh planner statistics. On PostgreSQL,
/// instances starting together wait for each other (a session advisory
/// lock) instead of racing to create the same tables.
pub(super) fn migrate(conn: &mut Conn) -> anyhow::Result<()> {
    match conn {
        Conn::Sqlite(conn) => {
            conn.run_pending_migrations(SQLITE_MIGRATIONS)
                .map_err(|err| anyhow::anyhow!("{err}"))?;
        }
        Conn::Pg(conn) => {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({LOCK_CLASS_STARTUP}, 0)"))?;
            let migrated = conn
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|_| ())
                .map_err(|err| anyhow::anyhow!("{err}"));
            conn.batch_execute(&format!(
                "SELECT pg_advisory_unlock({LOCK_CLASS_STARTUP}, 0)"
            ))?;
            migrated?;
        }
    }
    Ok(())
}

// ----------------------------------------------------------- transactions

/// What a write transaction serialises with.
#[derive(Clone, Copy, Debug)]
pub enum Lock {
    /// Every other write of this user: the invariants of a user's data
    /// (running-timer limit, overlaps, drafts, tier limits, idempotency
    /// replays, invoice numbers, kept totals) are checked and then written
    /// in one transaction, and hold only if no other write of the same user
    /// runs in between.
    User(i32),
    /// Every other `Shared` write: writes that belong to no one user
    /// (OAuth codes and tokens, accounts, sessions). They are rare and
    /// short, and single use of a code or refresh token is checked and then
    /// spent.
    Shared,
}

/// Runs `work` in a write transaction holding `lock`, committed when it
/// returns `Ok`.
///
/// SQLite has one writer at a time: `BEGIN IMMEDIATE` takes the file's write
/// lock up front, so two processes wait for each other (busy timeout)
/// instead of failing on a lock upgrade halfway through; `lock` adds nothing.
/// PostgreSQL runs writers at once (READ COMMITTED): the transaction first
/// takes `lock` as a transaction-level advisory lock, released by its
/// commit or rollback, so writes of one user wait for each other and
/// different users' never do. Every statement after the lock sees what the
/// previous holder committed.
pub fn transaction<T, E>(
    conn: &mut Conn,
    lock: Lock,
    work: impl FnOnce(&mut Conn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let nested =
        <Conn as diesel::Connection>::TransactionManager::transaction_manager_status_mut(conn)
            .transaction_depth()?
            .is_some();
    if nested {
        // Inside a write already: its lock (and, on SQLite, the file's) is
        // held; a savepoint, as diesel nests.
        return conn.transaction(work);
    }
    match conn {
        Conn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        Conn::Pg(c) => {
            AnsiTransactionManager::begin_transaction(c)?;
            let (class, key) = match lock {
                Lock::User(id) => (LOCK_CLASS_USER, id),
                Lock::Shared => (LOCK_CLASS_SHARED, 0),
            };
            if let Err(err) =
                c.batch_execute(&format!("SELECT pg_advisory_xact_lock({class}, {key})"))
            {
                let _ = AnsiTransactionManager::rollback_transaction(c);
                return Err(err.into());
            }
        }
    }
    match work(conn) {
        Ok(value) => {
            <Conn as diesel::Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(err) => {
            <Conn as diesel::Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(err)
        }
    }
}

/// Begins a read-only transaction that sees one snapshot for all its
/// statements (a tool's several reads agree with each other). SQLite's
/// deferred `BEGIN` does that by itself; PostgreSQL needs REPEATABLE READ.
pub(super) fn begin_read(conn: &mut Conn) -> diesel::QueryResult<()> {
    match conn {
        Conn::Sqlite(c) => AnsiTransactionManager::begin_transaction(c),
        Conn::Pg(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        ),
    }
}

/// Ends what [`begin_read`] began.
pub(super) fn end_read(conn: &mut Conn) -> diesel::QueryResult<()> {
    <Conn as diesel::Connection>::TransactionManager::commit_transaction(conn)
}

pub(super) fn abandon(conn: &mut Conn) -> diesel::QueryResult<()> {
    <Conn as diesel::Connection>::TransactionManager::rollback_transaction(conn)
}

/// The newest migration's version and how many there are (`20261207100000_8`):
/// names a schema, for the tests' template databases.
pub fn schema_version() -> String {
    use diesel::migration::MigrationSource;
    let migrations =
        MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS).unwrap_or_default();
    let newest = migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .max()
        .unwrap_or_default();
    let digits: String = newest.chars().filter(char::is_ascii_digit).collect();
    format!("{digits}_{}", migrations.len())
}
