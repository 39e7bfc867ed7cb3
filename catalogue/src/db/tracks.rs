//! Tracks (time entries). A running timer is a track without an end.

use std::collections::HashMap;

use diesel::prelude::*;
use jiff::Timestamp;
use rust_decimal::Decimal;

use super::common::{chunks, insert_chunks};
use super::{Conn, day_totals, epoch, instant, tag_totals};
use crate::reference::Named;
use crate::schema::{invoice_tracks, projects, tags, track_tags, tracks};
use crate::settings::{OverlapPolicy, Settings};
use crate::time::Range;
use crate::tracking::{Billing, Brief, Resolved};
pub use crate::tracking::{Track, TrackFields};
use crate::{ErrorCode, ToolError, money};

/// A track to insert; its rate and currency already resolved.
#[derive(Clone, Debug)]
pub struct NewTrack {
    pub description: String,
    pub project_id: Option<i32>,
    pub tag_ids: Vec<i32>,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub billable: bool,
    pub hourly_rate: Option<Decimal>,
    pub currency: String,
    pub idempotency_key: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = tracks, check_for_backend(crate::db::Backend))]
struct Row {
    id: i32,
    project_id: Option<i32>,
    description: String,
    started_at: i64,
    ended_at: Option<i64>,
    billable: bool,
    hourly_rate: Option<String>,
    currency: String,
}

pub type Scoped = tracks::BoxedQuery<'static, crate::db::Backend>;

fn mine(user_id: i32) -> Scoped {
    tracks::table
        .filter(tracks::user_id.eq(user_id))
        .into_boxed()
}

/// Rows with their project names and tags, in the order given.
fn hydrate(conn: &mut Conn, rows: Vec<Row>) -> QueryResult<Vec<Track>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut project_ids: Vec<i32> = rows.iter().filter_map(|r| r.project_id).collect();
    project_ids.sort_unstable();
    project_ids.dedup();
    // One id (a running timer, one track) is the common case: `= ?` is a
    // statement SQLite keeps prepared, where an `IN (…)` list is prepared
    // again on every call (its length varies), at ten times the cost.
    let mut project_names: HashMap<i32, String> = HashMap::new();
    for chunk in chunks(&project_ids) {
        let named = projects::table.select((projects::id, projects::name));
        project_names.extend(match chunk {
            [one] => {
                super::per_backend!(conn, |c| named
                    .filter(projects::id.eq(one))
                    .load::<(i32, String)>(c))?
            }
            _ => named
                .filter(projects::id.eq_any(chunk))
                .load::<(i32, String)>(conn)?,
        });
    }
    let mut tags_of: HashMap<i32, Vec<Named>> = HashMap::new();
    for chunk in chunks(&ids) {
        let tagged = track_tags::table
            .inner_join(tags::table)
            .order((track_tags::track_id, tags::name))
            .select((track_tags::track_id, tags::id, tags::name));
        let rows = match chunk {
            [one] => super::per_backend!(conn, |c| tagged
                .filter(track_tags::track_id.eq(one))
                .load::<(i32, i32, String)>(c))?,
            _ => tagged
                .filter(track_tags::track_id.eq_any(chunk))
                .load::<(i32, i32, String)>(conn)?,
        };
        for (track_id, id, name) in rows {
            tags_of
                .entry(track_id)
                .or_default()
                .push(Named { id, name });
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| Track {
            id: row.id,
            project: row.project_id.and_then(|id| {
                project_names.get(&id).map(|name| Named {
                    id,
                    name: name.clone(),
                })
            }),
            tags: tags_of.remove(&row.id).unwrap_or_default(),
            description: row.description,
            started_at: instant(row.started_at),
            ended_at: row.ended_at.map(instant),
            billable: row.billable,
            hourly_rate: row.hourly_rate.and_then(|r| r.parse().ok()),
            currency: row.currency,
        })
        .collect())
}

pub fn get(conn: &mut Conn, user_id: i32, id: i32) -> Result<Track, ToolError> {
    // Every write of one track answers with it: spelt per engine (see
    // `per_backend!`).
    let row = super::per_backend!(conn, |c| mine_row(user_id, id)
        .select(Row::as_select())
        .first(c)
        .optional())?;
    let row = row.ok_or_else(|| ToolError::not_found("track", format!("with id {id}")))?;
    Ok(hydrate(conn, vec![row])?.remove(0))
}

/// The user's running timers, oldest first.
pub fn running(conn: &mut Conn, user_id: i32) -> Result<Vec<Track>, ToolError> {
    // What every timer call and `get_context` read first: the unboxed
    // query, spelt per engine (see `per_backend!`).
    let mut rows: Vec<Row> = super::per_backend!(conn, |c| running_rows(user_id)
        .select(Row::as_select())
        .load(c))?;
    rows.sort_unstable_by_key(|r| (r.started_at, r.id));
    Ok(hydrate(conn, rows)?)
}

/// The user's running tracks: an equality lookup on `(user_id, ended_at)`
/// (`tracks_user_end`), however long the history and whatever its shape
/// (the partial index `tracks_running` tells the planner how few rows
/// `ended_at IS NULL` picks out). Unordered on purpose: an
/// `ORDER BY started_at` tempts the planner into walking the
/// `(user_id, started_at)` index over every track; the few running ones are
/// sorted in memory instead.
fn running_query(user_id: i32) -> Scoped {
    running_rows(user_id).into_boxed()
}

/// [`running_query`] unboxed: its shape is static, so SQLite's statement
/// cache finds it by type.
fn running_rows(
    user_id: i32,
) -> diesel::dsl::Filter<
    diesel::dsl::Filter<tracks::table, diesel::dsl::Eq<tracks::user_id, i32>>,
    diesel::dsl::IsNull<tracks::ended_at>,
> {
    tracks::table
        .filter(tracks::user_id.eq(user_id))
        .filter(tracks::ended_at.is_null())
}

/// The user's stopped tracks that overlap `[from, to)`: `ended_at > from`
/// is a range on `(user_id, ended_at)` that ends at the newest track, so a
/// check near now reads only the tracks it finds.
fn stopped_overlapping_query(user_id: i32, from: i64, to: i64) -> Scoped {
    mine(user_id)
        .filter(tracks::ended_at.gt(from))
        .filter(tracks::started_at.lt(to))
}

pub fn by_idempotency_key(
    conn: &mut Conn,
    user_id: i32,
    key: &str,
) -> Result<Option<Track>, ToolError> {
    let row = mine(user_id)
        .filter(tracks::idempotency_key.eq(key))
        .select(Row::as_select())
        .first(conn)
        .optional()?;
    Ok(match row {
        Some(row) => Some(hydrate(conn, vec![row])?.remove(0)),
        None => None,
    })
}

pub fn insert(
    conn: &mut Conn,
    user_id: i32,
    new: &NewTrack,
    now: Timestamp,
) -> Result<i32, ToolError> {
    // Every logged track and started timer (see `per_backend!`).
    let id: i32 = super::per_backend!(conn, |c| diesel::insert_into(tracks::table)
        .values((
            tracks::user_id.eq(user_id),
            tracks::project_id.eq(new.project_id),
            tracks::description.eq(&new.description),
            tracks::started_at.eq(epoch(new.started_at)),
            tracks::ended_at.eq(new.ended_at.map(epoch)),
            tracks::billable.eq(new.billable),
            tracks::hourly_rate.eq(new.hourly_rate.map(|r| r.to_string())),
            tracks::currency.eq(&new.currency),
            tracks::idempotency_key.eq(&new.idempotency_key),
            tracks::created_at.eq(epoch(now)),
            tracks::updated_at.eq(epoch(now)),
        ))
        .returning(tracks::id)
        .get_result(c))?;
    add_tags(conn, id, &new.tag_ids)?;
    // Running, it adds nothing to the totals until it stops.
    if let Some(ended_at) = new.ended_at {
        let (started_at, ended_at) = (epoch(new.started_at), epoch(ended_at));
        let stopped = crate::day_totals::Stopped {
            started_at,
            ended_at,
            project_id: new.project_id,
            billable: new.billable,
            currency: new.currency.clone(),
            hourly_rate: new.hourly_rate.map(|r| r.to_string()),
        };
        day_totals::apply_new(conn, user_id, &stopped)?;
        tag_totals::apply_new(conn, &new.tag_ids, started_at, ended_at)?;
    }
    Ok(id)
}

/// Take out of the kept totals (per day, per tag) what the user's tracks
/// `ids` add, before they change or go.
fn retract(conn: &mut Conn, user_id: i32, ids: &[i32]) -> Result<(), ToolError> {
    day_totals::retract(conn, user_id, ids)?;
    Ok(tag_totals::retract(conn, user_id, ids)?)
}

/// Add to the kept totals what the user's tracks `ids` add, after they are
/// added or changed.
fn apply(conn: &mut Conn, user_id: i32, ids: &[i32]) -> Result<(), ToolError> {
    day_totals::apply(conn, user_id, ids)?;
    Ok(tag_totals::apply(conn, user_id, ids)?)
}

fn set_tags(conn: &mut Conn, track_id: i32, tag_ids: &[i32]) -> QueryResult<()> {
    diesel::delete(track_tags::table.filter(track_tags::track_id.eq(track_id))).execute(conn)?;
    add_tags(conn, track_id, tag_ids)
}

fn add_tags(conn: &mut Conn, track_id: i32, tag_ids: &[i32]) -> QueryResult<()> {
    let rows: Vec<_> = tag_ids
        .iter()
        .map(|tag| {
            (
                track_tags::track_id.eq(track_id),
                track_tags::tag_id.eq(*tag),
            )
        })
        .collect();
    for rows in insert_chunks(&rows, 2) {
        // Multi-row VALUES: spelt once per engine (see `per_backend!`).
        super::per_backend!(conn, |c| diesel::insert_into(track_tags::table)
            .values(rows)
            .execute(c))?;
    }
    Ok(())
}

pub fn update(
    conn: &mut Conn,
    user_id: i32,
    id: i32,
    fields: &TrackFields,
    now: Timestamp,
) -> Result<(), ToolError> {
    update_all(conn, user_id, &[(id, fields)], now)
}

/// Save each `(id, fields)`; the per-day totals are moved once for all of
/// them (a bulk change of 40,000 tracks reads each track twice, not each
/// day's row 80,000 times).
pub fn update_all(
    conn: &mut Conn,
    user_id: i32,
    changes: &[(i32, &TrackFields)],
    now: Timestamp,
) -> Result<(), ToolError> {
    let ids: Vec<i32> = changes.iter().map(|(id, _)| *id).collect();
    retract(conn, user_id, &ids)?;
    for (id, fields) in changes {
        let updated = diesel::update(mine_row(user_id, *id))
            .set((
                tracks::description.eq(&fields.description),
                tracks::project_id.eq(fields.project_id),
                tracks::started_at.eq(epoch(fields.started_at)),
                tracks::ended_at.eq(fields.ended_at.map(epoch)),
                tracks::billable.eq(fields.billable),
                tracks::hourly_rate.eq(fields.hourly_rate.map(|r| r.to_string())),
                tracks::currency.eq(&fields.currency),
                tracks::updated_at.eq(epoch(now)),
            ))
            .execute(conn)?;
        if updated == 0 {
            return Err(ToolError::not_found("track", format!("with id {id}")));
        }
        set_tags(conn, *id, &fields.tag_ids)?;
    }
    apply(conn, user_id, &ids)?;
    Ok(())
}

pub fn stop(
    conn: &mut Conn,
    user_id: i32,
    id: i32,
    end: Timestamp,
    now: Timestamp,
) -> Result<(), ToolError> {
    retract(conn, user_id, &[id])?;
    diesel::update(mine_row(user_id, id))
        .set((
            tracks::ended_at.eq(epoch(end)),
            tracks::updated_at.eq(epoch(now)),
        ))
        .execute(conn)?;
    apply(conn, user_id, &[id])?;
    Ok(())
}

fn mine_row(
    user_id: i32,
    id: i32,
) -> diesel::dsl::Filter<
    diesel::dsl::Filter<tracks::table, diesel::dsl::Eq<tracks::user_id, i32>>,
    diesel::dsl::Eq<tracks::id, i32>,
> {
    tracks::table
        .filter(tracks::user_id.eq(user_id))
        .filter(tracks::id.eq(id))
}

pub fn delete(conn: &mut Conn, user_id: i32, id: i32) -> Result<(), ToolError> {
    if delete_all(conn, user_id, &[id])? == 0 {
        return Err(ToolError::not_found("track", format!("with id {id}")));
    }
    Ok(())
}

/// Delete the user's tracks among `ids`; the caller has refused invoiced
/// ones. A void invoice keeps its lines but lets go of the tracks it listed.
pub fn delete_all(conn: &mut Conn, user_id: i32, ids: &[i32]) -> Result<usize, ToolError> {
    let mut deleted = 0;
    for chunk in chunks(ids) {
        let mine: Vec<i32> = mine(user_id)
            .filter(tracks::id.eq_any(chunk))
            .select(tracks::id)
            .load(conn)?;
        retract(conn, user_id, &mine)?;
        diesel::delete(
            invoice_tracks::table
                .filter(invoice_tracks::track_id.eq_any(&mine))
                .filter(invoice_tracks::active.eq(false)),
        )
        .execute(conn)?;
        diesel::delete(track_tags::table.filter(track_tags::track_id.eq_any(&mine)))
            .execute(conn)?;
        deleted += diesel::delete(tracks::table.filter(tracks::id.eq_any(&mine))).execute(conn)?;
    }
    Ok(deleted)
}

/// Ids of the user's tracks that overlap `[start, end)`; running tracks reach
/// up to `now`, and an open `end` means the new track is itself running.
pub fn overlapping(
    conn: &mut Conn,
    user_id: i32,
    start: Timestamp,
    end: Option<Timestamp>,
    exclude: Option<i32>,
    now: Timestamp,
) -> Result<Vec<i32>, ToolError> {
    let from = epoch(start);
    let to = epoch(end.unwrap_or(Timestamp::MAX));
    // Two index lookups rather than one `ended_at > ? OR ended_at IS NULL`,
    // which no single index range serves.
    let mut found: Vec<(i64, i32)> = stopped_overlapping_query(user_id, from, to)
        .select((tracks::started_at, tracks::id))
        .load(conn)?;
    if now > start {
        found.extend(
            running_query(user_id)
                .select((tracks::started_at, tracks::id))
                .load::<(i64, i32)>(conn)?
                .into_iter()
                .filter(|(started, _)| *started < to),
        );
    }
    found.retain(|(_, id)| Some(*id) != exclude);
    found.sort_unstable();
    Ok(found.into_iter().map(|(_, id)| id).collect())
}

/// Which part of time a filter reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span {
    /// Tracks that start in the range (a track belongs to the day it starts).
    Starts(Range),
    /// Tracks with any time in the range; running ones reach up to now.
    Overlaps(Range),
}

/// Which tracks a list, a bulk change or a report reads; every field narrows.
#[derive(Clone, Debug, Default)]
pub struct TrackFilter {
    pub span: Option<Span>,
    pub project_id: Option<i32>,
    /// Only tracks without a project.
    pub no_project: bool,
    /// Only tracks of this client's projects.
    pub client_id: Option<i32>,
    pub tag_id: Option<i32>,
    pub billable: Option<bool>,
    /// Only running (true) or stopped (false) tracks.
    pub running: Option<bool>,
    /// Case-insensitive substring of the description.
    pub search: Option<String>,
}

/// The user's tracks that `filter` selects. The one place that turns a
/// filter into SQL: reports select from this too.
/// Narrows a boxed query over `tracks` (alone, or joined with more tables)
/// to the tracks `filter` selects: the one track filter, for `list_tracks`
/// here and the exports in `db::reports`. A macro, not a function, because
/// each query's type differs; a subquery of ids instead would not box
/// through the connection of both engines.
macro_rules! narrow_tracks {
    ($query:expr, $filter:expr, $now:expr) => {{
        let mut query = $query;
        let (filter, now): (&$crate::db::tracks::TrackFilter, jiff::Timestamp) = ($filter, $now);
        match filter.span {
            Some($crate::db::tracks::Span::Starts(range)) => {
                query = query
                    .filter($crate::schema::tracks::started_at.ge($crate::db::epoch(range.from)))
                    .filter($crate::schema::tracks::started_at.lt($crate::db::epoch(range.to)));
            }
            Some($crate::db::tracks::Span::Overlaps(range)) => {
                query = query
                    .filter($crate::schema::tracks::started_at.lt($crate::db::epoch(range.to)));
                query = if now > range.from {
                    query.filter(
                        $crate::schema::tracks::ended_at
                            .gt($crate::db::epoch(range.from))
                            .or($crate::schema::tracks::ended_at.is_null()),
                    )
                } else {
                    query.filter($crate::schema::tracks::ended_at.gt($crate::db::epoch(range.from)))
                };
            }
            None => {}
        }
        if let Some(client) = filter.client_id {
            query = query.filter(
                $crate::schema::tracks::project_id.eq_any(
                    // An alias: the query may join `projects` already.
                    $crate::db::tracks::CLIENT_PROJECTS
                        .filter(
                            $crate::db::tracks::CLIENT_PROJECTS
                                .field($crate::schema::projects::client_id)
                                .eq(client),
                        )
                        .select(
                            $crate::db::tracks::CLIENT_PROJECTS.field($crate::schema::projects::id),
                        )
                        .nullable(),
                ),
            );
        }
        if let Some(project) = filter.project_id {
            query = query.filter($crate::schema::tracks::project_id.eq(project));
        }
        if filter.no_project {
            query = query.filter($crate::schema::tracks::project_id.is_null());
        }
        if let Some(tag) = filter.tag_id {
            query = query.filter(
                $crate::schema::tracks::id.eq_any(
                    $crate::schema::track_tags::table
                        .filter($crate::schema::track_tags::tag_id.eq(tag))
                        .select($crate::schema::track_tags::track_id),
                ),
            );
        }
        if let Some(billable) = filter.billable {
            query = query.filter($crate::schema::tracks::billable.eq(billable));
        }
        match filter.running {
            Some(true) => query = query.filter($crate::schema::tracks::ended_at.is_null()),
            Some(false) => query = query.filter($crate::schema::tracks::ended_at.is_not_null()),
            None => {}
        }
        if let Some(search) = &filter.search {
            let escaped = search
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            query = query.filter(
                $crate::db::common::lower($crate::schema::tracks::description)
                    .like(format!("%{escaped}%"))
                    .escape('\\'),
            );
        }
        query
    }};
}
pub(crate) use narrow_tracks;

diesel::alias!(projects as client_projects: ClientProjects);
pub(crate) const CLIENT_PROJECTS: diesel::query_source::Alias<ClientProjects> = client_projects;

pub fn filtered(user_id: i32, filter: &TrackFilter, now: Timestamp) -> Scoped {
    narrow_tracks!(mine(user_id), filter, now)
}

/// A page of the filtered tracks, newest first, after the keyset `after`
/// (`(started_at, id)` of the previous page's last track).
pub struct Page {
    pub tracks: Vec<Track>,
    pub more: bool,
}

/// One page: its cost follows the page, not the history (totals are apart,
/// in [`totals`], for callers that ask).
pub fn list(
    conn: &mut Conn,
    user_id: i32,
    filter: &TrackFilter,
    limit: i64,
    after: Option<(i64, i32)>,
    now: Timestamp,
) -> Result<Page, ToolError> {
    let mut rows: Vec<Row> = page_query(user_id, filter, limit, after, now)
        .select(Row::as_select())
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok(Page {
        tracks: hydrate(conn, rows)?,
        more,
    })
}

/// How many tracks `filter` selects and their seconds (running ones up to
/// `now`), added up in SQL: stopped tracks in one aggregate, the few running
/// ones read by the running-timer index.
pub fn totals(
    conn: &mut Conn,
    user_id: i32,
    filter: &TrackFilter,
    now: Timestamp,
) -> Result<(i64, i64), ToolError> {
    let (count, seconds): (i64, Option<i64>) = filtered(user_id, filter, now)
        .filter(tracks::ended_at.is_not_null())
        .select((
            diesel::dsl::count_star(),
            // CAST: SUM of a BIGINT is NUMERIC on PostgreSQL.
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
                "CAST(SUM(tracks.ended_at - tracks.started_at) AS BIGINT)",
            ),
        ))
        .first(conn)?;
    let running: Vec<i64> = if filter.running == Some(false) {
        Vec::new()
    } else {
        filtered(user_id, filter, now)
            .filter(tracks::ended_at.is_null())
            .select(tracks::started_at)
            .load(conn)?
    };
    let running_seconds: i64 = running.iter().map(|s| (epoch(now) - s).max(0)).sum();
    Ok((
        count + running.len() as i64,
        seconds.unwrap_or(0) + running_seconds,
    ))
}

/// One page of [`list`], newest first. The keyset condition is written as
/// `started_at <= ? AND (started_at < ? OR id < ?)`: its first half is a range
/// on `(user_id, started_at)`, so a deep page starts where the cursor points
/// instead of reading every newer track (row values `(started_at, id) < (?, ?)`
/// would do too, but diesel's DSL has none).
fn page_query(
    user_id: i32,
    filter: &TrackFilter,
    limit: i64,
    after: Option<(i64, i32)>,
    now: Timestamp,
) -> Scoped {
    let mut query = filtered(user_id, filter, now);
    if let Some((started, id)) = after {
        query = query
            .filter(tracks::started_at.le(started))
            .filter(tracks::started_at.lt(started).or(tracks::id.lt(id)));
    }
    query
        .order((tracks::started_at.desc(), tracks::id.desc()))
        .limit(limit + 1)
}

/// The user's tracks among `ids`, earliest first. Ids that are not the
/// user's are simply absent: the caller reports them as `not_found`.
pub fn by_ids(conn: &mut Conn, user_id: i32, ids: &[i32]) -> Result<Vec<Track>, ToolError> {
    let mut rows: Vec<Row> = Vec::new();
    for chunk in chunks(ids) {
        rows.extend(
            mine(user_id)
                .filter(tracks::id.eq_any(chunk))
                .select(Row::as_select())
                .load(conn)?,
        );
    }
    rows.sort_unstable_by_key(|r| (r.started_at, r.id));
    rows.dedup_by_key(|r| r.id);
    Ok(hydrate(conn, rows)?)
}

/// How many tracks match `filter`.
pub fn count(
    conn: &mut Conn,
    user_id: i32,
    filter: &TrackFilter,
    now: Timestamp,
) -> Result<i64, ToolError> {
    Ok(filtered(user_id, filter, now).count().get_result(conn)?)
}

/// Every track matching `filter`, earliest first. Unbounded: callers check
/// [`count`] against their cap first.
pub fn matching(
    conn: &mut Conn,
    user_id: i32,
    filter: &TrackFilter,
    now: Timestamp,
) -> Result<Vec<Track>, ToolError> {
    let rows = filtered(user_id, filter, now)
        .order((tracks::started_at, tracks::id))
        .select(Row::as_select())
        .load(conn)?;
    Ok(hydrate(conn, rows)?)
}

/// Tracks that reach into `range`: started before its end and not ended by
/// its start, earliest first, briefly. A running track reaches up to `now`,
/// so it reaches into a range only if `now` is past the range's start. Two
/// index lookups, as in [`overlapping`]: stopped tracks by `ended_at > from`
/// on `(user_id, ended_at)`, running ones by the same index's `NULL`s.
pub fn spanning(
    conn: &mut Conn,
    user_id: i32,
    range: Range,
    now: Timestamp,
) -> Result<Vec<Brief>, ToolError> {
    type BriefRow = (i32, i64, Option<i64>, bool, Option<i32>);
    // Every column is in `tracks(user_id, ended_at, …)`: no table reads.
    let columns = (
        tracks::id,
        tracks::started_at,
        tracks::ended_at,
        tracks::billable,
        tracks::project_id,
    );
    let (from, to) = (epoch(range.from), epoch(range.to));
    let mut rows: Vec<BriefRow> = stopped_overlapping_query(user_id, from, to)
        .select(columns)
        .load(conn)?;
    if now > range.from {
        rows.extend(
            running_query(user_id)
                .filter(tracks::started_at.lt(to))
                .select(columns)
                .load::<BriefRow>(conn)?,
        );
    }
    rows.sort_unstable_by_key(|row| (row.1, row.0));
    Ok(rows
        .into_iter()
        .map(|(id, started, ended, billable, project_id)| Brief {
            id,
            started_at: instant(started),
            ended_at: ended.map(instant),
            billable,
            has_project: project_id.is_some(),
        })
        .collect())
}

/// `(track id, invoice id)` of those of `ids` that are on a non-void invoice,
/// by track id.
pub fn invoiced(conn: &mut Conn, user_id: i32, ids: &[i32]) -> Result<Vec<(i32, i32)>, ToolError> {
    let mut out: Vec<(i32, i32)> = Vec::new();
    for chunk in chunks(ids) {
        out.extend(
            invoice_tracks::table
                .inner_join(tracks::table)
                .filter(tracks::user_id.eq(user_id))
                .filter(invoice_tracks::track_id.eq_any(chunk))
                .filter(invoice_tracks::active.eq(true))
                .select((invoice_tracks::track_id, invoice_tracks::invoice_id))
                .load::<(i32, i32)>(conn)?,
        );
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Refuse to change tracks that are on a non-void invoice (`track_invoiced`).
pub fn ensure_not_invoiced(conn: &mut Conn, user_id: i32, ids: &[i32]) -> Result<(), ToolError> {
    let locked = invoiced(conn, user_id, ids)?;
    if locked.is_empty() {
        return Ok(());
    }
    Err(ToolError::new(ErrorCode::TrackInvoiced, format!("{} track(s) are on an invoice and cannot change", locked.len()))
        .hint("void the invoice with set_invoice_status, or delete it while it is a draft, to free its tracks")
        .detail("track_ids", locked.iter().map(|(t, _)| *t).collect::<Vec<_>>())
        .detail("invoice_ids", {
            let mut ids: Vec<i32> = locked.iter().map(|(_, i)| *i).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        }))
}

/// Project, tags, billable flag, rate and currency for saving, as
/// [`Resolved`] describes.
pub fn resolve_billing(
    conn: &mut Conn,
    user_id: i32,
    settings: &Settings,
    billing: &Billing,
) -> Result<Resolved, ToolError> {
    let project = billing
        .project
        .as_ref()
        .map(|p| super::projects::resolve(conn, user_id, p))
        .transpose()?;
    let tags = super::tags::resolve_all(conn, user_id, &billing.tags)?;
    let override_rate = billing
        .hourly_rate
        .as_deref()
        .map(money::parse_rate)
        .transpose()?;
    let project_rate = project.as_ref().and_then(|p| p.hourly_rate);
    Ok(Resolved {
        project_id: project.as_ref().map(|p| p.id),
        tag_ids: tags.iter().map(|t| t.id).collect(),
        billable: billing
            .billable
            .or(project.as_ref().map(|p| p.billable))
            .unwrap_or(settings.default_billable),
        hourly_rate: override_rate
            .or(project_rate)
            .or(settings.default_hourly_rate),
        currency: project
            .and_then(|p| p.currency)
            .unwrap_or_else(|| settings.default_currency.clone()),
    })
}

/// Apply the user's overlap policy to `[start, end)`: the overlapping ids to
/// report (`warn`), none (`allow`), or an `overlap` error (`reject`).
pub fn overlaps(
    conn: &mut Conn,
    user_id: i32,
    settings: &Settings,
    span: (Timestamp, Option<Timestamp>),
    exclude: &[i32],
    now: Timestamp,
) -> Result<Vec<i32>, ToolError> {
    if settings.overlap_policy == OverlapPolicy::Allow {
        return Ok(Vec::new());
    }
    let mut ids = overlapping(conn, user_id, span.0, span.1, None, now)?;
    ids.retain(|id| !exclude.contains(id));
    if settings.overlap_policy == OverlapPolicy::Reject && !ids.is_empty() {
        return Err(ToolError::new(
            ErrorCode::Overlap,
            format!("overlaps {} other track(s)", ids.len()),
        )
        .hint("change the times, or set overlap_policy to warn or allow")
        .detail("overlapping_track_ids", &ids));
    }
    Ok(ids)
}

/// Bulk data for tests and the benchmark: many tracks in a few statements.
#[cfg(feature = "testing")]
pub mod testing {
    use diesel::sql_types::{BigInt, Integer, Nullable, Text};

    use super::*;

    /// Stopped tracks for `user_id`, one every `step` seconds from `first`,
    /// each `duration` seconds long, `count` in all; track `n` goes to
    /// `projects[n % len]` (none if `projects` is empty), is billable, and
    /// bills `rate` in `currency`. Every `tag_every`-th track (0: none) gets
    /// `tags[n % len]`. Plain `WITH RECURSIVE … INSERT … SELECT`: portable, and
    /// a million rows in seconds. Returns the number of tracks inserted.
    #[allow(clippy::too_many_arguments)]
    pub fn bulk_insert(
        conn: &mut Conn,
        user_id: i32,
        projects: &[i32],
        tags: &[i32],
        tag_every: i64,
        first: i64,
        step: i64,
        duration: i64,
        count: i64,
        rate: Option<&str>,
        currency: &str,
    ) -> QueryResult<usize> {
        let lanes: Vec<Option<i32>> = if projects.is_empty() {
            vec![None]
        } else {
            projects.iter().copied().map(Some).collect()
        };
        let k = lanes.len() as i64;
        let first_id: Option<i32> = tracks::table
            .select(diesel::dsl::max(tracks::id))
            .first(conn)?;
        let mut inserted = 0;
        for (lane, project) in lanes.iter().enumerate() {
            let lane = lane as i64;
            if lane >= count {
                break;
            }
            inserted += diesel::sql_query(numbered(
                conn,
                "WITH RECURSIVE seq(n) AS (SELECT CAST(? AS BIGINT) UNION ALL \
                 SELECT n + ? FROM seq WHERE n + ? < ?) \
                 INSERT INTO tracks (user_id, project_id, description, started_at, ended_at, \
                 billable, hourly_rate, currency, created_at, updated_at) \
                 SELECT ?, ?, 'work ' || n, ? + n * ?, ? + n * ? + ?, TRUE, ?, ?, \
                 ? + n * ? + ?, ? + n * ? + ? FROM seq",
            ))
            .bind::<BigInt, _>(lane)
            .bind::<BigInt, _>(k)
            .bind::<BigInt, _>(k)
            .bind::<BigInt, _>(count)
            .bind::<Integer, _>(user_id)
            .bind::<Nullable<Integer>, _>(*project)
            .bind::<BigInt, _>(first)
            .bind::<BigInt, _>(step)
            .bind::<BigInt, _>(first)
            .bind::<BigInt, _>(step)
            .bind::<BigInt, _>(duration)
            .bind::<Nullable<Text>, _>(rate)
            .bind::<Text, _>(currency)
            .bind::<BigInt, _>(first)
            .bind::<BigInt, _>(step)
            .bind::<BigInt, _>(duration)
            .bind::<BigInt, _>(first)
            .bind::<BigInt, _>(step)
            .bind::<BigInt, _>(duration)
            .execute(conn)?;
        }
        if tag_every > 0 {
            for (i, tag) in tags.iter().enumerate() {
                diesel::sql_query(numbered(
                    conn,
                    "INSERT INTO track_tags (track_id, tag_id) SELECT id, ? FROM tracks \
                     WHERE user_id = ? AND id > ? AND id % ? = 0 AND (id / ?) % ? = ?",
                ))
                .bind::<Integer, _>(*tag)
                .bind::<Integer, _>(user_id)
                .bind::<Integer, _>(first_id.unwrap_or(0))
                .bind::<BigInt, _>(tag_every)
                .bind::<BigInt, _>(tag_every)
                .bind::<BigInt, _>(tags.len() as i64)
                .bind::<BigInt, _>(i as i64)
                .execute(conn)?;
            }
        }
        // Written past the kept totals: the next report rebuilds the days';
        // the tags' are summed again now.
        day_totals::invalidate(conn, user_id)?;
        tag_totals::recount(conn, user_id)?;
        Ok(inserted)
    }
}

/// `sql` with its `?` parameters as PostgreSQL numbers them (`$1`, `$2`, …)
/// when `conn` is PostgreSQL: raw SQL reaches the engine as written.
#[cfg(feature = "testing")]
fn numbered(conn: &Conn, sql: &str) -> String {
    if matches!(conn, Conn::Sqlite(_)) {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(ch);
        }
    }
    out
}

/// `EXPLAIN QUERY PLAN` of the hot-path queries, for the tests that keep
/// them on their indexes.
#[cfg(feature = "testing")]
pub mod plans {
    use diesel::sql_types::Text;

    use super::*;

    #[derive(QueryableByName)]
    struct Step {
        #[diesel(sql_type = Text)]
        detail: String,
    }

    /// The plan on SQLite of the statement `run` sends, one line per step
    /// (parameters left unbound: a plan is chosen before values are known).
    /// The SQL is what diesel sends, caught by instrumentation as `run`
    /// runs it once, with the columns the call selects (which decide
    /// whether an index covers it): a query boxed for both engines renders
    /// only on a connection.
    fn plan(
        conn: &mut Conn,
        run: impl FnOnce(&mut Conn) -> QueryResult<()>,
    ) -> QueryResult<String> {
        use diesel::connection::{Instrumentation, InstrumentationEvent};
        use std::sync::{Arc, Mutex};
        let caught = Arc::new(Mutex::new(String::new()));
        let sink = caught.clone();
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                *sink.lock().unwrap() = query.to_string();
            }
        });
        let ran = run(conn);
        conn.set_instrumentation(None::<Box<dyn Instrumentation>>);
        ran?;
        let sql = caught.lock().unwrap().clone();
        let sql = sql
            .split(" -- binds:")
            .next()
            .unwrap_or_default()
            .to_owned();
        let steps: Vec<Step> = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}")).load(conn)?;
        Ok(steps
            .into_iter()
            .map(|s| s.detail)
            .collect::<Vec<_>>()
            .join("\n"))
    }

    /// `(name, plan)` of the running-timer query, both halves of the overlap
    /// check, and a first and a deep `list_tracks` page.
    pub fn hot_paths(
        conn: &mut Conn,
        user_id: i32,
        now: Timestamp,
    ) -> QueryResult<Vec<(&'static str, String)>> {
        let t = epoch(now);
        // Each with the columns its call reads: a track's whole row for the
        // timer tools and list pages, `(started_at, id)` for the overlap
        // checks.
        let rows = |query: Scoped| {
            move |c: &mut Conn| query.select(Row::as_select()).load::<Row>(c).map(drop)
        };
        let starts = |query: Scoped| {
            move |c: &mut Conn| {
                query
                    .select((tracks::started_at, tracks::id))
                    .load::<(i64, i32)>(c)
                    .map(drop)
            }
        };
        Ok(vec![
            ("running", plan(conn, rows(running_query(user_id)))?),
            (
                "overlap_stopped",
                plan(
                    conn,
                    starts(stopped_overlapping_query(user_id, t - 3600, t)),
                )?,
            ),
            (
                "overlap_running",
                plan(conn, starts(running_query(user_id)))?,
            ),
            (
                "first_page",
                plan(
                    conn,
                    rows(page_query(user_id, &TrackFilter::default(), 50, None, now)),
                )?,
            ),
            (
                "deep_page",
                plan(
                    conn,
                    rows(page_query(
                        user_id,
                        &TrackFilter::default(),
                        50,
                        Some((t - 86_400 * 700, 12_345)),
                        now,
                    )),
                )?,
            ),
        ])
    }
}
