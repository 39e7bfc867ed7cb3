//! Reports over tracks: totals, top projects, budgets, CSV. Tracks are read
//! here with their project's client (to split and filter by client) and
//! their tags; projects with their budgets.

use std::collections::HashMap;

use diesel::prelude::*;
use jiff::Timestamp;
use rust_decimal::Decimal;

use jiff::civil::Date;

use super::day_totals::{self, DayFilter, DayRow, Shape};
use super::tracks::{Span, TrackFilter};
use super::{Conn, instant};
use crate::reference::Named;
use crate::reports::{BudgetPeriod, Counted, Item, Part, whole_days};
use crate::schema::{clients, projects, tags, track_tags, tracks};
use crate::settings::Settings;
use crate::time::Range;
use crate::{ToolError, names};

type Joined =
    diesel::dsl::LeftJoin<tracks::table, diesel::dsl::LeftJoin<projects::table, clients::table>>;
type Scoped = diesel::dsl::IntoBoxed<'static, Joined, crate::db::Backend>;

/// The tracks `filter` selects (through the one filter of `db::tracks`), with
/// their project and its client joined.
fn filtered(user_id: i32, filter: &TrackFilter, now: Timestamp) -> Scoped {
    let joined = tracks::table
        .left_join(projects::table.left_join(clients::table))
        .filter(tracks::user_id.eq(user_id))
        .into_boxed();
    super::tracks::narrow_tracks!(joined, filter, now)
}

type RowTuple = (
    i32,
    String,
    i64,
    Option<i64>,
    bool,
    Option<String>,
    String,
    Option<i32>,
    Option<String>,
    Option<i32>,
    Option<String>,
);

/// How many tracks match.
pub fn count(
    conn: &mut Conn,
    user_id: i32,
    filter: &TrackFilter,
    now: Timestamp,
) -> Result<i64, ToolError> {
    Ok(filtered(user_id, filter, now).count().get_result(conn)?)
}

/// The matching tracks, oldest first; after the keyset `after`
/// (`(started_at, id)` of the last one already read) and at most `limit`.
pub fn items(
    conn: &mut Conn,
    user_id: i32,
    filter: &TrackFilter,
    now: Timestamp,
    after: Option<(i64, i32)>,
    limit: Option<i64>,
) -> Result<Vec<Item>, ToolError> {
    // One query, the filters on `tracks` itself: the planner walks
    // `(user_id, started_at)` in order and joins each row's project and
    // client by key, so a page costs its own rows.
    let mut page = filtered(user_id, filter, now);
    if let Some((started, id)) = after {
        // `started_at >= ?` first: a range on `(user_id, started_at)`.
        page = page
            .filter(tracks::started_at.ge(started))
            .filter(tracks::started_at.gt(started).or(tracks::id.gt(id)));
    }
    page = page.order((tracks::started_at, tracks::id));
    if let Some(limit) = limit {
        page = page.limit(limit);
    }
    let rows: Vec<RowTuple> = page
        .select((
            tracks::id,
            tracks::description,
            tracks::started_at,
            tracks::ended_at,
            tracks::billable,
            tracks::hourly_rate,
            tracks::currency,
            tracks::project_id,
            projects::name.nullable(),
            clients::id.nullable(),
            clients::name.nullable(),
        ))
        .load(conn)?;
    let ids: Vec<i32> = rows.iter().map(|r| r.0).collect();
    let mut tags_of: HashMap<i32, Vec<Named>> = HashMap::new();
    for chunk in super::common::chunks(&ids) {
        for (track_id, id, name) in track_tags::table
            .inner_join(tags::table)
            .filter(track_tags::track_id.eq_any(chunk))
            .filter(tags::user_id.eq(user_id))
            .order((track_tags::track_id, tags::name))
            .select((track_tags::track_id, tags::id, tags::name))
            .load::<(i32, i32, String)>(conn)?
        {
            tags_of
                .entry(track_id)
                .or_default()
                .push(Named { id, name });
        }
    }
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                description,
                started,
                ended,
                billable,
                rate,
                currency,
                project_id,
                project_name,
                client_id,
                client_name,
            )| Item {
                id,
                description,
                project: project_id
                    .zip(project_name)
                    .map(|(id, name)| Named { id, name }),
                client: client_id
                    .zip(client_name)
                    .map(|(id, name)| Named { id, name }),
                tags: tags_of.remove(&id).unwrap_or_default(),
                started_at: instant(started),
                ended_at: ended.map(instant),
                billable,
                hourly_rate: rate.and_then(|r| r.parse().ok()),
                currency,
            },
        )
        .collect())
}

/// A project's budget settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Budget {
    pub project: Named,
    pub client: Option<Named>,
    pub archived: bool,
    /// The project's currency, else its client's; `None`: the user's default.
    pub currency: Option<String>,
    pub hours: Option<Decimal>,
    pub amount: Option<Decimal>,
    pub period: BudgetPeriod,
    pub alert_percent: u32,
}

impl Budget {
    pub fn is_set(&self) -> bool {
        self.hours.is_some() || self.amount.is_some()
    }
}

type BudgetRow = (
    i32,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    i32,
    Option<i32>,
    Option<String>,
    Option<String>,
);

/// Budgets of the user's projects, by name: `project_id` for one project
/// (with or without a budget, archived or not), else every project that is
/// not archived and has a budget.
pub fn budgets(
    conn: &mut Conn,
    user_id: i32,
    project_id: Option<i32>,
) -> Result<Vec<Budget>, ToolError> {
    let mut query = projects::table
        .left_join(clients::table)
        .filter(projects::user_id.eq(user_id))
        .into_boxed();
    query = match project_id {
        Some(id) => query.filter(projects::id.eq(id)),
        None => query.filter(projects::archived_at.is_null()).filter(
            projects::budget_hours
                .is_not_null()
                .or(projects::budget_amount.is_not_null()),
        ),
    };
    let rows: Vec<BudgetRow> = query
        .order((projects::name, projects::id))
        .select((
            projects::id,
            projects::name,
            projects::archived_at,
            projects::currency,
            projects::budget_hours,
            projects::budget_amount,
            projects::budget_period,
            projects::budget_alert_percent,
            clients::id.nullable(),
            clients::name.nullable(),
            clients::currency.nullable(),
        ))
        .load(conn)?;
    let decimal = |s: Option<String>| s.and_then(|s| s.parse::<Decimal>().ok());
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                name,
                archived_at,
                currency,
                hours,
                amount,
                period,
                alert,
                client_id,
                client_name,
                client_currency,
            )| Budget {
                project: Named { id, name },
                client: client_id
                    .zip(client_name)
                    .map(|(id, name)| Named { id, name }),
                archived: archived_at.is_some(),
                currency: currency.or(client_currency),
                hours: decimal(hours),
                amount: decimal(amount),
                period: names::parse(&period).unwrap_or(BudgetPeriod::Total),
                alert_percent: u32::try_from(alert).unwrap_or(80),
            },
        )
        .collect())
}

/// Set a project's budget directly (tests and worked examples; the
/// projects' own tools set budgets for users).
#[cfg(feature = "testing")]
pub fn set_budget(
    conn: &mut Conn,
    user_id: i32,
    project_id: i32,
    hours: Option<&str>,
    amount: Option<&str>,
    period: &str,
    alert_percent: i32,
) -> Result<(), ToolError> {
    let updated = diesel::update(
        projects::table
            .filter(projects::user_id.eq(user_id))
            .filter(projects::id.eq(project_id)),
    )
    .set((
        projects::budget_hours.eq(hours),
        projects::budget_amount.eq(amount),
        projects::budget_period.eq(period),
        projects::budget_alert_percent.eq(alert_percent),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Err(ToolError::not_found(
            "project",
            format!("with id {project_id}"),
        ));
    }
    Ok(())
}

/// Every project of the user (archived ones too) with its client, by id:
/// the names the per-day totals' rows are reported under.
pub fn project_names(
    conn: &mut Conn,
    user_id: i32,
) -> Result<HashMap<i32, (Named, Option<Named>)>, ToolError> {
    let rows: Vec<(i32, String, Option<i32>, Option<String>)> = projects::table
        .left_join(clients::table)
        .filter(projects::user_id.eq(user_id))
        .select((
            projects::id,
            projects::name,
            clients::id.nullable(),
            clients::name.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, client_id, client_name)| {
            let client = client_id
                .zip(client_name)
                .map(|(id, name)| Named { id, name });
            (id, (Named { id, name }, client))
        })
        .collect())
}

/// How a report reads the per-day totals.
#[derive(Clone, Copy, Debug)]
pub enum Sums<'a> {
    /// Each day's rows (day buckets).
    ByDay,
    /// One sum over every day (no buckets).
    Whole,
    /// Only how many tracks and their seconds, over every day: what
    /// [`Counting::totals`] reads, and all it may read.
    Count,
    /// One sum per stretch starting at each of these days (the buckets'
    /// first days).
    From(&'a [Date]),
}

/// What a report counts: per-day totals for the whole days of its range and
/// single tracks for the rest (the range's partial first and last days, and
/// running timers, which have no total yet).
pub struct Counting {
    pub items: Vec<Item>,
    pub days: Vec<DayRow>,
    /// The user's projects with their clients, for the days' rows.
    names: HashMap<i32, (Named, Option<Named>)>,
}

impl Counting {
    /// The tracks starting in `range` (`None`: ever) that `filter`'s
    /// project, client and billable select. Its span, tag, text and running
    /// fields must be unset: the per-day totals know none of them.
    pub fn by_day(
        conn: &mut Conn,
        user_id: i32,
        settings: &Settings,
        range: Option<Range>,
        filter: &TrackFilter,
        now: Timestamp,
        sums: Sums,
    ) -> Result<Counting, ToolError> {
        debug_assert!(filter.span.is_none() && filter.tag_id.is_none());
        day_totals::ensure(conn, user_id, settings)?;
        let whole = match range {
            Some(range) => whole_days(range, &settings.time_zone)?,
            None => None,
        };
        let days = match (range, whole) {
            (Some(_), None) => None,
            (None, _) => Some(None),
            (_, Some((first, end, _))) => Some(Some((first, end))),
        };
        let mut items = Vec::new();
        // The single tracks: those in the parts of the range outside the
        // whole days (or all of it when it holds none).
        let edges: Vec<Range> = match (range, whole) {
            (None, _) => Vec::new(),
            (Some(range), None) => vec![range],
            (Some(range), Some((_, _, core))) => vec![
                Range {
                    from: range.from,
                    to: core.from,
                },
                Range {
                    from: core.to,
                    to: range.to,
                },
            ],
        };
        for edge in edges.into_iter().filter(|r| r.from < r.to) {
            let edge_filter = TrackFilter {
                span: Some(Span::Starts(edge)),
                ..filter.clone()
            };
            items.extend(self::items(conn, user_id, &edge_filter, now, None, None)?);
        }
        if let Some(days) = days {
            // Running timers started in the whole days: few, read by the
            // running-timer index and kept if they start inside.
            let running = TrackFilter {
                running: Some(true),
                ..filter.clone()
            };
            let core = whole.map(|(_, _, core)| core);
            items.extend(
                self::items(conn, user_id, &running, now, None, None)?
                    .into_iter()
                    .filter(|item| {
                        core.is_none_or(|c| c.from <= item.started_at && item.started_at < c.to)
                    }),
            );
            let day_filter = DayFilter {
                days,
                project_id: filter.project_id,
                client_id: filter.client_id,
                billable: filter.billable,
            };
            let rows = match (sums, days) {
                (Sums::ByDay, _) => day_totals::rows(conn, user_id, &day_filter, Shape::ByDay)?,
                (Sums::Count, _) => day_totals::rows(conn, user_id, &day_filter, Shape::Count)?,
                (Sums::Whole, _) | (Sums::From(_), None) => {
                    day_totals::rows(conn, user_id, &day_filter, Shape::Whole)?
                }
                // One sum per bucket: SQL adds up each bucket's days.
                (Sums::From(starts), Some((first, end))) => {
                    let mut cuts: Vec<Date> = starts
                        .iter()
                        .copied()
                        .filter(|d| first < *d && *d < end)
                        .collect();
                    cuts.insert(0, first);
                    cuts.push(end);
                    let mut rows = Vec::new();
                    for pair in cuts.windows(2) {
                        let part = DayFilter {
                            days: Some((pair[0], pair[1])),
                            ..day_filter
                        };
                        rows.extend(day_totals::rows(conn, user_id, &part, Shape::Whole)?);
                    }
                    rows
                }
            };
            return Ok(Counting {
                items,
                days: rows,
                names: project_names(conn, user_id)?,
            });
        }
        Ok(Counting {
            items,
            days: Vec::new(),
            names: HashMap::new(),
        })
    }

    /// The per-day rows as parts, each with its day.
    pub fn day_parts(&self) -> impl Iterator<Item = (Date, Part<'_>)> {
        self.days.iter().map(|row| {
            let names = row.project_id.and_then(|id| self.names.get(&id));
            (
                row.day,
                Part {
                    project: names.map(|(project, _)| project),
                    client: names.and_then(|(_, client)| client.as_ref()),
                    tags: &[],
                    billable: row.billable,
                    currency: &row.currency,
                    hourly_rate: row.hourly_rate,
                    tracks: Counted::Stopped(row.figures.tracks),
                    seconds: row.figures.seconds,
                    rounded: row.figures.rounded,
                    amount: row.figures.amount,
                },
            )
        })
    }

    /// How many stopped and how many running tracks it counts.
    pub fn counts(&self) -> (i64, i64) {
        let running = self.items.iter().filter(|i| i.running()).count() as i64;
        let stopped: i64 = self.days.iter().map(|d| d.figures.tracks).sum();
        (stopped + self.items.len() as i64 - running, running)
    }

    /// How many tracks it counts and their seconds (running ones up to
    /// `now`).
    pub fn totals(&self, now: Timestamp) -> (i64, i64) {
        let (stopped, running) = self.counts();
        let seconds = self.days.iter().map(|d| d.figures.seconds).sum::<i64>()
            + self.items.iter().map(|i| i.seconds(now)).sum::<i64>();
        (stopped + running, seconds)
    }

    /// Every part, whole (tracks are not divided at midnight).
    pub fn parts(&self, now: Timestamp, settings: &Settings) -> Vec<Part<'_>> {
        let mut parts = crate::reports::whole(&self.items, now, settings.rounding);
        parts.extend(self.day_parts().map(|(_, part)| part));
        parts
    }
}
