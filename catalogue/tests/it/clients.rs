//! Clients through the registry: create, list, get, update, delete.

use catalogue::testing::TestApp;
use catalogue::{ErrorCode, Tier, User};
use diesel::RunQueryDsl;
use serde_json::{Value, json};

/// An invoice of `status` for `client` holding `tracks`, straight in the
/// database (the invoice tools are another area's).
fn invoice(app: &TestApp, user: &User, client: i32, tracks: &[&Value], status: &str) {
    let mut conn = app.db.conn().unwrap();
    diesel::sql_query(format!(
        "INSERT INTO invoices (user_id, client_id, status, currency, created_at, updated_at) \
         VALUES ({}, {client}, '{status}', 'EUR', 0, 0)",
        user.id
    ))
    .execute(&mut *conn)
    .unwrap();
    for track in tracks {
        diesel::sql_query(format!(
            "INSERT INTO invoice_tracks (invoice_id, track_id, active) \
             VALUES ((SELECT max(id) FROM invoices), {track}, {})",
            if status == "void" { "FALSE" } else { "TRUE" }
        ))
        .execute(&mut *conn)
        .unwrap();
    }
}

async fn count(app: &TestApp, user: &User, args: Value) -> i64 {
    app.ok(user, "list_clients", args).await["total_count"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn create_with_every_field_and_the_defaults() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let full = app
        .ok(
            &ada,
            "create_client",
            json!({
                "name": " Acme GmbH ", "email": "billing@acme.example", "phone": "+49 30 1234",
                "address": "Hauptstr. 1\n10115 Berlin", "vat_id": "DE123456789",
                "currency": "usd", "hourly_rate": "90", "payment_terms_days": 14, "notes": "  ",
            }),
        )
        .await;
    assert_eq!(full["replayed"], false);
    let c = &full["client"];
    assert_eq!(c["name"], "Acme GmbH");
    assert_eq!(c["email"], "billing@acme.example");
    assert_eq!(c["address"], "Hauptstr. 1\n10115 Berlin");
    assert_eq!(c["vat_id"], "DE123456789");
    assert_eq!(c["currency"], "USD");
    assert_eq!(c["hourly_rate"], "90.00");
    assert_eq!(c["payment_terms_days"], 14);
    assert_eq!(c["notes"], json!(null), "blank text is none");
    assert_eq!(c["archived"], false);

    let bare = app
        .ok(&ada, "create_client", json!({"name": "Globex"}))
        .await;
    let c = &bare["client"];
    assert_eq!(c["payment_terms_days"], 30);
    assert_eq!(
        (&c["currency"], &c["hourly_rate"], &c["email"]),
        (&json!(null), &json!(null), &json!(null))
    );
}

#[tokio::test]
async fn create_refuses_bad_input_and_taken_names_and_writes_nothing() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.client(&ada, "Acme", None, None);
    for (args, code) in [
        (json!({"name": ""}), ErrorCode::InvalidArgument),
        (
            json!({"name": "B", "currency": "EURO"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"name": "B", "currency": "ABC"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"name": "B", "hourly_rate": "-1"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"name": "B", "email": "not an email"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"name": "B", "email": "a@b"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"name": "B", "payment_terms_days": 366}),
            ErrorCode::InvalidArgument,
        ),
        (json!({"name": "ACME"}), ErrorCode::Conflict),
    ] {
        let err = app.err(&ada, "create_client", args.clone()).await;
        assert_eq!(err.code, code, "{args}: {err:?}");
    }
    assert!(matches!(
        app.call(
            &ada,
            "create_client",
            json!({"name": "B", "payment_terms_days": -1})
        )
        .await,
        Err(catalogue::CallError::InvalidParams(_))
    ));
    assert_eq!(count(&app, &ada, json!({"status": "all"})).await, 1);
}

#[tokio::test]
async fn the_free_tier_allows_three_active_clients_and_keys_replay() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let first = app
        .ok(
            &ada,
            "create_client",
            json!({"name": "C1", "idempotency_key": "c"}),
        )
        .await;
    let replay = app
        .ok(
            &ada,
            "create_client",
            json!({"name": "C1", "idempotency_key": "c"}),
        )
        .await;
    assert_eq!(replay["replayed"], true);
    assert_eq!(replay["client"], first["client"]);
    for name in ["C2", "C3"] {
        app.ok(&ada, "create_client", json!({"name": name})).await;
    }
    let err = app.err(&ada, "create_client", json!({"name": "C4"})).await;
    assert_eq!(err.code, ErrorCode::LimitReached);
    assert_eq!(
        (&err.details["limit"], &err.details["usage"]),
        (&json!(3), &json!(3))
    );
    // A replay is not a new client, even at the limit.
    let replay = app
        .ok(
            &ada,
            "create_client",
            json!({"name": "C1", "idempotency_key": "c"}),
        )
        .await;
    assert_eq!(replay["replayed"], true);
    app.ok(
        &ada,
        "update_client",
        json!({"client": "C1", "archived": true}),
    )
    .await;
    app.ok(&ada, "create_client", json!({"name": "C4"})).await;
    let err = app
        .err(
            &ada,
            "update_client",
            json!({"client": "C1", "archived": false}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::LimitReached);
    assert_eq!(count(&app, &ada, json!({"status": "all"})).await, 4);

    let bob = app.user("bob@example.com");
    let bob =
        catalogue::db::users::set_tier(&mut app.db.conn().unwrap(), &bob.email, Tier::Business)
            .unwrap();
    for n in 0..5 {
        app.ok(&bob, "create_client", json!({"name": format!("B{n}")}))
            .await;
    }
    assert_eq!(count(&app, &bob, json!({})).await, 5);
}

#[tokio::test]
async fn list_filters_counts_projects_and_pages() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let acme = app.client(&ada, "acme", None, None);
    app.client(&ada, "Bolt", None, None);
    let old = app.client(&ada, "Cyberdyne", None, None);
    app.project_of(&ada, Some(acme), "A1", true, None, None);
    app.project_of(&ada, Some(acme), "A2", true, None, None);
    app.ok(
        &ada,
        "update_project",
        json!({"project": "A2", "archived": true}),
    )
    .await;
    app.ok(
        &ada,
        "update_client",
        json!({"client": old, "archived": true}),
    )
    .await;
    let list = app.ok(&ada, "list_clients", json!({})).await;
    let names: Vec<&str> = list["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["acme", "Bolt"]);
    assert_eq!(list["clients"][0]["project_count"], 1);
    assert_eq!(list["clients"][0]["archived_project_count"], 1);
    assert_eq!(list["clients"][1]["project_count"], 0);
    assert_eq!(list["clients"][0]["payment_terms_days"], 30);
    assert_eq!(count(&app, &ada, json!({"status": "archived"})).await, 1);
    assert_eq!(count(&app, &ada, json!({"status": "all"})).await, 3);
    assert_eq!(count(&app, &ada, json!({"search": "BOL"})).await, 1);
    assert_eq!(
        count(&app, &ada, json!({"search": "dyne"})).await,
        0,
        "archived"
    );

    let page = app
        .ok(&ada, "list_clients", json!({"status": "all", "limit": 2}))
        .await;
    assert_eq!(page["total_count"], 3);
    assert_eq!(page["clients"].as_array().unwrap().len(), 2);
    let rest = app
        .ok(
            &ada,
            "list_clients",
            json!({"status": "all", "limit": 2, "cursor": page["next_cursor"]}),
        )
        .await;
    assert_eq!(rest["clients"][0]["name"], "Cyberdyne");
    assert!(rest["next_cursor"].is_null());
    for bad in [json!({"limit": 0}), json!({"cursor": "k1"})] {
        assert_eq!(
            app.err(&ada, "list_clients", bad.clone()).await.code,
            ErrorCode::InvalidArgument,
            "{bad}"
        );
    }
    assert!(matches!(
        app.call(&ada, "list_clients", json!({"status": "gone"}))
            .await,
        Err(catalogue::CallError::InvalidParams(_))
    ));
}

#[tokio::test]
async fn get_shows_projects_and_unbilled_work_per_currency() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let acme = app.client(&ada, "Acme", Some("EUR"), Some("100"));
    app.project_of(&ada, Some(acme), "Web", true, None, None);
    app.project_of(&ada, Some(acme), "US", true, Some("50"), Some("USD"));
    app.project_of(&ada, Some(acme), "Free", true, None, None);
    app.project(&ada, "Elsewhere", true, Some("100"), None);
    let log = |args: Value| {
        let app = &app;
        let ada = &ada;
        async move { app.ok(ada, "log_track", args).await["track"]["id"].clone() }
    };
    log(json!({"project": "Web", "start": "08:00", "duration": "1h"})).await;
    log(json!({"project": "Web", "start": "09:00", "duration": "20m"})).await;
    let billed = log(json!({"project": "Web", "start": "10:00", "duration": "1h"})).await;
    let voided = log(json!({"project": "Web", "start": "11:00", "duration": "30m"})).await;
    log(json!({"project": "Web", "start": "12:00", "duration": "1h", "billable": false})).await;
    log(json!({"project": "US", "start": "13:00", "duration": "1h30m"})).await;
    log(json!({"project": "Elsewhere", "start": "07:00", "duration": "1h"})).await;
    // A billable track without any rate.
    app.ok(
        &ada,
        "update_client",
        json!({"client": "Acme", "clear": ["hourly_rate"]}),
    )
    .await;
    log(json!({"project": "Free", "start": "06:00", "duration": "15m"})).await;
    app.ok(
        &ada,
        "start_timer",
        json!({"project": "Web", "start": "14:00"}),
    )
    .await;
    invoice(&app, &ada, acme, &[&billed], "sent");
    invoice(&app, &ada, acme, &[&voided], "void");

    let got = app.ok(&ada, "get_client", json!({"client": "acme"})).await;
    assert_eq!(got["id"], acme);
    assert_eq!(got["name"], "Acme");
    assert_eq!(got["invoice_count"], 2);
    let projects: Vec<&str> = got["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(projects, ["Free", "US", "Web"]);
    // EUR: 1h + 20m + voided 30m at 100 (+ 15m without rate); USD: 1h30 at 50.
    assert_eq!(
        got["unbilled"],
        json!([
            {"currency": "EUR", "track_count": 4, "seconds": 7500, "duration": "2:05:00",
             "hours": "2.08", "amount": "183.33", "tracks_without_rate": 1},
            {"currency": "USD", "track_count": 1, "seconds": 5400, "duration": "1:30:00",
             "hours": "1.50", "amount": "75.00", "tracks_without_rate": 0},
        ])
    );
    assert_eq!(
        app.err(&ada, "get_client", json!({"client": "Nobody"}))
            .await
            .code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn update_changes_only_what_is_given_and_explains_rate_changes() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let acme = app.client(&ada, "Acme", Some("EUR"), Some("100"));
    app.client(&ada, "Globex", None, None);
    app.project_of(&ada, Some(acme), "Web", true, None, None);
    let before = app
        .ok(
            &ada,
            "log_track",
            json!({"project": "Web", "start": "08:00", "duration": "1h"}),
        )
        .await["track"]
        .clone();
    let updated = app
        .ok(
            &ada,
            "update_client",
            json!({"client": "acme", "hourly_rate": "120", "email": "a@acme.example", "payment_terms_days": 0}),
        )
        .await;
    assert_eq!(
        updated["changed"],
        json!(["email", "hourly_rate", "payment_terms_days"])
    );
    assert_eq!(updated["client"]["hourly_rate"], "120.00");
    assert_eq!(updated["client"]["payment_terms_days"], 0);
    assert_eq!(updated["client"]["currency"], "EUR", "untouched");
    assert!(
        updated["notes"][0]
            .as_str()
            .unwrap()
            .contains("reprice_unbilled")
    );
    assert_eq!(
        app.ok(&ada, "get_track", json!({"id": before["id"]})).await["hourly_rate"],
        "100.00",
        "existing tracks keep their rate"
    );
    let after = app
        .ok(
            &ada,
            "log_track",
            json!({"project": "Web", "start": "10:00", "duration": "1h"}),
        )
        .await;
    assert_eq!(after["track"]["hourly_rate"], "120.00");

    let cleared = app
        .ok(
            &ada,
            "update_client",
            json!({"client": acme, "clear": ["email", "currency"], "name": "ACME Corp", "notes": "VIP"}),
        )
        .await;
    assert_eq!(cleared["client"]["email"], json!(null));
    assert_eq!(cleared["client"]["currency"], json!(null));
    assert_eq!(cleared["client"]["name"], "ACME Corp");
    assert_eq!(cleared["client"]["notes"], "VIP");

    let archived = app
        .ok(
            &ada,
            "update_client",
            json!({"client": acme, "archived": true}),
        )
        .await;
    assert_eq!(archived["client"]["archived"], true);
    assert!(
        archived["notes"][0]
            .as_str()
            .unwrap()
            .contains("projects stay")
    );
    assert_eq!(
        app.ok(&ada, "get_project", json!({"project": "Web"})).await["archived"],
        false
    );

    for (args, code) in [
        (
            json!({"client": acme, "name": "globex"}),
            ErrorCode::Conflict,
        ),
        (
            json!({"client": acme, "currency": "EU"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"client": acme, "email": "nope"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"client": acme, "payment_terms_days": 400}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"client": acme, "hourly_rate": "ten"}),
            ErrorCode::InvalidArgument,
        ),
        (json!({"client": 999, "notes": "x"}), ErrorCode::NotFound),
    ] {
        let err = app.err(&ada, "update_client", args.clone()).await;
        assert_eq!(err.code, code, "{args}");
    }
    let got = app.ok(&ada, "get_client", json!({"client": acme})).await;
    assert_eq!(got["name"], "ACME Corp", "refused updates wrote nothing");
    assert_eq!(got["payment_terms_days"], 0);
}

#[tokio::test]
async fn delete_unassigns_projects_or_archives_a_client_with_invoices() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let acme = app.client(&ada, "Acme", Some("USD"), Some("100"));
    let billed = app.client(&ada, "Billed", None, None);
    app.project_of(&ada, Some(acme), "Web", true, None, None);
    app.project_of(&ada, Some(acme), "App", true, Some("80"), None);

    let preview = app
        .ok(
            &ada,
            "delete_client",
            json!({"client": "Acme", "dry_run": true}),
        )
        .await;
    assert_eq!(preview["outcome"], "deleted");
    assert_eq!(preview["dry_run"], true);
    assert_eq!(preview["projects_unassigned"].as_array().unwrap().len(), 2);
    assert!(
        preview["message"]
            .as_str()
            .unwrap()
            .contains("would be deleted")
    );
    app.ok(&ada, "get_client", json!({"client": "Acme"})).await;
    assert_eq!(
        app.ok(&ada, "get_project", json!({"project": "Web"})).await["client"]["id"],
        acme
    );

    let deleted = app.ok(&ada, "delete_client", json!({"client": acme})).await;
    assert_eq!(deleted["outcome"], "deleted");
    assert_eq!(deleted["client"]["name"], "Acme");
    assert_eq!(
        deleted["projects_unassigned"],
        json!([
            {"id": deleted["projects_unassigned"][0]["id"], "name": "App"},
            {"id": deleted["projects_unassigned"][1]["id"], "name": "Web"},
        ])
    );
    assert_eq!(
        app.err(&ada, "get_client", json!({"client": acme}))
            .await
            .code,
        ErrorCode::NotFound
    );
    let web = app.ok(&ada, "get_project", json!({"project": "Web"})).await;
    assert_eq!(web["client"], json!(null));
    assert_eq!(
        web["new_tracks"]["currency"], "EUR",
        "back to the user's default"
    );
    assert_eq!(
        app.ok(&ada, "get_project", json!({"project": "App"})).await["hourly_rate"],
        "80.00",
        "own rates stay"
    );

    invoice(&app, &ada, billed, &[], "void");
    let preview = app
        .ok(
            &ada,
            "delete_client",
            json!({"client": "billed", "dry_run": true}),
        )
        .await;
    assert_eq!(preview["outcome"], "archived");
    assert_eq!(
        app.ok(&ada, "get_client", json!({"client": billed})).await["archived"],
        false,
        "a dry run changes nothing"
    );
    let archived = app
        .ok(&ada, "delete_client", json!({"client": "billed"}))
        .await;
    assert_eq!(archived["outcome"], "archived");
    assert_eq!(archived["invoice_count"], 1);
    assert!(
        archived["message"]
            .as_str()
            .unwrap()
            .contains("archived instead")
    );
    assert_eq!(
        app.ok(&ada, "get_client", json!({"client": billed})).await["archived"],
        true
    );
    let again = app
        .ok(&ada, "delete_client", json!({"client": "billed"}))
        .await;
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .contains("already archived")
    );
    assert_eq!(
        app.err(&ada, "delete_client", json!({"client": "Nobody"}))
            .await
            .code,
        ErrorCode::NotFound
    );
}
