//! Tracks: time entries, logged after the fact or left by a stopped timer.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::db;
use crate::db::tracks::{self, NewTrack, TrackFilter};
use crate::reference::Ref;
use crate::time::{
    DurationInput, PeriodName, ResolvedRange, format_duration, parse_instant, resolve_range,
};
use crate::tools::timers::fields_of;
use crate::tracking::{self, Billing, TrackOut};
use crate::{Ctx, ToolError, pagination, tool};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogTrack {
    /// What the time was spent on.
    #[serde(default)]
    pub description: String,
    /// Project id or exact name (case-insensitive).
    pub project: Option<Ref>,
    /// Tag ids or exact names.
    #[serde(default)]
    pub tags: Vec<Ref>,
    /// When the work started: RFC 3339 with offset, `YYYY-MM-DD HH:MM`,
    /// `HH:MM` (today), `today` or `yesterday`, in the user's time zone.
    pub start: String,
    /// When it ended (same formats). Give `end` or `duration`, not both.
    pub end: Option<String>,
    /// How long it lasted: seconds, "1h30m", "90m" or decimal hours "1.5".
    pub duration: Option<DurationInput>,
    /// Default: the project's billable flag, else the user's default.
    pub billable: Option<bool>,
    /// Rate per hour for this track only, a decimal string such as "95.00".
    pub hourly_rate: Option<String>,
    /// Needed for a track longer than 24 hours.
    #[serde(default)]
    pub confirm: bool,
    /// Repeating a call with the same key returns the first track instead of logging it twice.
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TrackSaved {
    pub track: TrackOut,
    /// Other tracks this one overlaps (overlap policy `warn`).
    pub overlapping_track_ids: Vec<i32>,
    /// True when an earlier call with the same `idempotency_key` logged this track.
    pub replayed: bool,
}

/// Log time already spent: a `start` and either an `end` or a `duration`.
/// The end must be after the start (no zero-length tracks); over 24 hours
/// needs `confirm: true`. Rate and currency are fixed when saved (track →
/// project → client → user default). Overlaps follow the user's overlap
/// policy: `warn` (default) saves and lists the overlapping ids, `reject`
/// answers `overlap`. Unknown project or tag names are `not_found`; a name
/// matching several is `ambiguous` with the candidates.
#[tool(title = "Log time")]
async fn log_track(ctx: &Ctx, args: LogTrack) -> Result<TrackSaved, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let tz = settings.time_zone.clone();
    let start = parse_instant(&args.start, &tz, now)?;
    let end = match (&args.end, &args.duration) {
        (Some(end), None) => parse_instant(end, &tz, now)?,
        (None, Some(duration)) => start
            .checked_add(jiff::SignedDuration::from_secs(duration.seconds()?))
            .map_err(|_| ToolError::invalid("the track would end beyond the supported range"))?,
        (Some(_), Some(_)) => return Err(ToolError::invalid("give `end` or `duration`, not both")),
        (None, None) => {
            return Err(ToolError::invalid("give `end` or `duration`")
                .hint("to track time from now on, use start_timer instead"));
        }
    };
    tracking::check_span(start, end, args.confirm)?;
    ctx.run(move |conn, user| {
        db::write(conn, |conn| {
            if let Some(key) = &args.idempotency_key
                && let Some(track) = tracks::by_idempotency_key(conn, user.id, key)?
            {
                let track = TrackOut::new(&track, &settings, now);
                return Ok(TrackSaved {
                    track,
                    overlapping_track_ids: Vec::new(),
                    replayed: true,
                });
            }
            let billing = Billing {
                project: args.project,
                tags: args.tags,
                billable: args.billable,
                hourly_rate: args.hourly_rate,
            };
            let resolved = tracking::resolve(conn, user.id, &settings, &billing)?;
            let overlapping =
                tracking::overlaps(conn, user.id, &settings, (start, Some(end)), &[], now)?;
            let new = NewTrack {
                description: args.description.trim().to_owned(),
                project_id: resolved.project_id,
                tag_ids: resolved.tag_ids,
                started_at: start,
                ended_at: Some(end),
                billable: resolved.billable,
                hourly_rate: resolved.hourly_rate,
                currency: resolved.currency,
                idempotency_key: args.idempotency_key,
            };
            let id = tracks::insert(conn, user.id, &new, now)?;
            let track = TrackOut::new(&tracks::get(conn, user.id, id)?, &settings, now);
            Ok(TrackSaved {
                track,
                overlapping_track_ids: overlapping,
                replayed: false,
            })
        })
    })
    .await
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTracks {
    /// A named period in the user's time zone; or use `from`/`to`.
    pub period: Option<PeriodName>,
    /// Tracks starting at or after this time.
    pub from: Option<String>,
    /// Tracks starting before this time.
    pub to: Option<String>,
    /// Only this project (id or exact name).
    pub project: Option<Ref>,
    /// Only tracks without a project.
    #[serde(default)]
    pub without_project: bool,
    /// Only tracks with this tag (id or exact name).
    pub tag: Option<Ref>,
    /// Only billable (true) or non-billable (false) tracks.
    pub billable: Option<bool>,
    /// Only running timers (true) or stopped tracks (false).
    pub running: Option<bool>,
    /// Case-insensitive text to find in descriptions.
    pub search: Option<String>,
    /// Tracks per page, 1–200 (default 50).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TrackList {
    /// Newest first.
    pub tracks: Vec<TrackOut>,
    /// All tracks matching the filters, on every page.
    pub total_count: i64,
    /// Their total time in seconds (running timers up to now).
    pub total_seconds: i64,
    /// The same as `h:mm:ss`.
    pub total_duration: String,
    /// The time range used, when a period or `from`/`to` was given.
    pub range: Option<ResolvedRange>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// List tracks, newest first, filtered by period (or `from`/`to`), project,
/// tag, billable, running state or text. A track belongs to the day it
/// starts. Totals cover the whole filtered set, not only this page; page on
/// with `next_cursor`. The resolved range is echoed back.
#[tool(title = "List tracks", read_only, idempotent)]
async fn list_tracks(ctx: &Ctx, args: ListTracks) -> Result<TrackList, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let limit = pagination::limit(args.limit)?;
    let after = args.cursor.as_deref().map(pagination::decode).transpose()?;
    let range = resolve_range(
        args.period,
        args.from.as_deref(),
        args.to.as_deref(),
        &settings,
        now,
    )?;
    if args.without_project && args.project.is_some() {
        return Err(ToolError::invalid(
            "give `project` or `without_project`, not both",
        ));
    }
    let (page, settings) = ctx
        .run(move |conn, user| {
            let mut filter = TrackFilter {
                range,
                no_project: args.without_project,
                billable: args.billable,
                running: args.running,
                search: args.search.filter(|s| !s.trim().is_empty()),
                ..TrackFilter::default()
            };
            if let Some(project) = &args.project {
                filter.project_id = Some(db::projects::resolve(conn, user.id, project)?.id);
            }
            if let Some(tag) = &args.tag {
                filter.tag_id =
                    Some(db::tags::resolve_all(conn, user.id, std::slice::from_ref(tag))?[0].id);
            }
            Ok((
                tracks::list(conn, user.id, &filter, limit, after, now)?,
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
        total_count: page.total_count,
        total_seconds: page.total_seconds,
        total_duration: format_duration(page.total_seconds),
        range: range.map(|r| r.resolved(args.period, &settings.time_zone)),
        next_cursor,
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackId {
    /// The track's id.
    pub id: i32,
}

/// One track by id, running or stopped. Another user's id, like a missing
/// one, is `not_found`.
#[tool(title = "Get a track", read_only, idempotent)]
async fn get_track(ctx: &Ctx, TrackId { id }: TrackId) -> Result<TrackOut, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let track = ctx
        .run(move |conn, user| tracks::get(conn, user.id, id))
        .await?;
    Ok(TrackOut::new(&track, &settings, now))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTrack {
    /// The track to change.
    pub id: i32,
    /// New description.
    pub description: Option<String>,
    /// New project (id or exact name); `null` removes the project.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<Ref>")]
    pub project: Option<Option<Ref>>,
    /// Replace all tags (ids or exact names); `[]` removes them.
    pub tags: Option<Vec<Ref>>,
    /// New start (same formats as log_track).
    pub start: Option<String>,
    /// New end; only for stopped tracks (stop a running one with stop_timer).
    pub end: Option<String>,
    pub billable: Option<bool>,
    /// Rate per hour override, a decimal string; `null` goes back to the
    /// project's, client's or user's rate.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<String>")]
    pub hourly_rate: Option<Option<String>>,
    /// Needed when the track would last over 24 hours.
    #[serde(default)]
    pub confirm: bool,
}

/// Change a track: only the fields given change. A new project re-resolves
/// rate and currency unless `hourly_rate` is given. New times must keep the
/// end after the start; over 24 hours needs `confirm: true`; overlaps follow
/// the overlap policy. A running timer's start can change, not its end. A
/// track on a sent, paid or draft invoice cannot change (`track_invoiced`).
#[tool(title = "Update a track", idempotent)]
async fn update_track(ctx: &Ctx, args: UpdateTrack) -> Result<TrackSaved, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let tz = settings.time_zone.clone();
    let new_start = args
        .start
        .as_deref()
        .map(|s| parse_instant(s, &tz, now))
        .transpose()?;
    let new_end = args
        .end
        .as_deref()
        .map(|s| parse_instant(s, &tz, now))
        .transpose()?;
    ctx.run(move |conn, user| {
        db::write(conn, |conn| {
            let track = tracks::get(conn, user.id, args.id)?;
            tracks::ensure_not_invoiced(conn, user.id, &[track.id])?;
            let mut fields = fields_of(&track);
            if let Some(description) = args.description {
                fields.description = description.trim().to_owned();
            }
            if let Some(tags) = &args.tags {
                fields.tag_ids = db::tags::resolve_all(conn, user.id, tags)?
                    .iter()
                    .map(|t| t.id)
                    .collect();
            }
            if let Some(billable) = args.billable {
                fields.billable = billable;
            }
            // Billing is re-resolved when the project or the rate override
            // changes; a new project brings its own billable flag unless one
            // is given, and drops the old track's rate override.
            if args.project.is_some() || args.hourly_rate.is_some() {
                let billing = Billing {
                    project: match &args.project {
                        Some(project) => project.clone(),
                        None => track.project.as_ref().map(|p| Ref::Id(p.id)),
                    },
                    tags: Vec::new(),
                    billable: if args.project.is_some() {
                        args.billable
                    } else {
                        Some(fields.billable)
                    },
                    hourly_rate: args.hourly_rate.clone().flatten(),
                };
                let resolved = tracking::resolve(conn, user.id, &settings, &billing)?;
                fields.project_id = resolved.project_id;
                fields.billable = resolved.billable;
                fields.hourly_rate = resolved.hourly_rate;
                fields.currency = resolved.currency;
            }
            if let Some(start) = new_start {
                fields.started_at = start;
            }
            if let Some(end) = new_end {
                if track.ended_at.is_none() {
                    return Err(ToolError::invalid("this track is a running timer")
                        .hint("stop it with stop_timer (which takes an end time)"));
                }
                fields.ended_at = Some(end);
            }
            match fields.ended_at {
                Some(end) => tracking::check_span(fields.started_at, end, args.confirm)?,
                None => tracking::check_not_future(fields.started_at, now)?,
            }
            let times_changed = new_start.is_some() || new_end.is_some();
            let overlapping = if times_changed {
                tracking::overlaps(
                    conn,
                    user.id,
                    &settings,
                    (fields.started_at, fields.ended_at),
                    &[track.id],
                    now,
                )?
            } else {
                Vec::new()
            };
            tracks::update(conn, user.id, track.id, &fields, now)?;
            let track = TrackOut::new(&tracks::get(conn, user.id, track.id)?, &settings, now);
            Ok(TrackSaved {
                track,
                overlapping_track_ids: overlapping,
                replayed: false,
            })
        })
    })
    .await
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteTrack {
    /// The track to delete.
    pub id: i32,
    /// Show what would be deleted, and delete nothing.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TrackDeleted {
    /// The track as it was.
    pub track: TrackOut,
    /// True when nothing was deleted (`dry_run`).
    pub dry_run: bool,
}

/// Delete a track for good (running timers too). With `dry_run: true`,
/// returns the track that would be deleted and changes nothing. A track on an
/// invoice that is not void cannot be deleted (`track_invoiced`).
#[tool(title = "Delete a track", destructive, idempotent)]
async fn delete_track(ctx: &Ctx, args: DeleteTrack) -> Result<TrackDeleted, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let track = ctx
        .run(move |conn, user| {
            db::write(conn, |conn| {
                let track = tracks::get(conn, user.id, args.id)?;
                tracks::ensure_not_invoiced(conn, user.id, &[track.id])?;
                if !args.dry_run {
                    tracks::delete(conn, user.id, track.id)?;
                }
                Ok(track)
            })
        })
        .await?;
    Ok(TrackDeleted {
        track: TrackOut::new(&track, &settings, now),
        dry_run: args.dry_run,
    })
}
