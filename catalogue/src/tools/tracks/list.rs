//! Reading tracks: a filtered, paged list with totals, and one by id.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use jiff::Timestamp;

use crate::db::Conn;
use crate::db::reports::{Counting, Sums};
use crate::db::tracks::{self, Span, TrackFilter};
use crate::reference::Ref;
use crate::settings::Settings;
use crate::time::{PeriodName, ResolvedRange, format_duration};
use crate::tracking::TrackOut;
use crate::{Ctx, ToolError, pagination, tool};

use super::TrackSelection;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTracks {
    /// Named period; or `from`/`to`.
    pub period: Option<PeriodName>,
    /// Tracks starting at or after this.
    pub from: Option<String>,
    /// Tracks starting before this.
    pub to: Option<String>,
    /// Only this project.
    pub project: Option<Ref>,
    /// Only tracks without project.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub without_project: bool,
    /// Only tracks with this tag.
    pub tag: Option<Ref>,
    /// Only billable or non-billable tracks.
    pub billable: Option<bool>,
    /// Only running (true) or stopped (false).
    pub running: Option<bool>,
    /// Text in the description.
    pub search: Option<String>,
    /// Tracks per page, 1–200 (default 50).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// From the previous page.
    pub cursor: Option<String>,
    /// Add count and time of all matches.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub totals: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TrackList {
    /// Newest first.
    pub tracks: Vec<TrackOut>,
    /// With `totals`: all tracks matching the filters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<i64>,
    /// With `totals`: their time in seconds (running timers up to now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_seconds: Option<i64>,
    /// The same as `h:mm:ss`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_duration: Option<String>,
    /// The time range used, when a period or `from`/`to` was given.
    pub range: Option<ResolvedRange>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Tracks, newest first, filtered by range, project, tag, billable, running or
/// text; `totals` adds the count and time of all matches.
// Totals are asked for, not given on every page: a page costs what it holds,
// totals what they cover (the whole history, unfiltered).
#[tool(title = "List tracks", read_only, idempotent, scope = "tracks:read")]
async fn list_tracks(ctx: &Ctx, args: ListTracks) -> Result<TrackList, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let limit = pagination::limit(args.limit)?;
    let after = args.cursor.as_deref().map(pagination::decode).transpose()?;
    let selection = TrackSelection {
        period: args.period,
        from: args.from,
        to: args.to,
        project: args.project,
        without_project: args.without_project,
        tag: args.tag,
        billable: args.billable,
        running: args.running,
        search: args.search,
    };
    let range = selection.range(&settings, now)?;
    let with_totals = args.totals;
    let (page, totals, settings) = ctx
        .run(move |conn, user| {
            let filter = selection.filter(conn, user.id, range)?;
            let totals = with_totals
                .then(|| totals(conn, user.id, &settings, &filter, now))
                .transpose()?;
            Ok((
                tracks::list(conn, user.id, &filter, limit, after, now)?,
                totals,
                settings,
            ))
        })
        .await?;
    let next_cursor = if page.more {
        page.tracks
            .last()
            .map(|t| pagination::encode(t.started_at.as_second(), t.id))
    } else {
        None
    };
    Ok(TrackList {
        tracks: TrackOut::all(&page.tracks, &settings, now),
        total_count: totals.map(|(count, _)| count),
        total_seconds: totals.map(|(_, seconds)| seconds),
        total_duration: totals.map(|(_, seconds)| format_duration(seconds)),
        range: range.map(|r| r.resolved(args.period, &settings.time_zone)),
        next_cursor,
    })
}

/// Count and seconds of every track `filter` selects: from the per-day
/// totals when it narrows only by range, project, client or billable, else
/// one SQL aggregate over the matching tracks.
fn totals(
    conn: &mut Conn,
    user_id: i32,
    settings: &Settings,
    filter: &TrackFilter,
    now: Timestamp,
) -> Result<(i64, i64), ToolError> {
    if filter.tag_id.is_some()
        || filter.search.is_some()
        || filter.no_project
        || filter.running.is_some()
    {
        return tracks::totals(conn, user_id, filter, now);
    }
    let range = filter.span.map(|span| match span {
        Span::Starts(range) | Span::Overlaps(range) => range,
    });
    let by_day = TrackFilter {
        span: None,
        ..filter.clone()
    };
    Ok(Counting::by_day(conn, user_id, settings, range, &by_day, now, Sums::Count)?.totals(now))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackId {
    /// The track's id.
    pub id: i32,
}

/// One track by id, running or stopped.
#[tool(title = "Get a track", read_only, idempotent, scope = "tracks:read")]
async fn get_track(ctx: &Ctx, TrackId { id }: TrackId) -> Result<TrackOut, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let track = ctx
        .run(move |conn, user| tracks::get(conn, user.id, id))
        .await?;
    Ok(TrackOut::new(&track, &settings, now))
}
