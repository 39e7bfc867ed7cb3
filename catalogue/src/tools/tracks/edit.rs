//! Writing tracks one at a time: logged after the fact, changed, deleted.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::db;
use crate::db::tracks::{self, NewTrack};
use crate::reference::Ref;
use crate::time::{DurationInput, parse_instant};
use crate::tracking::{self, Billing, TrackOut};
use crate::{Ctx, ToolError, patch, tool};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogTrack {
    /// Description.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<String>")]
    pub description: String,
    /// The project.
    pub project: Option<Ref>,
    /// Tag ids or exact names.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<Vec<Ref>>")]
    pub tags: Vec<Ref>,
    /// Start: RFC 3339, `YYYY-MM-DD HH:MM`, `HH:MM`, `today` or `yesterday`.
    pub start: String,
    /// When it ended; or `duration`.
    pub end: Option<String>,
    /// Duration: seconds, "1h30m", "90m" or hours "1.5".
    pub duration: Option<DurationInput>,
    /// Default: the project's, else the user's.
    pub billable: Option<bool>,
    /// Hourly rate for this track only (decimal).
    pub hourly_rate: Option<String>,
    /// Allow over 24 hours.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub confirm: bool,
    /// A repeated key returns the first result.
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

/// Log time already spent: `start` and `end` or `duration`; the end must be
/// after the start, over 24 hours needs `confirm`. Rate and currency are fixed
/// when saved (track → project → client → user). Overlaps follow the overlap
/// policy (`reject`: `overlap`). A name matching several is `ambiguous`.
#[tool(title = "Log time", scope = "tracks:write")]
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
        db::write(conn, db::Lock::User(user.id), |conn| {
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
            let resolved = tracks::resolve_billing(conn, user.id, &settings, &billing)?;
            let overlapping =
                tracks::overlaps(conn, user.id, &settings, (start, Some(end)), &[], now)?;
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

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTrack {
    /// The track to change.
    pub id: i32,
    /// New description.
    pub description: Option<String>,
    /// New project.
    pub project: Option<Ref>,
    /// Replace all tags; `[]` removes them.
    pub tags: Option<Vec<Ref>>,
    /// New start (same formats as log_track).
    pub start: Option<String>,
    /// New end (stopped tracks only).
    pub end: Option<String>,
    /// Billable (true) or not (false).
    pub billable: Option<bool>,
    /// Hourly rate for this track only (decimal).
    pub hourly_rate: Option<String>,
    /// Fields to clear; the rate falls back to the project's, client's or user's.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<Vec<UpdateTrackClear>>")]
    pub clear: Vec<UpdateTrackClear>,
    /// Allow over 24 hours.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub confirm: bool,
}

// A field of a track that `update_track` can clear.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpdateTrackClear {
    Project,
    HourlyRate,
}

/// Change a track (`null` = leave as is; `clear` clears project or rate). A new
/// project re-resolves rate and currency unless `hourly_rate` is given. The end
/// must stay after the start; over 24 hours needs `confirm`; overlaps follow
/// the overlap policy. A running timer's end cannot be set (use stop_timer). An
/// invoiced track is `track_invoiced`.
#[tool(title = "Update a track", idempotent, scope = "tracks:write")]
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
    let project = patch::field(args.project, &args.clear, UpdateTrackClear::Project)?;
    let hourly_rate = patch::field(args.hourly_rate, &args.clear, UpdateTrackClear::HourlyRate)?;
    ctx.run(move |conn, user| {
        db::write(conn, db::Lock::User(user.id), |conn| {
            let track = tracks::get(conn, user.id, args.id)?;
            tracks::ensure_not_invoiced(conn, user.id, &[track.id])?;
            let mut fields = track.fields();
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
            if let Some(billing) = tracking::rebilling(
                track.project.as_ref().map(|p| p.id),
                fields.billable,
                project.as_ref(),
                args.billable,
                hourly_rate.as_ref(),
            ) {
                let resolved = tracks::resolve_billing(conn, user.id, &settings, &billing)?;
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
                tracks::overlaps(
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
    /// Preview; delete nothing.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub dry_run: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TrackDeleted {
    /// The track as it was.
    pub track: TrackOut,
    /// True when nothing was deleted (`dry_run`).
    pub dry_run: bool,
}

/// Delete a track for good (running timers too). A track on a non-void invoice
/// is `track_invoiced`.
#[tool(
    title = "Delete a track",
    destructive,
    idempotent,
    scope = "tracks:write"
)]
async fn delete_track(ctx: &Ctx, args: DeleteTrack) -> Result<TrackDeleted, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let track = ctx
        .run(move |conn, user| {
            db::write(conn, db::Lock::User(user.id), |conn| {
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
