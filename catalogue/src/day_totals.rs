//! Per-day totals (issue 11): what one stopped track adds to the row of the
//! calendar day it starts in, and which settings those figures depend on.
//! Pure: `db::day_totals` keeps the rows in step with `tracks`, the reports
//! read them as [`crate::reports::Part`]s.
//!
//! Why rollups rather than aggregates in SQL: on one user's 1,000,000 tracks
//! (SQLite, a covering index on `(user_id, started_at, ended_at, project_id,
//! billable, currency, hourly_rate)`), `SUM … GROUP BY` over a year took
//! 330 ms by day and 1.2 s by project, and `COUNT`/`SUM` over the whole
//! history 320 ms: the cost follows the rows read, and the targets are 50 ms.
//! Per-day rows make a year ≈ 365 × (projects × rates) rows whatever the
//! number of tracks, and money stays exact: each track's amount is rounded
//! to the minor unit as it is added, as the per-track computation does.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;

use crate::money;
use crate::names;
use crate::rounding::Rounding;

/// What a row's figures were computed with: the day is cut in `time_zone`,
/// each track rounded by `rounding`'s mode and step. The scope is not part
/// of it: a `total` scope rounds sums of the exact seconds at report time.
pub fn basis(time_zone: &str, rounding: Rounding) -> String {
    format!(
        "{time_zone}|{}|{}",
        names::name(rounding.mode),
        rounding.minutes
    )
}

/// The row a stopped track counts in.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DayKey {
    /// The calendar day it starts in, in the user's zone.
    pub day: Date,
    pub project_id: Option<i32>,
    pub billable: bool,
    pub currency: String,
    /// As stored on the track.
    pub hourly_rate: Option<String>,
}

/// Figures of the tracks in one row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    pub tracks: i64,
    pub seconds: i64,
    /// Each track rounded, then summed.
    pub rounded: i64,
    /// Each billable track with a rate priced from its rounded time, rounded
    /// to the minor unit, then summed.
    pub amount: Decimal,
}

impl Figures {
    /// `self + other`, or `self - other` when `retract`.
    pub fn merge(&mut self, other: &Figures, retract: bool) {
        let sign = if retract { -1 } else { 1 };
        self.tracks += sign * other.tracks;
        self.seconds += sign * other.seconds;
        self.rounded += sign * other.rounded;
        self.amount = if retract {
            money::add(self.amount, -other.amount)
        } else {
            money::add(self.amount, other.amount)
        };
    }
}

/// A stopped track as the rollups read it.
#[derive(Clone, Debug)]
pub struct Stopped {
    pub started_at: i64,
    pub ended_at: i64,
    pub project_id: Option<i32>,
    pub billable: bool,
    pub currency: String,
    pub hourly_rate: Option<String>,
}

/// The row `track` counts in and what it adds there.
pub fn contribution(track: &Stopped, tz: &TimeZone, rounding: Rounding) -> (DayKey, Figures) {
    let started = Timestamp::from_second(track.started_at).unwrap_or(Timestamp::UNIX_EPOCH);
    let seconds = (track.ended_at - track.started_at).max(0);
    let rounded = rounding.round(seconds);
    let amount = match track.hourly_rate.as_deref().map(str::parse::<Decimal>) {
        Some(Ok(rate)) if track.billable => money::amount_for(rate, rounded, &track.currency),
        _ => Decimal::ZERO,
    };
    (
        DayKey {
            day: started.to_zoned(tz.clone()).date(),
            project_id: track.project_id,
            billable: track.billable,
            currency: track.currency.clone(),
            hourly_rate: track.hourly_rate.clone(),
        },
        Figures {
            tracks: 1,
            seconds,
            rounded,
            amount,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rounding::{RoundingMode, RoundingScope};

    fn track(start: &str, end: &str, rate: Option<&str>, billable: bool) -> Stopped {
        Stopped {
            started_at: start.parse::<Timestamp>().unwrap().as_second(),
            ended_at: end.parse::<Timestamp>().unwrap().as_second(),
            project_id: Some(3),
            billable,
            currency: "EUR".into(),
            hourly_rate: rate.map(str::to_owned),
        }
    }

    #[test]
    fn a_track_counts_on_its_local_start_day_with_its_rounded_price() {
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        let up = Rounding {
            mode: RoundingMode::Up,
            minutes: 15,
            scope: RoundingScope::Track,
        };
        // 23:30 UTC is already the next day in Berlin.
        let t = track(
            "2026-10-01T23:30:00Z",
            "2026-10-01T23:35:00Z",
            Some("60"),
            true,
        );
        let (key, figures) = contribution(&t, &berlin, up);
        assert_eq!(key.day, Date::constant(2026, 10, 2));
        assert_eq!((figures.seconds, figures.rounded), (300, 900));
        assert_eq!(figures.amount, "15.00".parse().unwrap());
        let (utc_key, _) = contribution(&t, &TimeZone::UTC, up);
        assert_eq!(utc_key.day, Date::constant(2026, 10, 1));
        let unbilled = track(
            "2026-10-01T08:00:00Z",
            "2026-10-01T09:00:00Z",
            Some("60"),
            false,
        );
        assert_eq!(contribution(&unbilled, &berlin, up).1.amount, Decimal::ZERO);
    }

    #[test]
    fn figures_merge_and_retract_exactly() {
        let t = track(
            "2026-10-01T08:00:00Z",
            "2026-10-01T08:00:07Z",
            Some("0.01"),
            true,
        );
        let (_, one) = contribution(&t, &TimeZone::UTC, Rounding::NONE);
        let mut sum = Figures::default();
        for _ in 0..3 {
            sum.merge(&one, false);
        }
        sum.merge(&one, true);
        assert_eq!(sum.tracks, 2);
        assert_eq!(sum.seconds, 14);
        assert_eq!(sum.amount, one.amount + one.amount);
        assert_ne!(
            basis("UTC", Rounding::NONE),
            basis("Europe/Berlin", Rounding::NONE)
        );
    }
}
