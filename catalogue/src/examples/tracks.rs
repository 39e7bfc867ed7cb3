//! Context, timers and tracks.

use serde_json::{Value, json};

use super::{Step, step, step_after};

pub fn steps() -> Vec<Step> {
    let logged: Value = json!({
        "description": "Wireframes", "project": "Website redesign", "tags": ["design"],
        "start": "09:00", "end": "11:00",
    });
    vec![
        step("get_context", json!({})),
        step("log_track", logged),
        step(
            "start_timer",
            json!({"description": "Landing page copy", "project": "Website redesign"}),
        ),
        step_after(1800, "list_active_timers", json!({})),
        step_after(
            600,
            "switch_timer",
            json!({"description": "Client call", "project": "Website redesign", "tags": ["meeting"]}),
        ),
        step_after(
            2700,
            "stop_timer",
            json!({"description": "Client call: scope of phase 2"}),
        ),
        step_after(300, "continue_track", json!({"id": 1})),
        step_after(1200, "stop_timer", json!({})),
        step(
            "log_track",
            json!({"description": "Invoice prep", "start": "yesterday", "duration": "45m"}),
        ),
        step(
            "list_tracks",
            json!({"period": "this_week", "limit": 2, "totals": true}),
        ),
        step("get_track", json!({"id": 1})),
        step(
            "update_track",
            json!({"id": 5, "description": "Invoice prep (October)", "tags": ["admin"]}),
        ),
        step("delete_track", json!({"id": 5, "dry_run": true})),
        step("stop_timer", json!({})),
        step("review_timesheet", json!({"period": "this_week"})),
        step(
            "bulk_update_tracks",
            json!({
                "filter": {"period": "this_week", "without_project": true},
                "set": {"project": "Website redesign"},
                "dry_run": true,
            }),
        ),
    ]
}
