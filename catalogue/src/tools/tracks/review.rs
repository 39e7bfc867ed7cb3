//! `review_timesheet`: a day or a week of tracks, with gaps, overlaps and
//! long tracks found.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use crate::db::tracks::{self, Track};
use crate::time::{
    DurationInput, PeriodName, ResolvedRange, When, format_duration, parse_instant, period_range,
    start_of_day, when,
};
use crate::tracking::{Brief, TrackOut};
use crate::{Ctx, ToolError, tool};

/// The periods a timesheet review covers: a day, a week or a month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewPeriod {
    Today,
    Yesterday,
    ThisWeek,
    LastWeek,
    ThisMonth,
    LastMonth,
}

impl From<ReviewPeriod> for PeriodName {
    fn from(period: ReviewPeriod) -> PeriodName {
        match period {
            ReviewPeriod::Today => PeriodName::Today,
            ReviewPeriod::Yesterday => PeriodName::Yesterday,
            ReviewPeriod::ThisWeek => PeriodName::ThisWeek,
            ReviewPeriod::LastWeek => PeriodName::LastWeek,
            ReviewPeriod::ThisMonth => PeriodName::ThisMonth,
            ReviewPeriod::LastMonth => PeriodName::LastMonth,
        }
    }
}

/// Gaps shorter than this are breaks too short to mention.
const DEFAULT_MIN_GAP_SECONDS: i64 = 15 * 60;
/// Tracks longer than this are flagged.
const DEFAULT_LONG_TRACK_SECONDS: i64 = 8 * 3600;
/// Most items each finding of a review lists (its count and total cover all).
pub const MAX_REVIEW_ITEMS: usize = 50;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewTimesheet {
    /// One day.
    pub date: Option<String>,
    /// The week containing this day.
    pub week_of: Option<String>,
    /// A named period.
    pub period: Option<ReviewPeriod>,
    /// Report longer gaps (a duration); default 15m.
    pub min_gap: Option<DurationInput>,
    /// Flag longer tracks; default 8h.
    pub long_track: Option<DurationInput>,
}

/// A track named in a finding.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TrackRef {
    pub id: i32,
    pub description: String,
}

impl TrackRef {
    /// `id` with its description from the tracks read in full (empty if it
    /// was deleted meanwhile).
    fn of(id: i32, full: &HashMap<i32, Track>) -> TrackRef {
        TrackRef {
            id,
            description: full
                .get(&id)
                .map(|t| t.description.clone())
                .unwrap_or_default(),
        }
    }
}

/// One day of the timesheet, zero-filled when nothing was tracked.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DaySheet {
    /// `YYYY-MM-DD` in the user's time zone.
    pub date: String,
    /// Monday, Tuesday, …
    pub weekday: String,
    /// Tracks starting on this day.
    pub track_count: usize,
    /// Their time in seconds (running timers up to now).
    pub total_seconds: i64,
    /// The same as `h:mm:ss`.
    pub total_duration: String,
    /// Of it, billable tracks' seconds.
    pub billable_seconds: i64,
    /// Of it, non-billable tracks' seconds.
    pub non_billable_seconds: i64,
    /// When the first track started; `null` on an empty day.
    pub first_start: Option<When>,
    /// When the last one ended (a running timer: `null`); `null` on an empty day.
    pub last_end: Option<When>,
}

/// Untracked time between two tracks of one day.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Gap {
    /// The day, `YYYY-MM-DD`.
    pub date: String,
    /// When the gap begins: where the day's earlier tracks reach.
    pub from: When,
    /// When it ends: the next track's start.
    pub to: When,
    /// Its length.
    pub seconds: i64,
    /// The same as `h:mm:ss`.
    pub duration: String,
    /// The track that ended when the gap began.
    pub after: TrackRef,
    /// The track that started when it ended.
    pub before: TrackRef,
}

/// Two tracks covering the same time.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Overlap {
    /// The one that starts first.
    pub first: TrackRef,
    /// The one that starts later (or at the same time).
    pub second: TrackRef,
    /// Start of the shared time.
    pub from: When,
    /// End of the shared time (a running timer reaches up to now).
    pub to: When,
    /// Its length.
    pub seconds: i64,
    /// The same as `h:mm:ss`.
    pub duration: String,
}

/// One kind of finding: how many, their total time, and the first 50 items,
/// earliest first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Findings<T> {
    /// All of them, even beyond the items listed.
    pub count: usize,
    /// Their total time in seconds (gap or overlap lengths; track durations).
    pub total_seconds: i64,
    /// At most 50, earliest first.
    pub items: Vec<T>,
}

impl<T> Findings<T> {
    /// Counted and summed over `all`; only the items listed are built (a
    /// month can hold thousands of findings).
    fn new<S>(all: Vec<(i64, S)>, mut item: impl FnMut(S) -> T) -> Findings<T> {
        Findings {
            count: all.len(),
            total_seconds: all.iter().map(|(seconds, _)| seconds).sum(),
            items: all
                .into_iter()
                .take(MAX_REVIEW_ITEMS)
                .map(|(_, found)| item(found))
                .collect(),
        }
    }
}

/// The thresholds a review used.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReviewThresholds {
    /// Gaps longer than this are reported.
    pub min_gap_seconds: i64,
    /// Tracks longer than this are flagged.
    pub long_track_seconds: i64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Timesheet {
    /// The day or week reviewed.
    pub range: ResolvedRange,
    /// Every day of the range, zero-filled.
    pub days: Vec<DaySheet>,
    /// Tracks starting in the range.
    pub track_count: usize,
    /// Their time in seconds (running timers up to now).
    pub total_seconds: i64,
    /// The same as `h:mm:ss`.
    pub total_duration: String,
    /// Of it, billable tracks' seconds.
    pub billable_seconds: i64,
    /// The same as `h:mm:ss`.
    pub billable_duration: String,
    /// Of it, non-billable tracks' seconds.
    pub non_billable_seconds: i64,
    /// The same as `h:mm:ss`.
    pub non_billable_duration: String,
    /// Gaps longer than `min_gap` between a day's first start and last end.
    pub gaps: Findings<Gap>,
    /// Pairs of tracks that overlap, at least one of them starting in the range.
    pub overlaps: Findings<Overlap>,
    /// Tracks longer than `long_track` (running timers up to now).
    pub long_tracks: Findings<TrackOut>,
    /// Timers still running that started before the end of the range.
    pub running_timers: Findings<TrackOut>,
    /// Tracks without a project.
    pub without_project: Findings<TrackOut>,
    pub thresholds: ReviewThresholds,
}

/// A day as an assistant writes it: `YYYY-MM-DD`, `today`, `yesterday`, or
/// any time `parse_instant` reads (its local date).
fn parse_day(text: &str, tz: &TimeZone, now: Timestamp) -> Result<Date, ToolError> {
    if let Ok(date) = text.trim().parse::<Date>() {
        return Ok(date);
    }
    parse_instant(text, tz, now)
        .map(|ts| ts.to_zoned(tz.clone()).date())
        .map_err(|_| {
            ToolError::invalid(format!("cannot read {text:?} as a day"))
                .hint("use YYYY-MM-DD, today or yesterday")
        })
}

/// Review a day (`date`, default today), a week (`week_of`) or `period`:
/// per-day totals (zero-filled), billable split, and findings: gaps over
/// `min_gap`, overlaps, tracks over `long_track`, running timers, tracks
/// without project. A track belongs to the day it starts (ones reaching in are
/// listed, not counted). At most 50 items per finding, plus count and total.
#[tool(
    title = "Review a timesheet",
    read_only,
    idempotent,
    scope = "tracks:read"
)]
async fn review_timesheet(ctx: &Ctx, args: ReviewTimesheet) -> Result<Timesheet, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let tz = settings.time_zone.clone();
    let week_start = settings.week_start;
    let min_gap = args
        .min_gap
        .as_ref()
        .map(DurationInput::seconds)
        .transpose()?
        .unwrap_or(DEFAULT_MIN_GAP_SECONDS);
    let long_track = args
        .long_track
        .as_ref()
        .map(DurationInput::seconds)
        .transpose()?
        .unwrap_or(DEFAULT_LONG_TRACK_SECONDS);
    let on_day = |text: &str| parse_day(text, &tz, now).and_then(|d| start_of_day(d, &tz));
    let (range, period) = match (&args.date, &args.week_of, args.period) {
        (None, None, None) => (
            period_range(PeriodName::Today, week_start, &tz, now)?,
            Some(PeriodName::Today),
        ),
        (Some(date), None, None) => (
            period_range(PeriodName::Today, week_start, &tz, on_day(date)?)?,
            None,
        ),
        (None, Some(day), None) => (
            period_range(PeriodName::ThisWeek, week_start, &tz, on_day(day)?)?,
            None,
        ),
        (None, None, Some(period)) => {
            let period = PeriodName::from(period);
            (period_range(period, week_start, &tz, now)?, Some(period))
        }
        _ => {
            return Err(ToolError::invalid(
                "give one of `date`, `week_of` or `period`",
            ));
        }
    };
    let tracks = ctx
        .run(move |conn, user| tracks::spanning(conn, user.id, range, now))
        .await?;

    let end_of = |t: &Brief| t.end(now);
    let seconds = |t: &Brief| t.seconds(now);
    let day_of = |ts: Timestamp| ts.to_zoned(tz.clone()).date();
    let starts_in = |t: &Brief| t.started_at >= range.from && t.started_at < range.to;
    // Sorted by start, so the tracks starting in the range are one run, and
    // so are each day's.
    let inside: Vec<(Date, &Brief)> = tracks
        .iter()
        .filter(|t| starts_in(t))
        .map(|t| (day_of(t.started_at), t))
        .collect();

    let mut days = Vec::new();
    let mut gaps = Vec::new();
    let mut date = day_of(range.from);
    let last = day_of(range.to);
    let mut rest = &inside[..];
    while date < last {
        let n = rest.partition_point(|(day, _)| *day <= date);
        let (today, later) = rest.split_at(n);
        rest = later;
        let of_day: Vec<&Brief> = today
            .iter()
            .filter(|(day, _)| *day == date)
            .map(|(_, t)| *t)
            .collect();
        let total: i64 = of_day.iter().map(|t| seconds(t)).sum();
        let billable: i64 = of_day
            .iter()
            .filter(|t| t.billable)
            .map(|t| seconds(t))
            .sum();
        // Walk the day's tracks by start; `covered` is how far they reach.
        let mut covered: Option<(Timestamp, &Brief)> = None;
        for track in &of_day {
            if let Some((until, after)) = covered {
                let gap = track.started_at.as_second() - until.as_second();
                if gap > min_gap {
                    gaps.push((gap, (date, until, after, *track)));
                }
            }
            if covered.is_none_or(|(until, _)| end_of(track) > until) {
                covered = Some((end_of(track), track));
            }
        }
        let last_end = if of_day.iter().any(|t| t.ended_at.is_none()) {
            None
        } else {
            of_day.iter().filter_map(|t| t.ended_at).max()
        };
        days.push(DaySheet {
            date: date.to_string(),
            weekday: date.strftime("%A").to_string(),
            track_count: of_day.len(),
            total_seconds: total,
            total_duration: format_duration(total),
            billable_seconds: billable,
            non_billable_seconds: total - billable,
            first_start: of_day.first().map(|t| when(t.started_at, &tz)),
            last_end: last_end.map(|end| when(end, &tz)),
        });
        date = date
            .tomorrow()
            .map_err(|e| ToolError::invalid(e.to_string()))?;
    }

    // Sorted by start, a track can only overlap the ones after it that start
    // before it ends.
    let mut overlaps = Vec::new();
    for (i, first) in tracks.iter().enumerate() {
        for second in &tracks[i + 1..] {
            if second.started_at >= end_of(first) {
                break;
            }
            if !starts_in(first) && !starts_in(second) {
                continue;
            }
            let to = end_of(first).min(end_of(second));
            let shared = to.as_second() - second.started_at.as_second();
            if shared > 0 {
                overlaps.push((shared, (first, second, to)));
            }
        }
    }

    let inside: Vec<&Brief> = inside.into_iter().map(|(_, t)| t).collect();
    let total: i64 = inside.iter().map(|t| seconds(t)).sum();
    let billable: i64 = inside
        .iter()
        .filter(|t| t.billable)
        .map(|t| seconds(t))
        .sum();
    let flagged = |keep: &dyn Fn(&Brief) -> bool, from: &[&Brief]| -> Vec<(i64, i32)> {
        from.iter()
            .filter(|t| keep(t))
            .map(|t| (seconds(t), t.id))
            .collect()
    };
    let all: Vec<&Brief> = tracks.iter().collect();
    let long_tracks = flagged(&|t| seconds(t) > long_track, &inside);
    let running_timers = flagged(&|t| t.ended_at.is_none(), &all);
    let without_project = flagged(&|t| !t.has_project, &inside);
    // Only the tracks listed are read in full (description, tags, project).
    let listed: Vec<i32> = [&long_tracks, &running_timers, &without_project]
        .into_iter()
        .flat_map(|found| found.iter().take(MAX_REVIEW_ITEMS).map(|(_, id)| *id))
        .chain(
            gaps.iter()
                .take(MAX_REVIEW_ITEMS)
                .flat_map(|(_, (_, _, after, before))| [after.id, before.id]),
        )
        .chain(
            overlaps
                .iter()
                .take(MAX_REVIEW_ITEMS)
                .flat_map(|(_, (first, second, _))| [first.id, second.id]),
        )
        .collect();
    let (full, settings) = ctx
        .run(move |conn, user| Ok((tracks::by_ids(conn, user.id, &listed)?, settings)))
        .await?;
    let full: HashMap<i32, Track> = full.into_iter().map(|t| (t.id, t)).collect();
    // A track deleted between the two reads is counted but not listed.
    let listing = |found: Vec<(i64, i32)>| {
        let findings = Findings::new(found, |id| {
            full.get(&id).map(|t| TrackOut::new(t, &settings, now))
        });
        Findings {
            count: findings.count,
            total_seconds: findings.total_seconds,
            items: findings.items.into_iter().flatten().collect(),
        }
    };
    Ok(Timesheet {
        range: range.resolved(period, &tz),
        days,
        track_count: inside.len(),
        total_seconds: total,
        total_duration: format_duration(total),
        billable_seconds: billable,
        billable_duration: format_duration(billable),
        non_billable_seconds: total - billable,
        non_billable_duration: format_duration(total - billable),
        gaps: Findings::new(gaps, |(date, until, after, before)| Gap {
            date: date.to_string(),
            from: when(until, &tz),
            to: when(before.started_at, &tz),
            seconds: before.started_at.as_second() - until.as_second(),
            duration: format_duration(before.started_at.as_second() - until.as_second()),
            after: TrackRef::of(after.id, &full),
            before: TrackRef::of(before.id, &full),
        }),
        overlaps: Findings::new(overlaps, |(first, second, to)| {
            let shared = to.as_second() - second.started_at.as_second();
            Overlap {
                first: TrackRef::of(first.id, &full),
                second: TrackRef::of(second.id, &full),
                from: when(second.started_at, &tz),
                to: when(to, &tz),
                seconds: shared,
                duration: format_duration(shared),
            }
        }),
        long_tracks: listing(long_tracks),
        running_timers: listing(running_timers),
        without_project: listing(without_project),
        thresholds: ReviewThresholds {
            min_gap_seconds: min_gap,
            long_track_seconds: long_track,
        },
    })
}
