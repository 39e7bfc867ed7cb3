//! A user's settings row (one per user, created with the user), the display
//! formats it names, the invoice number format, and the usage counted
//! against the tier's limits.

use diesel::prelude::*;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Conn;
use crate::ToolError;
use crate::rounding::{Rounding, RoundingMode, RoundingScope};
use crate::schema::{api_tokens, user_settings};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OverlapPolicy {
    /// Overlapping tracks are saved silently.
    Allow,
    /// Saved, and the result lists the overlapping track ids.
    Warn,
    /// Refused with an `overlap` error.
    Reject,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WeekStart {
    Monday,
    Sunday,
}

impl OverlapPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            OverlapPolicy::Allow => "allow",
            OverlapPolicy::Warn => "warn",
            OverlapPolicy::Reject => "reject",
        }
    }
}

impl WeekStart {
    pub fn as_str(self) -> &'static str {
        match self {
            WeekStart::Monday => "monday",
            WeekStart::Sunday => "sunday",
        }
    }
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
    /// `1:30:00`, hours unbounded (the default).
    #[default]
    #[serde(rename = "hh_mm_ss")]
    HhMmSs,
    /// `1:30`, to the nearest minute.
    #[serde(rename = "hh_mm")]
    HhMm,
    /// `1.50`: decimal hours with two decimals.
    #[serde(rename = "decimal")]
    Decimal,
}

impl DateFormat {
    pub const ALL: [DateFormat; 4] = [
        DateFormat::Iso,
        DateFormat::DmyDot,
        DateFormat::DmySlash,
        DateFormat::MdySlash,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DateFormat::Iso => "iso",
            DateFormat::DmyDot => "dmy_dot",
            DateFormat::DmySlash => "dmy_slash",
            DateFormat::MdySlash => "mdy_slash",
        }
    }

    /// The stored value; anything unknown reads as the default.
    pub fn from_setting(value: &str) -> DateFormat {
        DateFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == value)
            .unwrap_or_default()
    }

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
    pub fn as_str(self) -> &'static str {
        match self {
            TimeFormat::H24 => "24h",
            TimeFormat::H12 => "12h",
        }
    }

    pub fn from_setting(value: &str) -> TimeFormat {
        [TimeFormat::H24, TimeFormat::H12]
            .into_iter()
            .find(|f| f.as_str() == value)
            .unwrap_or_default()
    }

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
    pub fn as_str(self) -> &'static str {
        match self {
            DurationFormat::HhMmSs => "hh_mm_ss",
            DurationFormat::HhMm => "hh_mm",
            DurationFormat::Decimal => "decimal",
        }
    }

    pub fn from_setting(value: &str) -> DurationFormat {
        [
            DurationFormat::HhMmSs,
            DurationFormat::HhMm,
            DurationFormat::Decimal,
        ]
        .into_iter()
        .find(|f| f.as_str() == value)
        .unwrap_or_default()
    }

    pub fn format(self, seconds: i64) -> String {
        let seconds = seconds.max(0);
        match self {
            DurationFormat::HhMmSs => crate::time::format_duration(seconds),
            DurationFormat::HhMm => {
                let minutes = (seconds + 30) / 60;
                format!("{}:{:02}", minutes / 60, minutes % 60)
            }
            DurationFormat::Decimal => hours(seconds),
        }
    }
}

/// Seconds as decimal hours with two decimals, rounded half-up: `"1.50"`.
pub fn hours(seconds: i64) -> String {
    let mut h = (Decimal::from(seconds) / Decimal::from(3600))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    h.rescale(2);
    h.to_string()
}

impl Settings {
    pub fn date_display(&self) -> DateFormat {
        DateFormat::from_setting(&self.date_format)
    }

    pub fn time_display(&self) -> TimeFormat {
        TimeFormat::from_setting(&self.time_format)
    }

    pub fn duration_display(&self) -> DurationFormat {
        DurationFormat::from_setting(&self.duration_format)
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub time_zone_name: String,
    pub time_zone: jiff::tz::TimeZone,
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

#[derive(Queryable, Selectable)]
#[diesel(table_name = user_settings, check_for_backend(diesel::sqlite::Sqlite))]
struct SettingsRow {
    time_zone: String,
    week_start: String,
    max_active_timers: i32,
    overlap_policy: String,
    default_billable: bool,
    default_currency: String,
    default_hourly_rate: Option<String>,
    rounding_mode: String,
    rounding_minutes: i32,
    rounding_scope: String,
    date_format: String,
    time_format: String,
    duration_format: String,
    invoice_number_format: String,
}

pub fn get(conn: &mut Conn, user_id: i32) -> Result<Settings, ToolError> {
    let row: SettingsRow = user_settings::table
        .find(user_id)
        .select(SettingsRow::as_select())
        .first(conn)?;
    // Values were validated on the way in; a zone that has since left the
    // tz database falls back to UTC rather than failing every call.
    let time_zone = jiff::tz::TimeZone::get(&row.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    Ok(Settings {
        time_zone,
        time_zone_name: row.time_zone,
        week_start: if row.week_start == "sunday" {
            WeekStart::Sunday
        } else {
            WeekStart::Monday
        },
        max_active_timers: row.max_active_timers.max(1) as u32,
        overlap_policy: match row.overlap_policy.as_str() {
            "allow" => OverlapPolicy::Allow,
            "reject" => OverlapPolicy::Reject,
            _ => OverlapPolicy::Warn,
        },
        default_billable: row.default_billable,
        default_currency: row.default_currency,
        default_hourly_rate: row.default_hourly_rate.and_then(|r| r.parse().ok()),
        rounding: Rounding {
            mode: match row.rounding_mode.as_str() {
                "up" => RoundingMode::Up,
                "down" => RoundingMode::Down,
                "nearest" => RoundingMode::Nearest,
                _ => RoundingMode::None,
            },
            minutes: row.rounding_minutes.clamp(1, 60) as u32,
            scope: if row.rounding_scope == "total" {
                RoundingScope::Total
            } else {
                RoundingScope::Track
            },
        },
        date_format: row.date_format,
        time_format: row.time_format,
        duration_format: row.duration_format,
        invoice_number_format: row.invoice_number_format,
    })
}

/// Set the user's time zone (an IANA name, checked against the tz database).
pub fn set_time_zone(conn: &mut Conn, user_id: i32, name: &str) -> Result<(), ToolError> {
    jiff::tz::TimeZone::get(name).map_err(|_| {
        ToolError::invalid(format!("unknown time zone {name:?}"))
            .hint("use an IANA name such as Europe/Berlin")
    })?;
    diesel::update(user_settings::table.find(user_id))
        .set(user_settings::time_zone.eq(name))
        .execute(conn)?;
    Ok(())
}

/// Set how many timers may run at once (at least 1).
pub fn set_max_active_timers(conn: &mut Conn, user_id: i32, max: u32) -> Result<(), ToolError> {
    if max == 0 || max > 100 {
        return Err(ToolError::invalid(
            "max_active_timers must be between 1 and 100",
        ));
    }
    diesel::update(user_settings::table.find(user_id))
        .set(user_settings::max_active_timers.eq(max as i32))
        .execute(conn)?;
    Ok(())
}

pub fn set_overlap_policy(
    conn: &mut Conn,
    user_id: i32,
    policy: OverlapPolicy,
) -> Result<(), ToolError> {
    let value = match policy {
        OverlapPolicy::Allow => "allow",
        OverlapPolicy::Warn => "warn",
        OverlapPolicy::Reject => "reject",
    };
    diesel::update(user_settings::table.find(user_id))
        .set(user_settings::overlap_policy.eq(value))
        .execute(conn)?;
    Ok(())
}

/// A time zone as a user writes it, checked against the tz database and
/// returned under its canonical IANA name (`europe/berlin` → `Europe/Berlin`).
pub fn parse_time_zone(name: &str) -> Result<String, ToolError> {
    let name = name.trim();
    let zone = jiff::tz::TimeZone::get(name).map_err(|_| {
        ToolError::invalid(format!("unknown time zone {name:?}"))
            .hint("use an IANA name such as Europe/Berlin, America/New_York or UTC")
    })?;
    Ok(zone.iana_name().unwrap_or(name).to_owned())
}

/// The longest invoice number format accepted.
pub const INVOICE_NUMBER_FORMAT_MAX: usize = 40;

/// Check an invoice number format before it is saved. Beyond what sending
/// needs ([`crate::invoice_number::validate`]: a `{SEQ}`), a saved format may
/// hold only the placeholders `{YYYY}`, `{YY}`, `{MM}` and exactly one `{SEQ}`
/// or `{SEQ:n}`, no stray braces or control characters, and at most 40
/// characters: a typo such as `{YYY}` is caught now, not printed on an invoice.
pub fn check_invoice_number_format(format: &str) -> Result<(), ToolError> {
    use crate::invoice_number::MAX_PADDING;
    let bad = |why: String| {
        ToolError::invalid(format!("invoice_number_format {format:?}: {why}")).hint(format!(
            "use text with the placeholders {{YYYY}}, {{YY}}, {{MM}} and exactly one {{SEQ}} \
             or {{SEQ:n}} (zero-padded to n digits, 1–{MAX_PADDING}), e.g. \"INV-{{YYYY}}-{{SEQ:4}}\""
        ))
    };
    crate::invoice_number::validate(format)?;
    if format.chars().count() > INVOICE_NUMBER_FORMAT_MAX {
        return Err(bad(format!(
            "longer than {INVOICE_NUMBER_FORMAT_MAX} characters"
        )));
    }
    if format.chars().any(char::is_control) {
        return Err(bad("it contains a control character".into()));
    }
    let mut sequences = 0;
    let mut rest = format;
    while let Some(at) = rest.find(['{', '}']) {
        if rest[at..].starts_with('}') {
            return Err(bad("a `}` without its `{`".into()));
        }
        let close = rest[at..]
            .find('}')
            .ok_or_else(|| bad("a `{` without its `}`".into()))?;
        let name = &rest[at + 1..at + close];
        match name {
            "YYYY" | "YY" | "MM" => {}
            "SEQ" => sequences += 1,
            _ => match name.strip_prefix("SEQ:").map(str::parse::<usize>) {
                Some(Ok(n)) if (1..=MAX_PADDING).contains(&n) => sequences += 1,
                _ => return Err(bad(format!("unknown placeholder {{{name}}}"))),
            },
        }
        rest = &rest[at + close + 1..];
    }
    if sequences > 1 {
        return Err(bad("it has more than one {SEQ}".into()));
    }
    Ok(())
}

/// The sequence number the next sent invoice gets.
pub fn next_invoice_seq(conn: &mut Conn, user_id: i32) -> Result<i64, ToolError> {
    let last: i32 = user_settings::table
        .find(user_id)
        .select(user_settings::invoice_last_seq)
        .first(conn)?;
    Ok(i64::from(last) + 1)
}

/// Settings to change: `None` leaves a field as it is. Values are already
/// checked (see [`parse_time_zone`], [`check_invoice_number_format`],
/// `money::parse_currency`, `money::parse_rate`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SettingsUpdate {
    pub time_zone: Option<String>,
    pub week_start: Option<WeekStart>,
    pub date_format: Option<DateFormat>,
    pub time_format: Option<TimeFormat>,
    pub duration_format: Option<DurationFormat>,
    pub default_currency: Option<String>,
    /// `Some(None)` clears the default rate.
    pub default_hourly_rate: Option<Option<Decimal>>,
    pub default_billable: Option<bool>,
    pub rounding_mode: Option<RoundingMode>,
    pub rounding_minutes: Option<u32>,
    pub rounding_scope: Option<RoundingScope>,
    pub overlap_policy: Option<OverlapPolicy>,
    pub max_active_timers: Option<u32>,
    pub invoice_number_format: Option<String>,
}

#[derive(AsChangeset)]
#[diesel(table_name = user_settings)]
struct Changes {
    time_zone: Option<String>,
    week_start: Option<&'static str>,
    date_format: Option<&'static str>,
    time_format: Option<&'static str>,
    duration_format: Option<&'static str>,
    default_currency: Option<String>,
    default_hourly_rate: Option<Option<String>>,
    default_billable: Option<bool>,
    rounding_mode: Option<&'static str>,
    rounding_minutes: Option<i32>,
    rounding_scope: Option<&'static str>,
    overlap_policy: Option<&'static str>,
    max_active_timers: Option<i32>,
    invoice_number_format: Option<String>,
}

fn rounding_mode_str(mode: RoundingMode) -> &'static str {
    match mode {
        RoundingMode::None => "none",
        RoundingMode::Up => "up",
        RoundingMode::Down => "down",
        RoundingMode::Nearest => "nearest",
    }
}

fn rounding_scope_str(scope: RoundingScope) -> &'static str {
    match scope {
        RoundingScope::Track => "track",
        RoundingScope::Total => "total",
    }
}

/// Write the given settings in one statement; nothing when none is given.
pub fn update(conn: &mut Conn, user_id: i32, change: &SettingsUpdate) -> Result<(), ToolError> {
    if *change == SettingsUpdate::default() {
        return Ok(());
    }
    let changes = Changes {
        time_zone: change.time_zone.clone(),
        week_start: change.week_start.map(WeekStart::as_str),
        date_format: change.date_format.map(DateFormat::as_str),
        time_format: change.time_format.map(TimeFormat::as_str),
        duration_format: change.duration_format.map(DurationFormat::as_str),
        default_currency: change.default_currency.clone(),
        default_hourly_rate: change
            .default_hourly_rate
            .map(|rate| rate.map(|r| r.normalize().to_string())),
        default_billable: change.default_billable,
        rounding_mode: change.rounding_mode.map(rounding_mode_str),
        rounding_minutes: change
            .rounding_minutes
            .map(|m| i32::try_from(m).unwrap_or(i32::MAX)),
        rounding_scope: change.rounding_scope.map(rounding_scope_str),
        overlap_policy: change.overlap_policy.map(OverlapPolicy::as_str),
        max_active_timers: change
            .max_active_timers
            .map(|m| i32::try_from(m).unwrap_or(i32::MAX)),
        invoice_number_format: change.invoice_number_format.clone(),
    };
    diesel::update(user_settings::table.find(user_id))
        .set(changes)
        .execute(conn)?;
    Ok(())
}

/// What counts against the tier's limits: projects and clients that are
/// not archived, API tokens that are not revoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    pub projects: i64,
    pub clients: i64,
    pub api_tokens: i64,
}

pub fn usage(conn: &mut Conn, user_id: i32) -> Result<Usage, ToolError> {
    let api_tokens = api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .filter(api_tokens::revoked_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(Usage {
        // The same counts create_project and create_client check their limits against.
        projects: super::projects::count_active(conn, user_id)?,
        clients: super::clients::count_active(conn, user_id)?,
        api_tokens,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{Date, Time};

    #[test]
    fn invoice_number_formats_are_checked_strictly() {
        for good in ["INV-{YYYY}-{SEQ:4}", "{YY}{MM}/{SEQ}", "R{SEQ:12}", "{SEQ}"] {
            assert!(check_invoice_number_format(good).is_ok(), "{good:?}");
        }
        for bad in [
            "",
            "INV-{YYYY}",
            "{SEQ}{SEQ:3}",
            "{SEQ:0}",
            "{SEQ:13}-{SEQ}",
            "{seq}",
            "{DAY}-{SEQ}",
            "{YYY}-{SEQ}",
            "INV-{SEQ",
            "INV}-{SEQ}",
            "A\n{SEQ}",
            "INV-{YYYY}-{MM}-a-very-long-prefix-{SEQ:4}",
        ] {
            assert_eq!(
                check_invoice_number_format(bad).unwrap_err().code,
                crate::ErrorCode::InvalidArgument,
                "{bad:?}"
            );
        }
    }

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
        assert_eq!(DateFormat::from_setting("nonsense"), DateFormat::Iso);
    }

    #[test]
    fn time_zones_are_canonicalised() {
        assert_eq!(parse_time_zone(" Europe/Berlin ").unwrap(), "Europe/Berlin");
        assert_eq!(parse_time_zone("UTC").unwrap(), "UTC");
        assert!(parse_time_zone("Mars/Olympus").is_err());
        assert!(parse_time_zone("").is_err());
    }
}
