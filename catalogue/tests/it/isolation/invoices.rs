//! Isolation: invoices, and the client, project and track references inside
//! their arguments.

use catalogue::User;
use catalogue::testing::TestApp;
use serde_json::{Value, json};

use super::{Ids, World, world};

pub async fn seed(app: &TestApp, ada: &User, bob: &User, ids: &mut Ids) {
    let client = app.client(ada, "Ada's invoiced client", Some("EUR"), Some("80"));
    let project = app.project_of(
        ada,
        Some(client),
        "Ada's invoiced project",
        true,
        None,
        None,
    );
    let track = app
        .ok(
            ada,
            "log_track",
            json!({"project": project, "start": "03:00", "end": "04:00"}),
        )
        .await["track"]["id"]
        .clone();
    let draft = app
        .ok(
            ada,
            "generate_invoice",
            json!({"client": client, "period": "today", "idempotency_key": "ada-invoice-key"}),
        )
        .await["invoice"]["id"]
        .clone();
    let sent = app
        .ok(
            ada,
            "create_invoice",
            json!({"client": client, "lines": [{"description": "Fee", "quantity": "1", "unit_price": "10"}], "idempotency_key": "ada-manual-key"}),
        )
        .await["invoice"]["id"]
        .clone();
    app.ok(ada, "mark_invoice_sent", json!({"id": sent})).await;
    // Bob's own draft, so a lookup that ignored the user would find one.
    let bobs_client = app.client(bob, "Bob's buyer", Some("EUR"), Some("50"));
    app.project_of(
        bob,
        Some(bobs_client),
        "Bob's billed work",
        true,
        None,
        None,
    );
    app.ok(
        bob,
        "log_track",
        json!({"project": "Bob's billed work", "start": "03:00", "end": "03:30"}),
    )
    .await;
    let bobs_draft = app
        .ok(
            bob,
            "generate_invoice",
            json!({"client": bobs_client, "period": "today"}),
        )
        .await["invoice"]["id"]
        .clone();
    ids.insert("invoice_client".into(), json!(client));
    ids.insert("invoice_project".into(), json!(project));
    ids.insert("invoiced_track".into(), track);
    ids.insert("draft_invoice".into(), draft);
    ids.insert("sent_invoice".into(), sent);
    ids.insert("bob_draft_invoice".into(), bobs_draft);
}

pub fn attacks(ids: &Ids) -> Vec<(&'static str, Value)> {
    let (client, project, track) = (
        &ids["invoice_client"],
        &ids["invoice_project"],
        &ids["invoiced_track"],
    );
    let (draft, sent) = (&ids["draft_invoice"], &ids["sent_invoice"]);
    let fee = json!([{"description": "x", "quantity": "1", "unit_price": "1"}]);
    vec![
        ("get_invoice", json!({"id": draft})),
        ("get_invoice", json!({"id": sent})),
        ("export_invoice_csv", json!({"id": sent})),
        ("export_invoice_csv", json!({"id": draft})),
        ("update_invoice", json!({"id": draft, "notes": "mine now"})),
        (
            "update_invoice",
            json!({"id": draft, "remove_track_ids": [track]}),
        ),
        // Bob's own draft, pointed at Ada's track.
        (
            "update_invoice",
            json!({"id": ids["bob_draft_invoice"], "remove_track_ids": [track]}),
        ),
        ("mark_invoice_sent", json!({"id": draft})),
        ("set_invoice_status", json!({"id": sent, "status": "void"})),
        (
            "set_invoice_status",
            json!({"id": sent, "status": "void", "dry_run": true}),
        ),
        ("set_invoice_status", json!({"id": sent, "status": "paid"})),
        ("delete_invoice", json!({"id": draft})),
        ("delete_invoice", json!({"id": draft, "dry_run": true})),
        (
            "preview_invoice",
            json!({"client": client, "period": "today"}),
        ),
        (
            "preview_invoice",
            json!({"client": "Ada's invoiced client", "period": "today"}),
        ),
        (
            "preview_invoice",
            json!({"project": project, "period": "today"}),
        ),
        (
            "generate_invoice",
            json!({"client": client, "period": "today"}),
        ),
        (
            "generate_invoice",
            json!({"project": "Ada's invoiced project", "period": "today"}),
        ),
        ("create_invoice", json!({"client": client, "lines": fee})),
        (
            "create_invoice",
            json!({"client": "Ada's invoiced client", "lines": fee}),
        ),
        ("list_invoices", json!({"client": client})),
        ("list_invoices", json!({"client": "Ada's invoiced client"})),
    ]
}

pub const LISTS: &[&str] = &["list_invoices"];

#[tokio::test]
async fn another_users_idempotency_keys_make_the_callers_own_invoice() {
    let World { app, ada, bob, .. } = world().await;
    let fee = json!([{"description": "Fee", "quantity": "1", "unit_price": "10"}]);
    let created = app
        .ok(
            &bob,
            "create_invoice",
            json!({"client": "Bob's buyer", "lines": fee, "idempotency_key": "ada-manual-key"}),
        )
        .await;
    assert_eq!(created["replayed"], false);
    assert_eq!(created["invoice"]["client"]["name"], "Bob's buyer");
    app.ok(
        &bob,
        "log_track",
        json!({"project": "Bob's billed work", "start": "05:00", "end": "05:30"}),
    )
    .await;
    let generated = app
        .ok(
            &bob,
            "generate_invoice",
            json!({"client": "Bob's buyer", "period": "today", "idempotency_key": "ada-invoice-key"}),
        )
        .await;
    assert_eq!(generated["replayed"], false);
    assert_eq!(generated["invoice"]["client"]["name"], "Bob's buyer");
    // Ada's invoices are as they were.
    let adas = app.ok(&ada, "list_invoices", json!({})).await;
    assert_eq!(adas["total_count"], 2);
}
