//! The data layer: the only modules that touch `schema::*` and the diesel DSL.
//! Tools call `db::<area>::fn(conn, user, …)`; every query is scoped to that
//! user, so another user's row behaves exactly like a missing one. Which
//! engine runs them (SQLite or PostgreSQL) is [`backend`]'s concern.

mod backend;
pub mod changes;
pub mod clients;
pub mod common;
pub mod copy;
pub mod day_totals;
mod held;
pub mod idempotency;
pub mod invoices;
pub mod oauth;
pub mod projects;
pub mod rate_limits;
pub mod reports;
pub mod settings;
pub mod tag_totals;
pub mod tags;
pub mod tracks;
pub mod users;
pub mod web;

use anyhow::Context as _;
use diesel::r2d2::{Pool, PooledConnection};

pub(crate) use backend::per_backend;
pub use backend::{Backend, Conn, Location, Lock, schema_version};
pub use common::write_or_preview;
pub use users::User;

/// A pool of database connections; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<backend::Manager>,
    /// Tells this database's pool from another's (see [`held`]).
    id: usize,
    /// Where it is, for a connection outside the pool ([`changes`]).
    location: std::sync::Arc<Location>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
}

/// The most connections a `Db` opens. More threads blocked on the database
/// than this only wait for one of them: a server's blocking pool needs no
/// more (see `teetrack serve`).
pub const MAX_CONNECTIONS: u32 = 8;

impl Db {
    /// Open the database named by `url` (`None`: the default file; a
    /// `postgres://` URL: that server), creating a SQLite file's directory
    /// and running pending migrations.
    pub fn open(url: Option<&str>) -> anyhow::Result<Db> {
        let location = Location::parse(url)?;
        if let Location::Sqlite(path) = &location
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let shown = location.display();
        let pool = Pool::builder()
            .max_size(MAX_CONNECTIONS)
            // Open connections as they are needed, not eight at start-up,
            // and keep none idle in reserve: with one in reserve, every
            // checkout at start (migrations, statistics, the token) had the
            // pool open another in the background, three connections (three
            // reads of the schema) before the first request was read.
            .min_idle(Some(0))
            // A SQLite file does not drop connections: a check query per
            // checkout would double the cost of a small tool call. A
            // PostgreSQL server does (a restart, a proxy's idle timeout), and
            // libpq does not reconnect: each checkout checks (`SELECT 1`, one
            // round trip), and a dead connection is replaced, not handed out.
            .test_on_check_out(matches!(location, Location::Postgres(_)))
            .connection_customizer(Box::new(backend::Optimize))
            // The pool's timers (idle reaping, background opening) need one
            // thread, not the three it would start at once: threads cost a
            // `teetrack mcp` start time and memory.
            .thread_pool(std::sync::Arc::new(
                scheduled_thread_pool::ScheduledThreadPool::builder()
                    .num_threads(1)
                    .thread_name_pattern("r2d2-worker-{}")
                    .build(),
            ))
            .build_unchecked(backend::Manager::new(location.clone()));
        // A server that cannot be reached (or refuses us) is reported with
        // the engine's own error, at once: the pool's would be a timeout.
        if let Location::Postgres(_) = &location {
            location
                .connect()
                .with_context(|| format!("cannot open the database {shown}"))?;
        }
        // The pool's first connection runs the migrations (and, on SQLite,
        // switches the file to WAL alone).
        let mut first = pool
            .get()
            .with_context(|| format!("cannot open the database {shown}"))?;
        backend::migrate(&mut first).with_context(|| format!("cannot migrate {shown}"))?;
        drop(first);
        static OPENED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let id = OPENED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(Db {
            pool,
            id,
            location: location.into(),
        })
    }

    /// Refreshes the query planner's statistics where tables changed enough
    /// (SQLite's `PRAGMA optimize` over every table; nothing on PostgreSQL,
    /// whose autovacuum does it). A fraction of a millisecond on a small
    /// file, more after a large import: callers run it off the path of a
    /// first answer. Each connection also runs it as it closes, as SQLite
    /// advises for connections that do not live long.
    pub fn refresh_statistics(&self) -> anyhow::Result<()> {
        let mut conn = self.pool.get()?;
        backend::refresh_statistics(&mut conn).context("cannot refresh the statistics")
    }

    /// Which engine and where.
    pub fn location(&self) -> &Location {
        &self.location
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
    pub fn conn(&self) -> anyhow::Result<PooledConnection<backend::Manager>> {
        Ok(self.pool.get()?)
    }
}

/// Seconds since the Unix epoch: how instants are stored.
pub(crate) fn epoch(ts: jiff::Timestamp) -> i64 {
    ts.as_second()
}

pub(crate) fn instant(secs: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// Run `work` in a write transaction that serialises with `lock` (see
/// [`backend::transaction`]).
pub fn write<T, E>(
    conn: &mut Conn,
    lock: Lock,
    work: impl FnOnce(&mut Conn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    backend::transaction(conn, lock, work)
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
