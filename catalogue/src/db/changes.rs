//! Whether anything was committed to the database since the last look, by
//! this process or any other sharing the file: SQLite's `data_version`, read
//! on a connection of its own that never writes (a connection's own commits
//! do not change its `data_version`; every other connection's do).
//! PostgreSQL has no such cheap counter across instances: there, `version`
//! always answers "unknown", and every request asks the database.
//!
//! A cache of what the database said (the HTTP server's checked tokens)
//! stays valid exactly as long as this number does not change: a revocation
//! in any process is a commit, so it empties the cache before the next
//! request is answered.

use std::sync::Mutex;

use anyhow::Context as _;
use diesel::connection::SimpleConnection as _;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::{Db, Location};

/// A connection that only reads `data_version` (none on PostgreSQL).
pub struct Changes {
    conn: Option<Mutex<SqliteConnection>>,
}

impl std::fmt::Debug for Changes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Changes").finish_non_exhaustive()
    }
}

// SQLite's pragma as a table (an eponymous virtual table): a query diesel
// prepares once per connection, where `sql_query("PRAGMA …")` is prepared
// again each time.
diesel::table! {
    pragma_data_version (data_version) {
        data_version -> BigInt,
    }
}

impl Changes {
    pub fn open(db: &Db) -> anyhow::Result<Changes> {
        let Location::Sqlite(path) = db.location() else {
            return Ok(Changes { conn: None });
        };
        let mut conn = SqliteConnection::establish(&path.to_string_lossy())
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        // Never wait: a busy file reads as "unknown", and the caller asks the
        // database itself instead of trusting its cache.
        conn.batch_execute("PRAGMA busy_timeout = 0;")?;
        Ok(Changes {
            conn: Some(Mutex::new(conn)),
        })
    }

    /// A number that differs from the one read before whenever another
    /// connection committed in between; `None` when the database cannot say
    /// right now. A read of shared memory, cheap enough for every request.
    pub fn version(&self) -> Option<i64> {
        let mut conn = self
            .conn
            .as_ref()?
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        pragma_data_version::table
            .select(pragma_data_version::data_version)
            .get_result::<i64>(&mut *conn)
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_on_any_other_connection_changes_the_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let db = Db::open(Some(path.to_str().unwrap())).unwrap();
        let changes = Changes::open(&db).unwrap();
        let first = changes.version().unwrap();
        assert_eq!(changes.version(), Some(first), "nothing committed");
        db.conn()
            .unwrap()
            .batch_execute("CREATE TABLE pooled (x INTEGER)")
            .unwrap();
        let second = changes.version().unwrap();
        assert_ne!(second, first, "a commit in this process");
        // Another process's commit, through a connection opened apart.
        let mut other = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        other
            .batch_execute("INSERT INTO pooled VALUES (1)")
            .unwrap();
        assert_ne!(
            changes.version().unwrap(),
            second,
            "another connection's commit"
        );
    }
}
