//! Isolation: analytics and settings. Reports and exports take project,
//! client and tag references; Bob's must never reach Ada's, and his reports,
//! settings and subscription show none of her data.

use catalogue::User;
use catalogue::db::reports::set_budget;
use catalogue::testing::TestApp;
use serde_json::{Value, json};

use super::Ids;

pub async fn seed(app: &TestApp, ada: &User, bob: &User, ids: &mut Ids) {
    let client = app.client(ada, "Ada's analytics client", Some("EUR"), Some("120"));
    let project = app.project_of(
        ada,
        Some(client),
        "Ada's budgeted project",
        true,
        None,
        None,
    );
    set_budget(
        &mut app.db.conn().expect("conn"),
        ada.id,
        project,
        Some("10"),
        Some("1000"),
        "monthly",
        80,
    )
    .expect("budget");
    app.ok(
        ada,
        "log_track",
        json!({"start": "10:00", "duration": "1h", "project": project, "description": "ada's report"}),
    )
    .await;
    app.ok(
        ada,
        "update_settings",
        json!({"invoice_number_format": "ADA-{SEQ}", "default_currency": "CHF"}),
    )
    .await;
    // Bob has a budgeted project of his own, so his lists are not trivially empty.
    let bobs = app.project(bob, "Bob's project", true, Some("50"), None);
    set_budget(
        &mut app.db.conn().expect("conn"),
        bob.id,
        bobs,
        Some("5"),
        None,
        "total",
        80,
    )
    .expect("budget");
    ids.insert("analytics_client".into(), json!(client));
    ids.insert("budgeted_project".into(), json!(project));
}

pub fn attacks(ids: &Ids) -> Vec<(&'static str, Value)> {
    let (project, client, budgeted, tag) = (
        &ids["project"],
        &ids["analytics_client"],
        &ids["budgeted_project"],
        &ids["tag"],
    );
    vec![
        ("get_time_totals", json!({"project": project})),
        (
            "get_time_totals",
            json!({"project": "Ada's budgeted project"}),
        ),
        ("get_time_totals", json!({"client": client})),
        (
            "get_time_totals",
            json!({"client": "Ada's analytics client"}),
        ),
        ("get_time_totals", json!({"tag": tag})),
        ("get_budget_status", json!({"project": budgeted})),
        (
            "get_budget_status",
            json!({"project": "Ada's budgeted project"}),
        ),
        ("export_tracks_csv", json!({"project": budgeted})),
        ("export_tracks_csv", json!({"client": client})),
        ("export_tracks_csv", json!({"tag": "ada-tag"})),
    ]
}

pub const LISTS: &[&str] = &[
    "get_time_totals",
    "get_top_projects",
    "get_budget_status",
    "export_tracks_csv",
    "get_settings",
    "update_settings",
    "get_subscription",
];
