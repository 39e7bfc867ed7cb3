//! A user's settings as the tools read them (SPEC §3): the time zone and week
//! start, the overlap policy, billing defaults, rounding, and the display
//! formats for dates, times and durations. `db::settings` stores them.

use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::rounding::Rounding;
use crate::time::{WeekStart, format_duration, hours};
use crate::{ToolError, names};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OverlapPolicy {
    /// Saved silently.
    Allow,
    /// Saved; the result lists the overlaps.
    Warn,
    /// Refused with an `overlap` error.
    Reject,
}

/// How dates are shown to people (labels, CSV `date` column). RFC 3339
/// fields are never affected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum DateFormat {
    /// `2026-11-25` (the default).
    #[default]
    #[serde(rename = "iso")]
    Iso,
    /// `25.11.2026`.
    #[serde(rename = "dmy_dot")]
    DmyDot,
    /// `25/11/2026`.
    #[serde(rename = "dmy_slash")]
    DmySlash,
    /// `11/25/2026`.
    #[serde(rename = "mdy_slash")]
    MdySlash,
}

/// How times of day are shown to people.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TimeFormat {
    /// `14:30` (the default).
    #[default]
    #[serde(rename = "24h")]
    H24,
    /// `2:30 PM`.
    #[serde(rename = "12h")]
    H12,
}

/// How durations are shown to people.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum DurationFormat {
    /// `1:30:00` (the default).
    #[default]
    #[serde(rename = "hh_mm_ss")]
    HhMmSs,
    /// `1:30`, to the nearest minute.
    #[serde(rename = "hh_mm")]
    HhMm,
    /// `1.50` hours.
    #[serde(rename = "decimal")]
    Decimal,
}

impl DateFormat {
    pub fn format(self, date: jiff::civil::Date) -> String {
        let pattern = match self {
            DateFormat::Iso => "%Y-%m-%d",
            DateFormat::DmyDot => "%d.%m.%Y",
            DateFormat::DmySlash => "%d/%m/%Y",
            DateFormat::MdySlash => "%m/%d/%Y",
        };
        date.strftime(pattern).to_string()
    }
}

impl TimeFormat {
    pub fn format(self, time: jiff::civil::Time) -> String {
        let (hour, minute) = (time.hour(), time.minute());
        match self {
            TimeFormat::H24 => format!("{hour:02}:{minute:02}"),
            TimeFormat::H12 => {
                let half = if hour < 12 { "AM" } else { "PM" };
                let h12 = match hour % 12 {
                    0 => 12,
                    h => h,
                };
                format!("{h12}:{minute:02} {half}")
            }
        }
    }
}

impl DurationFormat {
    pub fn format(self, seconds: i64) -> String {
        let seconds = seconds.max(0);
        match self {
            DurationFormat::HhMmSs => format_duration(seconds),
            DurationFormat::HhMm => {
                let minutes = (seconds + 30) / 60;
                format!("{}:{:02}", minutes / 60, minutes % 60)
            }
            DurationFormat::Decimal => hours(seconds).to_string(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub time_zone_name: String,
    pub time_zone: TimeZone,
    pub week_start: WeekStart,
    pub max_active_timers: u32,
    pub overlap_policy: OverlapPolicy,
    pub default_billable: bool,
    pub default_currency: String,
    pub default_hourly_rate: Option<Decimal>,
    pub rounding: Rounding,
    pub date_format: String,
    pub time_format: String,
    pub duration_format: String,
    pub invoice_number_format: String,
}

impl Settings {
    /// What [`crate::time::resolve_range`] needs of the settings.
    pub fn calendar(&self) -> (&TimeZone, WeekStart) {
        (&self.time_zone, self.week_start)
    }

    // A stored format this build does not know reads as the default.
    pub fn date_display(&self) -> DateFormat {
        names::parse(&self.date_format).unwrap_or_default()
    }

    pub fn time_display(&self) -> TimeFormat {
        names::parse(&self.time_format).unwrap_or_default()
    }

    pub fn duration_display(&self) -> DurationFormat {
        names::parse(&self.duration_format).unwrap_or_default()
    }
}

/// A time zone as a user writes it, checked against the tz database and
/// returned under its canonical IANA name (`europe/berlin` → `Europe/Berlin`).
pub fn parse_time_zone(name: &str) -> Result<String, ToolError> {
    let name = name.trim();
    let zone = TimeZone::get(name).map_err(|_| {
        ToolError::invalid(format!("unknown time zone {name:?}"))
            .hint("use an IANA name such as Europe/Berlin, America/New_York or UTC")
    })?;
    Ok(zone.iana_name().unwrap_or(name).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{Date, Time};

    #[test]
    fn display_formats() {
        let day = Date::constant(2026, 3, 5);
        assert_eq!(DateFormat::Iso.format(day), "2026-03-05");
        assert_eq!(DateFormat::DmyDot.format(day), "05.03.2026");
        assert_eq!(DateFormat::DmySlash.format(day), "05/03/2026");
        assert_eq!(DateFormat::MdySlash.format(day), "03/05/2026");
        assert_eq!(TimeFormat::H24.format(Time::constant(9, 5, 0, 0)), "09:05");
        assert_eq!(
            TimeFormat::H12.format(Time::constant(0, 5, 0, 0)),
            "12:05 AM"
        );
        assert_eq!(
            TimeFormat::H12.format(Time::constant(12, 0, 0, 0)),
            "12:00 PM"
        );
        assert_eq!(
            TimeFormat::H12.format(Time::constant(23, 59, 0, 0)),
            "11:59 PM"
        );
        assert_eq!(DurationFormat::HhMmSs.format(5400), "1:30:00");
        assert_eq!(DurationFormat::HhMm.format(5429), "1:30");
        assert_eq!(DurationFormat::HhMm.format(5430), "1:31");
        assert_eq!(DurationFormat::Decimal.format(5400), "1.50");
        assert_eq!(DurationFormat::Decimal.format(60), "0.02");
        assert_eq!(
            names::parse::<DateFormat>("nonsense").unwrap_or_default(),
            DateFormat::Iso
        );
    }

    #[test]
    fn stored_names_are_serdes_names() {
        assert_eq!(names::name(DateFormat::DmySlash), "dmy_slash");
        assert_eq!(names::name(TimeFormat::H12), "12h");
        assert_eq!(names::name(DurationFormat::HhMm), "hh_mm");
        assert_eq!(names::name(WeekStart::Sunday), "sunday");
        assert_eq!(names::name(OverlapPolicy::Reject), "reject");
        let settings = Settings {
            time_zone_name: "UTC".into(),
            time_zone: TimeZone::UTC,
            week_start: WeekStart::Monday,
            max_active_timers: 1,
            overlap_policy: OverlapPolicy::Warn,
            default_billable: false,
            default_currency: "EUR".into(),
            default_hourly_rate: None,
            rounding: Rounding::NONE,
            date_format: "dmy_dot".into(),
            time_format: "12h".into(),
            duration_format: "unknown".into(),
            invoice_number_format: "INV-{YYYY}-{SEQ:4}".into(),
        };
        assert_eq!(settings.date_display(), DateFormat::DmyDot);
        assert_eq!(settings.time_display(), TimeFormat::H12);
        assert_eq!(settings.duration_display(), DurationFormat::HhMmSs);
    }

    #[test]
    fn time_zones_are_canonicalised() {
        assert_eq!(parse_time_zone(" Europe/Berlin ").unwrap(), "Europe/Berlin");
        assert_eq!(parse_time_zone("UTC").unwrap(), "UTC");
        assert!(parse_time_zone("Mars/Olympus").is_err());
        assert!(parse_time_zone("").is_err());
    }
}
