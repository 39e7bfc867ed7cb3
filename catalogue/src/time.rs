//! Times and durations as assistants write them (SPEC §2), read in the user's
//! time zone, and instants written back in it.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan, Zoned};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ToolError;

/// The accepted time formats, for error messages and schema descriptions.
pub const TIME_FORMATS: &str = "RFC 3339 with offset (2026-03-01T09:00:00+01:00), local \
    `YYYY-MM-DD HH:MM`, `HH:MM` (today), `now`, `today` or `yesterday` (midnight), read in the user's time zone";

/// Read a time in the user's zone. Local times in a DST gap move forward by
/// the gap; in a fold, the earlier of the two instants is taken (RFC 5545).
pub fn parse_instant(input: &str, tz: &TimeZone, now: Timestamp) -> Result<Timestamp, ToolError> {
    let text = input.trim();
    let today = now.to_zoned(tz.clone()).date();
    let local = |dt: DateTime| {
        dt.to_zoned(tz.clone())
            .map(|z| z.timestamp())
            .map_err(|e| ToolError::invalid(format!("{text:?}: {e}")))
    };
    match text.to_ascii_lowercase().as_str() {
        "now" => return Ok(now),
        "today" => return local(today.to_datetime(Time::midnight())),
        "yesterday" => return local(yesterday(today)?.to_datetime(Time::midnight())),
        _ => {}
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts);
    }
    if let Ok(dt) = text.parse::<DateTime>() {
        // A bare date also parses as a DateTime at midnight.
        return local(dt);
    }
    if let Ok(time) = text.parse::<Time>() {
        return local(today.to_datetime(time));
    }
    Err(
        ToolError::invalid(format!("cannot read {text:?} as a time"))
            .hint(format!("use {TIME_FORMATS}")),
    )
}

fn yesterday(today: Date) -> Result<Date, ToolError> {
    today
        .yesterday()
        .map_err(|e| ToolError::invalid(e.to_string()))
}

/// A duration: a number of seconds, or text such as `"1h30m"`, `"90m"`,
/// `"45s"` or decimal hours `"1.5"`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum DurationInput {
    /// Seconds.
    Seconds(u64),
    /// `"1h30m"`, `"90m"`, `"45s"`, or decimal hours such as `"1.5"`.
    Text(String),
}

impl DurationInput {
    /// Whole seconds, rounded to the nearest second; zero and negative are refused.
    pub fn seconds(&self) -> Result<i64, ToolError> {
        let secs = match self {
            DurationInput::Seconds(s) => {
                i64::try_from(*s).map_err(|_| ToolError::invalid("duration too long"))?
            }
            DurationInput::Text(text) => parse_duration_text(text)?,
        };
        if secs <= 0 {
            return Err(ToolError::invalid("a duration must be longer than zero"));
        }
        Ok(secs)
    }
}

fn parse_duration_text(text: &str) -> Result<i64, ToolError> {
    let trimmed = text.trim();
    let bad = || {
        ToolError::invalid(format!("cannot read {trimmed:?} as a duration"))
            .hint("use seconds (5400), \"1h30m\", \"90m\" or decimal hours (\"1.5\")")
    };
    if let Ok(hours) = trimmed.parse::<Decimal>() {
        let secs = hours
            .checked_mul(Decimal::from(3600))
            .ok_or_else(|| ToolError::invalid("duration too long"))?
            .round();
        return i64::try_from(secs).map_err(|_| ToolError::invalid("duration too long"));
    }
    let duration: SignedDuration = trimmed.parse().map_err(|_| bad())?;
    Ok(duration.as_secs_f64().round() as i64)
}

/// An instant as an assistant reads it: in the user's zone, and in UTC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct When {
    /// RFC 3339 in the user's time zone.
    pub local: String,
    /// The same instant in UTC.
    pub utc: String,
}

pub fn when(ts: Timestamp, tz: &TimeZone) -> When {
    let zoned = ts.to_zoned(tz.clone());
    When {
        local: zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        utc: ts.to_string(),
    }
}

/// `h:mm:ss`, hours unbounded.
pub fn format_duration(secs: i64) -> String {
    let secs = secs.max(0);
    format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Seconds as decimal hours with two decimals, rounded half-up: 5400 → `1.50`.
pub fn hours(seconds: i64) -> Decimal {
    let mut h = (Decimal::from(seconds) / Decimal::from(3600))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    h.rescale(2);
    h
}

/// The day a user's weeks start on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WeekStart {
    Monday,
    Sunday,
}

/// A named period; weeks start on the user's `week_start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodName {
    Today,
    Yesterday,
    ThisWeek,
    LastWeek,
    ThisMonth,
    LastMonth,
    ThisYear,
    LastYear,
}

/// A half-open range of instants `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub from: Timestamp,
    pub to: Timestamp,
}

/// The range a response used, echoed so the assistant can say what it covered.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ResolvedRange {
    /// The named period, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<PeriodName>,
    /// Start, inclusive.
    pub from: When,
    /// End, exclusive.
    pub to: When,
}

impl Range {
    pub fn resolved(&self, period: Option<PeriodName>, tz: &TimeZone) -> ResolvedRange {
        ResolvedRange {
            period,
            from: when(self.from, tz),
            to: when(self.to, tz),
        }
    }
}

/// Resolve a period, or `from`/`to` (either may be open), in the user's zone.
pub fn resolve_range(
    period: Option<PeriodName>,
    from: Option<&str>,
    to: Option<&str>,
    (tz, week_start): (&TimeZone, WeekStart),
    now: Timestamp,
) -> Result<Option<Range>, ToolError> {
    match (period, from, to) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(ToolError::invalid(
            "give either `period` or `from`/`to`, not both",
        )),
        (Some(period), None, None) => period_range(period, week_start, tz, now).map(Some),
        (None, None, None) => Ok(None),
        (None, from, to) => {
            let from = from
                .map(|f| parse_instant(f, tz, now))
                .transpose()?
                .unwrap_or(Timestamp::MIN);
            let to = to
                .map(|t| parse_instant(t, tz, now))
                .transpose()?
                .unwrap_or(Timestamp::MAX);
            if to <= from {
                return Err(ToolError::invalid("`to` must be after `from`"));
            }
            Ok(Some(Range { from, to }))
        }
    }
}

pub fn period_range(
    period: PeriodName,
    week_start: WeekStart,
    tz: &TimeZone,
    now: Timestamp,
) -> Result<Range, ToolError> {
    let today = now.to_zoned(tz.clone()).date();
    let err = |e: jiff::Error| ToolError::invalid(e.to_string());
    let week_first = |d: Date| {
        let back = match week_start {
            WeekStart::Monday => d.weekday().to_monday_zero_offset(),
            WeekStart::Sunday => d.weekday().to_sunday_zero_offset(),
        };
        d.checked_sub(i64::from(back).days())
    };
    let (start, end): (Date, Date) = match period {
        PeriodName::Today => (today, today.tomorrow().map_err(err)?),
        PeriodName::Yesterday => (today.yesterday().map_err(err)?, today),
        PeriodName::ThisWeek => {
            let s = week_first(today).map_err(err)?;
            (s, s.checked_add(7.days()).map_err(err)?)
        }
        PeriodName::LastWeek => {
            let s = week_first(today).map_err(err)?;
            (s.checked_sub(7.days()).map_err(err)?, s)
        }
        PeriodName::ThisMonth => {
            let s = today.first_of_month();
            (s, s.checked_add(1.month()).map_err(err)?)
        }
        PeriodName::LastMonth => {
            let s = today.first_of_month();
            (s.checked_sub(1.month()).map_err(err)?, s)
        }
        PeriodName::ThisYear => {
            let s = today.first_of_year();
            (s, s.checked_add(1.year()).map_err(err)?)
        }
        PeriodName::LastYear => {
            let s = today.first_of_year();
            (s.checked_sub(1.year()).map_err(err)?, s)
        }
    };
    Ok(Range {
        from: start_of_day(start, tz)?,
        to: start_of_day(end, tz)?,
    })
}

/// The first instant of a local day (not always 00:00: some zones skip midnight).
pub fn start_of_day(date: Date, tz: &TimeZone) -> Result<Timestamp, ToolError> {
    date.to_zoned(tz.clone())
        .and_then(|z: Zoned| z.start_of_day())
        .map(|z| z.timestamp())
        .map_err(|e| ToolError::invalid(e.to_string()))
}

/// The user's calendar day at `now`.
pub fn today(tz: &TimeZone, now: Timestamp) -> Date {
    now.to_zoned(tz.clone()).date()
}

/// A calendar date: `YYYY-MM-DD`, `today` or `yesterday` in the user's zone.
pub fn parse_date(
    text: &str,
    field: &str,
    tz: &TimeZone,
    now: Timestamp,
) -> Result<Date, ToolError> {
    let text = text.trim();
    let today = today(tz, now);
    match text.to_ascii_lowercase().as_str() {
        "today" => return Ok(today),
        "yesterday" => {
            return today
                .yesterday()
                .map_err(|e| ToolError::invalid(e.to_string()));
        }
        _ => {}
    }
    text.parse::<Date>().map_err(|_| {
        ToolError::invalid(format!("{field} {text:?} is not a date"))
            .hint("write dates as YYYY-MM-DD, or `today` / `yesterday`")
    })
}

/// The calendar day `ts` falls on in `tz`.
pub fn local_date(ts: Timestamp, tz: &TimeZone) -> Date {
    ts.to_zoned(tz.clone()).date()
}

pub fn add_days(date: Date, days: i32) -> Result<Date, ToolError> {
    date.checked_add(jiff::Span::new().days(i64::from(days)))
        .map_err(|e| ToolError::invalid(e.to_string()))
}

/// The first day whose start lies in `[from, to)`, and the first after it
/// that does not: how a range of instants selects calendar dates.
pub fn day_bounds(
    range: Range,
    tz: &TimeZone,
) -> Result<(Option<String>, Option<String>), ToolError> {
    let first_day_from = |ts: Timestamp| -> Result<String, ToolError> {
        let date = local_date(ts, tz);
        let date = if start_of_day(date, tz)? < ts {
            date.tomorrow()
                .map_err(|e| ToolError::invalid(e.to_string()))?
        } else {
            date
        };
        Ok(date.to_string())
    };
    let from = (range.from != Timestamp::MIN)
        .then(|| first_day_from(range.from))
        .transpose()?;
    let to = (range.to != Timestamp::MAX)
        .then(|| first_day_from(range.to))
        .transpose()?;
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn every_input_format_is_read_in_the_users_zone() {
        let now = ts("2026-11-25T14:30:00Z"); // 15:30 in Berlin
        let tz = berlin();
        let p = |s| parse_instant(s, &tz, now).unwrap();
        assert_eq!(p("2026-11-25T09:00:00+01:00"), ts("2026-11-25T08:00:00Z"));
        assert_eq!(p("2026-11-25T09:00:00Z"), ts("2026-11-25T09:00:00Z"));
        assert_eq!(p("2026-11-20 09:15"), ts("2026-11-20T08:15:00Z"));
        assert_eq!(p("2026-11-20T09:15:30"), ts("2026-11-20T08:15:30Z"));
        assert_eq!(p("09:00"), ts("2026-11-25T08:00:00Z"));
        assert_eq!(p("now"), now);
        assert_eq!(p("today"), ts("2026-11-24T23:00:00Z"));
        assert_eq!(p("Yesterday"), ts("2026-11-23T23:00:00Z"));
        assert_eq!(p("2026-11-20"), ts("2026-11-19T23:00:00Z"));
        let err = parse_instant("next tuesday", &tz, now).unwrap_err();
        assert_eq!(err.code, crate::ErrorCode::InvalidArgument);
        assert!(err.hint.unwrap().contains("RFC 3339"));
    }

    #[test]
    fn local_times_around_dst_changes_are_resolved_predictably() {
        let tz = berlin();
        let now = ts("2026-11-25T12:00:00Z");
        // 2026-03-29: 02:00 → 03:00 in Berlin; 02:30 does not exist.
        assert_eq!(
            parse_instant("2026-03-29 02:30", &tz, now).unwrap(),
            ts("2026-03-29T01:30:00Z")
        );
        // 2026-10-25: 03:00 → 02:00; 02:30 happens twice, the earlier is taken.
        assert_eq!(
            parse_instant("2026-10-25 02:30", &tz, now).unwrap(),
            ts("2026-10-25T00:30:00Z")
        );
    }

    #[test]
    fn durations_in_every_accepted_form() {
        let secs = |d: DurationInput| d.seconds();
        assert_eq!(secs(DurationInput::Seconds(5400)).unwrap(), 5400);
        assert_eq!(secs(DurationInput::Text("1h30m".into())).unwrap(), 5400);
        assert_eq!(secs(DurationInput::Text("90m".into())).unwrap(), 5400);
        assert_eq!(secs(DurationInput::Text("1.5".into())).unwrap(), 5400);
        assert_eq!(secs(DurationInput::Text("2".into())).unwrap(), 7200);
        assert_eq!(secs(DurationInput::Text("45s".into())).unwrap(), 45);
        assert_eq!(secs(DurationInput::Text("0.25".into())).unwrap(), 900);
        for bad in ["0", "-1", "0m", "soon", ""] {
            let err = secs(DurationInput::Text(bad.into())).unwrap_err();
            assert_eq!(err.code, crate::ErrorCode::InvalidArgument, "{bad}");
        }
        assert!(secs(DurationInput::Seconds(0)).is_err());
        // Too many hours to count in seconds: an error, not a panic.
        for huge in ["79228162514264337593543950335", "9999999999999999"] {
            let err = secs(DurationInput::Text(huge.into())).unwrap_err();
            assert_eq!(err.message, "duration too long", "{huge}");
        }
    }

    #[test]
    fn output_has_local_and_utc_and_durations_read_as_clock_time() {
        let w = when(ts("2026-07-01T07:00:00Z"), &berlin());
        assert_eq!(w.local, "2026-07-01T09:00:00+02:00");
        assert_eq!(w.utc, "2026-07-01T07:00:00Z");
        assert_eq!(format_duration(5400), "1:30:00");
        assert_eq!(format_duration(90061), "25:01:01");
        assert_eq!(hours(5400).to_string(), "1.50");
        assert_eq!(hours(60).to_string(), "0.02");
        assert_eq!(hours(0).to_string(), "0.00");
    }

    #[test]
    fn periods_follow_week_start_and_dst() {
        let now = ts("2026-11-25T14:30:00Z"); // a Wednesday
        let tz = berlin();
        let s = (&tz, WeekStart::Monday);
        let week = resolve_range(Some(PeriodName::ThisWeek), None, None, s, now)
            .unwrap()
            .unwrap();
        assert_eq!(week.from, ts("2026-11-22T23:00:00Z"));
        assert_eq!(week.to, ts("2026-11-29T23:00:00Z"));
        let s_sun = (&tz, WeekStart::Sunday);
        let week = resolve_range(Some(PeriodName::ThisWeek), None, None, s_sun, now)
            .unwrap()
            .unwrap();
        assert_eq!(week.from, ts("2026-11-21T23:00:00Z"));
        // October 2026 in Berlin has 31 days and one 25-hour day.
        let oct = Range {
            from: start_of_day(Date::constant(2026, 10, 1), &tz).unwrap(),
            to: start_of_day(Date::constant(2026, 11, 1), &tz).unwrap(),
        };
        assert_eq!(oct.to.as_second() - oct.from.as_second(), 31 * 86400 + 3600);
        let last = resolve_range(Some(PeriodName::LastMonth), None, None, s, now)
            .unwrap()
            .unwrap();
        assert_eq!(last, oct);
        assert!(resolve_range(Some(PeriodName::Today), Some("09:00"), None, s, now).is_err());
        assert!(resolve_range(None, Some("10:00"), Some("09:00"), s, now).is_err());
        assert_eq!(resolve_range(None, None, None, s, now).unwrap(), None);
    }
}
