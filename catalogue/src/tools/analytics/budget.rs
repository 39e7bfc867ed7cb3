//! `get_budget_status`: each budgeted project's hours and money against its
//! budget.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use super::{Amount, Counting, Sums, amounts};
use crate::db;
use crate::db::reports::{self, Budget};
use crate::db::tracks::TrackFilter;
use crate::reference::{Named, Ref};
use crate::reports::{Acc, BudgetPeriod, BudgetState, Part, fixed, percent, state};
use crate::rounding::Rounding;
use crate::settings::Settings;
use crate::time::{PeriodName, Range, ResolvedRange, period_range};
use crate::{Ctx, ToolError, money, tool};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetBudgetStatus {
    /// One project; default all with a budget.
    pub project: Option<Ref>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct HoursBudget {
    /// Budgeted hours, decimal string.
    pub budget: String,
    /// Hours used (rounded), decimal string.
    pub used: String,
    /// Hours left; negative when exceeded.
    pub remaining: String,
    /// Used as a percentage of the budget (one decimal); `null` for a zero budget.
    pub percent: Option<f64>,
    pub status: BudgetState,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AmountBudget {
    /// The budget's currency: the project's, else its client's, else the user's default.
    pub currency: String,
    /// Budgeted amount, decimal string.
    pub budget: String,
    /// Billable amount used in `currency` (from rounded time).
    pub used: String,
    /// Amount left; negative when exceeded.
    pub remaining: String,
    /// Used as a percentage of the budget (one decimal); `null` for a zero budget.
    pub percent: Option<f64>,
    pub status: BudgetState,
    /// Billable amounts of the project's tracks in other currencies; not
    /// counted against the budget.
    pub other_currencies: Vec<Amount>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectBudget {
    pub project: Named,
    pub client: Option<Named>,
    /// `total`: all of the project's time; `monthly`: the current calendar month.
    pub period: BudgetPeriod,
    /// The month counted, for a monthly budget; absent for `total`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<ResolvedRange>,
    /// The warning threshold in percent.
    pub alert_percent: u32,
    /// The worst of the hours and amount statuses.
    pub status: BudgetState,
    /// The hours budget, if one is set.
    pub hours: Option<HoursBudget>,
    /// The amount budget, if one is set.
    pub amount: Option<AmountBudget>,
    /// True when a running timer counts, up to now.
    pub running: bool,
    pub running_track_ids: Vec<i32>,
    /// True for an archived project (only when asked for by name or id).
    pub archived: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BudgetReport {
    /// Worst status first (exceeded, warning, ok), then by name.
    pub projects: Vec<ProjectBudget>,
    /// The rounding applied (the user's setting).
    pub rounding: Rounding,
    /// Set when no project has a budget.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn budget_status(
    budget: &Budget,
    parts: &[Part],
    range: Option<ResolvedRange>,
    settings: &Settings,
) -> ProjectBudget {
    let acc = Acc::of(parts, settings.rounding);
    let alert = budget.alert_percent;
    let hours = budget.hours.map(|limit| {
        let used = Decimal::from(acc.rounded) / Decimal::from(3600);
        HoursBudget {
            budget: fixed(limit, 2),
            used: fixed(used, 2),
            remaining: fixed(limit - used, 2),
            percent: percent(used, limit),
            status: state(used, limit, alert),
        }
    });
    let currency = budget
        .currency
        .clone()
        .unwrap_or_else(|| settings.default_currency.clone());
    let amount = budget.amount.map(|limit| {
        let used = acc.amount_in(&currency);
        AmountBudget {
            budget: money::format(limit, &currency),
            used: money::format(used, &currency),
            remaining: money::format(limit - used, &currency),
            percent: percent(used, limit),
            status: state(used, limit, alert),
            other_currencies: amounts(&acc.amounts)
                .into_iter()
                .filter(|a| a.currency != currency)
                .collect(),
            currency: currency.clone(),
        }
    });
    let status = [
        hours.as_ref().map(|h| h.status),
        amount.as_ref().map(|a| a.status),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(BudgetState::Ok);
    ProjectBudget {
        project: budget.project.clone(),
        client: budget.client.clone(),
        period: budget.period,
        range,
        alert_percent: alert,
        status,
        hours,
        amount,
        running: !acc.running.is_empty(),
        running_track_ids: acc.running.iter().copied().collect(),
        archived: budget.archived,
    }
}

/// `counting`'s parts by project.
fn by_project<'a>(
    counting: Option<&'a Counting>,
    now: jiff::Timestamp,
    settings: &Settings,
) -> BTreeMap<i32, Vec<Part<'a>>> {
    let mut map: BTreeMap<i32, Vec<Part<'a>>> = BTreeMap::new();
    for part in counting.iter().flat_map(|c| c.parts(now, settings)) {
        if let Some(project) = part.project {
            map.entry(project.id).or_default().push(part);
        }
    }
    map
}

/// A project's budget (pro tier): used, remaining, percent and status (`ok`,
/// `warning`, `exceeded`) for hours and/or amount (`monthly`: this month).
/// Hours rounded; amounts count billable tracks in the budget's currency,
/// others listed apart; running timers up to now. No `project`: all unarchived
/// projects with a budget, worst first; a project without one is
/// `invalid_argument`.
#[tool(
    title = "Get budget status",
    read_only,
    idempotent,
    tier = "pro",
    scope = "tracks:read"
)]
async fn get_budget_status(ctx: &Ctx, args: GetBudgetStatus) -> Result<BudgetReport, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let tz = settings.time_zone.clone();
    let month = period_range(PeriodName::ThisMonth, settings.week_start, &tz, now)?;
    let read_settings = settings.clone();
    let (budgets, ever, this_month) = ctx
        .run(move |conn, user| {
            let project_id = args
                .project
                .as_ref()
                .map(|p| db::projects::resolve(conn, user.id, p).map(|p| p.id))
                .transpose()?;
            let budgets = reports::budgets(conn, user.id, project_id)?;
            if let (Some(_), Some(budget)) = (project_id, budgets.first())
                && !budget.is_set()
            {
                return Err(ToolError::invalid(format!(
                    "project {:?} has no budget",
                    budget.project.name
                ))
                .hint("give it one with update_project (`budget`: hours and/or amount)"));
            }
            // One reading per period for every budget, split by project below.
            let filter = TrackFilter {
                project_id,
                ..TrackFilter::default()
            };
            let mut read = |range: Option<Range>| {
                Counting::by_day(
                    conn,
                    user.id,
                    &read_settings,
                    range,
                    &filter,
                    now,
                    Sums::Whole,
                )
            };
            let ever = budgets
                .iter()
                .any(|b| b.period == BudgetPeriod::Total)
                .then(|| read(None))
                .transpose()?;
            let this_month = budgets
                .iter()
                .any(|b| b.period == BudgetPeriod::Monthly)
                .then(|| read(Some(month)))
                .transpose()?;
            Ok((budgets, ever, this_month))
        })
        .await?;
    let (ever_parts, month_parts) = (
        by_project(ever.as_ref(), now, &settings),
        by_project(this_month.as_ref(), now, &settings),
    );
    let mut projects: Vec<ProjectBudget> = budgets
        .iter()
        .map(|budget| {
            let (parts, echo) = match budget.period {
                BudgetPeriod::Total => (&ever_parts, None),
                BudgetPeriod::Monthly => (
                    &month_parts,
                    Some(month.resolved(Some(PeriodName::ThisMonth), &tz)),
                ),
            };
            let parts = parts.get(&budget.project.id).map_or(&[][..], Vec::as_slice);
            budget_status(budget, parts, echo, &settings)
        })
        .collect();
    projects.sort_by(|a, b| {
        b.status
            .cmp(&a.status)
            .then_with(|| a.project.name.cmp(&b.project.name))
    });
    let note = projects.is_empty().then(|| {
        "no project has a budget; give one with update_project (`budget`: hours and/or amount)"
            .to_owned()
    });
    Ok(BudgetReport {
        projects,
        rounding: settings.rounding,
        note,
    })
}
