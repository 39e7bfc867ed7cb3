//! `teetrack db copy --to postgres://…`: every row of a SQLite database into
//! an empty PostgreSQL database of the same schema, so that a freelancer who
//! started on the embedded default can move to a server.
//!
//! Generic over the tables: the source lists them (and their columns) itself,
//! so a table added by a later migration is copied without a change here.
//! Rows travel as JSON: SQLite's `json_object` makes one per row, and
//! PostgreSQL's `json_populate_recordset` turns a chunk of them back into
//! rows of the target table, each value through its column's own type (0/1
//! into BOOLEAN, text into TEXT, integers into BIGINT). One transaction on
//! the target: a copy that fails leaves it empty.

use anyhow::{Context as _, bail};
use diesel::connection::SimpleConnection as _;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::{PgConnection, SqliteConnection};

use super::{Conn, Db};

/// Rows read from SQLite and written to PostgreSQL per statement.
const CHUNK: i64 = 2_000;

/// How many rows one table had, copied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copied {
    pub table: String,
    pub rows: i64,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = BigInt)]
    at: i64,
    #[diesel(sql_type = Text)]
    row: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// Copies every row of `from` (SQLite) into `to` (PostgreSQL, migrated by
/// its `Db::open`, and empty).
pub fn copy(from: &Db, to: &Db) -> anyhow::Result<Vec<Copied>> {
    let mut source = from.conn()?;
    let mut target = to.conn()?;
    let (Conn::Sqlite(source), Conn::Pg(target)) = (&mut *source, &mut *target) else {
        bail!(
            "db copy copies a SQLite database (--database-url) into PostgreSQL (--to postgres://…)"
        );
    };
    let tables = tables_in_order(source)?;
    let users: Count =
        diesel::sql_query("SELECT COUNT(*) AS count FROM users").get_result(target)?;
    if users.count > 0 {
        bail!("the target database already has users; copy into an empty database");
    }
    // The source must not change while it is read: one read transaction
    // (a snapshot) on SQLite.
    source.batch_execute("BEGIN")?;
    let copied = target.transaction(|target| {
        let mut copied = Vec::with_capacity(tables.len());
        for table in &tables {
            let rows = copy_table(source, target, table)
                .with_context(|| format!("cannot copy the table {table}"))?;
            copied.push(Copied {
                table: table.clone(),
                rows,
            });
        }
        restart_identities(target)?;
        Ok::<_, anyhow::Error>(copied)
    });
    source.batch_execute("COMMIT")?;
    copied
}

/// The source's tables, each after those its foreign keys point to.
fn tables_in_order(source: &mut SqliteConnection) -> anyhow::Result<Vec<String>> {
    let names: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '__diesel_schema_migrations' \
         ORDER BY name",
    )
    .load(source)?;
    let mut pending: Vec<(String, Vec<String>)> = Vec::new();
    for Name { name } in names {
        let parents: Vec<Name> =
            diesel::sql_query("SELECT DISTINCT \"table\" AS name FROM pragma_foreign_key_list(?)")
                .bind::<Text, _>(&name)
                .load(source)?;
        let parents = parents
            .into_iter()
            .map(|p| p.name)
            .filter(|p| *p != name)
            .collect();
        pending.push((name, parents));
    }
    let mut ordered: Vec<String> = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let before = pending.len();
        let mut i = 0;
        while i < pending.len() {
            if pending[i].1.iter().all(|p| ordered.contains(p)) {
                ordered.push(pending.remove(i).0);
            } else {
                i += 1;
            }
        }
        if pending.len() == before {
            bail!(
                "foreign keys in a cycle among {:?}",
                pending.iter().map(|p| &p.0).collect::<Vec<_>>()
            );
        }
    }
    Ok(ordered)
}

/// `"name"`, for an identifier read from the database's own catalogue.
fn quoted(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

fn copy_table(
    source: &mut SqliteConnection,
    target: &mut PgConnection,
    table: &str,
) -> anyhow::Result<i64> {
    let columns: Vec<Name> =
        diesel::sql_query("SELECT name FROM pragma_table_info(?) ORDER BY cid")
            .bind::<Text, _>(table)
            .load(source)?;
    let pairs = columns
        .iter()
        .map(|c| format!("'{}', {}", c.name.replace('\'', "''"), quoted(&c.name)))
        .collect::<Vec<_>>()
        .join(", ");
    let list = columns
        .iter()
        .map(|c| quoted(&c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let read = format!(
        "SELECT rowid AS at, json_object({pairs}) AS row FROM {t} WHERE rowid > ? ORDER BY rowid LIMIT {CHUNK}",
        t = quoted(table)
    );
    let write = format!(
        "INSERT INTO {t} ({list}) SELECT {list} FROM json_populate_recordset(NULL::{t}, $1::json)",
        t = quoted(table)
    );
    let mut after = i64::MIN;
    let mut copied = 0;
    loop {
        let rows: Vec<JsonRow> = diesel::sql_query(&read)
            .bind::<BigInt, _>(after)
            .load(source)?;
        let Some(last) = rows.last() else { break };
        after = last.at;
        let chunk = format!(
            "[{}]",
            rows.iter()
                .map(|r| r.row.as_str())
                .collect::<Vec<_>>()
                .join(",")
        );
        copied += diesel::sql_query(&write)
            .bind::<Text, _>(chunk)
            .execute(target)? as i64;
    }
    let source_count: Count =
        diesel::sql_query(format!("SELECT COUNT(*) AS count FROM {}", quoted(table)))
            .get_result(source)?;
    if source_count.count != copied {
        bail!("read {} rows, wrote {copied}", source_count.count);
    }
    Ok(copied)
}

/// Rows came with their ids: each identity column starts again after the
/// largest copied, so the next insert does not collide with a copied row.
fn restart_identities(target: &mut PgConnection) -> anyhow::Result<()> {
    #[derive(QueryableByName)]
    struct Identity {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        column_name: String,
    }
    let identities: Vec<Identity> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name \
         FROM information_schema.columns \
         WHERE table_schema = current_schema() AND is_identity = 'YES'",
    )
    .load(target)?;
    for Identity {
        table_name,
        column_name,
    } in identities
    {
        target.batch_execute(&format!(
            "SELECT setval(pg_get_serial_sequence('{t}', '{c}'), \
             GREATEST(COALESCE(MAX({qc}), 0), 1), MAX({qc}) IS NOT NULL) FROM {qt}",
            t = table_name.replace('\'', "''"),
            c = column_name.replace('\'', "''"),
            qc = quoted(&column_name),
            qt = quoted(&table_name),
        ))?;
    }
    Ok(())
}
