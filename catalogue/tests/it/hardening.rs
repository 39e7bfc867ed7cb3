//! Issue 16, catalogue side: bounded money and text inputs, money that never
//! panics, and wrong-type arguments named by their path.

use catalogue::testing::TestApp;
use catalogue::{CallError, ErrorCode, Tier, User};
use serde_json::{Value, json};

/// A pro user: budgets and reports are pro features.
fn pro(app: &TestApp, email: &str) -> User {
    let user = app.user(email);
    catalogue::db::users::set_tier(&mut app.db.conn().unwrap(), &user.email, Tier::Pro).unwrap()
}

/// The largest `Decimal`: a rate the data layer may still hold from before
/// the bounds.
const HUGE: &str = "79228162514264337593543950335";

fn long(n: usize) -> String {
    "x".repeat(n)
}

#[tokio::test]
async fn rates_prices_and_budgets_are_bounded_and_the_error_names_the_field() {
    let app = TestApp::new();
    let ada = pro(&app, "ada@example.com");
    for (tool, args, field) in [
        (
            "create_project",
            json!({"name": "A", "hourly_rate": HUGE}),
            "hourly_rate",
        ),
        (
            "create_project",
            json!({"name": "B", "hourly_rate": "1000000.01"}),
            "hourly_rate",
        ),
        (
            "create_project",
            json!({"name": "C", "budget": {"hours": "0.0000000000000000000000000001"}}),
            "budget.hours",
        ),
        (
            "create_project",
            json!({"name": "D", "budget": {"hours": 4_000_000}}),
            "budget.hours",
        ),
        (
            "create_project",
            json!({"name": "E", "budget": {"amount": HUGE}}),
            "budget.amount",
        ),
        (
            "create_client",
            json!({"name": "F", "hourly_rate": HUGE}),
            "hourly_rate",
        ),
        ("start_timer", json!({"hourly_rate": HUGE}), "hourly_rate"),
        (
            "update_settings",
            json!({"default_hourly_rate": HUGE}),
            "hourly_rate",
        ),
    ] {
        let err = app.err(&ada, tool, args.clone()).await;
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{tool} {args}");
        assert!(
            err.message.contains(field) && err.message.contains("at most")
                || err.message.contains("decimal places"),
            "{tool} {args}: {err:?}"
        );
    }
    // At the bounds, accepted.
    app.ok(
        &ada,
        "create_project",
        json!({"name": "Max", "hourly_rate": "1000000", "budget": {"hours": 1_000_000}}),
    )
    .await;
}

/// A rate beyond the bounds, stored before they existed: every tool that
/// renders or sums it answers, none panics.
#[tokio::test]
async fn a_huge_stored_rate_never_makes_a_tool_panic_and_a_delete_reports_success() {
    let mut app = TestApp::new();
    let ada = pro(&app, "ada@example.com");
    app.project(&ada, "Web", true, Some(HUGE), Some("EUR"));
    app.project(&ada, "Tiny", true, Some("1"), Some("EUR"));
    let logged = app
        .ok(
            &ada,
            "log_track",
            json!({"start": "09:00", "end": "11:00", "project": "Web"}),
        )
        .await;
    let id = logged["track"]["id"].clone();
    app.ok(
        &ada,
        "log_track",
        json!({"start": "12:00", "end": "13:00", "project": "Web"}),
    )
    .await;
    // Repricing sums the old amounts, each as large as a Decimal gets.
    app.ok(
        &ada,
        "update_project",
        json!({"project": "Web", "hourly_rate": "100", "reprice_unbilled": true, "dry_run": true}),
    )
    .await;
    app.ok(
        &ada,
        "start_timer",
        json!({"project": "Web", "start": "08:00"}),
    )
    .await;
    app.advance(24 * 3600);
    for (tool, args) in [
        ("get_context", json!({})),
        ("list_tracks", json!({})),
        ("get_time_totals", json!({"period": "this_week"})),
        ("get_budget_status", json!({})),
        ("export_tracks_csv", json!({"period": "this_week"})),
    ] {
        app.ok(&ada, tool, args).await;
    }
    let deleted = app.ok(&ada, "delete_track", json!({"id": id})).await;
    assert_eq!(deleted["track"]["id"], id);
    app.ok(&ada, "stop_timer", json!({"confirm": true})).await;
}

#[tokio::test]
async fn every_search_is_bounded_at_200_characters() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let too_long = long(50_000);
    for tool in [
        "list_tracks",
        "list_projects",
        "list_clients",
        "list_tags",
        "export_tracks_csv",
    ] {
        app.ok(&ada, tool, json!({"search": long(200)})).await;
        let err = app.err(&ada, tool, json!({"search": too_long})).await;
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{tool}");
        assert_eq!(
            err.message, "search is longer than 200 characters",
            "{tool}"
        );
    }
    let err = app
        .err(
            &ada,
            "bulk_update_tracks",
            json!({"filter": {"search": too_long}, "set": {"billable": false}}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert_eq!(err.message, "filter.search is longer than 200 characters");
}

#[tokio::test]
async fn stored_free_text_is_bounded_and_the_schema_says_so() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let client = |field: &str, n: usize| {
        let mut args = json!({"name": "Acme"});
        args[field] = Value::String(long(n));
        args
    };
    for (tool, field, max) in [
        ("create_client", "notes", 5_000),
        ("create_client", "address", 1_000),
        ("create_client", "phone", 50),
        ("create_client", "vat_id", 50),
        ("create_client", "idempotency_key", 200),
        ("create_project", "description", 1_000),
        // No maxLength stated: the default bound.
        ("create_client", "currency", 200),
    ] {
        let err = app.err(&ada, tool, client(field, max + 1)).await;
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{tool}.{field}");
        assert_eq!(
            err.message,
            format!("{field} is longer than {max} characters")
        );
        let schema = catalogue::registry()
            .iter()
            .find(|t| t.name == tool)
            .map(|t| (t.input_schema)())
            .unwrap();
        let stated = &schema["properties"][field]["anyOf"][0]["maxLength"];
        if field == "currency" {
            assert_eq!(stated, &Value::Null);
        } else {
            assert_eq!(stated, max, "{tool}.{field}");
        }
    }
    let err = app
        .err(
            &ada,
            "log_track",
            json!({"start": "09:00", "duration": 60, "description": long(1_001)}),
        )
        .await;
    assert_eq!(err.message, "description is longer than 1000 characters");
    // Within the bounds, stored.
    app.ok(&ada, "create_client", client("notes", 5_000)).await;
}

#[tokio::test]
async fn a_wrong_type_argument_is_named_by_its_path() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    for (tool, args, expected) in [
        (
            "log_track",
            json!({"start": "09:00", "duration": 60, "billable": "yes"}),
            "invalid arguments: billable: invalid type: string \"yes\", expected a boolean",
        ),
        (
            "list_tracks",
            json!({"limit": "ten"}),
            "invalid arguments: limit: invalid type: string \"ten\"",
        ),
        (
            "create_client",
            json!({"name": "Acme", "payment_terms_days": true}),
            "invalid arguments: payment_terms_days: invalid type: boolean `true`",
        ),
        (
            "bulk_update_tracks",
            json!({"ids": [1], "set": {"billable": "no"}}),
            "invalid arguments: set.billable: invalid type: string \"no\", expected a boolean",
        ),
    ] {
        match app.call(&ada, tool, args).await {
            Err(CallError::InvalidParams(message)) => {
                assert!(message.starts_with(expected), "{tool}: {message}")
            }
            other => panic!("{tool}: {other:?}"),
        }
    }
    // Missing and unknown fields keep naming themselves, with no path prefix.
    match app.call(&ada, "create_client", json!({})).await {
        Err(CallError::InvalidParams(message)) => {
            assert_eq!(message, "invalid arguments: missing field `name`")
        }
        other => panic!("{other:?}"),
    }
}
