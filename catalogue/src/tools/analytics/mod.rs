//! Analytics: time totals by day, week, month or year (`totals`); top
//! projects (`top`); budget status (`budget`); and tracks as CSV (`export`).
//! Rounding (the user's setting) is applied to reported figures only, never
//! to stored times. The counting is `crate::reports`'; what each report
//! reads (per-day totals for whole days, tracks for the rest) is `Counting`.

mod budget;
mod export;
mod top;
mod totals;

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::civil::Date;
use schemars::JsonSchema;
use serde::Serialize;

use crate::ToolError;
use crate::db::day_totals::{self, DayFilter, DayRow};
use crate::db::tracks::{Span, TrackFilter};
use crate::db::{self, Conn, reports};
use crate::money::{Amount, amounts};
use crate::reference::{Named, Ref};
use crate::reports::{Acc, Counted, Item, Part, whole_days};
use crate::settings::Settings;
use crate::time::{Range, hours};

/// Time and money of a set of tracks, rounded by the user's setting.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Totals {
    /// Seconds tracked, exactly (running timers up to now).
    pub seconds: i64,
    /// Seconds after rounding; equal to `seconds` when rounding is off.
    pub rounded_seconds: i64,
    /// `rounded_seconds` as decimal hours with two decimals, e.g. "7.50".
    pub hours: String,
    /// `rounded_seconds` in the user's duration format.
    pub duration: String,
    /// What the billable tracks with a rate are worth, from the rounded time,
    /// one entry per currency (never summed across currencies).
    pub amounts: Vec<Amount>,
    /// How many tracks count here.
    pub track_count: usize,
}

/// An accumulator's figures as reported, in the user's duration format.
pub(super) fn totals(acc: &Acc, settings: &Settings) -> Totals {
    Totals {
        seconds: acc.seconds,
        rounded_seconds: acc.rounded,
        hours: hours(acc.rounded).to_string(),
        duration: settings.duration_display().format(acc.rounded),
        amounts: amounts(&acc.amounts),
        track_count: acc.track_count(),
    }
}

/// Project, client and tag references resolved to a filter.
pub(super) fn resolve_filter(
    conn: &mut Conn,
    user_id: i32,
    project: Option<&Ref>,
    client: Option<&Ref>,
    tag: Option<&Ref>,
    mut filter: TrackFilter,
) -> Result<TrackFilter, ToolError> {
    if let Some(project) = project {
        filter.project_id = Some(db::projects::resolve(conn, user_id, project)?.id);
    }
    if let Some(client) = client {
        filter.client_id = Some(db::clients::resolve(conn, user_id, client)?);
    }
    if let Some(tag) = tag {
        filter.tag_id =
            Some(db::tags::resolve_all(conn, user_id, std::slice::from_ref(tag))?[0].id);
    }
    Ok(filter)
}

pub(super) fn running_ids(items: &[Item]) -> Vec<i32> {
    items.iter().filter(|i| i.running()).map(|i| i.id).collect()
}

/// How a report reads the per-day totals.
#[derive(Clone, Copy, Debug)]
pub(super) enum Sums<'a> {
    /// Each day's rows (day buckets).
    ByDay,
    /// One sum over every day (no buckets).
    Whole,
    /// One sum per stretch starting at each of these days (the buckets'
    /// first days).
    From(&'a [Date]),
}

/// What a report counts: per-day totals for the whole days of its range and
/// single tracks for the rest (the range's partial first and last days, and
/// running timers, which have no total yet).
pub(super) struct Counting {
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
            items.extend(reports::items(
                conn,
                user_id,
                &edge_filter,
                now,
                None,
                None,
            )?);
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
                reports::items(conn, user_id, &running, now, None, None)?
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
                (Sums::ByDay, _) => day_totals::rows(conn, user_id, &day_filter, false)?,
                (Sums::Whole, _) | (Sums::From(_), None) => {
                    day_totals::rows(conn, user_id, &day_filter, true)?
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
                        rows.extend(day_totals::rows(conn, user_id, &part, true)?);
                    }
                    rows
                }
            };
            return Ok(Counting {
                items,
                days: rows,
                names: reports::project_names(conn, user_id)?,
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

    /// Every part, whole (tracks are not divided at midnight).
    pub fn parts(&self, now: Timestamp, settings: &Settings) -> Vec<Part<'_>> {
        let mut parts = crate::reports::whole(&self.items, now, settings.rounding);
        parts.extend(self.day_parts().map(|(_, part)| part));
        parts
    }
}
