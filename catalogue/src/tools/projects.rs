//! Projects: what tracks are for, with billing defaults (client, rate,
//! currency, billable flag), budgets and archive.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rust_decimal::{Decimal, RoundingStrategy};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::db::projects::{
    self, ArchiveFilter, Budget, BudgetPeriod, Project, ProjectFields, ProjectFilter, Spent,
    TracksAction, write_or_preview,
};
use crate::db::settings::Settings;
use crate::db::{self, clients, idempotency};
use crate::reference::Ref;
use crate::time::{When, format_duration, when};
use crate::{Ctx, Tier, ToolError, money, pagination, tiers, tool};

/// Names are trimmed, not empty, at most this many characters.
const MAX_NAME_CHARS: usize = 200;
/// Repricing lists at most this many tracks (the counts cover all).
const MAX_REPRICED_LISTED: usize = 100;

/// A name for a project, client or tag: trimmed, not empty, not too long.
pub(crate) fn valid_name(kind: &str, name: &str) -> Result<String, ToolError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ToolError::invalid(format!("a {kind} needs a name")));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ToolError::invalid(format!(
            "a {kind} name is at most {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name.to_owned())
}

/// A colour as `#RRGGBB`, stored upper-case; empty text means none.
pub(crate) fn valid_color(color: Option<String>) -> Result<Option<String>, ToolError> {
    let Some(color) = optional_text(color) else {
        return Ok(None);
    };
    let hex = color.strip_prefix('#').unwrap_or("");
    if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(Some(format!("#{}", hex.to_ascii_uppercase())))
    } else {
        Err(
            ToolError::invalid(format!("{color:?} is not a colour as #RRGGBB"))
                .hint("write six hex digits after #, e.g. \"#1E88E5\""),
        )
    }
}

/// Free text, trimmed; empty text means none.
pub(crate) fn optional_text(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// An hourly rate: a non-negative decimal string.
pub(crate) fn valid_rate(text: &str) -> Result<Decimal, ToolError> {
    money::parse_rate(text)
}

/// A rate with at least the currency's minor digits and never rounded:
/// `"95.00"`, `"0.125"`.
pub(crate) fn rate_text(rate: Decimal, currency: &str) -> String {
    let mut rate = rate;
    rate.rescale(money::minor_units(currency).max(rate.scale()));
    rate.to_string()
}

/// Seconds as decimal hours to two places, half-up: `"1.50"`.
pub(crate) fn decimal_hours(seconds: i64) -> String {
    let mut hours = (Decimal::from(seconds) / Decimal::from(3600))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    hours.rescale(2);
    hours.to_string()
}

/// An amount of money in one currency.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MoneyOut {
    /// ISO 4217 code.
    pub currency: String,
    /// Decimal string with the currency's minor digits.
    pub amount: String,
}

fn money_list(amounts: &BTreeMap<String, Decimal>) -> Vec<MoneyOut> {
    amounts
        .iter()
        .map(|(currency, amount)| MoneyOut {
            currency: currency.clone(),
            amount: money::format(*amount, currency),
        })
        .collect()
}

/// Budget hours: a whole number or a decimal string.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Hours {
    /// Whole hours.
    Whole(u32),
    /// Decimal hours such as "37.5".
    Text(String),
}

impl Hours {
    fn decimal(&self) -> Result<Decimal, ToolError> {
        let hours = match self {
            Hours::Whole(n) => Decimal::from(*n),
            Hours::Text(text) => text.trim().parse().map_err(|_| {
                ToolError::invalid(format!("{text:?} is not a number of hours"))
                    .hint("give budget hours as a whole number (40) or a decimal string (\"37.5\")")
            })?,
        };
        if hours <= Decimal::ZERO {
            return Err(ToolError::invalid("budget hours must be more than zero"));
        }
        Ok(hours.normalize())
    }
}

fn budget_amount(text: &str) -> Result<Decimal, ToolError> {
    let amount: Decimal = text.trim().parse().map_err(|_| {
        ToolError::invalid(format!("{text:?} is not a decimal amount"))
            .hint("write money as a decimal string, e.g. \"5000.00\"")
    })?;
    if amount <= Decimal::ZERO {
        return Err(ToolError::invalid("a budget amount must be more than zero"));
    }
    Ok(amount.normalize())
}

/// A budget: hours and/or an amount, over the project's life or per month.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetInput {
    /// Hours budgeted: a whole number (40) or a decimal string ("37.5").
    /// In `update_project`, `null` removes the hours part.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<Hours>")]
    pub hours: Option<Option<Hours>>,
    /// Amount budgeted in the project's currency, a decimal string such as
    /// "5000.00". In `update_project`, `null` removes the amount part.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<String>")]
    pub amount: Option<Option<String>>,
    /// `total` (the project's whole life; the default) or `monthly` (each
    /// calendar month in the user's time zone).
    pub period: Option<BudgetPeriod>,
    /// Percent of the budget at which its status becomes `warning`, 1–100 (default 80).
    #[schemars(range(min = 1, max = 100))]
    pub alert_percent: Option<u32>,
}

impl BudgetInput {
    /// `base` with the fields given changed; it must still budget something.
    fn apply(self, mut budget: Budget) -> Result<Budget, ToolError> {
        if let Some(hours) = self.hours {
            budget.hours = hours.as_ref().map(Hours::decimal).transpose()?;
        }
        if let Some(amount) = self.amount {
            budget.amount = amount.as_deref().map(budget_amount).transpose()?;
        }
        if let Some(period) = self.period {
            budget.period = period;
        }
        if let Some(percent) = self.alert_percent {
            if !(1..=100).contains(&percent) {
                return Err(ToolError::invalid(
                    "alert_percent must be between 1 and 100",
                ));
            }
            budget.alert_percent = percent;
        }
        if !budget.is_set() {
            return Err(
                ToolError::invalid("a budget needs `hours`, `amount` or both")
                    .hint("to remove a project's budget, pass budget: null to update_project"),
            );
        }
        Ok(budget)
    }
}

/// The project's client, by id and name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClientRef {
    pub id: i32,
    pub name: String,
}

/// Where a default a new track gets comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Set on the project.
    Project,
    /// Inherited from its client.
    Client,
    /// The user's default setting.
    UserDefault,
    /// Nothing sets it.
    None,
}

/// What a new track on the project gets unless told otherwise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NewTrackBilling {
    /// Rate per hour (decimal string), or `null` when nothing sets one.
    pub hourly_rate: Option<String>,
    /// Where the rate comes from: project, client, user_default or none.
    pub hourly_rate_from: Source,
    /// ISO 4217 code.
    pub currency: String,
    /// Where the currency comes from: project, client or user_default.
    pub currency_from: Source,
}

/// The rate and currency a new track on `project` gets: project → client →
/// user default (the same order `log_track` and `start_timer` use).
fn new_track_billing(
    project: &Project,
    settings: &Settings,
) -> (Option<Decimal>, Source, String, Source) {
    let client = project.client.as_ref();
    let (rate, rate_from) = if let Some(rate) = project.hourly_rate {
        (Some(rate), Source::Project)
    } else if let Some(rate) = client.and_then(|c| c.hourly_rate) {
        (Some(rate), Source::Client)
    } else if let Some(rate) = settings.default_hourly_rate {
        (Some(rate), Source::UserDefault)
    } else {
        (None, Source::None)
    };
    let (currency, currency_from) = if let Some(currency) = &project.currency {
        (currency.clone(), Source::Project)
    } else if let Some(currency) = client.and_then(|c| c.currency.clone()) {
        (currency, Source::Client)
    } else {
        (settings.default_currency.clone(), Source::UserDefault)
    };
    (rate, rate_from, currency, currency_from)
}

/// A project's budget settings; `get_budget_status` reports how much is used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BudgetOut {
    /// Hours budgeted (decimal string), or `null`.
    pub hours: Option<String>,
    /// Amount budgeted (decimal string), or `null`.
    pub amount: Option<String>,
    /// ISO 4217 code of `amount`: the project's currency.
    pub currency: String,
    /// `total` or `monthly` (calendar month in the user's time zone).
    pub period: BudgetPeriod,
    /// Percent of the budget at which its status becomes `warning`.
    pub alert_percent: u32,
}

/// Time and money tracked on a project.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SpentOut {
    /// Its tracks, running timers included.
    pub track_count: i64,
    /// All tracked time in seconds, exact (no rounding setting applied);
    /// running timers count up to now.
    pub seconds: i64,
    /// The same as `h:mm:ss`.
    pub duration: String,
    /// The same in decimal hours, two places.
    pub hours: String,
    /// The billable part, in seconds.
    pub billable_seconds: i64,
    /// What the billable tracks with a rate are worth, per currency (each
    /// track rounded to the minor unit, then summed); never summed across currencies.
    pub amounts: Vec<MoneyOut>,
    /// True when a running timer is counted (up to now).
    pub includes_running: bool,
}

impl From<&Spent> for SpentOut {
    fn from(spent: &Spent) -> SpentOut {
        SpentOut {
            track_count: spent.track_count,
            seconds: spent.seconds,
            duration: format_duration(spent.seconds),
            hours: decimal_hours(spent.seconds),
            billable_seconds: spent.billable_seconds,
            amounts: money_list(&spent.amounts),
            includes_running: spent.running,
        }
    }
}

/// A project as every tool returns it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct ProjectOut {
    pub id: i32,
    pub name: String,
    /// Its client, or `null`.
    pub client: Option<ClientRef>,
    /// `#RRGGBB`, or `null`.
    pub color: Option<String>,
    pub description: Option<String>,
    /// Whether new tracks on it are billable unless told otherwise.
    pub billable: bool,
    /// Rate per hour set on the project itself (decimal string); `null`:
    /// its tracks take the client's rate, else the user's default.
    pub hourly_rate: Option<String>,
    /// ISO 4217 code set on the project itself; `null`: the client's, else
    /// the user's default.
    pub currency: Option<String>,
    /// The rate and currency a new track on it gets, and where each comes from.
    pub new_tracks: NewTrackBilling,
    /// Archived projects are left out of `list_projects` by default and do
    /// not count against the tier's project limit.
    pub archived: bool,
    /// Budget settings (pro tier), or `null` when it has none.
    pub budget: Option<BudgetOut>,
    /// What its tracks add up to; in `get_project`, and in `list_projects`
    /// with `include_spent: true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spent: Option<SpentOut>,
}

impl ProjectOut {
    pub(crate) fn new(project: &Project, settings: &Settings, spent: Option<&Spent>) -> ProjectOut {
        let (rate, rate_from, currency, currency_from) = new_track_billing(project, settings);
        let budget = &project.budget;
        ProjectOut {
            id: project.id,
            name: project.name.clone(),
            client: project.client.as_ref().map(|c| ClientRef {
                id: c.id,
                name: c.name.clone(),
            }),
            color: project.color.clone(),
            description: project.description.clone(),
            billable: project.billable,
            hourly_rate: project.hourly_rate.map(|r| rate_text(r, &currency)),
            currency: project.currency.clone(),
            new_tracks: NewTrackBilling {
                hourly_rate: rate.map(|r| rate_text(r, &currency)),
                hourly_rate_from: rate_from,
                currency: currency.clone(),
                currency_from,
            },
            archived: project.archived_at.is_some(),
            budget: budget.is_set().then(|| BudgetOut {
                hours: budget.hours.map(|h| h.to_string()),
                amount: budget.amount.map(|a| money::format(a, &currency)),
                currency: currency.clone(),
                period: budget.period,
                alert_percent: budget.alert_percent,
            }),
            spent: spent.map(SpentOut::from),
        }
    }
}

fn check_project_limit(conn: &mut db::Conn, user_id: i32, tier: Tier) -> Result<(), ToolError> {
    let used = projects::count_active(conn, user_id)?;
    tiers::check_limit("projects", tier, tiers::limits(tier).projects, used)
}

fn require_budgets(tier: Tier) -> Result<(), ToolError> {
    tiers::require("budgets", tier, |l| l.budgets)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    /// The project's name, unique per user (case-insensitive, archived projects included).
    pub name: String,
    /// The client it is for: id or exact name (case-insensitive).
    pub client: Option<Ref>,
    /// Colour as `#RRGGBB`.
    pub color: Option<String>,
    /// Whether its tracks are billable by default. Default: true when a
    /// `client` or an `hourly_rate` is given, else the user's default.
    pub billable: Option<bool>,
    /// Rate per hour, a decimal string such as "95.00". Default: none, so
    /// tracks take the client's rate, else the user's default.
    pub hourly_rate: Option<String>,
    /// ISO 4217 code such as "EUR". Default: none, so tracks take the
    /// client's currency, else the user's default.
    pub currency: Option<String>,
    /// What the project is about.
    pub description: Option<String>,
    /// A budget (pro tier): hours and/or an amount, in total or per month.
    pub budget: Option<BudgetInput>,
    /// Repeating a call with the same key returns the first result instead of creating another project.
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ProjectSaved {
    pub project: ProjectOut,
    /// True when an earlier call with the same `idempotency_key` created it;
    /// the project is then shown as that call returned it.
    pub replayed: bool,
}

/// Create a project, optionally for a client, with its billing defaults and
/// a budget. Returns the project with `new_tracks`: the rate and currency
/// its tracks will get (project → client → user default; the project's
/// currency is left unset when not given, so it follows its client's).
/// `billable` defaults to true when a client or rate is given. A name
/// another project has, archived ones included, is a `conflict` (compared
/// case-insensitively; the error names it). The free tier allows 5 projects
/// that are not archived (`limit_reached`); budgets need the pro tier
/// (`tier_required`). A client name matching several is `ambiguous`.
#[tool(title = "Create a project", scope = "tracks:write")]
async fn create_project(ctx: &Ctx, args: CreateProject) -> Result<ProjectSaved, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let name = valid_name("project", &args.name)?;
    let color = valid_color(args.color)?;
    let hourly_rate = args.hourly_rate.as_deref().map(valid_rate).transpose()?;
    let currency = args
        .currency
        .as_deref()
        .map(money::parse_currency)
        .transpose()?;
    let budget = args
        .budget
        .map(|b| b.apply(Budget::default()))
        .transpose()?;
    let key = args.idempotency_key;
    ctx.run(move |conn, user| {
        db::write(conn, |conn| {
            if let Some(key) = &key
                && let Some(mut saved) =
                    idempotency::replay::<ProjectSaved>(conn, user.id, "create_project", key)?
            {
                saved.replayed = true;
                return Ok(saved);
            }
            let client_id = args
                .client
                .as_ref()
                .map(|c| clients::resolve(conn, user.id, c))
                .transpose()?;
            projects::ensure_name_free(conn, user.id, &name, None)?;
            if budget.is_some() {
                require_budgets(user.tier)?;
            }
            check_project_limit(conn, user.id, user.tier)?;
            let fields = ProjectFields {
                billable: args.billable.unwrap_or(
                    client_id.is_some() || hourly_rate.is_some() || settings.default_billable,
                ),
                name,
                client_id,
                color,
                description: optional_text(args.description),
                hourly_rate,
                currency,
                archived_at: None,
                budget: budget.unwrap_or_default(),
            };
            let id = projects::create(conn, user.id, &fields, now)?;
            let saved = ProjectSaved {
                project: ProjectOut::new(&projects::get(conn, user.id, id)?, &settings, None),
                replayed: false,
            };
            if let Some(key) = &key {
                idempotency::record(conn, user.id, "create_project", key, &saved, now)?;
            }
            Ok(saved)
        })
    })
    .await
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListProjects {
    /// `active` (default), `archived` or `all`.
    #[serde(default)]
    pub status: ArchiveFilter,
    /// Only this client's projects (id or exact name).
    pub client: Option<Ref>,
    /// Only projects without a client.
    #[serde(default)]
    pub without_client: bool,
    /// Case-insensitive text to find in names and descriptions.
    pub search: Option<String>,
    /// Add each project's `spent`: tracked time and billable amount per currency.
    #[serde(default)]
    pub include_spent: bool,
    /// Projects per page, 1–200 (default 50).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectList {
    /// By name (case-insensitive).
    pub projects: Vec<ProjectOut>,
    /// All projects matching the filters, on every page.
    pub total_count: i64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// List projects by name with their client, billing defaults and budget
/// settings. Only projects that are not archived unless `status` says
/// otherwise; filter by `client` (or `without_client`) and `search` text.
/// With `include_spent: true` each project also gets `spent`: all time
/// tracked on it (exact seconds, no rounding setting; running timers up to
/// now) and its billable amount per currency. `total_count` covers the whole
/// filtered set; page on with `next_cursor`. An unknown client is `not_found`.
#[tool(title = "List projects", read_only, idempotent, scope = "tracks:read")]
async fn list_projects(ctx: &Ctx, args: ListProjects) -> Result<ProjectList, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let limit = pagination::limit(args.limit)?;
    let after = args
        .cursor
        .as_deref()
        .map(pagination::decode)
        .transpose()?
        .map(|(_, id)| id);
    if args.without_client && args.client.is_some() {
        return Err(ToolError::invalid(
            "give `client` or `without_client`, not both",
        ));
    }
    let (page, spent) = ctx
        .run(move |conn, user| {
            let filter = ProjectFilter {
                archive: args.status,
                client_id: args
                    .client
                    .as_ref()
                    .map(|c| clients::resolve(conn, user.id, c))
                    .transpose()?,
                no_client: args.without_client,
                search: args.search.filter(|s| !s.trim().is_empty()),
            };
            let page = projects::list(conn, user.id, &filter, limit, after)?;
            let spent = if args.include_spent {
                let ids: Vec<i32> = page.projects.iter().map(|p| p.id).collect();
                Some(projects::spent(conn, user.id, &ids, now)?)
            } else {
                None
            };
            Ok((page, spent))
        })
        .await?;
    let next_cursor = if page.more {
        page.projects
            .last()
            .map(|p| pagination::encode(i64::from(p.id), p.id))
    } else {
        None
    };
    Ok(ProjectList {
        projects: page
            .projects
            .iter()
            .map(|p| {
                let spent = spent.as_ref().and_then(|s| s.get(&p.id));
                ProjectOut::new(p, &settings, spent)
            })
            .collect(),
        total_count: page.total_count,
        next_cursor,
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetProject {
    /// The project: id or exact name (case-insensitive).
    pub project: Ref,
}

/// One project with its client, billing defaults (`new_tracks` says which
/// rate and currency its new tracks get, and from where), budget settings
/// and `spent`: all time tracked on it (running timers up to now, exact
/// seconds) and its billable amount per currency. A name matching several
/// projects is `ambiguous` with the candidates; another user's id is
/// `not_found`. For budget use against the budget, see `get_budget_status`.
#[tool(title = "Get a project", read_only, idempotent, scope = "tracks:read")]
async fn get_project(
    ctx: &Ctx,
    GetProject { project }: GetProject,
) -> Result<ProjectOut, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let (project, spent) = ctx
        .run(move |conn, user| {
            let project = projects::find(conn, user.id, &project)?;
            let spent = projects::spent(conn, user.id, &[project.id], now)?
                .remove(&project.id)
                .unwrap_or_default();
            Ok((project, spent))
        })
        .await?;
    Ok(ProjectOut::new(&project, &settings, Some(&spent)))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProject {
    /// The project to change: id or exact name (case-insensitive).
    pub project: Ref,
    /// New name, unique per user (case-insensitive).
    pub name: Option<String>,
    /// New client (id or exact name); `null` removes the client.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<Ref>")]
    pub client: Option<Option<Ref>>,
    /// Colour as `#RRGGBB`; `null` removes it.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<String>")]
    pub color: Option<Option<String>>,
    /// Whether new tracks on it are billable by default (existing tracks keep their flag).
    pub billable: Option<bool>,
    /// Rate per hour, a decimal string; `null`: take the client's rate, else
    /// the user's default. Applies to new tracks only, unless `reprice_unbilled`.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<String>")]
    pub hourly_rate: Option<Option<String>>,
    /// ISO 4217 code; `null`: take the client's currency, else the user's default.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<String>")]
    pub currency: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<String>")]
    pub description: Option<Option<String>>,
    /// Change the budget (pro tier): only the budget fields given change.
    /// `null` removes the budget (allowed on every tier).
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<BudgetInput>")]
    pub budget: Option<Option<BudgetInput>>,
    /// `true` archives the project; `false` restores it (counts against the
    /// free tier's limit of 5 projects).
    pub archived: Option<bool>,
    /// Also give the project's unbilled tracks (on no invoice, or only void
    /// ones; running timers included) the rate and currency new tracks get
    /// after this update, and report each change.
    #[serde(default)]
    pub reprice_unbilled: bool,
    /// Show what would change, and change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// A track's rate, currency and amount.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TrackRate {
    /// Rate per hour (decimal string), or `null`.
    pub hourly_rate: Option<String>,
    /// ISO 4217 code.
    pub currency: String,
    /// What the track is worth, when billable with a rate (decimal string).
    pub amount: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RepricedTrack {
    pub track_id: i32,
    pub description: String,
    pub start: When,
    pub billable: bool,
    pub before: TrackRate,
    pub after: TrackRate,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Repriced {
    /// The project's unbilled tracks (on no invoice, or only void ones),
    /// running timers included.
    pub unbilled_tracks: i64,
    /// Those whose rate or currency changed (or would, with `dry_run`).
    pub changed_count: i64,
    /// Tracks on an invoice that is not void: left as they are.
    pub invoiced_tracks_skipped: i64,
    /// The changed tracks, oldest first; at most 100 are listed.
    pub tracks: Vec<RepricedTrack>,
    /// The changed billable tracks' amounts before, per currency.
    pub amount_before: Vec<MoneyOut>,
    /// Their amounts after, per currency.
    pub amount_after: Vec<MoneyOut>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectUpdated {
    /// The project as saved (or as it would be, with `dry_run`).
    pub project: ProjectOut,
    /// The fields whose value changed.
    pub changed: Vec<String>,
    /// With `reprice_unbilled: true`: the tracks re-rated.
    pub repriced: Option<Repriced>,
    /// What the change means for tracks, when anything.
    pub notes: Vec<String>,
    /// True when nothing was changed (`dry_run`).
    pub dry_run: bool,
}

/// Change a project: only the fields given change; `null` clears an optional
/// field. A new rate, currency or client applies to new tracks only: existing
/// tracks keep the rate they were saved with, and `notes` says how many
/// unbilled ones differ. With `reprice_unbilled: true` the project's unbilled
/// tracks (on no invoice, or only void ones; running timers included) get
/// the rate and currency new tracks get (project → client → user default;
/// per-track overrides are replaced too), and `repriced` lists each change
/// with old and new rate and amount; invoiced tracks are never touched.
/// `dry_run: true` previews all of it and writes nothing. `archived: true`
/// archives (its tracks stay, and it can still be named in track tools and
/// filters); restoring counts against the free tier's 5 projects
/// (`limit_reached`). Setting or changing a budget needs the pro tier
/// (`tier_required`); `budget: null` removes it on any tier. A name another
/// project has is a `conflict`.
#[tool(
    title = "Update a project",
    destructive,
    idempotent,
    scope = "tracks:write"
)]
async fn update_project(ctx: &Ctx, args: UpdateProject) -> Result<ProjectUpdated, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let name = args
        .name
        .as_deref()
        .map(|n| valid_name("project", n))
        .transpose()?;
    let color = args.color.map(valid_color).transpose()?;
    let hourly_rate = args
        .hourly_rate
        .map(|r| r.as_deref().map(valid_rate).transpose())
        .transpose()?;
    let currency = args
        .currency
        .map(|c| c.as_deref().map(money::parse_currency).transpose())
        .transpose()?;
    let dry_run = args.dry_run;
    ctx.run(move |conn, user| {
        write_or_preview(conn, dry_run, |conn| {
            let before = projects::find(conn, user.id, &args.project)?;
            let mut f = before.fields();
            if let Some(name) = name {
                projects::ensure_name_free(conn, user.id, &name, Some(before.id))?;
                f.name = name;
            }
            if let Some(client) = &args.client {
                f.client_id = client
                    .as_ref()
                    .map(|c| clients::resolve(conn, user.id, c))
                    .transpose()?;
            }
            if let Some(color) = color {
                f.color = color;
            }
            if let Some(billable) = args.billable {
                f.billable = billable;
            }
            if let Some(rate) = hourly_rate {
                f.hourly_rate = rate;
            }
            if let Some(currency) = currency {
                f.currency = currency;
            }
            if let Some(description) = args.description {
                f.description = optional_text(description);
            }
            match args.budget {
                None => {}
                Some(None) => f.budget = Budget::default(),
                Some(Some(patch)) => {
                    f.budget = patch.apply(f.budget)?;
                    require_budgets(user.tier)?;
                }
            }
            let mut notes = Vec::new();
            match args.archived {
                Some(true) if f.archived_at.is_none() => {
                    f.archived_at = Some(now);
                    notes.push(
                        "Archived: list_projects leaves it out unless status is archived or all; its tracks stay.".to_owned(),
                    );
                }
                Some(false) if f.archived_at.is_some() => {
                    check_project_limit(conn, user.id, user.tier)?;
                    f.archived_at = None;
                }
                _ => {}
            }
            projects::update(conn, user.id, before.id, &f)?;
            let after = projects::get(conn, user.id, before.id)?;
            let (rate, _, currency, _) = new_track_billing(&after, &settings);
            let (old_rate, _, old_currency, _) = new_track_billing(&before, &settings);
            let repriced = if args.reprice_unbilled {
                Some(reprice(conn, user.id, after.id, rate, &currency, now, &settings)?)
            } else {
                if rate != old_rate || currency != old_currency {
                    let (unbilled, _) = projects::unbilled_tracks(conn, user.id, after.id)?;
                    let differ = unbilled
                        .iter()
                        .filter(|t| t.hourly_rate != rate || t.currency != currency)
                        .count();
                    notes.push(format!(
                        "New tracks get the new rate and currency; {differ} unbilled track(s) keep \
                         their old ones. Call again with reprice_unbilled: true to re-rate them \
                         (dry_run: true previews it)."
                    ));
                }
                None
            };
            Ok(ProjectUpdated {
                changed: changed_fields(&before.fields(), &after.fields()),
                project: ProjectOut::new(&after, &settings, None),
                repriced,
                notes,
                dry_run,
            })
        })
    })
    .await
}

fn changed_fields(a: &ProjectFields, b: &ProjectFields) -> Vec<String> {
    let pairs = [
        ("name", a.name != b.name),
        ("client", a.client_id != b.client_id),
        ("color", a.color != b.color),
        ("description", a.description != b.description),
        ("billable", a.billable != b.billable),
        ("hourly_rate", a.hourly_rate != b.hourly_rate),
        ("currency", a.currency != b.currency),
        ("budget", a.budget != b.budget),
        (
            "archived",
            a.archived_at.is_some() != b.archived_at.is_some(),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, changed)| *changed)
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// Give the project's unbilled tracks `rate` and `currency`.
fn reprice(
    conn: &mut db::Conn,
    user_id: i32,
    project_id: i32,
    rate: Option<Decimal>,
    currency: &str,
    now: Timestamp,
    settings: &Settings,
) -> Result<Repriced, ToolError> {
    let (unbilled, invoiced) = projects::unbilled_tracks(conn, user_id, project_id)?;
    let amount = |billable: bool, rate: Option<Decimal>, seconds: i64, currency: &str| {
        rate.filter(|_| billable)
            .map(|r| money::amount_for(r, seconds, currency))
    };
    let mut before_totals: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut after_totals: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut tracks = Vec::new();
    let mut changed_count = 0;
    for track in &unbilled {
        if track.hourly_rate == rate && track.currency == currency {
            continue;
        }
        changed_count += 1;
        projects::set_track_rate(conn, user_id, track.id, rate, currency, now)?;
        let seconds =
            (track.ended_at.unwrap_or(now).as_second() - track.started_at.as_second()).max(0);
        let old = amount(track.billable, track.hourly_rate, seconds, &track.currency);
        let new = amount(track.billable, rate, seconds, currency);
        if let Some(old) = old {
            *before_totals.entry(track.currency.clone()).or_default() += old;
        }
        if let Some(new) = new {
            *after_totals.entry(currency.to_owned()).or_default() += new;
        }
        if tracks.len() < MAX_REPRICED_LISTED {
            tracks.push(RepricedTrack {
                track_id: track.id,
                description: track.description.clone(),
                start: when(track.started_at, &settings.time_zone),
                billable: track.billable,
                before: TrackRate {
                    hourly_rate: track.hourly_rate.map(|r| rate_text(r, &track.currency)),
                    currency: track.currency.clone(),
                    amount: old.map(|a| money::format(a, &track.currency)),
                },
                after: TrackRate {
                    hourly_rate: rate.map(|r| rate_text(r, currency)),
                    currency: currency.to_owned(),
                    amount: new.map(|a| money::format(a, currency)),
                },
            });
        }
    }
    Ok(Repriced {
        unbilled_tracks: unbilled.len() as i64,
        changed_count,
        invoiced_tracks_skipped: invoiced as i64,
        tracks,
        amount_before: money_list(&before_totals),
        amount_after: money_list(&after_totals),
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteProject {
    /// The project: id or exact name (case-insensitive).
    pub project: Ref,
    /// What happens to its tracks: `unassign` keeps them without a project,
    /// `delete` deletes them too (running timers included). Required when it
    /// has tracks.
    pub tracks: Option<TracksAction>,
    /// Show what would be deleted, and delete nothing.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectDeleted {
    /// The project as it was.
    pub project: ProjectOut,
    /// Its tracks, running timers included.
    pub track_count: i64,
    /// What happens to them, as asked.
    pub tracks: Option<TracksAction>,
    /// Tracks deleted (or that would be, with `dry_run`).
    pub tracks_deleted: i64,
    /// Tracks left without a project (or that would be, with `dry_run`).
    pub tracks_unassigned: i64,
    /// True when the project is deleted, or would be with `dry_run`.
    pub deleted: bool,
    /// What happened, in a sentence.
    pub message: String,
    /// True when nothing was changed (`dry_run`).
    pub dry_run: bool,
}

/// Delete a project for good. When it has tracks, `tracks` must say what
/// happens to them: `unassign` (kept, without a project; their rate and
/// currency stay) or `delete` (deleted too, running timers included; void
/// invoices keep their lines but forget those tracks). Refused with
/// `track_invoiced` while any of its tracks is on an invoice that is not
/// void: archive it with `update_project` instead. `dry_run: true` shows the
/// counts and deletes nothing (it also works without `tracks`, to see how
/// many there are).
#[tool(
    title = "Delete a project",
    destructive,
    idempotent,
    scope = "tracks:write"
)]
async fn delete_project(ctx: &Ctx, args: DeleteProject) -> Result<ProjectDeleted, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    ctx.run(move |conn, user| {
        write_or_preview(conn, args.dry_run, |conn| {
            let project = projects::find(conn, user.id, &args.project)?;
            projects::ensure_no_invoiced_tracks(conn, user.id, project.id).map_err(|err| {
                let count = err.details.get("track_ids").and_then(|ids| ids.as_array()).map_or(0, Vec::len);
                ToolError {
                    message: format!(
                        "project {:?} has {count} track(s) on an invoice that is not void, so it cannot be deleted",
                        project.name
                    ),
                    hint: Some(
                        "archive it instead with update_project (archived: true), or void or delete those invoices first"
                            .to_owned(),
                    ),
                    ..err
                }
            })?;
            let track_count = projects::track_count(conn, user.id, project.id)?;
            let out = ProjectOut::new(&project, &settings, None);
            let name = &project.name;
            if track_count > 0 && args.tracks.is_none() {
                let message = format!(
                    "project {name:?} has {track_count} track(s): pass tracks: \"unassign\" to keep them without a project, or \"delete\" to delete them too"
                );
                if !args.dry_run {
                    return Err(ToolError::invalid(message)
                        .hint("pass tracks: \"unassign\" or \"delete\" (dry_run: true previews)")
                        .detail("track_count", track_count));
                }
                return Ok(ProjectDeleted {
                    project: out,
                    track_count,
                    tracks: None,
                    tracks_deleted: 0,
                    tracks_unassigned: 0,
                    deleted: false,
                    message,
                    dry_run: true,
                });
            }
            let action = args.tracks.filter(|_| track_count > 0);
            let affected = projects::delete(conn, user.id, project.id, action, now)? as i64;
            let (deleted, unassigned) = match action {
                Some(TracksAction::Delete) => (affected, 0),
                Some(TracksAction::Unassign) => (0, affected),
                None => (0, 0),
            };
            let verb = if args.dry_run { "would be" } else { "was" };
            let message = match action {
                Some(TracksAction::Delete) => format!(
                    "project {name:?} {verb} deleted with its {deleted} track(s)"
                ),
                Some(TracksAction::Unassign) => format!(
                    "project {name:?} {verb} deleted; its {unassigned} track(s) {} without a project",
                    if args.dry_run { "would stay" } else { "stay" }
                ),
                None => format!("project {name:?} {verb} deleted; it had no tracks"),
            };
            Ok(ProjectDeleted {
                project: out,
                track_count,
                tracks: args.tracks,
                tracks_deleted: deleted,
                tracks_unassigned: unassigned,
                deleted: true,
                message,
                dry_run: args.dry_run,
            })
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn colours_names_rates_and_hours_are_checked() {
        assert_eq!(
            valid_color(Some(" #1e88e5 ".into())).unwrap(),
            Some("#1E88E5".into())
        );
        assert_eq!(valid_color(Some("".into())).unwrap(), None);
        for bad in ["1E88E5", "#1E88E", "#GGGGGG", "red", "#1E88E55"] {
            assert_eq!(
                valid_color(Some(bad.into())).unwrap_err().code,
                ErrorCode::InvalidArgument,
                "{bad}"
            );
        }
        assert!(valid_name("project", "  ").is_err());
        assert_eq!(valid_name("project", " Web ").unwrap(), "Web");
        assert!(valid_name("project", &"x".repeat(201)).is_err());
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(rate_text(d("95"), "EUR"), "95.00");
        assert_eq!(rate_text(d("0.125"), "EUR"), "0.125");
        assert_eq!(rate_text(d("1000"), "JPY"), "1000");
        assert_eq!(decimal_hours(5400), "1.50");
        assert_eq!(decimal_hours(60), "0.02");
        assert_eq!(decimal_hours(0), "0.00");
        assert_eq!(Hours::Whole(40).decimal().unwrap(), d("40"));
        assert_eq!(Hours::Text("37.50".into()).decimal().unwrap(), d("37.5"));
        assert!(Hours::Whole(0).decimal().is_err());
        assert!(Hours::Text("-1".into()).decimal().is_err());
        assert!(Hours::Text("lots".into()).decimal().is_err());
    }
}
