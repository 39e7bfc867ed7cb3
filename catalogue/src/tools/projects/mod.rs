//! Projects: what tracks are for, with billing defaults (client, rate,
//! currency, billable flag), budgets and archive. Created, changed (with
//! repricing) and deleted in `write`; listed and read in `read`.

mod read;
mod write;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::db::projects::{self, Project, Spent};
use crate::db::{self};
use crate::money::{Amount, amounts};
use crate::project::{Budget, BudgetPeriod};
use crate::settings::Settings;
use crate::time::{format_duration, hours};
use crate::{Tier, ToolError, money, tiers};

/// Repricing lists at most this many tracks (the counts cover all).
const MAX_REPRICED_LISTED: usize = 100;

// Budget hours: a whole number or a decimal string.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Hours {
    // Whole hours.
    Whole(u32),
    // Decimal hours such as "37.5".
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
        let max = Decimal::from(money::MAX_BUDGET_HOURS);
        money::bounded(hours, "budget.hours", max, 4)
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
    let max = Decimal::from(money::MAX_BUDGET_AMOUNT);
    money::bounded(amount, "budget.amount", max, money::MAX_DECIMALS)
}

/// A budget: hours and/or an amount, over the project's life or per month.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetInput {
    /// Hours: a number or decimal string.
    pub hours: Option<Hours>,
    /// Amount in the project's currency, a decimal string.
    pub amount: Option<String>,
    /// Budget period; default `total`.
    pub period: Option<BudgetPeriod>,
    /// Percent at which status becomes `warning`; default 80.
    #[schemars(range(min = 1, max = 100))]
    pub alert_percent: Option<u32>,
}

impl BudgetInput {
    /// `budget` with the fields given changed; it must still budget something.
    fn apply(mut self, budget: Budget) -> Result<Budget, ToolError> {
        let hours = self.hours.take().map(Some);
        let amount = self.amount.take().map(Some);
        self.apply_patch(budget, hours, amount)
    }

    /// [`BudgetInput::apply`] with `hours` and `amount` as patches (`None`
    /// leaves the part as it is, `Some(None)` clears it); `self.hours` and
    /// `self.amount` are not read.
    fn apply_patch(
        self,
        mut budget: Budget,
        hours: Option<Option<Hours>>,
        amount: Option<Option<String>>,
    ) -> Result<Budget, ToolError> {
        if let Some(hours) = hours {
            budget.hours = hours.as_ref().map(Hours::decimal).transpose()?;
        }
        if let Some(amount) = amount {
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
                ToolError::invalid("a budget needs `hours`, `amount` or both").hint(
                    "to remove a project's budget, pass clear: [\"budget\"] to update_project",
                ),
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
    pub amounts: Vec<Amount>,
    /// True when a running timer is counted (up to now).
    pub includes_running: bool,
}

impl From<&Spent> for SpentOut {
    fn from(spent: &Spent) -> SpentOut {
        SpentOut {
            track_count: spent.track_count,
            seconds: spent.seconds,
            duration: format_duration(spent.seconds),
            hours: hours(spent.seconds).to_string(),
            billable_seconds: spent.billable_seconds,
            amounts: amounts(&spent.amounts),
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
            hourly_rate: project.hourly_rate.map(|r| money::price(r, &currency)),
            currency: project.currency.clone(),
            new_tracks: NewTrackBilling {
                hourly_rate: rate.map(|r| money::price(r, &currency)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_hours_are_checked() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(Hours::Whole(40).decimal().unwrap(), d("40"));
        assert_eq!(Hours::Text("37.50".into()).decimal().unwrap(), d("37.5"));
        assert!(Hours::Whole(0).decimal().is_err());
        assert!(Hours::Text("-1".into()).decimal().is_err());
        assert!(Hours::Text("lots".into()).decimal().is_err());
    }
}
