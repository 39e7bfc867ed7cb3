//! Analytics: time totals by day, week, month or year (`totals`); top
//! projects (`top`); budget status (`budget`); and tracks as CSV (`export`).
//! Rounding (the user's setting) is applied to reported figures only, never
//! to stored times. The counting is `crate::reports`'; what each report
//! reads (per-day totals for whole days, tracks for the rest) is
//! `db::reports::Counting`.

mod budget;
mod export;
mod top;
mod totals;

use schemars::JsonSchema;
use serde::Serialize;

use crate::ToolError;
pub(super) use crate::db::reports::{Counting, Sums};
use crate::db::tracks::TrackFilter;
use crate::db::{self, Conn};
use crate::money::{Amount, amounts};
use crate::reference::Ref;
use crate::reports::{Acc, Item};
use crate::settings::Settings;
use crate::time::hours;

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
