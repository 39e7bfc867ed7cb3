//! Projects through the registry: create, list, get, update (with repricing), delete.

use catalogue::testing::TestApp;
use catalogue::{ErrorCode, Tier, User};
use diesel::RunQueryDsl;
use serde_json::{Value, json};

fn pro(app: &TestApp, email: &str) -> User {
    let user = app.user(email);
    catalogue::db::users::set_tier(&mut app.db.conn().unwrap(), &user.email, Tier::Pro).unwrap()
}

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
    app.ok(user, "list_projects", args).await["total_count"]
        .as_i64()
        .unwrap()
}

async fn log(app: &TestApp, user: &User, project: &str, start: &str, duration: &str) -> Value {
    let args = json!({"project": project, "start": start, "duration": duration});
    app.ok(user, "log_track", args).await["track"].clone()
}

async fn rate(app: &TestApp, user: &User, track: &Value) -> Value {
    app.ok(user, "get_track", json!({"id": track})).await["hourly_rate"].clone()
}

#[tokio::test]
async fn create_inherits_the_clients_billing_defaults() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let acme = app.client(&ada, "Acme", Some("USD"), Some("80"));
    let created = app
        .ok(
            &ada,
            "create_project",
            json!({"name": " Mobile app ", "client": "acme", "color": "#1e88e5", "description": "iOS"}),
        )
        .await;
    assert_eq!(created["replayed"], false);
    let p = &created["project"];
    assert_eq!(p["name"], "Mobile app");
    assert_eq!(p["client"], json!({"id": acme, "name": "Acme"}));
    assert_eq!(p["color"], "#1E88E5");
    assert_eq!(p["description"], "iOS");
    assert_eq!(
        p["billable"], true,
        "a client's project is billable by default"
    );
    assert_eq!(p["hourly_rate"], json!(null));
    assert_eq!(p["currency"], json!(null), "left to follow the client");
    assert_eq!(
        p["new_tracks"],
        json!({"hourly_rate": "80.00", "hourly_rate_from": "client", "currency": "USD", "currency_from": "client"})
    );
    assert_eq!(p["archived"], false);
    assert_eq!(p["budget"], json!(null));
    // Tracks on it take the client's rate and currency.
    let track = log(&app, &ada, "Mobile app", "09:00", "30m").await;
    assert_eq!(
        (&track["hourly_rate"], &track["currency"], &track["amount"]),
        (&json!("80.00"), &json!("USD"), &json!("40.00"))
    );

    let own = app
        .ok(
            &ada,
            "create_project",
            json!({"name": "Own rate", "client": acme, "hourly_rate": "95.5", "currency": "chf"}),
        )
        .await["project"]
        .clone();
    assert_eq!(own["hourly_rate"], "95.50");
    assert_eq!(own["currency"], "CHF");
    assert_eq!(own["new_tracks"]["hourly_rate_from"], "project");
    assert_eq!(own["new_tracks"]["currency_from"], "project");

    let plain = app
        .ok(&ada, "create_project", json!({"name": "Internal"}))
        .await["project"]
        .clone();
    assert_eq!(
        plain["billable"], false,
        "the user's default without client or rate"
    );
    assert_eq!(
        plain["new_tracks"],
        json!({"hourly_rate": null, "hourly_rate_from": "none", "currency": "EUR", "currency_from": "user_default"})
    );
    let rated = app
        .ok(
            &ada,
            "create_project",
            json!({"name": "Consulting", "hourly_rate": "120"}),
        )
        .await["project"]
        .clone();
    assert_eq!(
        rated["billable"], true,
        "a rate makes it billable by default"
    );
    let explicit = app
        .ok(
            &ada,
            "create_project",
            json!({"name": "Pro bono", "client": "Acme", "billable": false}),
        )
        .await["project"]
        .clone();
    assert_eq!(explicit["billable"], false);
}

#[tokio::test]
async fn create_refuses_bad_input_and_taken_names_and_writes_nothing() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.project(&ada, "Website", true, None, None);
    let archived = app.project(&ada, "Old site", false, None, None);
    app.ok(
        &ada,
        "update_project",
        json!({"project": archived, "archived": true}),
    )
    .await;
    for (args, code) in [
        (json!({"name": "  "}), ErrorCode::InvalidArgument),
        (json!({"name": "x".repeat(201)}), ErrorCode::InvalidArgument),
        (
            json!({"name": "A", "color": "blue"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"name": "A", "color": "#12345"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"name": "A", "currency": "EURO"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"name": "A", "currency": "XYZ"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"name": "A", "hourly_rate": "-5"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"name": "A", "hourly_rate": "1,5"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"name": "A", "client": "Nobody"}),
            ErrorCode::NotFound,
        ),
        (json!({"name": "A", "client": 999}), ErrorCode::NotFound),
        (json!({"name": "WEBSITE"}), ErrorCode::Conflict),
        (json!({"name": "old SITE"}), ErrorCode::Conflict),
    ] {
        let err = app.err(&ada, "create_project", args.clone()).await;
        assert_eq!(err.code, code, "{args}: {err:?}");
    }
    let err = app
        .err(&ada, "create_project", json!({"name": "old site"}))
        .await;
    assert_eq!(err.details["existing"]["id"], archived);
    assert_eq!(err.details["archived"], true);
    assert!(err.hint.unwrap().contains("unarchive"));
    assert!(matches!(
        app.call(
            &ada,
            "create_project",
            json!({"name": "A", "colour": "#FFFFFF"})
        )
        .await,
        Err(catalogue::CallError::InvalidParams(_))
    ));
    assert_eq!(count(&app, &ada, json!({"status": "all"})).await, 2);
}

#[tokio::test]
async fn the_free_tier_allows_five_active_projects() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    for n in 1..=5 {
        app.ok(&ada, "create_project", json!({"name": format!("P{n}")}))
            .await;
    }
    let err = app.err(&ada, "create_project", json!({"name": "P6"})).await;
    assert_eq!(err.code, ErrorCode::LimitReached);
    assert_eq!(
        (&err.details["limit"], &err.details["usage"]),
        (&json!(5), &json!(5))
    );
    assert_eq!(count(&app, &ada, json!({"status": "all"})).await, 5);
    // Archived projects do not count; restoring one at the limit is refused.
    app.ok(
        &ada,
        "update_project",
        json!({"project": "P1", "archived": true}),
    )
    .await;
    app.ok(&ada, "create_project", json!({"name": "P6"})).await;
    let err = app
        .err(
            &ada,
            "update_project",
            json!({"project": "P1", "archived": false}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::LimitReached);
    let p1 = app.ok(&ada, "get_project", json!({"project": "P1"})).await;
    assert_eq!(p1["archived"], true, "nothing written");
    // Pro has no limit.
    let bob = pro(&app, "bob@example.com");
    for n in 1..=7 {
        app.ok(&bob, "create_project", json!({"name": format!("B{n}")}))
            .await;
    }
    assert_eq!(count(&app, &bob, json!({})).await, 7);
}

#[tokio::test]
async fn budgets_need_pro_and_are_validated() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let err = app
        .err(
            &ada,
            "create_project",
            json!({"name": "Capped", "budget": {"hours": 40}}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::TierRequired);
    assert_eq!(err.details["required_tier"], "pro");
    assert_eq!(count(&app, &ada, json!({"status": "all"})).await, 0);

    let bob = pro(&app, "bob@example.com");
    let p = app
        .ok(
            &bob,
            "create_project",
            json!({"name": "Capped", "currency": "GBP", "budget": {"hours": "37.50", "amount": "5000", "period": "monthly"}}),
        )
        .await["project"]
        .clone();
    assert_eq!(
        p["budget"],
        json!({"hours": "37.5", "amount": "5000.00", "currency": "GBP", "period": "monthly", "alert_percent": 80})
    );
    let hours_only = app
        .ok(
            &bob,
            "create_project",
            json!({"name": "Hours", "budget": {"hours": 10, "alert_percent": 90}}),
        )
        .await["project"]["budget"]
        .clone();
    assert_eq!(
        hours_only,
        json!({"hours": "10", "amount": null, "currency": "EUR", "period": "total", "alert_percent": 90})
    );
    for budget in [
        json!({}),
        json!({"period": "monthly"}),
        json!({"hours": 0}),
        json!({"hours": "-2"}),
        json!({"hours": "a lot"}),
        json!({"amount": "0"}),
        json!({"amount": "12,50"}),
        json!({"hours": 5, "alert_percent": 0}),
        json!({"hours": 5, "alert_percent": 101}),
    ] {
        let err = app
            .err(
                &bob,
                "create_project",
                json!({"name": "Bad", "budget": budget}),
            )
            .await;
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{budget}");
    }
    assert!(matches!(
        app.call(
            &bob,
            "create_project",
            json!({"name": "Bad", "budget": {"hours": 1.5}})
        )
        .await,
        Err(catalogue::CallError::InvalidParams(_))
    ));
    assert_eq!(count(&app, &bob, json!({})).await, 2);
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_create() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let args = json!({"name": "Website", "idempotency_key": "k-1"});
    let first = app.ok(&ada, "create_project", args.clone()).await;
    let again = app.ok(&ada, "create_project", args).await;
    assert_eq!(again["replayed"], true);
    assert_eq!(again["project"], first["project"]);
    assert_eq!(count(&app, &ada, json!({})).await, 1);
    // Same key, other name: still the first result, nothing new.
    let other = app
        .ok(
            &ada,
            "create_project",
            json!({"name": "Other", "idempotency_key": "k-1"}),
        )
        .await;
    assert_eq!(other["project"]["name"], "Website");
    assert_eq!(count(&app, &ada, json!({})).await, 1);
}

#[tokio::test]
async fn list_filters_sorts_and_pages_with_whole_set_totals() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let acme = app.client(&ada, "Acme", None, None);
    app.project_of(&ada, Some(acme), "beta", true, None, None);
    app.project_of(&ada, Some(acme), "Alpha", true, None, None);
    app.project(&ada, "Gamma_1", false, None, None);
    app.project(&ada, "Delta", false, None, None);
    app.ok(
        &ada,
        "update_project",
        json!({"project": "Delta", "archived": true, "description": "Legacy stuff"}),
    )
    .await;
    let names = |v: &Value| -> Vec<String> {
        v["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let active = app.ok(&ada, "list_projects", json!({})).await;
    assert_eq!(
        names(&active),
        ["Alpha", "beta", "Gamma_1"],
        "by name, any case"
    );
    assert_eq!(active["total_count"], 3);
    assert!(active["projects"][0].get("spent").is_none());
    let archived = app
        .ok(&ada, "list_projects", json!({"status": "archived"}))
        .await;
    assert_eq!(names(&archived), ["Delta"]);
    assert_eq!(count(&app, &ada, json!({"status": "all"})).await, 4);
    assert_eq!(count(&app, &ada, json!({"client": "ACME"})).await, 2);
    assert_eq!(count(&app, &ada, json!({"client": acme})).await, 2);
    assert_eq!(count(&app, &ada, json!({"without_client": true})).await, 1);
    assert_eq!(count(&app, &ada, json!({"search": "ALP"})).await, 1);
    assert_eq!(
        count(&app, &ada, json!({"search": "legacy", "status": "all"})).await,
        1,
        "descriptions are searched too"
    );
    assert_eq!(
        count(&app, &ada, json!({"search": "_"})).await,
        1,
        "wildcards are literal"
    );
    assert_eq!(count(&app, &ada, json!({"search": "%"})).await, 0);

    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let page = app
            .ok(
                &ada,
                "list_projects",
                json!({"status": "all", "limit": 3, "cursor": cursor}),
            )
            .await;
        assert_eq!(page["total_count"], 4);
        seen.extend(names(&page));
        cursor = page["next_cursor"].clone();
        if cursor.is_null() {
            break;
        }
    }
    assert_eq!(seen, ["Alpha", "beta", "Delta", "Gamma_1"]);

    for bad in [
        json!({"limit": 0}),
        json!({"limit": 201}),
        json!({"cursor": "nope"}),
        json!({"client": "Acme", "without_client": true}),
    ] {
        let err = app.err(&ada, "list_projects", bad.clone()).await;
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{bad}");
    }
    assert_eq!(
        app.err(&ada, "list_projects", json!({"client": "Nobody"}))
            .await
            .code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn spent_totals_are_per_currency_and_count_running_timers() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.project(&ada, "Web", true, Some("100"), None);
    app.project(&ada, "Empty", true, None, None);
    log(&app, &ada, "Web", "08:00", "1h30m").await;
    // A 20-minute USD override and a non-billable hour.
    app.ok(
        &ada,
        "log_track",
        json!({"project": "Web", "start": "10:00", "duration": "20m", "hourly_rate": "10"}),
    )
    .await;
    app.ok(
        &ada,
        "log_track",
        json!({"project": "Web", "start": "11:00", "duration": "1h", "billable": false}),
    )
    .await;
    app.ok(
        &ada,
        "start_timer",
        json!({"project": "Web", "start": "14:00"}),
    )
    .await;
    let web = app.ok(&ada, "get_project", json!({"project": "web"})).await;
    let spent = &web["spent"];
    // 1:30 + 0:20 + 1:00 + running 0:30 = 3:20
    assert_eq!(spent["track_count"], 4);
    assert_eq!(spent["seconds"], 12000);
    assert_eq!(spent["duration"], "3:20:00");
    assert_eq!(spent["hours"], "3.33");
    assert_eq!(spent["billable_seconds"], 8400);
    // 150.00 + 3.33 + 50.00 (running half hour)
    assert_eq!(
        spent["amounts"],
        json!([{"currency": "EUR", "amount": "203.33"}])
    );
    assert_eq!(spent["includes_running"], true);

    let listed = app
        .ok(&ada, "list_projects", json!({"include_spent": true}))
        .await;
    let empty = &listed["projects"][0];
    assert_eq!(empty["name"], "Empty");
    assert_eq!(empty["spent"]["seconds"], 0);
    assert_eq!(empty["spent"]["amounts"], json!([]));
    assert_eq!(listed["projects"][1]["spent"], web["spent"]);
}

#[tokio::test]
async fn get_resolves_names_and_reports_ambiguity_and_absence() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let first = app.project(&ada, "2", false, None, None);
    let second = app.project(&ada, "Second", false, None, None);
    assert_eq!(second, 2);
    let err = app.err(&ada, "get_project", json!({"project": "2"})).await;
    assert_eq!(err.code, ErrorCode::Ambiguous);
    let ids: Vec<i64> = err.details["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [i64::from(first), 2]);
    assert_eq!(
        app.ok(&ada, "get_project", json!({"project": 2})).await["name"],
        "Second"
    );
    for missing in [json!(99), json!("Nope")] {
        assert_eq!(
            app.err(&ada, "get_project", json!({"project": missing}))
                .await
                .code,
            ErrorCode::NotFound
        );
    }
}

#[tokio::test]
async fn update_changes_only_what_is_given_and_null_clears() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let acme = app.client(&ada, "Acme", Some("USD"), Some("70"));
    app.project(&ada, "Web", true, Some("100"), Some("EUR"));
    app.project(&ada, "Other", false, None, None);
    let updated = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "Web", "name": "Website", "client": "Acme", "color": "#abcdef", "description": "Redesign"}),
        )
        .await;
    assert_eq!(
        updated["changed"],
        json!(["name", "client", "color", "description"])
    );
    assert_eq!(updated["dry_run"], false);
    assert_eq!(updated["repriced"], json!(null));
    let p = &updated["project"];
    assert_eq!(p["name"], "Website");
    assert_eq!(p["client"]["id"], acme);
    assert_eq!(p["hourly_rate"], "100.00", "untouched");
    assert_eq!(p["billable"], true);

    let cleared = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "website", "clear": ["hourly_rate", "currency", "color", "description"], "billable": false}),
        )
        .await;
    let p = &cleared["project"];
    assert_eq!(
        (
            &p["hourly_rate"],
            &p["currency"],
            &p["color"],
            &p["description"]
        ),
        (&json!(null), &json!(null), &json!(null), &json!(null))
    );
    assert_eq!(p["new_tracks"]["hourly_rate"], "70.00");
    assert_eq!(p["new_tracks"]["currency"], "USD");
    assert_eq!(p["billable"], false);
    let unassigned = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "Website", "clear": ["client"]}),
        )
        .await;
    assert_eq!(unassigned["project"]["client"], json!(null));
    assert_eq!(
        unassigned["project"]["new_tracks"]["currency_from"],
        "user_default"
    );

    for (args, code) in [
        (
            json!({"project": "Website", "name": "OTHER"}),
            ErrorCode::Conflict,
        ),
        (
            json!({"project": "Website", "name": " "}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"project": "Website", "color": "#XYZXYZ"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"project": "Website", "currency": "usd1"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"project": "Website", "hourly_rate": "abc"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"project": "Website", "client": "Nobody"}),
            ErrorCode::NotFound,
        ),
        (json!({"project": "Nope", "name": "X"}), ErrorCode::NotFound),
    ] {
        let err = app.err(&ada, "update_project", args.clone()).await;
        assert_eq!(err.code, code, "{args}");
    }
    // Renaming to its own name in another case is fine.
    let same = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "Website", "name": "WEBSITE"}),
        )
        .await;
    assert_eq!(same["project"]["name"], "WEBSITE");
}

#[tokio::test]
async fn a_rate_change_applies_to_new_tracks_unless_repriced() {
    let mut app = TestApp::new();
    let ada = app.user("ada@example.com");
    let acme = app.client(&ada, "Acme", None, None);
    app.project_of(&ada, Some(acme), "Web", true, Some("100"), None);
    let billed = log(&app, &ada, "Web", "2026-11-20 09:00", "1h").await;
    let voided = log(&app, &ada, "Web", "2026-11-21 09:00", "1h").await;
    let open = log(&app, &ada, "Web", "2026-11-23 09:00", "30m").await;
    let own_rate = app
        .ok(
            &ada,
            "log_track",
            json!({"project": "Web", "start": "2026-11-24 09:00", "duration": "1h", "hourly_rate": "50", "billable": false}),
        )
        .await["track"]
        .clone();
    invoice(&app, &ada, acme, &[&billed["id"]], "sent");
    invoice(&app, &ada, acme, &[&voided["id"]], "void");

    let changed = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "Web", "hourly_rate": "120"}),
        )
        .await;
    assert_eq!(changed["changed"], json!(["hourly_rate"]));
    let note = changed["notes"][0].as_str().unwrap();
    assert!(note.contains("3 unbilled track(s)"), "{note}");
    assert!(note.contains("reprice_unbilled"), "{note}");
    assert_eq!(
        rate(&app, &ada, &open["id"]).await,
        "100.00",
        "existing tracks keep their rate"
    );
    assert_eq!(
        log(&app, &ada, "Web", "2026-11-25 08:00", "1h").await["hourly_rate"],
        "120.00"
    );

    app.ok(
        &ada,
        "start_timer",
        json!({"project": "Web", "start": "13:30", "hourly_rate": "1"}),
    )
    .await;
    app.advance(1800);
    let preview = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "Web", "reprice_unbilled": true, "dry_run": true}),
        )
        .await;
    assert_eq!(preview["dry_run"], true);
    let repriced = &preview["repriced"];
    // Unbilled: voided, open, own_rate, the 120 one and the running timer.
    assert_eq!(repriced["unbilled_tracks"], 5);
    assert_eq!(repriced["invoiced_tracks_skipped"], 1);
    assert_eq!(repriced["changed_count"], 4);
    let first = &repriced["tracks"][0];
    assert_eq!(first["track_id"], voided["id"]);
    assert_eq!(
        first["before"],
        json!({"hourly_rate": "100.00", "currency": "EUR", "amount": "100.00"})
    );
    assert_eq!(
        first["after"],
        json!({"hourly_rate": "120.00", "currency": "EUR", "amount": "120.00"})
    );
    let non_billable = &repriced["tracks"][2];
    assert_eq!(non_billable["track_id"], own_rate["id"]);
    assert_eq!(non_billable["before"]["amount"], json!(null));
    // voided 100 + open 50 + running 1h30 at 1.00 = 151.50; after: 120 + 60 + 180
    assert_eq!(
        repriced["amount_before"],
        json!([{"currency": "EUR", "amount": "151.50"}])
    );
    assert_eq!(
        repriced["amount_after"],
        json!([{"currency": "EUR", "amount": "360.00"}])
    );
    assert_eq!(
        rate(&app, &ada, &open["id"]).await,
        "100.00",
        "a dry run writes nothing"
    );

    let done = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "Web", "reprice_unbilled": true}),
        )
        .await;
    assert_eq!(done["repriced"]["changed_count"], 4);
    assert_eq!(rate(&app, &ada, &open["id"]).await, "120.00");
    assert_eq!(
        rate(&app, &ada, &own_rate["id"]).await,
        "120.00",
        "overrides are replaced too"
    );
    assert_eq!(
        rate(&app, &ada, &billed["id"]).await,
        "100.00",
        "invoiced tracks never change"
    );
    let again = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "Web", "reprice_unbilled": true}),
        )
        .await;
    assert_eq!(again["repriced"]["changed_count"], 0);

    // A currency change moves unbilled tracks to the new currency.
    let moved = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "Web", "currency": "GBP", "reprice_unbilled": true}),
        )
        .await;
    assert_eq!(moved["repriced"]["changed_count"], 5);
    assert_eq!(
        app.ok(&ada, "get_track", json!({"id": open["id"]})).await["currency"],
        "GBP"
    );
}

#[tokio::test]
async fn budgets_merge_on_update_and_null_removes_on_any_tier() {
    let app = TestApp::new();
    let ada = pro(&app, "ada@example.com");
    app.ok(
        &ada,
        "create_project",
        json!({"name": "Web", "budget": {"hours": 40, "amount": "4000", "alert_percent": 75}}),
    )
    .await;
    let raised = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "Web", "budget": {"hours": "50", "period": "monthly"}}),
        )
        .await;
    assert_eq!(raised["changed"], json!(["budget"]));
    assert_eq!(
        raised["project"]["budget"],
        json!({"hours": "50", "amount": "4000.00", "currency": "EUR", "period": "monthly", "alert_percent": 75})
    );
    let no_amount = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "Web", "clear": ["budget.amount"]}),
        )
        .await;
    assert_eq!(no_amount["project"]["budget"]["amount"], json!(null));
    let err = app
        .err(
            &ada,
            "update_project",
            json!({"project": "Web", "clear": ["budget.hours"]}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::InvalidArgument, "a budget of nothing");
    assert!(err.hint.unwrap().contains(r#"clear: ["budget"]"#));

    // Back on the free tier: changing the budget is refused, removing it is not.
    let ada = catalogue::db::users::set_tier(&mut app.db.conn().unwrap(), &ada.email, Tier::Free)
        .unwrap();
    let err = app
        .err(
            &ada,
            "update_project",
            json!({"project": "Web", "budget": {"hours": 60}}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::TierRequired);
    assert_eq!(
        app.ok(&ada, "get_project", json!({"project": "Web"})).await["budget"]["hours"],
        "50"
    );
    let removed = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "Web", "clear": ["budget"]}),
        )
        .await;
    assert_eq!(removed["project"]["budget"], json!(null));
}

#[tokio::test]
async fn archive_and_restore() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.project(&ada, "Web", true, None, None);
    let archived = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "Web", "archived": true}),
        )
        .await;
    assert_eq!(archived["project"]["archived"], true);
    assert_eq!(archived["changed"], json!(["archived"]));
    assert!(archived["notes"][0].as_str().unwrap().contains("Archived"));
    assert_eq!(count(&app, &ada, json!({})).await, 0);
    // Still usable by name for reading and for its tracks.
    assert_eq!(
        app.ok(&ada, "get_project", json!({"project": "web"})).await["archived"],
        true
    );
    let again = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "Web", "archived": true}),
        )
        .await;
    assert_eq!(again["changed"], json!([]));
    let restored = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "Web", "archived": false}),
        )
        .await;
    assert_eq!(restored["project"]["archived"], false);
    assert_eq!(count(&app, &ada, json!({})).await, 1);
}

#[tokio::test]
async fn an_update_dry_run_writes_nothing() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.project(&ada, "Web", true, Some("100"), None);
    let preview = app
        .ok(
            &ada,
            "update_project",
            json!({"project": "Web", "name": "Site", "archived": true, "dry_run": true}),
        )
        .await;
    assert_eq!(preview["project"]["name"], "Site");
    assert_eq!(preview["changed"], json!(["name", "archived"]));
    let web = app.ok(&ada, "get_project", json!({"project": "Web"})).await;
    assert_eq!(web["archived"], false);
}

#[tokio::test]
async fn delete_needs_a_choice_for_tracks_and_previews_counts() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.project(&ada, "Empty", false, None, None);
    app.project(&ada, "Web", true, Some("100"), None);
    app.project(&ada, "Old", false, None, None);
    app.tag(&ada, "design");
    let kept = log(&app, &ada, "Web", "09:00", "1h").await;
    let gone = app
        .ok(
            &ada,
            "log_track",
            json!({"project": "Old", "start": "10:00", "duration": "1h", "tags": ["design"]}),
        )
        .await["track"]
        .clone();
    let running = app
        .ok(
            &ada,
            "start_timer",
            json!({"project": "Old", "start": "14:00"}),
        )
        .await["timer"]
        .clone();

    let empty = app
        .ok(&ada, "delete_project", json!({"project": "Empty"}))
        .await;
    assert_eq!(
        (empty["deleted"].clone(), empty["track_count"].clone()),
        (json!(true), json!(0))
    );
    assert_eq!(
        app.err(&ada, "get_project", json!({"project": "Empty"}))
            .await
            .code,
        ErrorCode::NotFound
    );

    let err = app
        .err(&ada, "delete_project", json!({"project": "Web"}))
        .await;
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert_eq!(err.details["track_count"], 1);
    let peek = app
        .ok(
            &ada,
            "delete_project",
            json!({"project": "Web", "dry_run": true}),
        )
        .await;
    assert_eq!(
        (&peek["deleted"], &peek["track_count"], &peek["dry_run"]),
        (&json!(false), &json!(1), &json!(true))
    );
    let preview = app
        .ok(
            &ada,
            "delete_project",
            json!({"project": "Web", "tracks": "unassign", "dry_run": true}),
        )
        .await;
    assert_eq!(preview["tracks_unassigned"], 1);
    assert_eq!(preview["deleted"], true);
    assert!(preview["message"].as_str().unwrap().contains("would be"));
    app.ok(&ada, "get_project", json!({"project": "Web"})).await;

    let unassigned = app
        .ok(
            &ada,
            "delete_project",
            json!({"project": "Web", "tracks": "unassign"}),
        )
        .await;
    assert_eq!(unassigned["tracks_unassigned"], 1);
    let track = app.ok(&ada, "get_track", json!({"id": kept["id"]})).await;
    assert_eq!(track["project"], json!(null));
    assert_eq!(track["hourly_rate"], "100.00", "its billing stays");

    let deleted = app
        .ok(
            &ada,
            "delete_project",
            json!({"project": "Old", "tracks": "delete"}),
        )
        .await;
    assert_eq!(deleted["tracks_deleted"], 2);
    for id in [&gone["id"], &running["id"]] {
        assert_eq!(
            app.err(&ada, "get_track", json!({"id": id})).await.code,
            ErrorCode::NotFound
        );
    }
    assert_eq!(
        app.ok(&ada, "list_active_timers", json!({})).await["timers"],
        json!([])
    );
    assert_eq!(
        app.ok(&ada, "list_tags", json!({})).await["tags"][0]["track_count"],
        0
    );
    assert_eq!(
        app.err(
            &ada,
            "delete_project",
            json!({"project": "Old", "tracks": "delete"})
        )
        .await
        .code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn delete_is_refused_while_a_track_is_on_a_live_invoice() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let acme = app.client(&ada, "Acme", None, None);
    app.project_of(&ada, Some(acme), "Web", true, Some("100"), None);
    app.project_of(&ada, Some(acme), "Done", true, Some("100"), None);
    let billed = log(&app, &ada, "Web", "09:00", "1h").await;
    log(&app, &ada, "Web", "11:00", "1h").await;
    invoice(&app, &ada, acme, &[&billed["id"]], "draft");
    let err = app
        .err(
            &ada,
            "delete_project",
            json!({"project": "Web", "tracks": "delete"}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::TrackInvoiced);
    assert!(
        err.message.contains("\"Web\" has 1 track(s)"),
        "{}",
        err.message
    );
    assert!(err.hint.unwrap().contains("archive"));
    assert_eq!(err.details["track_ids"], json!([billed["id"]]));
    assert_eq!(
        app.err(
            &ada,
            "delete_project",
            json!({"project": "Web", "dry_run": true})
        )
        .await
        .code,
        ErrorCode::TrackInvoiced
    );
    assert_eq!(
        app.ok(&ada, "get_project", json!({"project": "Web"})).await["spent"]["track_count"],
        2
    );

    // A void invoice does not hold a track back; deleting it drops the link.
    let voided = log(&app, &ada, "Done", "13:00", "1h").await;
    invoice(&app, &ada, acme, &[&voided["id"]], "void");
    let deleted = app
        .ok(
            &ada,
            "delete_project",
            json!({"project": "Done", "tracks": "delete"}),
        )
        .await;
    assert_eq!(deleted["tracks_deleted"], 1);
}
