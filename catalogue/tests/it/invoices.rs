//! Invoices through the registry: preview, generate, create, list, get,
//! update, send, paid/void, delete, CSV export; the tier gate, the locks on
//! invoiced tracks, gapless numbering under concurrency.

use std::sync::Arc;

use catalogue::db::invoices::testing::{set_client_details, set_number_format, set_rounding};
use catalogue::rounding::{Rounding, RoundingMode, RoundingScope};
use catalogue::testing::TestApp;
use catalogue::{CallError, ErrorCode, Tier, User, registry};
use serde_json::{Value, json};

const TOOLS: [&str; 10] = [
    "preview_invoice",
    "generate_invoice",
    "create_invoice",
    "list_invoices",
    "get_invoice",
    "update_invoice",
    "mark_invoice_sent",
    "set_invoice_status",
    "delete_invoice",
    "export_invoice_csv",
];

fn pro(app: &TestApp, email: &str) -> User {
    app.user_in(email, "Europe/Berlin");
    catalogue::db::users::set_tier(&mut app.db.conn().unwrap(), email, Tier::Pro).unwrap()
}

/// Ada (pro, Berlin) with client Acme (EUR) and its billable project
/// Website at 100.00 an hour.
fn ada(app: &TestApp) -> (User, i32) {
    let ada = pro(app, "ada@example.com");
    let acme = app.client(&ada, "Acme", Some("EUR"), None);
    app.project_of(&ada, Some(acme), "Website", true, Some("100"), Some("EUR"));
    (ada, acme)
}

async fn log(app: &TestApp, user: &User, project: &str, start: &str, end: &str) -> i64 {
    log_with(
        app,
        user,
        json!({"project": project, "start": start, "end": end}),
    )
    .await
}

async fn log_with(app: &TestApp, user: &User, args: Value) -> i64 {
    app.ok(user, "log_track", args).await["track"]["id"]
        .as_i64()
        .unwrap()
}

async fn generate(app: &TestApp, user: &User, args: Value) -> Value {
    app.ok(user, "generate_invoice", args).await["invoice"].clone()
}

async fn invoice_count(app: &TestApp, user: &User) -> i64 {
    app.ok(user, "list_invoices", json!({})).await["total_count"]
        .as_i64()
        .unwrap()
}

fn rounding(mode: RoundingMode, minutes: u32, scope: RoundingScope) -> Rounding {
    Rounding {
        mode,
        minutes,
        scope,
    }
}

fn descriptions(invoice: &Value) -> Vec<String> {
    invoice["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["description"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn invoices_need_the_pro_tier_and_stay_listed() {
    let app = TestApp::new();
    let free = app.user("free@example.com");
    let client = app.client(&free, "Acme", None, None);
    for tool in TOOLS {
        let def = catalogue::find_tool(tool).unwrap_or_else(|| panic!("{tool} is registered"));
        assert_eq!(def.tier, Tier::Pro, "{tool}");
        assert!(registry().iter().any(|t| t.name == tool));
        let err = app
            .err(&free, tool, json!({"id": 1, "client": client}))
            .await;
        assert_eq!(err.code, ErrorCode::TierRequired, "{tool}");
        assert_eq!(err.details["required_tier"], "pro");
        assert_eq!(err.details["feature"], tool);
    }
    let business = app.user("biz@example.com");
    let business = catalogue::db::users::set_tier(
        &mut app.db.conn().unwrap(),
        &business.email,
        Tier::Business,
    )
    .unwrap();
    app.ok(&business, "list_invoices", json!({})).await;
}

#[tokio::test]
async fn preview_shows_the_draft_and_locks_nothing() {
    let app = TestApp::new();
    let (ada, _) = ada(&app);
    let first = log(&app, &ada, "Website", "09:00", "10:00").await;
    log(&app, &ada, "Website", "10:00", "10:30").await;
    log_with(
        &app,
        &ada,
        json!({"project": "Website", "start": "11:00", "end": "12:00", "billable": false}),
    )
    .await;
    app.ok(&ada, "start_timer", json!({"project": "Website"}))
        .await;
    let preview = app
        .ok(
            &ada,
            "preview_invoice",
            json!({"client": "acme", "period": "today"}),
        )
        .await;
    assert_eq!(preview["client"]["name"], "Acme");
    assert_eq!(preview["currency"], "EUR");
    assert_eq!(preview["group_by"], "project");
    assert_eq!(preview["range"]["period"], "today");
    assert_eq!(
        preview["range"]["from"]["local"],
        "2026-11-25T00:00:00+01:00"
    );
    assert_eq!(
        preview["period"],
        json!({"from": "2026-11-25", "to": "2026-11-25"})
    );
    assert_eq!(preview["track_count"], 2);
    let line = &preview["lines"][0];
    assert_eq!(line["description"], "Website");
    assert_eq!(line["quantity"], "1.50");
    assert_eq!(line["duration"], "1:30:00");
    assert_eq!(line["unit_price"], "100.00");
    assert_eq!(line["amount"], "150.00");
    assert_eq!(line["track_ids"].as_array().unwrap().len(), 2);
    assert_eq!(preview["total"], "150.00");
    assert_eq!(
        preview["skipped"],
        json!({"running": 1, "not_billable": 1, "already_invoiced": 0, "other_currency": 0})
    );
    assert_eq!(
        preview["warnings"].as_array().unwrap().len(),
        1,
        "the running timer"
    );
    // Nothing was created or locked.
    assert_eq!(invoice_count(&app, &ada).await, 0);
    app.ok(
        &ada,
        "update_track",
        json!({"id": first, "description": "still free"}),
    )
    .await;
}

#[tokio::test]
async fn generate_groups_tracks_by_track_project_day_or_description() {
    let app = TestApp::new();
    let (ada, acme) = ada(&app);
    app.project_of(&ada, Some(acme), "App", true, Some("100"), Some("EUR"));
    log_with(&app, &ada, json!({"project": "Website", "description": "Design", "start": "2026-11-23 09:00", "end": "2026-11-23 10:00"})).await;
    log_with(&app, &ada, json!({"project": "App", "description": "Design", "start": "2026-11-23 10:00", "end": "2026-11-23 10:30"})).await;
    log_with(&app, &ada, json!({"project": "Website", "description": "Review", "start": "2026-11-24 09:00", "end": "2026-11-24 09:15"})).await;
    log_with(
        &app,
        &ada,
        json!({"project": "Website", "start": "2026-11-24 23:30", "end": "2026-11-25 00:30"}),
    )
    .await;
    let cases = [
        (
            "track",
            vec![
                "Design (2026-11-23)",
                "Design (2026-11-23)",
                "Review (2026-11-24)",
                "Website (2026-11-24)",
            ],
        ),
        ("project", vec!["Website", "App"]),
        ("day", vec!["2026-11-23: Design", "2026-11-24: Review"]),
        ("description", vec!["Design", "Review", "(no description)"]),
    ];
    for (group_by, expected) in cases {
        let preview = app
            .ok(
                &ada,
                "preview_invoice",
                json!({"client": acme, "period": "this_week", "group_by": group_by}),
            )
            .await;
        assert_eq!(descriptions(&preview), expected, "{group_by}");
        assert_eq!(preview["total"], "275.00", "{group_by}");
    }
    let project = app
        .ok(
            &ada,
            "preview_invoice",
            json!({"client": acme, "period": "this_week"}),
        )
        .await;
    assert_eq!(project["lines"][0]["quantity"], "2.25");
    assert_eq!(project["lines"][0]["project"]["name"], "Website");
    let day = app
        .ok(
            &ada,
            "preview_invoice",
            json!({"client": acme, "period": "this_week", "group_by": "day"}),
        )
        .await;
    // A track belongs to the day it starts on, in the user's zone.
    assert_eq!(day["lines"][1]["quantity"], "1.25");
    assert!(
        day["lines"][0]["project"].is_null(),
        "two projects on one day"
    );

    let invoice = generate(
        &app,
        &ada,
        json!({"project": "website", "period": "this_week", "group_by": "track"}),
    )
    .await;
    assert_eq!(invoice["status"], "draft");
    assert!(invoice["number"].is_null());
    assert_eq!(
        invoice["client"]["name"], "Acme",
        "a project bills its client"
    );
    assert_eq!(invoice["group_by"], "track");
    assert_eq!(invoice["track_count"], 3);
    assert_eq!(
        invoice["period"],
        json!({"from": "2026-11-23", "to": "2026-11-29"})
    );
    assert_eq!(invoice["total"], "225.00");
    // The App track was not on that invoice: it is still there to bill.
    let rest = app
        .ok(
            &ada,
            "preview_invoice",
            json!({"client": "Acme", "period": "this_week"}),
        )
        .await;
    assert_eq!(descriptions(&rest), ["App"]);
    assert_eq!(rest["skipped"]["already_invoiced"], 3);
}

#[tokio::test]
async fn rates_split_lines_and_rounding_follows_the_scope() {
    let app = TestApp::new();
    let (ada, acme) = ada(&app);
    for start in ["09:00", "10:00", "11:00"] {
        log_with(
            &app,
            &ada,
            json!({"project": "Website", "start": start, "duration": "10m"}),
        )
        .await;
    }
    log_with(
        &app,
        &ada,
        json!({"project": "Website", "start": "12:00", "duration": "10m", "hourly_rate": "150"}),
    )
    .await;
    let conn = &mut app.db.conn().unwrap();
    set_rounding(
        conn,
        ada.id,
        rounding(RoundingMode::Up, 15, RoundingScope::Track),
    )
    .unwrap();
    let args = json!({"client": acme, "period": "today"});
    let by_track = app.ok(&ada, "preview_invoice", args.clone()).await;
    let lines = by_track["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "two rates, two lines: {lines:?}");
    assert_eq!(
        (
            &lines[0]["quantity"],
            &lines[0]["unit_price"],
            &lines[0]["amount"]
        ),
        (&json!("0.75"), &json!("100.00"), &json!("75.00"))
    );
    assert_eq!(
        (
            &lines[1]["quantity"],
            &lines[1]["unit_price"],
            &lines[1]["amount"]
        ),
        (&json!("0.25"), &json!("150.00"), &json!("37.50"))
    );
    set_rounding(
        conn,
        ada.id,
        rounding(RoundingMode::Up, 15, RoundingScope::Total),
    )
    .unwrap();
    let by_total = app.ok(&ada, "preview_invoice", args.clone()).await;
    assert_eq!(by_total["lines"][0]["quantity"], "0.50");
    assert_eq!(by_total["total"], "87.50");
    set_rounding(conn, ada.id, Rounding::NONE).unwrap();
    let exact = app.ok(&ada, "preview_invoice", args).await;
    // 30 minutes = 0.50 h; 10 minutes = 0.17 h × 150 = 25.50.
    assert_eq!(exact["lines"][0]["quantity"], "0.50");
    assert_eq!(exact["lines"][1]["quantity"], "0.17");
    assert_eq!(exact["lines"][1]["amount"], "25.50");
}

#[tokio::test]
async fn amounts_round_half_up_and_total_is_lines_less_discount_plus_tax() {
    let app = TestApp::new();
    let ada = pro(&app, "ada@example.com");
    let acme = app.client(&ada, "Acme", None, None);
    app.project_of(&ada, Some(acme), "Odd", true, Some("33.35"), Some("EUR"));
    // 0.50 h × 33.35 = 16.675 → 16.68 (half-up)
    log_with(
        &app,
        &ada,
        json!({"project": "Odd", "start": "09:00", "duration": "30m"}),
    )
    .await;
    let invoice = generate(
        &app,
        &ada,
        json!({"client": "Acme", "period": "today", "tax_percent": "19", "discount_percent": "10"}),
    )
    .await;
    assert_eq!(invoice["lines"][0]["unit_price"], "33.35");
    assert_eq!(invoice["lines"][0]["amount"], "16.68");
    assert_eq!(invoice["subtotal"], "16.68");
    // 10 % of 16.68 = 1.668 → 1.67; 19 % of 15.01 = 2.8519 → 2.85
    assert_eq!(invoice["discount_percent"], "10");
    assert_eq!(invoice["discount_amount"], "1.67");
    assert_eq!(invoice["tax_percent"], "19");
    assert_eq!(invoice["tax_amount"], "2.85");
    assert_eq!(invoice["total"], "17.86");
    // A currency without minor units rounds to whole units.
    app.project_of(&ada, Some(acme), "Yen", true, Some("1001"), Some("JPY"));
    log_with(
        &app,
        &ada,
        json!({"project": "Yen", "start": "10:00", "duration": "30m"}),
    )
    .await;
    let yen = generate(&app, &ada, json!({"project": "Yen", "period": "today"})).await;
    assert_eq!(yen["currency"], "JPY");
    assert_eq!(yen["lines"][0]["amount"], "501");
    assert_eq!(yen["total"], "501");
}

#[tokio::test]
async fn tracks_in_several_currencies_are_never_mixed() {
    let app = TestApp::new();
    let (ada, acme) = ada(&app);
    app.project_of(&ada, Some(acme), "US work", true, Some("120"), Some("USD"));
    log(&app, &ada, "Website", "09:00", "10:00").await;
    log(&app, &ada, "US work", "10:00", "11:00").await;
    let args = json!({"client": "Acme", "period": "today"});
    for tool in ["preview_invoice", "generate_invoice"] {
        let err = app.err(&ada, tool, args.clone()).await;
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{tool}");
        assert!(err.message.contains("EUR (1 tracks)") && err.message.contains("USD (1 tracks)"));
        assert!(err.hint.as_deref().unwrap().contains("currency"));
        assert_eq!(
            err.details["currencies"],
            json!([{"currency": "EUR", "tracks": 1}, {"currency": "USD", "tracks": 1}])
        );
    }
    assert_eq!(invoice_count(&app, &ada).await, 0);
    let usd = generate(
        &app,
        &ada,
        json!({"client": "Acme", "period": "today", "currency": "usd"}),
    )
    .await;
    assert_eq!(usd["currency"], "USD");
    assert_eq!(usd["total"], "120.00");
    let eur = app
        .ok(
            &ada,
            "generate_invoice",
            json!({"client": "Acme", "period": "today"}),
        )
        .await;
    assert_eq!(eur["invoice"]["currency"], "EUR");
    assert_eq!(eur["skipped"]["already_invoiced"], 1);
    let list = app.ok(&ada, "list_invoices", json!({})).await;
    assert_eq!(
        list["totals"],
        json!([
            {"currency": "EUR", "invoices": 1, "draft": "100.00", "outstanding": "0.00", "paid": "0.00", "total": "100.00"},
            {"currency": "USD", "invoices": 1, "draft": "120.00", "outstanding": "0.00", "paid": "0.00", "total": "120.00"},
        ])
    );
}

#[tokio::test]
async fn bad_requests_are_refused_and_write_nothing() {
    let app = TestApp::new();
    let (ada, _) = ada(&app);
    app.project(&ada, "No client", true, Some("50"), None);
    log(&app, &ada, "Website", "09:00", "10:00").await;
    log(&app, &ada, "No client", "10:00", "11:00").await;
    let cases = [
        (json!({"period": "today"}), ErrorCode::InvalidArgument),
        (
            json!({"client": "Acme", "project": "Website", "period": "today"}),
            ErrorCode::InvalidArgument,
        ),
        (json!({"client": "Acme"}), ErrorCode::InvalidArgument),
        (
            json!({"client": "Acme", "period": "today", "from": "09:00"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"client": "Acme", "from": "12:00", "to": "09:00"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"client": "Acme", "period": "today", "tax_percent": "abc"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"client": "Acme", "period": "today", "tax_percent": "101"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"client": "Acme", "period": "today", "discount_percent": "-1"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"client": "Acme", "period": "today", "currency": "EURO"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"client": "Nobody", "period": "today"}),
            ErrorCode::NotFound,
        ),
        (
            json!({"client": 999, "period": "today"}),
            ErrorCode::NotFound,
        ),
        (
            json!({"project": "Nothing", "period": "today"}),
            ErrorCode::NotFound,
        ),
        (
            json!({"project": "No client", "period": "today"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"client": "Acme", "period": "yesterday"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"client": "Acme", "period": "today", "currency": "USD"}),
            ErrorCode::InvalidArgument,
        ),
    ];
    for (args, code) in cases {
        for tool in ["preview_invoice", "generate_invoice"] {
            let err = app.err(&ada, tool, args.clone()).await;
            assert_eq!(err.code, code, "{tool}({args}): {err:?}");
        }
    }
    let nothing = app
        .err(
            &ada,
            "generate_invoice",
            json!({"client": "Acme", "period": "yesterday"}),
        )
        .await;
    assert!(
        nothing.message.contains("nothing to invoice"),
        "{}",
        nothing.message
    );
    assert!(nothing.details["skipped"].is_object());
    for bad in [
        json!({"client": "Acme", "period": "today", "group_by": "week"}),
        json!({"client": "Acme", "period": "today", "x": 1}),
    ] {
        assert!(matches!(
            app.call(&ada, "generate_invoice", bad).await,
            Err(CallError::InvalidParams(_))
        ));
    }
    assert_eq!(invoice_count(&app, &ada).await, 0);
}

#[tokio::test]
async fn invoiced_tracks_are_locked_until_void_then_billed_again() {
    let app = TestApp::new();
    let (ada, _) = ada(&app);
    let track = log(&app, &ada, "Website", "09:00", "10:00").await;
    let draft = generate(&app, &ada, json!({"client": "Acme", "period": "today"})).await;
    let id = draft["id"].clone();
    for (tool, args) in [
        (
            "update_track",
            json!({"id": track, "description": "changed"}),
        ),
        ("delete_track", json!({"id": track})),
        ("delete_track", json!({"id": track, "dry_run": true})),
    ] {
        let err = app.err(&ada, tool, args).await;
        assert_eq!(err.code, ErrorCode::TrackInvoiced, "{tool}");
        assert_eq!(err.details["invoice_ids"], json!([id]));
    }
    // Already invoiced: a second invoice has nothing to bill.
    let again = app
        .err(
            &ada,
            "generate_invoice",
            json!({"client": "Acme", "period": "today"}),
        )
        .await;
    assert_eq!(again.code, ErrorCode::InvalidArgument);
    assert_eq!(again.details["skipped"]["already_invoiced"], 1);

    let sent = app.ok(&ada, "mark_invoice_sent", json!({"id": id})).await;
    assert_eq!(sent["invoice"]["status"], "sent");
    let err = app
        .err(
            &ada,
            "update_track",
            json!({"id": track, "description": "changed"}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::TrackInvoiced);

    let void = app
        .ok(
            &ada,
            "set_invoice_status",
            json!({"id": id, "status": "void"}),
        )
        .await;
    assert_eq!(void["invoice"]["status"], "void");
    assert_eq!(
        void["invoice"]["number"], "INV-2026-0001",
        "a void invoice keeps its number"
    );
    assert_eq!(void["freed_track_ids"], json!([track]));
    assert_eq!(
        void["invoice"]["track_count"], 1,
        "it still shows what it billed"
    );
    app.ok(
        &ada,
        "update_track",
        json!({"id": track, "description": "changed"}),
    )
    .await;
    let again = generate(&app, &ada, json!({"client": "Acme", "period": "today"})).await;
    assert_eq!(again["lines"][0]["track_ids"], json!([track]));
    assert_ne!(again["id"], id);
    let sent = app
        .ok(&ada, "mark_invoice_sent", json!({"id": again["id"]}))
        .await;
    assert_eq!(sent["invoice"]["number"], "INV-2026-0002");
}

#[tokio::test]
async fn an_invoice_keeps_the_rounded_quantities_it_was_made_with() {
    let app = TestApp::new();
    let (ada, _) = ada(&app);
    log_with(
        &app,
        &ada,
        json!({"project": "Website", "start": "09:00", "duration": "5m"}),
    )
    .await;
    let conn = &mut app.db.conn().unwrap();
    set_rounding(
        conn,
        ada.id,
        rounding(RoundingMode::Up, 15, RoundingScope::Track),
    )
    .unwrap();
    let draft = generate(&app, &ada, json!({"client": "Acme", "period": "today"})).await;
    assert_eq!(draft["lines"][0]["quantity"], "0.25");
    assert_eq!(draft["total"], "25.00");
    set_rounding(conn, ada.id, Rounding::NONE).unwrap();
    let id = draft["id"].clone();
    let later = app.ok(&ada, "get_invoice", json!({"id": id})).await;
    assert_eq!(later["lines"][0]["quantity"], "0.25");
    assert_eq!(later["lines"][0]["duration"], "0:15:00");
    assert_eq!(later["total"], "25.00");
    let sent = app.ok(&ada, "mark_invoice_sent", json!({"id": id})).await;
    assert_eq!(sent["invoice"]["lines"][0]["quantity"], "0.25");
    let csv = app.ok(&ada, "export_invoice_csv", json!({"id": id})).await;
    assert!(
        csv["csv"]
            .as_str()
            .unwrap()
            .contains(",00:15:00,0.25,100.00,25.00,EUR\r\n")
    );
}

#[tokio::test]
async fn drafts_are_edited_sent_invoices_are_frozen() {
    let app = TestApp::new();
    let (ada, acme) = ada(&app);
    let conn = &mut app.db.conn().unwrap();
    set_client_details(
        conn,
        ada.id,
        acme,
        14,
        Some("billing@acme.test"),
        Some("DE123"),
    )
    .unwrap();
    let a = log_with(
        &app,
        &ada,
        json!({"project": "Website", "description": "A", "start": "09:00", "end": "10:00"}),
    )
    .await;
    let b = log_with(
        &app,
        &ada,
        json!({"project": "Website", "description": "B", "start": "10:00", "end": "10:30"}),
    )
    .await;
    let draft = generate(&app, &ada, json!({"client": "Acme", "period": "today"})).await;
    let id = draft["id"].clone();
    assert_eq!(draft["total"], "150.00");
    assert_eq!(draft["client"]["email"], "billing@acme.test");
    assert_eq!(draft["client"]["vat_id"], "DE123");

    let updated = app
        .ok(
            &ada,
            "update_invoice",
            json!({
                "id": id, "notes": "Thanks!", "tax_percent": "20", "discount_percent": "0",
                "lines": [{"description": "Hosting", "quantity": "1", "unit_price": "50"}],
                "remove_track_ids": [b],
            }),
        )
        .await;
    let inv = &updated["invoice"];
    assert_eq!(updated["freed_track_ids"], json!([b]));
    assert_eq!(descriptions(inv), ["Website", "Hosting"]);
    assert_eq!(
        inv["lines"][0]["quantity"], "1.00",
        "recomputed without track B"
    );
    assert_eq!(inv["lines"][0]["track_ids"], json!([a]));
    assert_eq!(inv["lines"][1]["quantity"], "1.00");
    assert!(inv["lines"][1]["duration"].is_null());
    assert_eq!(inv["lines"][1]["track_ids"], json!([]));
    assert_eq!(inv["track_count"], 1);
    assert_eq!(inv["subtotal"], "150.00");
    assert_eq!(inv["tax_amount"], "30.00");
    assert_eq!(inv["total"], "180.00");
    assert_eq!(inv["notes"], "Thanks!");
    // The removed track is free again: editable, and billable elsewhere.
    app.ok(&ada, "update_track", json!({"id": b, "description": "B2"}))
        .await;
    // Replacing manual lines keeps the tracked ones; `clear` clears the notes.
    let replaced = app
        .ok(
            &ada,
            "update_invoice",
            json!({"id": id, "clear": ["notes"], "lines": [
                {"description": "Domain", "quantity": "2", "unit_price": "10.5"},
                {"description": "Support", "quantity": "0.5", "unit_price": "80"},
            ]}),
        )
        .await;
    assert_eq!(
        descriptions(&replaced["invoice"]),
        ["Website", "Domain", "Support"]
    );
    assert_eq!(replaced["invoice"]["subtotal"], "161.00");
    assert!(replaced["invoice"]["notes"].is_null());
    // Removing the last track of a line removes the line.
    let no_tracks = app
        .ok(
            &ada,
            "update_invoice",
            json!({"id": id, "remove_track_ids": [a]}),
        )
        .await;
    assert_eq!(descriptions(&no_tracks["invoice"]), ["Domain", "Support"]);

    // Bad edits write nothing.
    let before = app.ok(&ada, "get_invoice", json!({"id": id})).await;
    for (args, code) in [
        (
            json!({"id": id, "remove_track_ids": [b]}),
            ErrorCode::NotFound,
        ),
        (
            json!({"id": id, "issue_date": "2026-12-10", "due_date": "2026-12-01"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"id": id, "issue_date": "tomorrowish"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"id": id, "tax_percent": "x"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"id": id, "lines": [{"description": " ", "quantity": "1", "unit_price": "1"}]}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"id": id, "lines": [{"description": "x", "quantity": "0", "unit_price": "1"}]}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"id": id, "lines": [{"description": "x", "quantity": "1", "unit_price": "-1"}]}),
            ErrorCode::InvalidArgument,
        ),
        (json!({"id": 999, "notes": "x"}), ErrorCode::NotFound),
    ] {
        let err = app.err(&ada, "update_invoice", args.clone()).await;
        assert_eq!(err.code, code, "{args}: {err:?}");
    }
    assert_eq!(app.ok(&ada, "get_invoice", json!({"id": id})).await, before);

    // Sent: numbered, dated, due after the client's 14 days, and frozen.
    let sent = app
        .ok(
            &ada,
            "mark_invoice_sent",
            json!({"id": id, "issue_date": "2026-11-20"}),
        )
        .await;
    let inv = &sent["invoice"];
    assert_eq!(inv["number"], "INV-2026-0001");
    assert_eq!(inv["issue_date"], "2026-11-20");
    assert_eq!(inv["due_date"], "2026-12-04");
    assert_eq!(inv["overdue"], false);
    assert!(inv["sent_at"]["utc"].is_string());
    for (tool, args) in [
        ("update_invoice", json!({"id": id, "notes": "late"})),
        ("delete_invoice", json!({"id": id})),
        ("delete_invoice", json!({"id": id, "dry_run": true})),
        ("mark_invoice_sent", json!({"id": id})),
    ] {
        let err = app.err(&ada, tool, args).await;
        assert_eq!(err.code, ErrorCode::InvoiceFrozen, "{tool}");
        assert_eq!(err.details["status"], "sent");
    }
}

#[tokio::test]
async fn numbers_are_gapless_formatted_and_dated_in_the_users_zone() {
    let mut app = TestApp::new();
    let (ada, _) = ada(&app);
    let manual = json!({"client": "Acme", "lines": [{"description": "Fee", "quantity": "1", "unit_price": "10"}]});
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(app.ok(&ada, "create_invoice", manual.clone()).await["invoice"]["id"].clone());
    }
    let number = |v: &Value| v["invoice"]["number"].as_str().unwrap().to_owned();
    let first = app
        .ok(&ada, "mark_invoice_sent", json!({"id": ids[0]}))
        .await;
    assert_eq!(number(&first), "INV-2026-0001");
    assert_eq!(first["invoice"]["issue_date"], "2026-11-25");
    assert_eq!(
        first["invoice"]["due_date"], "2026-12-25",
        "30 days by default"
    );
    // Void keeps the number: the next one is 2, not 1 again.
    app.ok(
        &ada,
        "set_invoice_status",
        json!({"id": ids[0], "status": "void"}),
    )
    .await;
    let conn = &mut app.db.conn().unwrap();
    set_number_format(conn, ada.id, "{YY}{MM}/{SEQ:3}").unwrap();
    let second = app
        .ok(
            &ada,
            "mark_invoice_sent",
            json!({"id": ids[1], "issue_date": "2027-01-02"}),
        )
        .await;
    assert_eq!(
        number(&second),
        "2701/002",
        "YY and MM come from the issue date"
    );
    // At 23:30 UTC it is already the 26th in Berlin.
    app.advance(9 * 3600);
    set_number_format(conn, ada.id, "N{SEQ}").unwrap();
    let third = app
        .ok(&ada, "mark_invoice_sent", json!({"id": ids[2]}))
        .await;
    assert_eq!(number(&third), "N3");
    assert_eq!(third["invoice"]["issue_date"], "2026-11-26");
    // A format without a sequence would repeat numbers: refused, and the
    // sequence is not used up.
    set_number_format(conn, ada.id, "INV-{YYYY}").unwrap();
    let err = app
        .err(&ada, "mark_invoice_sent", json!({"id": ids[3]}))
        .await;
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    set_number_format(conn, ada.id, "{SEQ:4}").unwrap();
    let fourth = app
        .ok(&ada, "mark_invoice_sent", json!({"id": ids[3]}))
        .await;
    assert_eq!(number(&fourth), "0004");
    // An empty draft, or a due date before the issue date, is not sent.
    let empty = app.ok(&ada, "create_invoice", manual.clone()).await["invoice"]["id"].clone();
    app.ok(&ada, "update_invoice", json!({"id": empty, "lines": []}))
        .await;
    let err = app
        .err(&ada, "mark_invoice_sent", json!({"id": empty}))
        .await;
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    let full = app.ok(&ada, "create_invoice", manual).await["invoice"]["id"].clone();
    let err = app
        .err(
            &ada,
            "mark_invoice_sent",
            json!({"id": full, "issue_date": "2026-11-20", "due_date": "2026-11-19"}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    let next = app.ok(&ada, "mark_invoice_sent", json!({"id": full})).await;
    assert_eq!(number(&next), "0005", "refusals use up no number");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sends_get_exactly_one_to_n() {
    const N: usize = 16;
    let app = TestApp::new();
    let (ada, _) = ada(&app);
    let mut ids = Vec::new();
    for i in 0..N {
        let created = app
            .ok(
                &ada,
                "create_invoice",
                json!({"client": "Acme", "lines": [{"description": format!("Fee {i}"), "quantity": "1", "unit_price": "10"}]}),
            )
            .await;
        ids.push(created["invoice"]["id"].clone());
    }
    let app = Arc::new(app);
    let tasks: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let (app, ada) = (Arc::clone(&app), ada.clone());
            tokio::spawn(async move {
                app.ok(&ada, "mark_invoice_sent", json!({"id": id})).await["invoice"]["number"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=N).map(|n| format!("INV-2026-{n:04}")).collect();
    assert_eq!(numbers, expected);
}

#[tokio::test]
async fn the_database_refuses_a_second_live_lock_as_a_conflict() {
    let app = TestApp::new();
    let (ada, _) = ada(&app);
    let track = log(&app, &ada, "Website", "09:00", "10:00").await;
    generate(&app, &ada, json!({"client": "Acme", "period": "today"})).await;
    let other = app
        .ok(
            &ada,
            "create_invoice",
            json!({"client": "Acme", "lines": [{"description": "x", "quantity": "1", "unit_price": "1"}]}),
        )
        .await["invoice"]["id"]
        .as_i64()
        .unwrap() as i32;
    // A writer that skipped every check (another instance racing on
    // PostgreSQL) is stopped by the partial unique index.
    let conn = &mut app.db.conn().unwrap();
    let err =
        catalogue::db::invoices::lock_tracks(conn, other, &[(track as i32, None)]).unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.hint.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_generates_lock_each_track_once() {
    let app = TestApp::new();
    let (ada, _) = ada(&app);
    let mut tracks = Vec::new();
    for hour in 8..14 {
        tracks.push(
            log(
                &app,
                &ada,
                "Website",
                &format!("{hour:02}:00"),
                &format!("{hour:02}:30"),
            )
            .await,
        );
    }
    let app = Arc::new(app);
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (app, ada) = (Arc::clone(&app), ada.clone());
            tokio::spawn(async move {
                app.call(
                    &ada,
                    "generate_invoice",
                    json!({"client": "Acme", "period": "today"}),
                )
                .await
            })
        })
        .collect();
    let mut made = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(out) => {
                made += 1;
                assert_eq!(out["invoice"]["track_count"], 6);
            }
            Err(CallError::Tool(err)) => assert!(
                matches!(err.code, ErrorCode::InvalidArgument | ErrorCode::Conflict),
                "{err:?}"
            ),
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(made, 1, "exactly one invoice gets the tracks");
    assert_eq!(invoice_count(&app, &ada).await, 1);
}

#[tokio::test]
async fn create_invoice_defaults_currency_and_replays_its_key() {
    let app = TestApp::new();
    let (ada, _) = ada(&app);
    app.client(&ada, "Plain", None, None);
    let lines = json!([
        {"description": "Setup fee", "quantity": "1", "unit_price": "500"},
        {"description": "Licences", "quantity": "3", "unit_price": "19.99"},
    ]);
    let acme = app
        .ok(
            &ada,
            "create_invoice",
            json!({"client": "ACME", "lines": lines, "tax_percent": "7.5", "notes": " Net 30 ", "idempotency_key": "k1"}),
        )
        .await;
    assert_eq!(acme["replayed"], false);
    let inv = &acme["invoice"];
    assert_eq!(inv["currency"], "EUR", "the client's currency");
    assert_eq!(inv["status"], "draft");
    assert!(inv["group_by"].is_null() && inv["period"].is_null());
    assert_eq!(inv["lines"][1]["quantity"], "3.00");
    assert_eq!(inv["lines"][1]["amount"], "59.97");
    assert_eq!(inv["subtotal"], "559.97");
    // 7.5 % of 559.97 = 41.99775 → 42.00
    assert_eq!(inv["tax_amount"], "42.00");
    assert_eq!(inv["total"], "601.97");
    assert_eq!(inv["notes"], "Net 30");
    assert_eq!(inv["track_count"], 0);
    let replay = app
        .ok(
            &ada,
            "create_invoice",
            json!({"client": "ACME", "lines": lines, "idempotency_key": "k1"}),
        )
        .await;
    assert_eq!(replay["replayed"], true);
    assert_eq!(replay["invoice"]["id"], inv["id"]);
    assert_eq!(invoice_count(&app, &ada).await, 1);

    let plain = app
        .ok(
            &ada,
            "create_invoice",
            json!({"client": "Plain", "lines": lines}),
        )
        .await;
    assert_eq!(plain["invoice"]["currency"], "EUR", "the user's default");
    let usd = app
        .ok(
            &ada,
            "create_invoice",
            json!({"client": "Plain", "lines": lines, "currency": "usd", "issue_date": "2026-11-01", "due_date": "2026-11-15"}),
        )
        .await;
    assert_eq!(usd["invoice"]["currency"], "USD");
    assert_eq!(usd["invoice"]["issue_date"], "2026-11-01");
    // Sending keeps the draft's dates.
    let sent = app
        .ok(
            &ada,
            "mark_invoice_sent",
            json!({"id": usd["invoice"]["id"]}),
        )
        .await;
    assert_eq!(sent["invoice"]["issue_date"], "2026-11-01");
    assert_eq!(sent["invoice"]["due_date"], "2026-11-15");
    assert_eq!(sent["invoice"]["overdue"], true, "due before today, unpaid");

    let before = invoice_count(&app, &ada).await;
    for (args, code) in [
        (
            json!({"client": "Acme", "lines": []}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"client": "Nobody", "lines": lines}),
            ErrorCode::NotFound,
        ),
        (
            json!({"client": "Acme", "lines": lines, "currency": "E"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"client": "Acme", "lines": lines, "due_date": "2026-11-01", "issue_date": "2026-11-02"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"client": "Acme", "lines": [{"description": "x", "quantity": "one", "unit_price": "1"}]}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"client": "Acme", "lines": [{"description": "x", "quantity": "1", "unit_price": "1,5"}]}),
            ErrorCode::InvalidArgument,
        ),
    ] {
        let err = app.err(&ada, "create_invoice", args.clone()).await;
        assert_eq!(err.code, code, "{args}: {err:?}");
    }
    assert_eq!(invoice_count(&app, &ada).await, before);
}

#[tokio::test]
async fn generate_replays_its_idempotency_key() {
    let app = TestApp::new();
    let (ada, _) = ada(&app);
    log(&app, &ada, "Website", "09:00", "10:00").await;
    let args = json!({"client": "Acme", "period": "today", "idempotency_key": "nov"});
    let first = app.ok(&ada, "generate_invoice", args.clone()).await;
    let again = app.ok(&ada, "generate_invoice", args.clone()).await;
    assert_eq!(
        (&first["replayed"], &again["replayed"]),
        (&json!(false), &json!(true))
    );
    assert_eq!(first["invoice"], again["invoice"]);
    assert_eq!(invoice_count(&app, &ada).await, 1);
    app.ok(
        &ada,
        "delete_invoice",
        json!({"id": first["invoice"]["id"]}),
    )
    .await;
    let gone = app.err(&ada, "generate_invoice", args).await;
    assert_eq!(gone.code, ErrorCode::NotFound);
    assert!(gone.hint.unwrap().contains("new key"));
}

#[tokio::test]
async fn paid_and_void_follow_the_rules() {
    let app = TestApp::new();
    let (ada, _) = ada(&app);
    let track = log(&app, &ada, "Website", "09:00", "10:00").await;
    let id = generate(&app, &ada, json!({"client": "Acme", "period": "today"})).await["id"].clone();
    for status in ["paid", "void"] {
        let err = app
            .err(
                &ada,
                "set_invoice_status",
                json!({"id": id, "status": status}),
            )
            .await;
        assert_eq!(
            err.code,
            ErrorCode::InvalidArgument,
            "a draft cannot be {status}"
        );
        assert!(err.hint.unwrap().contains("delete_invoice"));
    }
    app.ok(
        &ada,
        "mark_invoice_sent",
        json!({"id": id, "issue_date": "2026-11-20"}),
    )
    .await;
    let err = app
        .err(
            &ada,
            "set_invoice_status",
            json!({"id": id, "status": "paid", "paid_on": "2026-11-19"}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::InvalidArgument, "paid before issued");
    let err = app
        .err(
            &ada,
            "set_invoice_status",
            json!({"id": id, "status": "void", "paid_on": "today"}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    let paid = app
        .ok(
            &ada,
            "set_invoice_status",
            json!({"id": id, "status": "paid"}),
        )
        .await;
    assert_eq!(paid["invoice"]["status"], "paid");
    assert_eq!(paid["invoice"]["paid_on"], "2026-11-25", "today in Berlin");
    let corrected = app
        .ok(
            &ada,
            "set_invoice_status",
            json!({"id": id, "status": "paid", "paid_on": "yesterday"}),
        )
        .await;
    assert_eq!(corrected["invoice"]["paid_on"], "2026-11-24");
    let list = app
        .ok(&ada, "list_invoices", json!({"status": "paid"}))
        .await;
    assert_eq!(list["totals"][0]["paid"], "100.00");

    // A dry run shows the void invoice and the tracks it would free.
    let dry = app
        .ok(
            &ada,
            "set_invoice_status",
            json!({"id": id, "status": "void", "dry_run": true}),
        )
        .await;
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["invoice"]["status"], "void");
    assert_eq!(dry["freed_track_ids"], json!([track]));
    assert_eq!(
        app.ok(&ada, "get_invoice", json!({"id": id})).await["status"],
        "paid"
    );
    assert_eq!(
        app.err(&ada, "delete_track", json!({"id": track}))
            .await
            .code,
        ErrorCode::TrackInvoiced
    );

    let void = app
        .ok(
            &ada,
            "set_invoice_status",
            json!({"id": id, "status": "void"}),
        )
        .await;
    assert!(void["invoice"]["voided_at"]["utc"].is_string());
    assert_eq!(void["invoice"]["paid_on"], "2026-11-24");
    let twice = app
        .ok(
            &ada,
            "set_invoice_status",
            json!({"id": id, "status": "void"}),
        )
        .await;
    assert_eq!(twice["invoice"]["status"], "void");
    assert_eq!(twice["freed_track_ids"], json!([]));
    let err = app
        .err(
            &ada,
            "set_invoice_status",
            json!({"id": id, "status": "paid"}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::InvoiceFrozen);
    let err = app.err(&ada, "delete_invoice", json!({"id": id})).await;
    assert_eq!(
        err.code,
        ErrorCode::InvoiceFrozen,
        "a void invoice is never deleted"
    );
    app.ok(
        &ada,
        "update_track",
        json!({"id": track, "description": "free again"}),
    )
    .await;
    let err = app
        .err(
            &ada,
            "set_invoice_status",
            json!({"id": 999, "status": "paid"}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::NotFound);
    let list = app.ok(&ada, "list_invoices", json!({})).await;
    assert_eq!(list["total_count"], 1);
    assert_eq!(list["totals"], json!([]), "void invoices add nothing");
}

#[tokio::test]
async fn deleting_a_draft_frees_its_tracks_and_dry_run_changes_nothing() {
    let app = TestApp::new();
    let (ada, _) = ada(&app);
    let track = log(&app, &ada, "Website", "09:00", "10:00").await;
    let id = generate(&app, &ada, json!({"client": "Acme", "period": "today"})).await["id"].clone();
    let dry = app
        .ok(&ada, "delete_invoice", json!({"id": id, "dry_run": true}))
        .await;
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["freed_track_ids"], json!([track]));
    assert_eq!(dry["invoice"]["id"], id);
    app.ok(&ada, "get_invoice", json!({"id": id})).await;
    let deleted = app.ok(&ada, "delete_invoice", json!({"id": id})).await;
    assert_eq!(deleted["dry_run"], false);
    assert_eq!(deleted["invoice"]["total"], "100.00", "the draft as it was");
    assert_eq!(
        app.err(&ada, "get_invoice", json!({"id": id})).await.code,
        ErrorCode::NotFound
    );
    assert_eq!(
        app.err(&ada, "delete_invoice", json!({"id": id}))
            .await
            .code,
        ErrorCode::NotFound
    );
    app.ok(
        &ada,
        "update_track",
        json!({"id": track, "description": "free"}),
    )
    .await;
    generate(&app, &ada, json!({"client": "Acme", "period": "today"})).await;
}

#[tokio::test]
async fn list_filters_pages_and_totals_per_currency() {
    let mut app = TestApp::new();
    let (ada, acme) = ada(&app);
    app.client(&ada, "Globex", Some("USD"), None);
    let fee = |client: &str, price: &str| json!({"client": client, "lines": [{"description": "Fee", "quantity": "1", "unit_price": price}]});
    let a = app.ok(&ada, "create_invoice", fee("Acme", "100")).await["invoice"]["id"].clone();
    app.advance(60);
    let b = app.ok(&ada, "create_invoice", fee("Acme", "50")).await["invoice"]["id"].clone();
    app.advance(60);
    let g = app.ok(&ada, "create_invoice", fee("Globex", "70")).await["invoice"]["id"].clone();
    app.ok(
        &ada,
        "mark_invoice_sent",
        json!({"id": a, "issue_date": "2026-10-15"}),
    )
    .await;
    app.ok(&ada, "mark_invoice_sent", json!({"id": g})).await;

    let all = app.ok(&ada, "list_invoices", json!({})).await;
    assert_eq!(all["total_count"], 3);
    let order: Vec<_> = all["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(order, [g.clone(), b.clone(), a.clone()], "newest first");
    assert_eq!(all["invoices"][0]["client"]["name"], "Globex");
    assert_eq!(all["invoices"][0]["total"], "70.00");
    assert_eq!(
        all["totals"],
        json!([
            {"currency": "EUR", "invoices": 2, "draft": "50.00", "outstanding": "100.00", "paid": "0.00", "total": "150.00"},
            {"currency": "USD", "invoices": 1, "draft": "0.00", "outstanding": "70.00", "paid": "0.00", "total": "70.00"},
        ])
    );
    assert!(all["range"].is_null());
    assert!(all["next_cursor"].is_null());

    let page1 = app.ok(&ada, "list_invoices", json!({"limit": 2})).await;
    assert_eq!(page1["invoices"].as_array().unwrap().len(), 2);
    assert_eq!(page1["total_count"], 3, "totals cover every page");
    let page2 = app
        .ok(
            &ada,
            "list_invoices",
            json!({"limit": 2, "cursor": page1["next_cursor"]}),
        )
        .await;
    assert_eq!(page2["invoices"][0]["id"], a);
    assert!(page2["next_cursor"].is_null());

    let sent = app
        .ok(&ada, "list_invoices", json!({"status": "sent"}))
        .await;
    assert_eq!(sent["total_count"], 2);
    let acme_only = app.ok(&ada, "list_invoices", json!({"client": acme})).await;
    assert_eq!(acme_only["total_count"], 2);
    // Issued in October: A; this month: Globex (sent today) and the draft B (created today).
    let october = app
        .ok(&ada, "list_invoices", json!({"period": "last_month"}))
        .await;
    assert_eq!(october["invoices"][0]["id"], a);
    assert_eq!(october["total_count"], 1);
    assert_eq!(october["range"]["period"], "last_month");
    let november = app
        .ok(&ada, "list_invoices", json!({"period": "this_month"}))
        .await;
    assert_eq!(november["total_count"], 2);
    let from = app
        .ok(
            &ada,
            "list_invoices",
            json!({"from": "2026-10-15", "to": "2026-10-16"}),
        )
        .await;
    assert_eq!(from["total_count"], 1);
    let later = app
        .ok(&ada, "list_invoices", json!({"from": "2026-10-15 12:00"}))
        .await;
    assert_eq!(
        later["total_count"], 2,
        "a day counts when it starts in the range"
    );

    for (args, code) in [
        (json!({"limit": 0}), ErrorCode::InvalidArgument),
        (json!({"limit": 201}), ErrorCode::InvalidArgument),
        (json!({"cursor": "nope"}), ErrorCode::InvalidArgument),
        (json!({"client": "Nobody"}), ErrorCode::NotFound),
        (
            json!({"period": "today", "from": "09:00"}),
            ErrorCode::InvalidArgument,
        ),
    ] {
        assert_eq!(
            app.err(&ada, "list_invoices", args.clone()).await.code,
            code,
            "{args}"
        );
    }
    assert!(matches!(
        app.call(&ada, "list_invoices", json!({"status": "late"}))
            .await,
        Err(CallError::InvalidParams(_))
    ));
}

#[tokio::test]
async fn get_invoice_shows_lines_tracks_totals_and_client() {
    let app = TestApp::new();
    let (ada, acme) = ada(&app);
    set_client_details(
        &mut app.db.conn().unwrap(),
        ada.id,
        acme,
        10,
        None,
        Some("ATU1"),
    )
    .unwrap();
    let t1 = log(&app, &ada, "Website", "09:00", "10:00").await;
    let t2 = log(&app, &ada, "Website", "11:00", "11:45").await;
    let id = generate(
        &app,
        &ada,
        json!({"client": "Acme", "from": "2026-11-25", "to": "now", "notes": "Project phase 1"}),
    )
    .await["id"]
        .clone();
    let inv = app.ok(&ada, "get_invoice", json!({"id": id})).await;
    assert_eq!(inv["id"], id);
    assert_eq!(
        inv["client"],
        json!({"id": acme, "name": "Acme", "email": null, "phone": null, "address": null, "vat_id": "ATU1", "payment_terms_days": 10})
    );
    assert_eq!(inv["lines"][0]["track_ids"], json!([t1, t2]));
    assert_eq!(inv["lines"][0]["quantity"], "1.75");
    assert_eq!(inv["track_count"], 2);
    assert_eq!(inv["total"], "175.00");
    assert_eq!(inv["notes"], "Project phase 1");
    assert_eq!(
        inv["period"],
        json!({"from": "2026-11-25", "to": "2026-11-25"})
    );
    assert_eq!(inv["created_at"]["utc"], "2026-11-25T14:30:00Z");
    assert!(inv["issue_date"].is_null() && inv["sent_at"].is_null());
    assert_eq!(
        app.err(&ada, "get_invoice", json!({"id": 12345}))
            .await
            .code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn csv_export_is_rfc_4180_with_a_header_and_one_row_per_line() {
    let app = TestApp::new();
    let ada = pro(&app, "ada@example.com");
    let client = app.client(&ada, "Müller & Söhne, GmbH", Some("EUR"), None);
    app.project_of(&ada, Some(client), "Web", true, Some("90"), Some("EUR"));
    log_with(&app, &ada, json!({"project": "Web", "description": "Design, \"final\" — naïve", "start": "09:00", "duration": "1h30m"})).await;
    let draft = generate(
        &app,
        &ada,
        json!({"client": client, "period": "today", "group_by": "description"}),
    )
    .await;
    let id = draft["id"].clone();
    app.ok(&ada, "update_invoice", json!({"id": id, "lines": [{"description": "Hosting\nDecember", "quantity": "2", "unit_price": "12.5"}]}))
        .await;
    let draft_csv = app.ok(&ada, "export_invoice_csv", json!({"id": id})).await;
    assert_eq!(draft_csv["filename"], format!("invoice-draft-{id}.csv"));
    app.ok(&ada, "mark_invoice_sent", json!({"id": id})).await;
    let out = app.ok(&ada, "export_invoice_csv", json!({"id": id})).await;
    assert_eq!(out["filename"], "invoice-INV-2026-0001.csv");
    assert_eq!(out["content_type"], "text/csv; charset=utf-8");
    assert_eq!(out["rows"], 2);
    let csv = out["csv"].as_str().unwrap();
    assert_eq!(
        csv,
        "invoice_number,issue_date,client,description,duration,quantity,unit_price,amount,currency\r\n\
         INV-2026-0001,2026-11-25,\"Müller & Söhne, GmbH\",\"Design, \"\"final\"\" — naïve\",01:30:00,1.50,90.00,135.00,EUR\r\n\
         INV-2026-0001,2026-11-25,\"Müller & Söhne, GmbH\",\"Hosting\nDecember\",,2.00,12.50,25.00,EUR\r\n"
    );
    assert_eq!(
        app.err(&ada, "export_invoice_csv", json!({"id": 999}))
            .await
            .code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn tracks_without_a_rate_are_billed_at_zero_with_a_warning() {
    let app = TestApp::new();
    let ada = pro(&app, "ada@example.com");
    let acme = app.client(&ada, "Acme", None, None);
    app.project_of(&ada, Some(acme), "Pro bono", true, None, None);
    log(&app, &ada, "Pro bono", "09:00", "10:00").await;
    let preview = app
        .ok(
            &ada,
            "preview_invoice",
            json!({"client": "Acme", "period": "today"}),
        )
        .await;
    assert_eq!(preview["lines"][0]["unit_price"], "0.00");
    assert_eq!(preview["lines"][0]["amount"], "0.00");
    assert_eq!(preview["currency"], "EUR", "the user's default currency");
    let warnings = preview["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].as_str().unwrap().contains("no hourly rate"));
    let generated = app
        .ok(
            &ada,
            "generate_invoice",
            json!({"client": "Acme", "period": "today"}),
        )
        .await;
    assert_eq!(generated["warnings"], preview["warnings"]);
    assert_eq!(generated["invoice"]["total"], "0.00");
}

#[tokio::test]
async fn a_name_that_is_also_another_clients_id_is_ambiguous() {
    let app = TestApp::new();
    let ada = pro(&app, "ada@example.com");
    let first = app.client(&ada, "Acme", None, None);
    app.client(&ada, &first.to_string(), None, None);
    let fee = json!([{"description": "Fee", "quantity": "1", "unit_price": "10"}]);
    let err = app
        .err(
            &ada,
            "create_invoice",
            json!({"client": first.to_string(), "lines": fee}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::Ambiguous);
    assert_eq!(err.details["candidates"].as_array().unwrap().len(), 2);
    let err = app
        .err(&ada, "list_invoices", json!({"client": first.to_string()}))
        .await;
    assert_eq!(err.code, ErrorCode::Ambiguous);
    let by_id = app
        .ok(
            &ada,
            "create_invoice",
            json!({"client": first, "lines": fee}),
        )
        .await;
    assert_eq!(by_id["invoice"]["client"]["name"], "Acme");
}

#[tokio::test]
async fn a_track_freed_by_a_void_invoice_can_be_deleted_and_the_invoice_keeps_its_lines() {
    let app = TestApp::new();
    let (ada, _) = ada(&app);
    let track = log(&app, &ada, "Website", "09:00", "10:00").await;
    let draft = generate(&app, &ada, json!({"client": "Acme", "period": "today"})).await;
    app.ok(&ada, "mark_invoice_sent", json!({"id": draft["id"]}))
        .await;
    app.ok(
        &ada,
        "set_invoice_status",
        json!({"id": draft["id"], "status": "void"}),
    )
    .await;
    app.ok(&ada, "delete_track", json!({"id": track})).await;
    assert_eq!(
        app.err(&ada, "get_track", json!({"id": track})).await.code,
        ErrorCode::NotFound
    );
    let void = app
        .ok(&ada, "get_invoice", json!({"id": draft["id"]}))
        .await;
    assert_eq!(void["lines"].as_array().unwrap().len(), 1);
    assert_eq!(void["status"], "void");
}

#[tokio::test]
async fn generating_an_invoice_reports_progress_to_a_client_that_asked() {
    use std::sync::Mutex;
    let app = TestApp::new();
    let (ada, _) = ada(&app);
    log(&app, &ada, "Website", "09:00", "10:00").await;
    log(&app, &ada, "Website", "11:00", "12:00").await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let progress = catalogue::Progress::new(move |done, total, message: &str| {
        sink.lock().unwrap().push((done, total, message.to_owned()));
    });
    let ctx = app.ctx(&ada).with_progress(progress);
    let tool = catalogue::find_tool("generate_invoice").unwrap();
    tool.call(ctx, json!({"client": "Acme", "period": "today"}))
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    let steps: Vec<(u64, Option<u64>)> = seen.iter().map(|(d, t, _)| (*d, *t)).collect();
    assert_eq!(steps, [(0, Some(3)), (1, Some(3)), (3, Some(3))]);
    assert_eq!(seen[1].2, "saving the draft: 1 line(s)");
}
