//! A project's own rules: its budget (hours and/or an amount, over its life
//! or per calendar month, with an alert threshold) and what deleting it does
//! to its tracks. `db::projects` stores them.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Whether a budget counts over the project's whole life or per calendar month.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BudgetPeriod {
    /// All time.
    #[default]
    Total,
    /// Each calendar month.
    Monthly,
}

/// The default alert threshold of a budget, in percent.
pub const DEFAULT_ALERT_PERCENT: u32 = 80;

/// A project's budget settings; it has a budget when `hours` or `amount` is set.
#[derive(Clone, Debug, PartialEq)]
pub struct Budget {
    pub hours: Option<Decimal>,
    /// In the project's currency.
    pub amount: Option<Decimal>,
    pub period: BudgetPeriod,
    pub alert_percent: u32,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            hours: None,
            amount: None,
            period: BudgetPeriod::Total,
            alert_percent: DEFAULT_ALERT_PERCENT,
        }
    }
}

impl Budget {
    pub fn is_set(&self) -> bool {
        self.hours.is_some() || self.amount.is_some()
    }
}

/// What happens to a deleted project's tracks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TracksAction {
    /// Keep the tracks, without a project (billing unchanged).
    Unassign,
    /// Delete the tracks too, running timers included.
    Delete,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names;

    #[test]
    fn a_budget_is_set_by_hours_or_amount() {
        let none = Budget::default();
        assert!(!none.is_set());
        assert_eq!(none.alert_percent, DEFAULT_ALERT_PERCENT);
        assert_eq!(none.period, BudgetPeriod::Total);
        let hours = Budget {
            hours: Some(Decimal::from(40)),
            ..Budget::default()
        };
        assert!(hours.is_set());
        assert_eq!(names::name(BudgetPeriod::Monthly), "monthly");
        assert_eq!(
            names::parse::<TracksAction>("unassign"),
            Some(TracksAction::Unassign)
        );
    }
}
