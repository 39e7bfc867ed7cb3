//! The per-day totals of stopped tracks (`crate::day_totals`): changed in the
//! same transaction as every write to `tracks` (`retract` before a track
//! changes or goes, `apply` after it is added or changed), rebuilt from
//! `tracks` when the settings they were computed with change (`ensure`, on
//! the next report), and read by the reports (`rows`).
//!
//! A user whose rows are out of date (new, or settings changed since) has
//! nothing kept on write: `ensure` rebuilds everything before the rows are
//! read again, so keeping stale rows in step would be wasted work.

use std::collections::BTreeMap;

use diesel::prelude::*;
use jiff::civil::Date;
use rust_decimal::Decimal;

use super::common::{CHUNK, chunks, insert_chunks};
use super::{Conn, settings};
use crate::day_totals::{self as rollup, DayKey, Figures, Stopped};
use crate::schema::{day_totals, day_totals_basis, projects, tracks};
use crate::settings::Settings;
use crate::{ToolError, money};

type StoppedRow = (i64, Option<i64>, Option<i32>, bool, String, Option<String>);

/// Only stopped tracks are read (`ended_at IS NOT NULL`).
fn stopped(
    (started_at, ended_at, project_id, billable, currency, hourly_rate): StoppedRow,
) -> Stopped {
    Stopped {
        started_at,
        ended_at: ended_at.unwrap_or(started_at),
        project_id,
        billable,
        currency,
        hourly_rate,
    }
}

const STOPPED_COLUMNS: (
    tracks::started_at,
    tracks::ended_at,
    tracks::project_id,
    tracks::billable,
    tracks::currency,
    tracks::hourly_rate,
) = (
    tracks::started_at,
    tracks::ended_at,
    tracks::project_id,
    tracks::billable,
    tracks::currency,
    tracks::hourly_rate,
);

fn stored_basis(conn: &mut Conn, user_id: i32) -> QueryResult<Option<String>> {
    // Read by every write of a stopped track (see `per_backend!`).
    super::per_backend!(conn, |c| day_totals_basis::table
        .find(user_id)
        .select(day_totals_basis::basis)
        .first(c)
        .optional())
}

/// Take out what the user's tracks `ids` add (before they change or go).
pub fn retract(conn: &mut Conn, user_id: i32, ids: &[i32]) -> Result<(), ToolError> {
    change(conn, user_id, ids, true)
}

/// Add what the user's tracks `ids` add (after they are added or changed);
/// running ones add nothing until they stop.
pub fn apply(conn: &mut Conn, user_id: i32, ids: &[i32]) -> Result<(), ToolError> {
    change(conn, user_id, ids, false)
}

/// Add what a track just inserted adds, from its own figures: nothing to
/// read back (a read whose plan would follow statistics perhaps taken when
/// the history was small).
pub fn apply_new(conn: &mut Conn, user_id: i32, track: &Stopped) -> Result<(), ToolError> {
    keep(conn, user_id, false, |_| Ok(vec![track.clone()]))
}

fn change(conn: &mut Conn, user_id: i32, ids: &[i32], retract: bool) -> Result<(), ToolError> {
    if ids.is_empty() {
        return Ok(());
    }
    keep(conn, user_id, retract, |conn| {
        let mut stopped_tracks = Vec::new();
        for chunk in chunks(ids) {
            let rows: Vec<StoppedRow> = tracks::table
                .filter(tracks::user_id.eq(user_id))
                .filter(tracks::id.eq_any(chunk))
                .filter(tracks::ended_at.is_not_null())
                .select(STOPPED_COLUMNS)
                .load(conn)?;
            stopped_tracks.extend(rows.into_iter().map(stopped));
        }
        Ok(stopped_tracks)
    })
}

/// Moves the user's rows by what the tracks `read` gives add (or, with
/// `retract`, take away); nothing when the user's rows are out of date.
fn keep(
    conn: &mut Conn,
    user_id: i32,
    retract: bool,
    read: impl FnOnce(&mut Conn) -> QueryResult<Vec<Stopped>>,
) -> Result<(), ToolError> {
    let settings = settings::get(conn, user_id)?;
    let basis = rollup::basis(&settings.time_zone_name, settings.rounding);
    if stored_basis(conn, user_id)?.as_deref() != Some(basis.as_str()) {
        return Ok(());
    }
    let mut delta: BTreeMap<DayKey, Figures> = BTreeMap::new();
    for track in read(conn)? {
        let (key, figures) = rollup::contribution(&track, &settings.time_zone, settings.rounding);
        delta.entry(key).or_default().merge(&figures, false);
    }
    for (key, figures) in &delta {
        merge_row(conn, user_id, key, figures, retract)?;
    }
    Ok(())
}

/// The primary key of `key`'s row: "none" is 0 / ''.
fn row_key(key: &DayKey) -> (String, i32, bool, &str, &str) {
    (
        key.day.to_string(),
        key.project_id.unwrap_or(0),
        key.billable,
        key.currency.as_str(),
        key.hourly_rate.as_deref().unwrap_or(""),
    )
}

fn merge_row(
    conn: &mut Conn,
    user_id: i32,
    key: &DayKey,
    figures: &Figures,
    retract: bool,
) -> Result<(), ToolError> {
    let (day, project_id, billable, currency, rate) = row_key(key);
    let this = day_totals::table
        .filter(day_totals::user_id.eq(user_id))
        .filter(day_totals::day.eq(&day))
        .filter(day_totals::project_id.eq(project_id))
        .filter(day_totals::billable.eq(billable))
        .filter(day_totals::currency.eq(currency))
        .filter(day_totals::hourly_rate.eq(rate));
    // Every write of a stopped track comes here: its statements are spelt
    // per engine (see `per_backend!`).
    let found: Option<(i64, i64, i64, i64)> = super::per_backend!(conn, |c| this
        .select((
            day_totals::tracks,
            day_totals::seconds,
            day_totals::rounded_seconds,
            day_totals::amount_minor,
        ))
        .first(c)
        .optional())?;
    let mut sum = match &found {
        Some((tracks, seconds, rounded, amount)) => Figures {
            tracks: *tracks,
            seconds: *seconds,
            rounded: *rounded,
            amount: money::from_minor(*amount, currency),
        },
        None => Figures::default(),
    };
    sum.merge(figures, retract);
    if sum.tracks <= 0 {
        diesel::delete(this).execute(conn)?;
    } else if found.is_some() {
        let amount = minor(&sum, currency);
        super::per_backend!(conn, |c| diesel::update(this)
            .set((
                day_totals::tracks.eq(sum.tracks),
                day_totals::seconds.eq(sum.seconds),
                day_totals::rounded_seconds.eq(sum.rounded),
                day_totals::amount_minor.eq(amount),
            ))
            .execute(c))?;
    } else {
        diesel::insert_into(day_totals::table)
            .values(new_row(user_id, key, &sum))
            .execute(conn)?;
    }
    Ok(())
}

type NewRow = (
    diesel::dsl::Eq<day_totals::user_id, i32>,
    diesel::dsl::Eq<day_totals::day, String>,
    diesel::dsl::Eq<day_totals::project_id, i32>,
    diesel::dsl::Eq<day_totals::billable, bool>,
    diesel::dsl::Eq<day_totals::currency, String>,
    diesel::dsl::Eq<day_totals::hourly_rate, String>,
    diesel::dsl::Eq<day_totals::tracks, i64>,
    diesel::dsl::Eq<day_totals::seconds, i64>,
    diesel::dsl::Eq<day_totals::rounded_seconds, i64>,
    diesel::dsl::Eq<day_totals::amount_minor, i64>,
);

/// The largest amount a row holds, in minor units: SQL adds rows up in a
/// BIGINT, and 65,536 rows at this bound still fit. Only a rate stored
/// before rates were bounded reaches it (legal rates and durations stay
/// far below); such a row saturates, as `money::add` does, rather than fail
/// every report.
const ROW_LIMIT: i64 = i64::MAX >> 16;

/// A sum's amount in minor units (each track's amount is rounded to them).
fn minor(sum: &Figures, currency: &str) -> i64 {
    match money::to_minor(sum.amount, currency) {
        Some(minor) => minor.clamp(-ROW_LIMIT, ROW_LIMIT),
        None if sum.amount.is_sign_negative() => -ROW_LIMIT,
        None => ROW_LIMIT,
    }
}

fn new_row(user_id: i32, key: &DayKey, sum: &Figures) -> NewRow {
    let (day, project_id, billable, currency, rate) = row_key(key);
    let amount = minor(sum, currency);
    (
        day_totals::user_id.eq(user_id),
        day_totals::day.eq(day),
        day_totals::project_id.eq(project_id),
        day_totals::billable.eq(billable),
        day_totals::currency.eq(currency.to_owned()),
        day_totals::hourly_rate.eq(rate.to_owned()),
        day_totals::tracks.eq(sum.tracks),
        day_totals::seconds.eq(sum.seconds),
        day_totals::rounded_seconds.eq(sum.rounded),
        day_totals::amount_minor.eq(amount),
    )
}

/// Make the user's rows match `settings`: when they were computed under
/// other settings, or never, rebuild them from every stopped track (in one
/// write transaction, so a report never reads half a rebuild). Cheap when
/// they match: one lookup.
pub fn ensure(conn: &mut Conn, user_id: i32, settings: &Settings) -> Result<(), ToolError> {
    let basis = rollup::basis(&settings.time_zone_name, settings.rounding);
    if stored_basis(conn, user_id)?.as_deref() == Some(basis.as_str()) {
        return Ok(());
    }
    super::write(conn, super::Lock::User(user_id), |conn| {
        // Another connection may have rebuilt while this one waited.
        if stored_basis(conn, user_id)?.as_deref() == Some(basis.as_str()) {
            return Ok(());
        }
        rebuild(conn, user_id, settings, &basis)
    })
}

fn rebuild(
    conn: &mut Conn,
    user_id: i32,
    settings: &Settings,
    basis: &str,
) -> Result<(), ToolError> {
    diesel::delete(day_totals::table.filter(day_totals::user_id.eq(user_id))).execute(conn)?;
    let mut sums: BTreeMap<DayKey, Figures> = BTreeMap::new();
    // Keyset pages by id: memory stays one page plus the sums.
    let mut after = 0;
    loop {
        let page: Vec<(i32, StoppedRow)> = tracks::table
            .filter(tracks::user_id.eq(user_id))
            .filter(tracks::id.gt(after))
            .filter(tracks::ended_at.is_not_null())
            .order(tracks::id)
            .limit(CHUNK as i64)
            .select((tracks::id, STOPPED_COLUMNS))
            .load(conn)?;
        let Some((last, _)) = page.last() else { break };
        after = *last;
        for (_, row) in page {
            let (key, figures) =
                rollup::contribution(&stopped(row), &settings.time_zone, settings.rounding);
            sums.entry(key).or_default().merge(&figures, false);
        }
    }
    let rows: Vec<NewRow> = sums
        .iter()
        .map(|(key, sum)| new_row(user_id, key, sum))
        .collect();
    for chunk in insert_chunks(&rows, 10) {
        // Multi-row VALUES: spelt once per engine (see `per_backend!`).
        super::per_backend!(conn, |c| diesel::insert_into(day_totals::table)
            .values(chunk)
            .execute(c))?;
    }
    diesel::delete(day_totals_basis::table.find(user_id)).execute(conn)?;
    diesel::insert_into(day_totals_basis::table)
        .values((
            day_totals_basis::user_id.eq(user_id),
            day_totals_basis::basis.eq(basis),
        ))
        .execute(conn)?;
    Ok(())
}

/// A row as the reports read it.
#[derive(Clone, Debug, PartialEq)]
pub struct DayRow {
    pub day: Date,
    pub project_id: Option<i32>,
    pub billable: bool,
    pub currency: String,
    pub hourly_rate: Option<Decimal>,
    pub figures: Figures,
}

/// Which rows a report reads; every field narrows.
#[derive(Clone, Copy, Debug, Default)]
pub struct DayFilter {
    /// Days `[from, to)`; `None`: every day.
    pub days: Option<(Date, Date)>,
    pub project_id: Option<i32>,
    /// Only the projects of this client.
    pub client_id: Option<i32>,
    pub billable: Option<bool>,
}

/// How [`rows`] reads the rows `filter` selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Each row, by day.
    ByDay,
    /// Added up over all its days: one row per project, billable, currency
    /// and rate, dated `filter`'s first day (what a report needs of a
    /// stretch with no bucket inside it).
    Whole,
    /// Everything added up into one row of no project, currency or rate:
    /// only its tracks and seconds mean anything. What `list_tracks`'s
    /// totals need, summed without a GROUP BY (a fifth of its cost over a
    /// three-year history).
    Count,
}

/// The user's rows that `filter` selects, shaped by `shape`, summed by SQL
/// where they are added up. The caller has called [`ensure`] with the
/// settings it reports under.
pub fn rows(
    conn: &mut Conn,
    user_id: i32,
    filter: &DayFilter,
    shape: Shape,
) -> Result<Vec<DayRow>, ToolError> {
    // The same narrowing for every shape of query (their boxed types differ).
    macro_rules! narrow {
        ($query:expr) => {{
            let mut query = $query.filter(day_totals::user_id.eq(user_id));
            if let Some((from, to)) = filter.days {
                query = query
                    .filter(day_totals::day.ge(from.to_string()))
                    .filter(day_totals::day.lt(to.to_string()));
            }
            if let Some(project) = filter.project_id {
                query = query.filter(day_totals::project_id.eq(project));
            }
            if let Some(client) = filter.client_id {
                query = query.filter(
                    day_totals::project_id.eq_any(
                        projects::table
                            .filter(projects::user_id.eq(user_id))
                            .filter(projects::client_id.eq(client))
                            .select(projects::id),
                    ),
                );
            }
            if let Some(billable) = filter.billable {
                query = query.filter(day_totals::billable.eq(billable));
            }
            query
        }};
    }
    let rows: Vec<StoredRow> = match shape {
        Shape::Count => {
            // CAST: SUM of a BIGINT is NUMERIC on PostgreSQL; COALESCE: the
            // SUM of no rows is NULL.
            let total = |column: &str| {
                diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
                    "CAST(COALESCE(SUM(day_totals.{column}), 0) AS BIGINT)"
                ))
            };
            let all = day_totals::table
                .select((total("tracks"), total("seconds")))
                .into_boxed();
            let (tracks, seconds): (i64, i64) = narrow!(all).first(conn)?;
            return Ok(vec![DayRow {
                day: Date::MIN,
                project_id: None,
                billable: false,
                currency: String::new(),
                hourly_rate: None,
                figures: Figures {
                    tracks,
                    seconds,
                    ..Figures::default()
                },
            }]);
        }
        Shape::Whole => {
            // CAST: SUM of a BIGINT is NUMERIC on PostgreSQL.
            let sum = |column: &str| {
                diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
                    "CAST(SUM(day_totals.{column}) AS BIGINT)"
                ))
            };
            let first = filter
                .days
                .map_or_else(String::new, |(from, _)| from.to_string());
            let grouped = day_totals::table
                .group_by((
                    day_totals::project_id,
                    day_totals::billable,
                    day_totals::currency,
                    day_totals::hourly_rate,
                ))
                .select((
                    day_totals::project_id,
                    day_totals::billable,
                    day_totals::currency,
                    day_totals::hourly_rate,
                    sum("tracks"),
                    sum("seconds"),
                    sum("rounded_seconds"),
                    sum("amount_minor"),
                ))
                .into_boxed();
            narrow!(grouped)
                .load::<(i32, bool, String, String, i64, i64, i64, i64)>(conn)?
                .into_iter()
                .map(|(p, b, c, r, t, s, ro, a)| (first.clone(), p, b, c, r, t, s, ro, a))
                .collect()
        }
        Shape::ByDay => {
            let by_day = day_totals::table
                .order(day_totals::day)
                .select((
                    day_totals::day,
                    day_totals::project_id,
                    day_totals::billable,
                    day_totals::currency,
                    day_totals::hourly_rate,
                    day_totals::tracks,
                    day_totals::seconds,
                    day_totals::rounded_seconds,
                    day_totals::amount_minor,
                ))
                .into_boxed();
            narrow!(by_day).load(conn)?
        }
    };
    rows.into_iter()
        .map(
            |(day, project_id, billable, currency, rate, tracks, seconds, rounded, amount)| {
                let corrupt = || ToolError::internal("a per-day total is unreadable");
                Ok(DayRow {
                    day: if day.is_empty() {
                        Date::MIN
                    } else {
                        day.parse().map_err(|_| corrupt())?
                    },
                    project_id: (project_id != 0).then_some(project_id),
                    billable,
                    hourly_rate: if rate.is_empty() {
                        None
                    } else {
                        Some(rate.parse().map_err(|_| corrupt())?)
                    },
                    figures: Figures {
                        tracks,
                        seconds,
                        rounded,
                        amount: money::from_minor(amount, &currency),
                    },
                    currency,
                })
            },
        )
        .collect()
}

/// A row as stored: day, project (0: none), billable, currency, rate ('':
/// none), tracks, seconds, rounded seconds, amount in minor units.
type StoredRow = (String, i32, bool, String, String, i64, i64, i64, i64);

/// Forget the user's rows, so the next report rebuilds them: after a bulk
/// load that wrote `tracks` directly (tests, the benchmark).
pub fn invalidate(conn: &mut Conn, user_id: i32) -> QueryResult<()> {
    diesel::delete(day_totals_basis::table.find(user_id)).execute(conn)?;
    Ok(())
}
