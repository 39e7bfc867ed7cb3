//! A user's settings row (one per user, created with the user), read as
//! [`Settings`] and changed by [`SettingsUpdate`], and the usage counted
//! against the tier's limits.

use diesel::prelude::*;
use rust_decimal::Decimal;

use super::Conn;
use crate::rounding::{Rounding, RoundingMode, RoundingScope};
use crate::schema::{api_tokens, user_settings};
use crate::settings::{DateFormat, DurationFormat, OverlapPolicy, Settings, TimeFormat};
use crate::time::WeekStart;
use crate::{ToolError, names};

#[derive(Queryable, Selectable)]
#[diesel(table_name = user_settings, check_for_backend(crate::db::Backend))]
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
    // Every call reads it: spelt per engine, so that SQLite finds the
    // statement it keeps prepared without building its SQL (see `per_backend!`).
    let row: SettingsRow = super::per_backend!(conn, |c| user_settings::table
        .find(user_id)
        .select(SettingsRow::as_select())
        .first(c))?;
    // Values were validated on the way in; a zone that has since left the
    // tz database falls back to UTC rather than failing every call.
    let time_zone = jiff::tz::TimeZone::get(&row.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    Ok(Settings {
        time_zone,
        time_zone_name: row.time_zone,
        // Values were checked on the way in (most columns have a CHECK
        // constraint too); these fallbacks are the columns' defaults.
        week_start: names::parse(&row.week_start).unwrap_or(WeekStart::Monday),
        max_active_timers: row.max_active_timers.max(1) as u32,
        overlap_policy: names::parse(&row.overlap_policy).unwrap_or(OverlapPolicy::Warn),
        default_billable: row.default_billable,
        default_currency: row.default_currency,
        default_hourly_rate: row.default_hourly_rate.and_then(|r| r.parse().ok()),
        rounding: Rounding {
            mode: names::parse(&row.rounding_mode).unwrap_or(RoundingMode::None),
            minutes: row.rounding_minutes.clamp(1, 60) as u32,
            scope: names::parse(&row.rounding_scope).unwrap_or(RoundingScope::Track),
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
    diesel::update(user_settings::table.find(user_id))
        .set(user_settings::overlap_policy.eq(names::name(policy)))
        .execute(conn)?;
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
/// checked (see [`crate::settings::parse_time_zone`],
/// [`crate::invoice_number::check_format`],
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

/// Write the given settings in one statement; nothing when none is given.
pub fn update(conn: &mut Conn, user_id: i32, change: &SettingsUpdate) -> Result<(), ToolError> {
    if *change == SettingsUpdate::default() {
        return Ok(());
    }
    let changes = Changes {
        time_zone: change.time_zone.clone(),
        week_start: change.week_start.map(names::name),
        date_format: change.date_format.map(names::name),
        time_format: change.time_format.map(names::name),
        duration_format: change.duration_format.map(names::name),
        default_currency: change.default_currency.clone(),
        default_hourly_rate: change
            .default_hourly_rate
            .map(|rate| rate.map(|r| r.normalize().to_string())),
        default_billable: change.default_billable,
        rounding_mode: change.rounding_mode.map(names::name),
        rounding_minutes: change
            .rounding_minutes
            .map(|m| i32::try_from(m).unwrap_or(i32::MAX)),
        rounding_scope: change.rounding_scope.map(names::name),
        overlap_policy: change.overlap_policy.map(names::name),
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
