//! Settings: time zone, week, display formats, billing defaults, rounding,
//! timer rules and invoice numbering; and the subscription with its usage.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::db::settings::{self, SettingsUpdate};
use crate::db::{self, tracks};
use crate::invoice_number;
use crate::rounding::{Rounding, RoundingMode, RoundingScope};
use crate::settings::{
    DateFormat, DurationFormat, OverlapPolicy, Settings, TimeFormat, parse_time_zone,
};
use crate::tiers::{self, Limits};
use crate::time::WeekStart;
use crate::{Ctx, Tier, ToolError, money, patch, registry, tool};

#[derive(Debug, Serialize, JsonSchema)]
pub struct SettingsOut {
    /// IANA time zone: local times in and out, days, weeks and months are read in it.
    pub time_zone: String,
    /// The first day of the week (periods `this_week`, `last_week`, weekly totals).
    pub week_start: WeekStart,
    /// How dates are shown to people: Date format.
    pub date_format: DateFormat,
    /// How times of day are shown to people: `24h` 14:30, `12h` 2:30 PM.
    pub time_format: TimeFormat,
    /// How durations are shown to people: `hh_mm_ss` 1:30:00, `hh_mm` 1:30,
    /// `decimal` 1.50.
    pub duration_format: DurationFormat,
    /// ISO 4217 currency used when neither project nor client sets one.
    pub default_currency: String,
    /// Rate per hour used when neither track, project nor client sets one.
    pub default_hourly_rate: Option<String>,
    /// Billable without a project.
    pub default_billable: bool,
    /// Rounding applied in reports, budgets and invoices (never to stored times).
    pub rounding: Rounding,
    /// What happens when tracks overlap: allow, warn or reject.
    pub overlap_policy: OverlapPolicy,
    /// How many timers may run at once (1–100).
    pub max_active_timers: u32,
    /// How sent invoices are numbered: `{YYYY}`, `{YY}`, `{MM}` and one
    /// `{SEQ}` or `{SEQ:n}` (zero-padded to n digits).
    pub invoice_number_format: String,
    /// What the settings look like in use.
    pub preview: Preview,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Preview {
    /// Today in `date_format`.
    pub date: String,
    /// The time now in `time_format`.
    pub time: String,
    /// 1 h 30 min in `duration_format`.
    pub duration: String,
    /// The number the next sent invoice gets, if sent today.
    pub next_invoice_number: String,
}

fn settings_out(settings: &Settings, next_seq: i64, now: jiff::Timestamp) -> SettingsOut {
    let local = now.to_zoned(settings.time_zone.clone());
    SettingsOut {
        time_zone: settings.time_zone_name.clone(),
        week_start: settings.week_start,
        date_format: settings.date_display(),
        time_format: settings.time_display(),
        duration_format: settings.duration_display(),
        default_currency: settings.default_currency.clone(),
        default_hourly_rate: settings
            .default_hourly_rate
            .map(|r| money::format(r, &settings.default_currency)),
        default_billable: settings.default_billable,
        rounding: settings.rounding,
        overlap_policy: settings.overlap_policy,
        max_active_timers: settings.max_active_timers,
        invoice_number_format: settings.invoice_number_format.clone(),
        preview: Preview {
            date: settings.date_display().format(local.date()),
            time: settings.time_display().format(local.time()),
            duration: settings.duration_display().format(5400),
            next_invoice_number: crate::invoice_number::format(
                &settings.invoice_number_format,
                next_seq,
                local.date(),
            ),
        },
    }
}

/// All settings (time zone, week start, formats, billing defaults, rounding,
/// overlap policy, timer limit, invoice numbering), with previews.
#[tool(title = "Get settings", read_only, idempotent, scope = "tracks:read")]
async fn get_settings(ctx: &Ctx) -> Result<SettingsOut, ToolError> {
    let now = ctx.now();
    ctx.run(move |conn, user| {
        let settings = settings::get(conn, user.id)?;
        let next = settings::next_invoice_seq(conn, user.id)?;
        Ok(settings_out(&settings, next, now))
    })
    .await
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSettings {
    /// IANA time zone, e.g. "Europe/Berlin".
    pub time_zone: Option<String>,
    /// The first day of the week.
    pub week_start: Option<WeekStart>,
    /// Date format.
    pub date_format: Option<DateFormat>,
    /// Time format.
    pub time_format: Option<TimeFormat>,
    /// Duration format.
    pub duration_format: Option<DurationFormat>,
    /// ISO 4217 code.
    pub default_currency: Option<String>,
    /// Hourly rate (decimal).
    pub default_hourly_rate: Option<String>,
    /// Billable without a project.
    pub default_billable: Option<bool>,
    /// Rounding of reports, budgets, invoices.
    pub rounding: Option<RoundingUpdate>,
    /// Overlapping tracks.
    pub overlap_policy: Option<OverlapPolicy>,
    /// How many timers may run at once, 1–100.
    #[schemars(range(min = 1, max = 100))]
    pub max_active_timers: Option<u32>,
    /// E.g. "INV-{YYYY}-{SEQ:4}": `{YYYY}`, `{YY}`, `{MM}`, one `{SEQ}` or `{SEQ:n}` (n 1–12); ≤ 40 chars.
    pub invoice_number_format: Option<String>,
    /// Fields to clear: `default_hourly_rate` removes the default rate.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<Vec<UpdateSettingsClear>>")]
    pub clear: Vec<UpdateSettingsClear>,
}

// A field `UpdateSettings` can clear.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpdateSettingsClear {
    DefaultHourlyRate,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundingUpdate {
    /// Rounding mode.
    pub mode: Option<RoundingMode>,
    /// The step in minutes, 1–60.
    #[schemars(range(min = 1, max = 60))]
    pub minutes: Option<u32>,
    /// What is rounded.
    pub scope: Option<RoundingScope>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SettingsUpdated {
    /// Every setting after the change.
    pub settings: SettingsOut,
    /// The settings whose value changed (`rounding.minutes` for a part of
    /// rounding); empty when everything already had the given value.
    pub changed: Vec<String>,
    /// Consequences worth telling the user (running timers over a new limit).
    pub notes: Vec<String>,
}

/// Check every given value before anything is written.
fn validate(args: UpdateSettings) -> Result<SettingsUpdate, ToolError> {
    let rounding = args.rounding.unwrap_or_default();
    if let Some(minutes) = rounding.minutes
        && !(1..=60).contains(&minutes)
    {
        return Err(
            ToolError::invalid(format!("rounding minutes must be 1–60, not {minutes}"))
                .hint("use e.g. 6, 15 or 30; mode none turns rounding off"),
        );
    }
    if let Some(max) = args.max_active_timers
        && !(1..=100).contains(&max)
    {
        return Err(ToolError::invalid(format!(
            "max_active_timers must be 1–100, not {max}"
        )));
    }
    if let Some(format) = &args.invoice_number_format {
        invoice_number::check_format(format)?;
    }
    Ok(SettingsUpdate {
        time_zone: args.time_zone.as_deref().map(parse_time_zone).transpose()?,
        week_start: args.week_start,
        date_format: args.date_format,
        time_format: args.time_format,
        duration_format: args.duration_format,
        default_currency: args
            .default_currency
            .as_deref()
            .map(money::parse_currency)
            .transpose()?,
        default_hourly_rate: patch::field(
            args.default_hourly_rate,
            &args.clear,
            UpdateSettingsClear::DefaultHourlyRate,
        )?
        .map(|rate| rate.as_deref().map(money::parse_rate).transpose())
        .transpose()?,
        default_billable: args.default_billable,
        rounding_mode: rounding.mode,
        rounding_minutes: rounding.minutes,
        rounding_scope: rounding.scope,
        overlap_policy: args.overlap_policy,
        max_active_timers: args.max_active_timers,
        invoice_number_format: args.invoice_number_format,
    })
}

/// The names of the fields that differ, `rounding.<part>` for rounding.
fn changed_fields(before: &SettingsOut, after: &SettingsOut) -> Vec<String> {
    let (Ok(Value::Object(before)), Ok(Value::Object(after))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Vec::new();
    };
    let mut changed = Vec::new();
    for (key, old) in &before {
        let new = &after[key];
        match (key.as_str(), old, new) {
            ("preview", _, _) => {}
            (_, Value::Object(old), Value::Object(new)) => changed.extend(
                old.iter()
                    .filter(|(part, value)| new.get(*part) != Some(value))
                    .map(|(part, _)| format!("{key}.{part}")),
            ),
            _ if old != new => changed.push(key.clone()),
            _ => {}
        }
    }
    changed
}

/// Change settings (only fields given, in `rounding` too). Any bad value is
/// `invalid_argument` and nothing changes; `changed` lists what did. A new time
/// zone never moves stored times; lowering `max_active_timers` stops no timer.
#[tool(title = "Update settings", idempotent, scope = "admin")]
async fn update_settings(ctx: &Ctx, args: UpdateSettings) -> Result<SettingsUpdated, ToolError> {
    let now = ctx.now();
    let update = validate(args)?;
    ctx.run(move |conn, user| {
        db::write(conn, db::Lock::User(user.id), |conn| {
            let next = settings::next_invoice_seq(conn, user.id)?;
            let before = settings_out(&settings::get(conn, user.id)?, next, now);
            settings::update(conn, user.id, &update)?;
            let settings = settings::get(conn, user.id)?;
            let after = settings_out(&settings, next, now);
            let mut notes = Vec::new();
            let running = tracks::running(conn, user.id)?.len();
            if update.max_active_timers.is_some() && running > settings.max_active_timers as usize {
                notes.push(format!(
                    "{running} timers are running, more than max_active_timers {}: they keep \
                     running; the next start_timer stops the oldest",
                    settings.max_active_timers
                ));
            }
            Ok(SettingsUpdated {
                changed: changed_fields(&before, &after),
                settings: after,
                notes,
            })
        })
    })
    .await
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Subscription {
    /// The user's tier.
    pub tier: Tier,
    /// Usage against the tier's limits.
    pub usage: Usage,
    /// The tier's limits and features.
    pub limits: Limits,
    /// Tools the user's tier cannot call yet, with the tier that unlocks each.
    pub locked_tools: Vec<LockedTool>,
    /// Every tier, lowest first: what it allows and what it adds.
    pub tiers: Vec<TierOffer>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Usage {
    /// Projects that are not archived.
    pub projects: UsageLine,
    /// Clients that are not archived.
    pub clients: UsageLine,
    /// API tokens that are not revoked.
    pub api_tokens: UsageLine,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct UsageLine {
    pub used: i64,
    /// The tier's limit; `null` is unlimited.
    pub limit: Option<u32>,
    /// How many more fit; `null` is unlimited.
    pub remaining: Option<i64>,
    /// True when the limit is reached: creating another answers `limit_reached`.
    pub at_limit: bool,
}

impl UsageLine {
    fn new(used: i64, limit: Option<u32>) -> UsageLine {
        UsageLine {
            used,
            limit,
            remaining: limit.map(|l| (i64::from(l) - used).max(0)),
            at_limit: limit.is_some_and(|l| used >= i64::from(l)),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct LockedTool {
    pub name: String,
    /// The lowest tier that may call it.
    pub required_tier: Tier,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TierOffer {
    pub tier: Tier,
    /// True for the user's tier.
    pub current: bool,
    pub limits: Limits,
    /// Features this tier has that the tier below lacks.
    pub unlocks_features: Vec<String>,
    /// Tools first callable at this tier (for `free`: the tools every tier has).
    pub unlocks_tools: Vec<String>,
    /// How many tools this tier may call in all.
    pub tool_count: usize,
}

/// The features of a tier: the yes/no entries of its limits.
fn features(limits: &Limits) -> Vec<String> {
    match serde_json::to_value(limits) {
        Ok(Value::Object(fields)) => fields
            .into_iter()
            .filter(|(_, v)| *v == Value::Bool(true))
            .map(|(k, _)| k)
            .collect(),
        _ => Vec::new(),
    }
}

/// The user's tier, usage against its limits (`null` = unlimited), every tier's
/// limits and tools; `locked_tools` answer `tier_required`. The operator
/// changes tiers.
#[tool(
    title = "Get subscription",
    read_only,
    idempotent,
    scope = "tracks:read"
)]
async fn get_subscription(ctx: &Ctx) -> Result<Subscription, ToolError> {
    let tier = ctx.user().tier;
    let used = ctx.run(|conn, user| settings::usage(conn, user.id)).await?;
    let limits = tiers::limits(tier);
    let tools = registry();
    let mut offers: Vec<TierOffer> = Vec::new();
    for t in Tier::ALL {
        let below = offers
            .last()
            .map(|o| features(&o.limits))
            .unwrap_or_default();
        let tier_limits = tiers::limits(t);
        offers.push(TierOffer {
            tier: t,
            current: t == tier,
            unlocks_features: features(&tier_limits)
                .into_iter()
                .filter(|f| !below.contains(f))
                .collect(),
            limits: tier_limits,
            unlocks_tools: tools
                .iter()
                .filter(|d| d.tier == t)
                .map(|d| d.name.to_owned())
                .collect(),
            tool_count: tools.iter().filter(|d| d.tier <= t).count(),
        });
    }
    Ok(Subscription {
        tier,
        usage: Usage {
            projects: UsageLine::new(used.projects, limits.projects),
            clients: UsageLine::new(used.clients, limits.clients),
            api_tokens: UsageLine::new(used.api_tokens, limits.api_tokens),
        },
        limits,
        locked_tools: tools
            .iter()
            .filter(|d| d.tier > tier)
            .map(|d| LockedTool {
                name: d.name.to_owned(),
                required_tier: d.tier,
            })
            .collect(),
        tiers: offers,
    })
}
