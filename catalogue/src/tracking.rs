//! The rules every tool that writes a track shares (SPEC §3): references,
//! billing resolved at save time, the overlap policy, the future-start and
//! 24-hour guards, and how a track reads in a result.

use jiff::Timestamp;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Serialize;

use crate::db::settings::{OverlapPolicy, Settings};
use crate::db::tracks::{self, Track};
use crate::db::{self, Conn};
use crate::reference::{Named, Ref};
use crate::time::{When, format_duration, when};
use crate::{ErrorCode, ToolError, money};

/// A start may be this far in the future (clock skew between assistant and server).
pub const FUTURE_SKEW_SECONDS: i64 = 60;
/// A track longer than this is most likely a forgotten timer.
pub const LONG_TRACK_SECONDS: i64 = 24 * 3600;

/// A track as every tool returns it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct TrackOut {
    pub id: i32,
    pub description: String,
    pub project: Option<Named>,
    pub tags: Vec<Named>,
    pub start: When,
    /// `null` while the timer runs.
    pub end: Option<When>,
    pub running: bool,
    /// Seconds tracked; a running timer counts up to now.
    pub duration_seconds: i64,
    /// The same as `h:mm:ss`.
    pub duration: String,
    pub billable: bool,
    /// Rate per hour, resolved when the track was saved (decimal string).
    pub hourly_rate: Option<String>,
    /// ISO 4217 code of the rate and amount.
    pub currency: String,
    /// What the track is worth when billable with a rate, rounded half-up to
    /// the currency's minor unit (decimal string).
    pub amount: Option<String>,
}

impl TrackOut {
    pub fn new(track: &Track, settings: &Settings, now: Timestamp) -> TrackOut {
        let tz = &settings.time_zone;
        let seconds = track.seconds(now);
        TrackOut {
            id: track.id,
            description: track.description.clone(),
            project: track.project.clone(),
            tags: track.tags.clone(),
            start: when(track.started_at, tz),
            end: track.ended_at.map(|end| when(end, tz)),
            running: track.ended_at.is_none(),
            duration_seconds: seconds,
            duration: format_duration(seconds),
            billable: track.billable,
            hourly_rate: track.hourly_rate.map(|r| money::format(r, &track.currency)),
            currency: track.currency.clone(),
            amount: track.hourly_rate.filter(|_| track.billable).map(|rate| {
                money::format(
                    money::amount_for(rate, seconds, &track.currency),
                    &track.currency,
                )
            }),
        }
    }

    pub fn all(tracks: &[Track], settings: &Settings, now: Timestamp) -> Vec<TrackOut> {
        tracks
            .iter()
            .map(|t| TrackOut::new(t, settings, now))
            .collect()
    }
}

/// What the caller asked for a track's project, tags and billing.
#[derive(Clone, Debug, Default)]
pub struct Billing {
    pub project: Option<Ref>,
    pub tags: Vec<Ref>,
    pub billable: Option<bool>,
    pub hourly_rate: Option<String>,
}

/// Project, tags, billable flag, rate and currency, resolved for saving:
/// rate track override → project → client → user default; currency project →
/// client → user default; billable as asked, else the project's, else the
/// user's default.
pub struct Resolved {
    pub project_id: Option<i32>,
    pub tag_ids: Vec<i32>,
    pub billable: bool,
    pub hourly_rate: Option<Decimal>,
    pub currency: String,
}

pub fn resolve(
    conn: &mut Conn,
    user_id: i32,
    settings: &Settings,
    billing: &Billing,
) -> Result<Resolved, ToolError> {
    let project = billing
        .project
        .as_ref()
        .map(|p| db::projects::resolve(conn, user_id, p))
        .transpose()?;
    let tags = db::tags::resolve_all(conn, user_id, &billing.tags)?;
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

/// Refuse a start more than a minute in the future.
pub fn check_not_future(start: Timestamp, now: Timestamp) -> Result<(), ToolError> {
    if start.as_second() > now.as_second() + FUTURE_SKEW_SECONDS {
        return Err(ToolError::invalid("a timer cannot start in the future")
            .hint("give a start time up to now, or log the time later with log_track"));
    }
    Ok(())
}

/// An end after the start, and no longer than 24 hours unless confirmed.
pub fn check_span(start: Timestamp, end: Timestamp, confirm: bool) -> Result<(), ToolError> {
    let seconds = end.as_second() - start.as_second();
    if seconds <= 0 {
        return Err(ToolError::invalid(
            "the end must be after the start (no zero-length tracks)",
        ));
    }
    if seconds > LONG_TRACK_SECONDS && !confirm {
        return Err(ToolError::invalid(format!(
            "this track would last {} (over 24 hours): probably a forgotten timer",
            format_duration(seconds)
        ))
        .hint("give the real end time, or pass confirm: true to keep it")
        .detail("needs_confirm", true)
        .detail("duration_seconds", seconds));
    }
    Ok(())
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
    let mut ids = tracks::overlapping(conn, user_id, span.0, span.1, None, now)?;
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
