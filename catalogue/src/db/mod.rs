//! The data layer: the only modules that touch `schema::*` and the diesel DSL.
//! Tools call `db::<area>::fn(conn, user, …)`; every query is scoped to that
//! user, so another user's row behaves exactly like a missing one.

pub mod changes;
pub mod clients;
pub mod common;
pub mod day_totals;
mod held;
pub mod idempotency;
pub mod invoices;
pub mod oauth;
pub mod projects;
pub mod reports;
pub mod settings;
pub mod tag_totals;
pub mod tags;
pub mod tracks;
pub mod users;
pub mod web;

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use common::write_or_preview;
pub use users::User;

/// The connection every data-layer function takes. One alias, so a second
/// backend is a change of connection type here, not of the queries.
pub type Conn = SqliteConnection;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// A pool of database connections; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager<Conn>>,
    /// Tells this database's pool from another's (see [`held`]).
    id: usize,
    /// The file, for a connection outside the pool ([`changes`]).
    url: std::sync::Arc<str>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
}

impl Db {
    /// Open the database named by `url` (`None`: the default file), creating
    /// its directory and running pending migrations.
    pub fn open(url: Option<&str>) -> anyhow::Result<Db> {
        let path = match url {
            Some(url) => sqlite_path(url)?,
            None => default_path()?,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let url = path.to_string_lossy().into_owned();
        let pool = Pool::builder()
            .max_size(8)
            // Open connections as they are needed, not eight at start-up,
            // and keep none idle in reserve: with one in reserve, every
            // checkout at start (migrations, statistics, the token) had the
            // pool open another in the background, three connections (three
            // reads of the schema) before the first request was read.
            .min_idle(Some(0))
            // A SQLite file does not drop connections; a check query per
            // checkout would double the cost of a small tool call.
            .test_on_check_out(false)
            .connection_customizer(Box::new(SqlitePragmas::default()))
            .build(ConnectionManager::<Conn>::new(&url))
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        pool.get()?
            .run_pending_migrations(MIGRATIONS)
            .map_err(|err| anyhow::anyhow!("cannot migrate {}: {err}", path.display()))?;
        // The planner needs statistics to choose between the tracks indexes
        // on a large history; `PRAGMA optimize` gathers them (ANALYZE) only
        // for tables that changed enough since the last time, bounded by
        // `analysis_limit`, so it is cheap to run at every start.
        pool.get()?
            .batch_execute(OPTIMIZE_ALL)
            .with_context(|| format!("cannot analyze {}", path.display()))?;
        static OPENED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let id = OPENED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(Db {
            pool,
            id,
            url: url.into(),
        })
    }

    /// Run blocking database work on tokio's blocking pool, never on the
    /// executor's own threads; inside a tool call, at once where the call
    /// runs (see [`held`]: [`Db::call`], [`Db::call_here`]).
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<crate::ToolError> + Send + 'static,
    {
        let work = match held::run_now(self, work) {
            Ok(done) => return done,
            Err(work) => work,
        };
        let pool = self.pool.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(|err| {
                tracing::error!(error = %err, "no database connection");
                crate::ToolError::internal("database unavailable")
            })?;
            work(&mut conn)
        })
        .await;
        joined.unwrap_or_else(|err| {
            tracing::error!(error = %err, "database task failed");
            Err(crate::ToolError::internal("database task failed").into())
        })
    }

    /// A connection for synchronous callers (the CLI).
    pub fn conn(&self) -> anyhow::Result<diesel::r2d2::PooledConnection<ConnectionManager<Conn>>> {
        Ok(self.pool.get()?)
    }
}

/// `TEETRACK_DATABASE_URL` for SQLite: a plain path or a `sqlite://` URL.
fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        anyhow::bail!("PostgreSQL is not supported by this build yet; use a SQLite file path");
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    anyhow::ensure!(!path.is_empty(), "TEETRACK_DATABASE_URL is empty");
    Ok(PathBuf::from(path))
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

/// Refresh the planner's statistics where tables changed (SQLite's own
/// `ANALYZE` scheduler; PostgreSQL's autovacuum does this by itself).
/// Run after migrations, and by each pooled connection as it closes, as
/// SQLite recommends for long-lived connections.
const OPTIMIZE: &str = "PRAGMA analysis_limit = 1000; PRAGMA optimize;";
/// At start: every table, not only those this connection read (0x10000),
/// and ANALYZE where needed (0x02).
const OPTIMIZE_ALL: &str = "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;";

/// How long a connection waits for another process's write lock.
const BUSY_TIMEOUT: &str = "PRAGMA busy_timeout = 10000;";

/// WAL and a busy timeout let Claude Code, Claude Desktop and an HTTP server
/// share one file; foreign keys are off by default in SQLite.
///
/// `synchronous = FULL`: in WAL mode every commit is fsynced to the log
/// before it returns, so a write a tool has acknowledged survives a power
/// cut or an OS crash. `NORMAL` syncs only at checkpoints: safe against a
/// killed process, but the last commits may be lost with the power.
///
/// WAL is a property of the file: the pool's first connection (opened
/// alone, by the migrations' checkout) switches it, before the pool opens
/// more. Switching
/// needs an exclusive lock, and several fresh connections racing for it fail
/// with "database is locked" rather than wait. (It used to take a connection
/// of its own, opened and closed at every start: a second read of the
/// schema, a fifth of a cold start.)
#[derive(Debug, Default)]
struct SqlitePragmas {
    wal_set: std::sync::atomic::AtomicBool,
}

impl CustomizeConnection<Conn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        use std::sync::atomic::Ordering;
        let wal = match self.wal_set.load(Ordering::Acquire) {
            true => "",
            false => "PRAGMA journal_mode = WAL;",
        };
        conn.batch_execute(&format!(
            "{BUSY_TIMEOUT} {wal} PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
        ))
        .map_err(diesel::r2d2::Error::QueryError)?;
        self.wal_set.store(true, Ordering::Release);
        Ok(())
    }

    fn on_release(&self, mut conn: Conn) {
        if let Err(err) = conn.batch_execute(OPTIMIZE) {
            tracing::warn!(error = %err, "PRAGMA optimize failed");
        }
    }
}

/// Seconds since the Unix epoch: how instants are stored.
pub(crate) fn epoch(ts: jiff::Timestamp) -> i64 {
    ts.as_second()
}

pub(crate) fn instant(secs: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// Run `work` in a write transaction. SQLite's `BEGIN IMMEDIATE` takes the
/// write lock up front, so two processes sharing the file wait for each other
/// (busy timeout) instead of failing on a lock upgrade halfway through.
pub fn write<T, E>(conn: &mut Conn, work: impl FnOnce(&mut Conn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.immediate_transaction(work)
}

#[cfg(test)]
mod tests {
    use diesel::RunQueryDsl as _;
    use diesel::sql_types::Integer;

    use super::*;

    #[derive(diesel::QueryableByName)]
    struct Synchronous {
        #[diesel(sql_type = Integer)]
        synchronous: i32,
    }

    /// An acknowledged write must survive a power cut: every pooled
    /// connection syncs each commit (FULL = 2; NORMAL, 1, would not).
    #[test]
    fn every_connection_syncs_each_commit() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(Some(dir.path().join("t.db").to_str().unwrap())).unwrap();
        let conns: Vec<_> = (0..3).map(|_| db.conn().unwrap()).collect();
        for mut conn in conns {
            let mode = diesel::sql_query("PRAGMA synchronous")
                .get_result::<Synchronous>(&mut *conn)
                .unwrap();
            assert_eq!(mode.synchronous, 2, "synchronous = FULL");
        }
    }
}
