//! Request rate limits shared by every `teetrack serve` instance on one
//! PostgreSQL database (SQLite's single server keeps its own in memory).
//!
//! GCRA (the generic cell rate algorithm): one number per key, the
//! theoretical arrival time (TAT) of the next request. A request at `now` is
//! allowed when `max(tat, now) + interval - now <= burst * interval`, and
//! moves the TAT on by one interval. One upsert per request, on an UNLOGGED
//! table (no WAL, no fsync): it costs a round trip, not a durable commit.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::Conn;

#[derive(QueryableByName)]
struct Tat {
    #[diesel(sql_type = BigInt)]
    tat: i64,
}

/// A limit: `interval_ms` between requests on average, `burst` at once.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    pub interval_ms: i64,
    pub burst: i64,
}

/// Takes one request from `key`'s allowance (`take`), or only looks
/// (`!take`); `Err(ms)`: how long until one is allowed. On SQLite, always
/// allowed: it is not called there.
pub fn take(
    conn: &mut Conn,
    key: &str,
    rate: Rate,
    now_ms: i64,
    take: bool,
) -> QueryResult<Result<(), i64>> {
    let Conn::Pg(conn) = conn else {
        return Ok(Ok(()));
    };
    let window = rate.interval_ms.saturating_mul(rate.burst);
    if take {
        // The update happens only when allowed; no row back: refused.
        let moved: Option<Tat> = diesel::sql_query(
            "INSERT INTO rate_limits AS r (key, tat) VALUES ($1, $2 + $3) \
             ON CONFLICT (key) DO UPDATE SET tat = GREATEST(r.tat, $2) + $3 \
             WHERE GREATEST(r.tat, $2) + $3 - $2 <= $4 \
             RETURNING tat",
        )
        .bind::<Text, _>(key)
        .bind::<BigInt, _>(now_ms)
        .bind::<BigInt, _>(rate.interval_ms)
        .bind::<BigInt, _>(window)
        .get_result(conn)
        .optional()?;
        if moved.is_some() {
            return Ok(Ok(()));
        }
    }
    let tat: Option<Tat> = diesel::sql_query("SELECT tat FROM rate_limits WHERE key = $1")
        .bind::<Text, _>(key)
        .get_result(conn)
        .optional()?;
    let Some(Tat { tat }) = tat else {
        return Ok(Ok(()));
    };
    let over = tat.max(now_ms) + rate.interval_ms - now_ms - window;
    Ok(if over <= 0 { Ok(()) } else { Err(over) })
}

/// Forgets keys whose allowance is full again (their TAT is in the past).
pub fn prune(conn: &mut Conn, now_ms: i64) -> QueryResult<usize> {
    let Conn::Pg(conn) = conn else {
        return Ok(0);
    };
    diesel::sql_query("DELETE FROM rate_limits WHERE tat < $1")
        .bind::<BigInt, _>(now_ms)
        .execute(conn)
}
