//! Issue 10 item 3: in every update tool `null` and absent both mean "leave
//! as is" (strict-mode clients send every property, `null` for "not
//! given"); clearing is said with the tool's `clear` list; a field both given
//! a value and named in `clear` is an `invalid_argument` naming it.

use catalogue::testing::TestApp;
use catalogue::{ErrorCode, Tier};
use serde_json::{Value, json};

/// `tool(args)` fails with `invalid_argument` naming `field`.
async fn both_is_refused(
    app: &TestApp,
    user: &catalogue::User,
    tool: &str,
    args: Value,
    field: &str,
) {
    let err = app.err(user, tool, args.clone()).await;
    assert_eq!(err.code, ErrorCode::InvalidArgument, "{tool}({args})");
    assert!(
        err.message.contains(&format!("`{field}`")),
        "{tool}({args}): {}",
        err.message
    );
    assert_eq!(err.details["field"], field, "{tool}({args})");
}

#[tokio::test]
async fn update_track_null_leaves_clear_clears_both_is_refused() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.project(&ada, "Website", true, Some("100"), None);
    let id = app
        .ok(
            &ada,
            "log_track",
            json!({"project": "Website", "start": "09:00", "end": "10:00", "hourly_rate": "90"}),
        )
        .await["track"]["id"]
        .clone();
    // What a strict-mode client sends for "change the description".
    let kept = app
        .ok(
            &ada,
            "update_track",
            json!({"id": id, "description": "new", "project": null, "tags": null, "start": null,
                   "end": null, "billable": null, "hourly_rate": null, "clear": null, "confirm": null}),
        )
        .await;
    assert_eq!(kept["track"]["description"], "new");
    assert_eq!(kept["track"]["project"]["name"], "Website");
    assert_eq!(kept["track"]["hourly_rate"], "90.00");
    assert_eq!(kept["track"]["duration_seconds"], 3600);

    both_is_refused(
        &app,
        &ada,
        "update_track",
        json!({"id": id, "hourly_rate": "80", "clear": ["hourly_rate"]}),
        "hourly_rate",
    )
    .await;
    let after = app.ok(&ada, "get_track", json!({"id": id})).await;
    assert_eq!(
        after["hourly_rate"], "90.00",
        "a refused call changes nothing"
    );

    let rate_back = app
        .ok(
            &ada,
            "update_track",
            json!({"id": id, "clear": ["hourly_rate"]}),
        )
        .await;
    assert_eq!(
        rate_back["track"]["hourly_rate"], "100.00",
        "the project's rate"
    );
    assert_eq!(rate_back["track"]["project"]["name"], "Website");
    let no_project = app
        .ok(
            &ada,
            "update_track",
            json!({"id": id, "clear": ["project"]}),
        )
        .await;
    assert_eq!(no_project["track"]["project"], json!(null));

    let err = app
        .call(
            &ada,
            "update_track",
            json!({"id": id, "clear": ["description"]}),
        )
        .await;
    assert!(
        err.is_err(),
        "only the clearable fields are accepted: {err:?}"
    );
}

#[tokio::test]
async fn bulk_update_null_leaves_clear_clears_both_is_refused() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.project(&ada, "Website", true, Some("100"), None);
    let id = app
        .ok(
            &ada,
            "log_track",
            json!({"project": "Website", "start": "09:00", "end": "10:00", "hourly_rate": "90"}),
        )
        .await["track"]["id"]
        .clone();
    app.ok(
        &ada,
        "bulk_update_tracks",
        json!({"ids": [id], "set": {"description": "new", "project": null, "hourly_rate": null,
               "add_tags": null, "remove_tags": null, "billable": null, "clear": null},
               "skip_invoiced": null, "dry_run": null, "filter": null}),
    )
    .await;
    let t = app.ok(&ada, "get_track", json!({"id": id})).await;
    assert_eq!(t["description"], "new");
    assert_eq!(t["project"]["name"], "Website");
    assert_eq!(t["hourly_rate"], "90.00");

    both_is_refused(
        &app,
        &ada,
        "bulk_update_tracks",
        json!({"ids": [id], "set": {"project": "Website", "clear": ["project"]}}),
        "project",
    )
    .await;
    let cleared = app
        .ok(
            &ada,
            "bulk_update_tracks",
            json!({"ids": [id], "set": {"clear": ["hourly_rate", "project"]}}),
        )
        .await;
    assert_eq!(cleared["changed_count"], 1);
    let t = app.ok(&ada, "get_track", json!({"id": id})).await;
    assert_eq!(t["project"], json!(null));
    assert_eq!(t["hourly_rate"], json!(null));
}

#[tokio::test]
async fn update_project_null_leaves_clear_clears_both_is_refused() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let ada =
        catalogue::db::users::set_tier(&mut app.db.conn().unwrap(), &ada.email, Tier::Pro).unwrap();
    let acme = app.client(&ada, "Acme", Some("EUR"), None);
    app.project_of(&ada, Some(acme), "Web", true, Some("100"), Some("EUR"));
    app.ok(
        &ada,
        "update_project",
        json!({"project": "Web", "color": "#112233", "description": "site",
               "budget": {"hours": 40, "amount": "4000"}}),
    )
    .await;
    let nulls = json!({"project": "Web", "name": "Web 2", "client": null, "color": null,
        "billable": null, "hourly_rate": null, "currency": null, "description": null,
        "budget": null, "archived": null, "clear": null, "reprice_unbilled": null, "dry_run": null});
    let kept = app.ok(&ada, "update_project", nulls).await;
    let p = &kept["project"];
    assert_eq!(p["name"], "Web 2");
    assert_eq!(p["client"]["id"], acme);
    assert_eq!(p["color"], "#112233");
    assert_eq!(p["hourly_rate"], "100.00");
    assert_eq!(p["currency"], "EUR");
    assert_eq!(p["description"], "site");
    assert_eq!(p["budget"]["hours"], "40");
    assert_eq!(p["budget"]["amount"], "4000.00");
    assert_eq!(kept["changed"], json!(["name"]));

    for (args, field) in [
        (
            json!({"project": "Web 2", "color": "#000000", "clear": ["color"]}),
            "color",
        ),
        (
            json!({"project": "Web 2", "budget": {"hours": 5}, "clear": ["budget"]}),
            "budget",
        ),
        (
            json!({"project": "Web 2", "budget": {"amount": "5"}, "clear": ["budget.amount"]}),
            "budget.amount",
        ),
    ] {
        both_is_refused(&app, &ada, "update_project", args, field).await;
    }

    let cleared = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "Web 2", "clear": ["client", "color", "budget.hours"]}),
        )
        .await;
    let p = &cleared["project"];
    assert_eq!(p["client"], json!(null));
    assert_eq!(p["color"], json!(null));
    assert_eq!(p["budget"]["hours"], json!(null));
    assert_eq!(p["budget"]["amount"], "4000.00", "the other part stays");
    assert_eq!(p["description"], "site");
}

#[tokio::test]
async fn update_client_null_leaves_clear_clears_both_is_refused() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.client(&ada, "Acme", Some("USD"), Some("70"));
    app.ok(
        &ada,
        "update_client",
        json!({"client": "Acme", "email": "billing@acme.test", "phone": "123", "notes": "VIP"}),
    )
    .await;
    let kept = app
        .ok(
            &ada,
            "update_client",
            json!({"client": "Acme", "name": "ACME", "email": null, "phone": null, "address": null,
                   "vat_id": null, "currency": null, "hourly_rate": null, "payment_terms_days": null,
                   "notes": null, "archived": null, "clear": null}),
        )
        .await;
    let c = &kept["client"];
    assert_eq!(c["name"], "ACME");
    assert_eq!(c["email"], "billing@acme.test");
    assert_eq!(c["phone"], "123");
    assert_eq!(c["currency"], "USD");
    assert_eq!(c["hourly_rate"], "70.00");
    assert_eq!(c["notes"], "VIP");

    both_is_refused(
        &app,
        &ada,
        "update_client",
        json!({"client": "ACME", "phone": "456", "clear": ["phone"]}),
        "phone",
    )
    .await;
    let cleared = app
        .ok(
            &ada,
            "update_client",
            json!({"client": "ACME", "clear": ["phone", "hourly_rate", "notes"]}),
        )
        .await;
    let c = &cleared["client"];
    assert_eq!(c["phone"], json!(null));
    assert_eq!(c["hourly_rate"], json!(null));
    assert_eq!(c["notes"], json!(null));
    assert_eq!(c["email"], "billing@acme.test");
    assert_eq!(c["currency"], "USD");
}

#[tokio::test]
async fn update_invoice_null_leaves_clear_clears_both_is_refused() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    let ada =
        catalogue::db::users::set_tier(&mut app.db.conn().unwrap(), &ada.email, Tier::Pro).unwrap();
    app.client(&ada, "Acme", Some("EUR"), None);
    let id = app
        .ok(
            &ada,
            "create_invoice",
            json!({"client": "Acme", "notes": "Thanks", "lines": [{"description": "Fee", "quantity": "1", "unit_price": "10"}]}),
        )
        .await["invoice"]["id"]
        .clone();
    app.ok(
        &ada,
        "update_invoice",
        json!({"id": id, "issue_date": "2026-12-01", "due_date": "2026-12-31"}),
    )
    .await;
    let kept = app
        .ok(
            &ada,
            "update_invoice",
            json!({"id": id, "notes": null, "issue_date": null, "due_date": null, "tax_percent": "19",
                   "discount_percent": null, "lines": null, "remove_track_ids": null, "clear": null}),
        )
        .await;
    let inv = &kept["invoice"];
    assert_eq!(inv["notes"], "Thanks");
    assert_eq!(inv["issue_date"], "2026-12-01");
    assert_eq!(inv["due_date"], "2026-12-31");
    assert_eq!(inv["lines"].as_array().unwrap().len(), 1);

    both_is_refused(
        &app,
        &ada,
        "update_invoice",
        json!({"id": id, "due_date": "2027-01-31", "clear": ["due_date"]}),
        "due_date",
    )
    .await;
    let cleared = app
        .ok(
            &ada,
            "update_invoice",
            json!({"id": id, "clear": ["notes", "due_date"]}),
        )
        .await;
    let inv = &cleared["invoice"];
    assert_eq!(inv["notes"], json!(null));
    assert_eq!(inv["due_date"], json!(null));
    assert_eq!(inv["issue_date"], "2026-12-01");
}

#[tokio::test]
async fn update_tag_and_settings_null_leaves_clear_clears_both_is_refused() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.tag(&ada, "ux");
    app.ok(&ada, "update_tag", json!({"tag": "ux", "color": "#00FF00"}))
        .await;
    let kept = app
        .ok(
            &ada,
            "update_tag",
            json!({"tag": "ux", "name": "UX", "color": null, "clear": null}),
        )
        .await;
    assert_eq!(kept["tag"]["color"], "#00FF00");
    assert_eq!(kept["tag"]["name"], "UX");
    both_is_refused(
        &app,
        &ada,
        "update_tag",
        json!({"tag": "ux", "color": "#000000", "clear": ["color"]}),
        "color",
    )
    .await;
    let cleared = app
        .ok(&ada, "update_tag", json!({"tag": "ux", "clear": ["color"]}))
        .await;
    assert_eq!(cleared["tag"]["color"], json!(null));

    app.ok(
        &ada,
        "update_settings",
        json!({"default_hourly_rate": "80"}),
    )
    .await;
    let kept = app
        .ok(
            &ada,
            "update_settings",
            json!({"default_hourly_rate": null, "default_billable": true, "clear": null}),
        )
        .await;
    assert_eq!(kept["settings"]["default_hourly_rate"], "80.00");
    both_is_refused(
        &app,
        &ada,
        "update_settings",
        json!({"default_hourly_rate": "90", "clear": ["default_hourly_rate"]}),
        "default_hourly_rate",
    )
    .await;
    let cleared = app
        .ok(
            &ada,
            "update_settings",
            json!({"clear": ["default_hourly_rate"]}),
        )
        .await;
    assert_eq!(cleared["settings"]["default_hourly_rate"], json!(null));
}

/// Item 2: every optional property takes `null` as "not given", so a
/// strict-mode client that sends every property gets the defaults.
#[tokio::test]
async fn optional_properties_take_null_as_not_given() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let logged = app
        .ok(
            &ada,
            "log_track",
            json!({"start": "09:00", "end": "10:00", "description": null, "tags": null,
                   "project": null, "duration": null, "billable": null, "hourly_rate": null,
                   "confirm": null, "idempotency_key": null}),
        )
        .await;
    assert_eq!(logged["track"]["description"], "");
    assert_eq!(logged["track"]["tags"], json!([]));
    let id = logged["track"]["id"].clone();
    let dry = app
        .ok(&ada, "delete_track", json!({"id": id, "dry_run": null}))
        .await;
    assert_eq!(dry["dry_run"], false, "null is not a dry run: the default");
    let listed = app
        .ok(
            &ada,
            "list_tracks",
            json!({"totals": true, "without_project": null, "period": null, "limit": null}),
        )
        .await;
    assert_eq!(listed["total_count"], 0, "deleted");
    let started = app
        .ok(
            &ada,
            "start_timer",
            json!({"description": null, "tags": null, "if_running": null, "confirm": null}),
        )
        .await;
    assert_eq!(started["timer"]["description"], "");
}
