//! `get_context`: the first call an assistant makes.

use schemars::JsonSchema;
use serde::Serialize;

use crate::time::{When, when};
use crate::{Ctx, Tier, ToolError, tool};

#[derive(Serialize, JsonSchema)]
pub struct Context {
    pub user: ContextUser,
    /// The user's IANA time zone: every local time in and out uses it.
    pub time_zone: String,
    pub now: When,
    /// Today's date in the user's zone, `YYYY-MM-DD`.
    pub today: String,
    pub week_start: crate::db::settings::WeekStart,
}

#[derive(Serialize, JsonSchema)]
pub struct ContextUser {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub tier: Tier,
}

/// Who the user is, their time zone with "now" and "today" in it, their tier,
/// running timers and defaults. Call this first: it tells how to read and
/// write times for this user.
#[tool(title = "Get context", read_only, idempotent)]
async fn get_context(ctx: &Ctx) -> Result<Context, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let user = ctx.user();
    Ok(Context {
        user: ContextUser {
            id: user.id,
            email: user.email.clone(),
            name: user.name.clone(),
            tier: user.tier,
        },
        now: when(now, &settings.time_zone),
        today: now.to_zoned(settings.time_zone.clone()).date().to_string(),
        time_zone: settings.time_zone_name,
        week_start: settings.week_start,
    })
}
