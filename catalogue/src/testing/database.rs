//! A database of a test's own, on the engine the run asks for.
//!
//! By default a SQLite file in a temporary directory. With
//! `TEETRACK_TEST_POSTGRES` set to a server's URL (`postgres://postgres@127.0.0.1:5432`,
//! as `scripts/test` sets it), a fresh PostgreSQL database per test, copied
//! from a migrated template (`CREATE DATABASE … TEMPLATE`, a file copy on
//! the server: far cheaper than migrating each one), dropped when the test
//! ends.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use diesel::connection::SimpleConnection as _;
use diesel::prelude::*;

/// The environment variable that switches the tests to PostgreSQL.
pub const POSTGRES_ENV: &str = "TEETRACK_TEST_POSTGRES";

/// Drops its database (or deletes its file) when dropped.
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// The file's directory, deleted when dropped.
    Sqlite {
        _dir: tempfile::TempDir,
    },
    Postgres {
        name: String,
    },
}

/// The session advisory lock test processes take to make the template one
/// at a time (any number they all agree on: "ttmp" in ASCII).
const TEMPLATE_LOCK: i64 = 0x7474_6d70;

impl Default for TestDatabase {
    fn default() -> Self {
        TestDatabase::new()
    }
}

impl TestDatabase {
    /// On the run's engine.
    pub fn new() -> TestDatabase {
        match postgres_server() {
            None => TestDatabase::sqlite(),
            Some(server) => TestDatabase::postgres_on(server),
        }
    }

    /// On PostgreSQL, or `None` when the run has no server.
    pub fn postgres() -> Option<TestDatabase> {
        postgres_server().map(TestDatabase::postgres_on)
    }

    /// A SQLite file, whatever the run's engine.
    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = dir
            .path()
            .join("teetrack.db")
            .to_str()
            .expect("utf-8 path")
            .to_owned();
        TestDatabase {
            url,
            kind: Kind::Sqlite { _dir: dir },
        }
    }

    fn postgres_on(server: &str) -> TestDatabase {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "teetrack_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        // Before `admin`: making the template takes the same connection.
        let template = template(server);
        // One statement per call: several in one string would run as one
        // transaction, which CREATE DATABASE refuses.
        admin(server, |conn| {
            conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))?;
            conn.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
        })
        .unwrap_or_else(|err| panic!("cannot create the test database {name}: {err}"));
        TestDatabase {
            url: database_url(server, &name),
            kind: Kind::Postgres { name },
        }
    }

    /// What `TEETRACK_DATABASE_URL` (or `Db::open`) takes.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.kind, Kind::Postgres { .. })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let (Kind::Postgres { name }, Some(server)) = (&self.kind, postgres_server()) {
            // FORCE: a pool or a spawned server may still hold connections.
            let dropped = admin(server, |conn| {
                conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            });
            if let Err(err) = dropped {
                eprintln!("cannot drop the test database {name}: {err}");
            }
        }
    }
}

/// `TEETRACK_TEST_POSTGRES`, once per process.
pub fn postgres_server() -> Option<&'static str> {
    static SERVER: OnceLock<Option<String>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            std::env::var(POSTGRES_ENV)
                .ok()
                .map(|url| url.trim().trim_end_matches('/').to_owned())
                .filter(|url| !url.is_empty())
        })
        .as_deref()
}

/// `server` with `/name` as its database.
fn database_url(server: &str, name: &str) -> String {
    let mut url = url::Url::parse(server)
        .unwrap_or_else(|err| panic!("{POSTGRES_ENV}={server:?} is not a URL: {err}"));
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// Runs `work` on one shared connection to the server's `postgres` database.
fn admin<T>(
    server: &str,
    work: impl FnOnce(&mut PgConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    static ADMIN: OnceLock<Mutex<PgConnection>> = OnceLock::new();
    let conn = ADMIN.get_or_init(|| {
        let url = database_url(server, "postgres");
        Mutex::new(PgConnection::establish(&url).unwrap_or_else(|err| {
            panic!(
                "{POSTGRES_ENV} is set, but its server cannot be reached ({err}): \
                 start PostgreSQL, or unset {POSTGRES_ENV} to test on SQLite only"
            )
        }))
    });
    let mut conn = conn.lock().unwrap_or_else(|e| e.into_inner());
    work(&mut conn)
}

/// The migrated template, made once per schema (its name carries the
/// migrations' versions); processes making it at once wait for each other.
fn template(server: &str) -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("teetrack_template_{}", crate::db::schema_version());
        let made = admin(server, |conn| {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})"))?;
            let made = make_template(server, conn, &name);
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})"))?;
            made
        });
        made.unwrap_or_else(|err| panic!("cannot make the template database {name}: {err}"));
        name
    })
}

fn make_template(server: &str, conn: &mut PgConnection, name: &str) -> QueryResult<()> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    let exists = diesel::sql_query("SELECT COUNT(*) AS count FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result::<Found>(conn)?
        .count
        > 0;
    if exists {
        return Ok(());
    }
    let building = format!("{name}_building");
    conn.batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))?;
    conn.batch_execute(&format!("CREATE DATABASE {building}"))?;
    let db = crate::Db::open(Some(&database_url(server, &building)))
        .map_err(|err| diesel::result::Error::QueryBuilderError(err.to_string().into()))?;
    drop(db);
    // Renamed only once complete: a half-migrated template is never used.
    conn.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
}
