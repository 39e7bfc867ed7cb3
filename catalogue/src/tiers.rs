//! What each subscription tier allows (SPEC §4). The one table of limits:
//! tools, the token CLI and `get_subscription` all read it.

use schemars::JsonSchema;
use serde::Serialize;

use crate::{ErrorCode, Tier, ToolError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Limits {
    /// Most projects; `null` is unlimited.
    pub projects: Option<u32>,
    /// Most clients; `null` is unlimited.
    pub clients: Option<u32>,
    pub invoices: bool,
    pub budgets: bool,
    /// Most active API tokens; `null` is unlimited.
    pub api_tokens: Option<u32>,
}

pub fn limits(tier: Tier) -> Limits {
    match tier {
        Tier::Free => Limits {
            projects: Some(5),
            clients: Some(3),
            invoices: false,
            budgets: false,
            api_tokens: Some(2),
        },
        Tier::Pro => Limits {
            projects: None,
            clients: None,
            invoices: true,
            budgets: true,
            api_tokens: Some(10),
        },
        Tier::Business => Limits {
            projects: None,
            clients: None,
            invoices: true,
            budgets: true,
            api_tokens: None,
        },
    }
}

/// The lowest tier with a feature.
pub fn unlocking(feature: impl Fn(&Limits) -> bool) -> Tier {
    Tier::ALL
        .into_iter()
        .find(|t| feature(&limits(*t)))
        .unwrap_or(Tier::Business)
}

/// `limit_reached` when `used` already meets the tier's `limit` of `what`.
pub fn check_limit(what: &str, tier: Tier, limit: Option<u32>, used: i64) -> Result<(), ToolError> {
    match limit {
        Some(limit) if used >= i64::from(limit) => Err(ToolError::new(
            ErrorCode::LimitReached,
            format!("the {tier} tier allows {limit} {what}; {used} exist"),
        )
        .hint("archive or delete one, or ask the operator for a higher tier")
        .detail("limit", limit)
        .detail("usage", used)
        .detail("tier", tier)),
        _ => Ok(()),
    }
}

/// `tier_required` for a feature the user's tier lacks (budgets, invoices).
pub fn require(feature: &str, tier: Tier, has: impl Fn(&Limits) -> bool) -> Result<(), ToolError> {
    if has(&limits(tier)) {
        return Ok(());
    }
    let needed = unlocking(has);
    Err(ToolError::new(
        ErrorCode::TierRequired,
        format!("{feature} need the {needed} tier"),
    )
    .hint(format!(
        "ask the operator to run `teetrack users set-tier EMAIL {needed}`"
    ))
    .detail("feature", feature)
    .detail("required_tier", needed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_follow_the_spec_table() {
        assert_eq!(limits(Tier::Free).projects, Some(5));
        assert_eq!(limits(Tier::Free).clients, Some(3));
        assert_eq!(unlocking(|l| l.invoices), Tier::Pro);
        assert_eq!(unlocking(|l| l.api_tokens.is_none()), Tier::Business);
        assert!(check_limit("projects", Tier::Free, Some(5), 4).is_ok());
        let err = check_limit("projects", Tier::Free, Some(5), 5).unwrap_err();
        assert_eq!(
            (err.code, &err.details["limit"], &err.details["usage"]),
            (ErrorCode::LimitReached, &5.into(), &5.into())
        );
        assert_eq!(
            require("budgets", Tier::Free, |l| l.budgets)
                .unwrap_err()
                .details["required_tier"],
            "pro"
        );
        assert!(require("budgets", Tier::Pro, |l| l.budgets).is_ok());
    }
}
