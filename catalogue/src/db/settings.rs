//! A user's settings row (one per user, created with the user).

use diesel::prelude::*;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Conn;
use crate::ToolError;
use crate::rounding::{Rounding, RoundingMode, RoundingScope};
use crate::schema::user_settings;

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
