//! Timers: a running timer is a track without an end.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::db::tracks::{self, NewTrack, Track};
use crate::db::{self, Conn};
use crate::reference::{Named, Ref};
use crate::settings::{OverlapPolicy, Settings};
use crate::time::parse_instant;
use crate::tracking::{self, Billing, TrackOut};
use crate::{Ctx, ErrorCode, ToolError, tool};

// What to do when the user's `max_active_timers` are already running.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IfRunning {
    /// Stop the oldest (default).
    #[default]
    StopOldest,
    /// Refuse with `timer_running`.
    Error,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartTimer {
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
    /// Default: the project's, else the user's.
    pub billable: Option<bool>,
    /// Hourly rate for this track only (decimal).
    pub hourly_rate: Option<String>,
    /// When it started (time formats as log_track); default now.
    pub start: Option<String>,
    /// At the `max_active_timers` limit.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<IfRunning>")]
    pub if_running: IfRunning,
    /// Allow stopping a timer over 24 hours old.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub confirm: bool,
    /// A repeated key returns the first result.
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TimerStarted {
    /// The new running timer.
    pub timer: TrackOut,
    /// Timers stopped to make room, ended at the new timer's start.
    pub stopped: Vec<TrackOut>,
    /// Timers that would have stopped in the second they started: deleted
    /// (a track needs a length), shown as they were.
    pub discarded: Vec<TrackOut>,
    /// Stopped tracks that overlap the new timer (overlap policy `warn`).
    pub overlapping_track_ids: Vec<i32>,
    /// True when an earlier call with the same `idempotency_key` started this timer.
    pub replayed: bool,
}

/// Which running timers a new one replaces.
enum Replace {
    /// `start_timer`: the oldest ones, only at the user's limit.
    AtLimit(IfRunning),
    /// `switch_timer`: this one, or the only one running.
    Switch(Option<i32>),
}

struct TimerStart {
    description: String,
    billing: Billing,
    start: Option<String>,
    confirm: bool,
    idempotency_key: Option<String>,
    replace: Replace,
}

/// Start a timer now or at `start`. At the `max_active_timers` limit the oldest
/// is stopped (in `stopped`; discarded if it started that same second) unless
/// `if_running: error` (`timer_running`); stopping one after over 24 hours
/// needs `confirm`. Overlaps follow the overlap policy.
#[tool(title = "Start a timer", scope = "tracks:write")]
async fn start_timer(ctx: &Ctx, args: StartTimer) -> Result<TimerStarted, ToolError> {
    let start = TimerStart {
        description: args.description,
        billing: Billing {
            project: args.project,
            tags: args.tags,
            billable: args.billable,
            hourly_rate: args.hourly_rate,
        },
        start: args.start,
        confirm: args.confirm,
        idempotency_key: args.idempotency_key,
        replace: Replace::AtLimit(args.if_running),
    };
    run_start(ctx, start).await
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StopTimer {
    /// Timer id; optional when one runs.
    pub id: Option<i32>,
    /// When it ended; default now.
    pub end: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// Keep a stop after over 24 hours (or give the real `end`).
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub confirm: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TimerStopped {
    /// The stopped track.
    pub track: TrackOut,
    /// Other tracks it overlaps (overlap policy `warn` or `reject`; a stop is never refused for it).
    pub overlapping_track_ids: Vec<i32>,
    /// True when the timer was stopped in the second it started: a track
    /// needs a length, so it is deleted, and `track` shows it as it was.
    pub discarded: bool,
}

/// Stop a running timer, now or at `end`. None running: `no_timer_running`;
/// several and no `id`: `ambiguous`. One stopped in the second it started is
/// deleted (`discarded: true`). After over 24 hours it needs `confirm` or an
/// explicit `end`.
#[tool(title = "Stop a timer", scope = "tracks:write")]
async fn stop_timer(ctx: &Ctx, args: StopTimer) -> Result<TimerStopped, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    ctx.run(move |conn, user| {
        db::write(conn, db::Lock::User(user.id), |conn| {
            let running = tracks::running(conn, user.id)?;
            let timer = pick_running(&running, args.id)?.ok_or_else(no_timer_running)?;
            let end = match &args.end {
                Some(end) => parse_instant(end, &settings.time_zone, now)?,
                None => now,
            };
            if end.as_second() > now.as_second() + tracking::FUTURE_SKEW_SECONDS {
                return Err(ToolError::invalid(
                    "a timer cannot be stopped in the future",
                ));
            }
            // Stopped in the second it started (no `end` given): a stop must
            // stop, and a track needs a length, so the timer goes.
            if args.end.is_none() && end.as_second() <= timer.started_at.as_second() {
                tracks::ensure_not_invoiced(conn, user.id, &[timer.id])?;
                tracks::delete(conn, user.id, timer.id)?;
                return Ok(TimerStopped {
                    track: TrackOut::new(timer, &settings, now),
                    overlapping_track_ids: Vec::new(),
                    discarded: true,
                });
            }
            // An explicit end is the user's own statement of the real end time.
            tracking::check_span(timer.started_at, end, args.confirm || args.end.is_some())?;
            if let Some(description) = &args.description {
                let mut fields = timer.fields();
                fields.description = description.clone();
                fields.ended_at = Some(end);
                tracks::update(conn, user.id, timer.id, &fields, now)?;
            } else {
                tracks::stop(conn, user.id, timer.id, end, now)?;
            }
            let overlapping = if settings.overlap_policy == OverlapPolicy::Allow {
                Vec::new()
            } else {
                tracks::overlapping(
                    conn,
                    user.id,
                    timer.started_at,
                    Some(end),
                    Some(timer.id),
                    now,
                )?
            };
            let track = tracks::get(conn, user.id, timer.id)?;
            Ok(TimerStopped {
                track: TrackOut::new(&track, &settings, now),
                overlapping_track_ids: overlapping,
                discarded: false,
            })
        })
    })
    .await
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ActiveTimers {
    /// Running timers, oldest first; durations count up to now.
    pub timers: Vec<TrackOut>,
    /// How many timers may run at once (setting `max_active_timers`).
    pub max_active_timers: u32,
}

/// Running timers, oldest first, with elapsed time; empty when none runs.
#[tool(
    title = "List running timers",
    read_only,
    idempotent,
    scope = "tracks:read"
)]
async fn list_active_timers(ctx: &Ctx) -> Result<ActiveTimers, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let running = ctx.run(|conn, user| tracks::running(conn, user.id)).await?;
    Ok(ActiveTimers {
        timers: TrackOut::all(&running, &settings, now),
        max_active_timers: settings.max_active_timers,
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchTimer {
    /// Timer id; optional when one runs.
    pub stop: Option<i32>,
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
    /// Default: the project's, else the user's.
    pub billable: Option<bool>,
    /// Hourly rate (decimal).
    pub hourly_rate: Option<String>,
    /// The switch instant; default now.
    pub at: Option<String>,
    /// Allow stopping a timer over 24 hours old.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub confirm: bool,
    /// A repeated key returns the first result.
    pub idempotency_key: Option<String>,
}

/// Stop the running timer and start another at the same instant (both or
/// neither). None running: just starts; several: `stop` says which (else
/// `ambiguous`). A timer started that same second is deleted (listed in
/// `discarded`).
#[tool(title = "Switch to another timer", scope = "tracks:write")]
async fn switch_timer(ctx: &Ctx, args: SwitchTimer) -> Result<TimerStarted, ToolError> {
    let start = TimerStart {
        description: args.description,
        billing: Billing {
            project: args.project,
            tags: args.tags,
            billable: args.billable,
            hourly_rate: args.hourly_rate,
        },
        start: args.at,
        confirm: args.confirm,
        idempotency_key: args.idempotency_key,
        replace: Replace::Switch(args.stop),
    };
    run_start(ctx, start).await
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContinueTrack {
    /// The past track to continue.
    pub id: i32,
    /// When the new timer starts; default now.
    pub start: Option<String>,
    /// At the `max_active_timers` limit.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<IfRunning>")]
    pub if_running: IfRunning,
    /// Allow stopping a timer over 24 hours old.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub confirm: bool,
}

/// Start a new timer with a past track's description, project, tags, billable
/// flag and rate. Timer limits as in start_timer.
#[tool(title = "Continue a past track", scope = "tracks:write")]
async fn continue_track(ctx: &Ctx, args: ContinueTrack) -> Result<TimerStarted, ToolError> {
    let past = ctx
        .run(move |conn, user| tracks::get(conn, user.id, args.id))
        .await?;
    let start = TimerStart {
        description: past.description,
        billing: Billing {
            project: past.project.map(|p| Ref::Id(p.id)),
            tags: past.tags.into_iter().map(|t| Ref::Id(t.id)).collect(),
            billable: Some(past.billable),
            hourly_rate: past.hourly_rate.map(|r| r.to_string()),
        },
        start: args.start,
        confirm: args.confirm,
        idempotency_key: None,
        replace: Replace::AtLimit(args.if_running),
    };
    run_start(ctx, start).await
}

async fn run_start(ctx: &Ctx, start: TimerStart) -> Result<TimerStarted, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    ctx.run(move |conn, user| {
        db::write(conn, db::Lock::User(user.id), |conn| {
            start_in(conn, user.id, &settings, &start, now)
        })
    })
    .await
}

fn start_in(
    conn: &mut Conn,
    user_id: i32,
    settings: &Settings,
    request: &TimerStart,
    now: Timestamp,
) -> Result<TimerStarted, ToolError> {
    if let Some(key) = &request.idempotency_key
        && let Some(track) = tracks::by_idempotency_key(conn, user_id, key)?
    {
        return Ok(TimerStarted {
            timer: TrackOut::new(&track, settings, now),
            stopped: Vec::new(),
            discarded: Vec::new(),
            overlapping_track_ids: Vec::new(),
            replayed: true,
        });
    }
    let start = match &request.start {
        Some(start) => parse_instant(start, &settings.time_zone, now)?,
        None => now,
    };
    tracking::check_not_future(start, now)?;
    let resolved = tracks::resolve_billing(conn, user_id, settings, &request.billing)?;

    let running = tracks::running(conn, user_id)?;
    let to_stop: Vec<&Track> = match request.replace {
        Replace::Switch(id) => pick_running(&running, id)?.into_iter().collect(),
        Replace::AtLimit(_) if running.len() < settings.max_active_timers as usize => Vec::new(),
        Replace::AtLimit(IfRunning::Error) => {
            return Err(ToolError::new(
                ErrorCode::TimerRunning,
                format!("{} timer(s) already running, the most allowed", running.len()),
            )
            .hint("stop one with stop_timer, use switch_timer, or call again with if_running: stop_oldest")
            .detail("running_track_ids", running.iter().map(|t| t.id).collect::<Vec<_>>()));
        }
        Replace::AtLimit(IfRunning::StopOldest) => running
            .iter()
            .take(running.len() + 1 - settings.max_active_timers as usize)
            .collect(),
    };
    // A timer that started in this very second (or, at the default start of
    // now, a little in the future) is discarded, not stopped: a track needs a
    // length, and a switch must not fail for it.
    let (to_discard, to_stop): (Vec<&Track>, Vec<&Track>) = to_stop.into_iter().partition(|old| {
        start.as_second() == old.started_at.as_second()
            || (request.start.is_none() && start <= old.started_at)
    });
    for old in &to_stop {
        if start <= old.started_at {
            return Err(ToolError::new(
                ErrorCode::TimerRunning,
                format!("timer {} started at or after the requested start, so it cannot be stopped then", old.id),
            )
            .hint("start the new timer later, or stop the running one first")
            .detail("running_track_ids", [old.id]));
        }
        tracking::check_span(old.started_at, start, request.confirm)?;
    }
    let discard_ids: Vec<i32> = to_discard.iter().map(|t| t.id).collect();
    if !discard_ids.is_empty() {
        tracks::ensure_not_invoiced(conn, user_id, &discard_ids)?;
    }
    for old in &to_stop {
        tracks::stop(conn, user_id, old.id, start, now)?;
    }
    for id in &discard_ids {
        tracks::delete(conn, user_id, *id)?;
    }
    // Timers left running are running in parallel on purpose.
    let still_running: Vec<i32> = running
        .iter()
        .map(|t| t.id)
        .filter(|id| !to_stop.iter().any(|s| s.id == *id) && !discard_ids.contains(id))
        .collect();
    let overlapping =
        tracks::overlaps(conn, user_id, settings, (start, None), &still_running, now)?;
    let new = NewTrack {
        description: request.description.trim().to_owned(),
        project_id: resolved.project_id,
        tag_ids: resolved.tag_ids,
        started_at: start,
        ended_at: None,
        billable: resolved.billable,
        hourly_rate: resolved.hourly_rate,
        currency: resolved.currency,
        idempotency_key: request.idempotency_key.clone(),
    };
    let id = tracks::insert(conn, user_id, &new, now)?;
    let stopped_ids: Vec<i32> = to_stop.iter().map(|t| t.id).collect();
    let mut stopped = Vec::new();
    for id in stopped_ids {
        stopped.push(TrackOut::new(
            &tracks::get(conn, user_id, id)?,
            settings,
            now,
        ));
    }
    Ok(TimerStarted {
        timer: TrackOut::new(&tracks::get(conn, user_id, id)?, settings, now),
        stopped,
        discarded: to_discard
            .iter()
            .map(|t| TrackOut::new(t, settings, now))
            .collect(),
        overlapping_track_ids: overlapping,
        replayed: false,
    })
}

/// The running timer `id` names, or the only one running; `None` if none runs.
fn pick_running(running: &[Track], id: Option<i32>) -> Result<Option<&Track>, ToolError> {
    match (id, running) {
        (Some(id), _) => running
            .iter()
            .find(|t| t.id == id)
            .map(Some)
            .ok_or_else(|| {
                ToolError::not_found("running timer", format!("with id {id}"))
                    .hint("list_active_timers shows the running timers")
                    .detail(
                        "running_track_ids",
                        running.iter().map(|t| t.id).collect::<Vec<_>>(),
                    )
            }),
        (None, []) => Ok(None),
        (None, [one]) => Ok(Some(one)),
        (None, several) => Err(ToolError::new(
            ErrorCode::Ambiguous,
            format!("{} timers are running", several.len()),
        )
        .hint("pass the id of the timer to stop")
        .detail(
            "candidates",
            several
                .iter()
                .map(|t| Named {
                    id: t.id,
                    name: t.description.clone(),
                })
                .collect::<Vec<_>>(),
        )),
    }
}

fn no_timer_running() -> ToolError {
    ToolError::new(ErrorCode::NoTimerRunning, "no timer is running")
        .hint("start one with start_timer, or log the time with log_track")
}
