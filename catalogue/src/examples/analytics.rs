//! Worked examples: analytics and settings.

use serde_json::json;

use super::{Step, step};

pub fn steps() -> Vec<Step> {
    vec![
        step("get_settings", json!({})),
        step(
            "update_settings",
            json!({"date_format": "dmy_dot", "rounding": {"mode": "up", "minutes": 15}}),
        ),
        step(
            "get_time_totals",
            json!({"period": "this_week", "split_by": "project"}),
        ),
        step("get_top_projects", json!({"period": "this_month"})),
        // A monthly budget the month's rounded 4 hours already reach 80 % of.
        step(
            "update_project",
            json!({"project": "Website redesign", "budget": {"hours": 5, "period": "monthly"}}),
        ),
        step("get_budget_status", json!({})),
        step("export_tracks_csv", json!({"period": "this_week"})),
        step("get_subscription", json!({})),
    ]
}
