//! `get_context`: the first call an assistant makes.

use schemars::JsonSchema;
use serde::Serialize;

use crate::db::settings;
use crate::db::tracks;
use crate::settings::OverlapPolicy;
use crate::time::WeekStart;
use crate::time::{When, when};
use crate::tracking::TrackOut;
use crate::{Ctx, Tier, ToolError, money, tool};

#[derive(Serialize, JsonSchema)]
pub struct Context {
    pub user: ContextUser,
    /// The user's IANA time zone: every local time in and out uses it.
    pub time_zone: String,
    pub now: When,
    /// Today's date in the user's time zone, `YYYY-MM-DD`.
    pub today: String,
    /// The first day of the user's week.
    pub week_start: WeekStart,
    /// Running timers, oldest first.
    pub running_timers: Vec<TrackOut>,
    pub defaults: Defaults,
}

#[derive(Serialize, JsonSchema)]
pub struct ContextUser {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub tier: Tier,
}

#[derive(Serialize, JsonSchema)]
pub struct Defaults {
    /// Whether a track without a billable project is billable.
    pub billable: bool,
    /// ISO 4217 currency used when neither project nor client sets one.
    pub currency: String,
    /// Rate per hour used when neither track, project nor client sets one.
    pub hourly_rate: Option<String>,
    /// How many timers may run at once.
    pub max_active_timers: u32,
    /// What happens when tracks overlap: allow, warn or reject.
    pub overlap_policy: OverlapPolicy,
}

/// Call this first: the user, their time zone with "now" and "today" in it
/// (local times are read there), tier, running timers and defaults.
#[tool(title = "Get context", read_only, idempotent, scope = "tracks:read")]
async fn get_context(ctx: &Ctx) -> Result<Context, ToolError> {
    let now = ctx.now();
    // One trip to the database thread for both reads.
    let (settings, running) = ctx
        .run(|conn, user| {
            Ok((
                settings::get(conn, user.id)?,
                tracks::running(conn, user.id)?,
            ))
        })
        .await?;
    let user = ctx.user();
    let tz = &settings.time_zone;
    Ok(Context {
        user: ContextUser {
            id: user.id,
            email: user.email.clone(),
            name: user.name.clone(),
            tier: user.tier,
        },
        now: when(now, tz),
        today: now.to_zoned(tz.clone()).date().to_string(),
        week_start: settings.week_start,
        running_timers: TrackOut::all(&running, &settings, now),
        defaults: Defaults {
            billable: settings.default_billable,
            hourly_rate: settings
                .default_hourly_rate
                .map(|r| money::format(r, &settings.default_currency)),
            currency: settings.default_currency.clone(),
            max_active_timers: settings.max_active_timers,
            overlap_policy: settings.overlap_policy,
        },
        time_zone: settings.time_zone_name.clone(),
    })
}
