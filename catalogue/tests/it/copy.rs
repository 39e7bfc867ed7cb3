//! `teetrack db copy`: a SQLite database moved into PostgreSQL answers every
//! read tool exactly as before, and takes new writes after the copied rows.

use catalogue::Tier;
use catalogue::db::copy::copy;
use catalogue::testing::{TestApp, TestDatabase};
use catalogue::{User, registry};
use serde_json::{Value, json};

/// A freelancer's history: settings, clients, projects, tags, tracks with
/// tags, a running timer, a sent and a draft invoice; and a second user.
async fn history(app: &mut TestApp) -> Vec<User> {
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    let ada =
        catalogue::db::users::set_tier(&mut app.db.conn().unwrap(), &ada.email, Tier::Pro).unwrap();
    app.ok(
        &ada,
        "update_settings",
        json!({"rounding": {"mode": "up", "minutes": 15}, "week_start": "sunday"}),
    )
    .await;
    app.ok(
        &ada,
        "create_client",
        json!({"name": "Acme", "currency": "EUR", "hourly_rate": "90"}),
    )
    .await;
    app.ok(
        &ada,
        "create_client",
        json!({"name": "Ärger GmbH", "currency": "CHF"}),
    )
    .await;
    app.ok(
        &ada,
        "create_project",
        json!({"name": "Website", "client": "Acme", "billable": true, "hourly_rate": "100.50", "budget": {"hours": 40}}),
    )
    .await;
    app.ok(
        &ada,
        "create_project",
        json!({"name": "api", "client": "Ärger GmbH", "billable": true}),
    )
    .await;
    app.ok(&ada, "create_project", json!({"name": "Internal"}))
        .await;
    for tag in ["deep-work", "Meetings", "über"] {
        app.ok(&ada, "create_tag", json!({"name": tag})).await;
    }
    let projects = ["Website", "api", "Internal"];
    let tags = [json!(["deep-work"]), json!(["Meetings", "über"]), json!([])];
    for day in 1..=20 {
        for slot in 0..3 {
            let start = format!(
                "2026-11-{day:02}T{:02}:{:02}:00+01:00",
                8 + slot * 3,
                7 * slot
            );
            let end = format!(
                "2026-11-{day:02}T{:02}:{:02}:00+01:00",
                10 + slot * 3,
                11 * slot
            );
            app.ok(
                &ada,
                "log_track",
                json!({
                    "project": projects[(day + slot) % 3],
                    "start": start,
                    "end": end,
                    "description": format!("work on item {day}-{slot}, ünïcödé"),
                    "tags": tags[(day * slot) % 3],
                }),
            )
            .await;
        }
    }
    let draft = app
        .ok(
            &ada,
            "generate_invoice",
            json!({"client": "Acme", "from": "2026-11-01", "to": "2026-11-10"}),
        )
        .await;
    app.ok(
        &ada,
        "mark_invoice_sent",
        json!({"id": draft["invoice"]["id"]}),
    )
    .await;
    app.ok(
        &ada,
        "generate_invoice",
        json!({"client": "Ärger GmbH", "from": "2026-11-01", "to": "2026-11-30"}),
    )
    .await;
    app.ok(
        &ada,
        "start_timer",
        json!({"project": "Internal", "description": "now"}),
    )
    .await;
    app.advance(1800);
    let bob = app.user("bob@example.com");
    app.ok(
        &bob,
        "log_track",
        json!({"start": "2026-11-24T09:00:00Z", "end": "2026-11-24T10:00:00Z"}),
    )
    .await;
    vec![ada, bob]
}

/// What every read tool answers: with no arguments, and with the
/// arguments that reach the history's corners.
async fn answers(app: &TestApp, user: &User) -> Vec<(String, Value)> {
    let mut calls: Vec<(&str, Value)> = registry()
        .iter()
        .filter(|t| t.read_only)
        .map(|t| (t.name, json!({})))
        .collect();
    calls.extend([
        ("list_tracks", json!({"totals": true, "limit": 200})),
        ("list_tracks", json!({"search": "ÜNÏ", "tag": "über"})),
        ("list_projects", json!({"include_spent": true, "archived": "all"})),
        ("list_clients", json!({"search": "ä"})),
        ("get_time_totals", json!({"from": "2026-11-01", "to": "2026-12-01", "bucket": "day", "split_by": "project"})),
        ("get_time_totals", json!({"from": "2026-11-01", "to": "2026-12-01", "bucket": "week", "split_by": "tag"})),
        ("get_top_projects", json!({"period": "this_month", "by": "amount"})),
        ("review_timesheet", json!({"week_of": "2026-11-16"})),
        ("preview_invoice", json!({"client": "Acme", "from": "2026-11-01", "to": "2026-11-30"})),
        ("get_invoice", json!({"id": 1})),
        ("get_invoice", json!({"id": 2})),
        ("export_invoice_csv", json!({"id": 1})),
        ("export_tracks_csv", json!({"from": "2026-11-01", "to": "2026-12-01"})),
        ("get_budget_status", json!({})),
    ]);
    let mut out = Vec::new();
    for (tool, args) in calls {
        let answer = match app.call(user, tool, args.clone()).await {
            Ok(value) => value,
            Err(err) => json!({"error": format!("{err:?}")}),
        };
        out.push((format!("{tool}({args})"), answer));
    }
    out
}

#[tokio::test]
async fn a_sqlite_database_copied_into_postgres_answers_every_read_tool_the_same() {
    let Some(target) = TestDatabase::postgres() else {
        eprintln!("db copy: needs TEETRACK_TEST_POSTGRES (scripts/test sets it); not run");
        return;
    };
    let mut source = TestApp::on(TestDatabase::sqlite());
    let users = history(&mut source).await;
    let mut before = Vec::new();
    for user in &users {
        before.push(answers(&source, user).await);
    }

    // The history is really there: these read it, not an error.
    let ada = &before[0];
    for call in [
        "get_invoice({\"id\":1})",
        "get_invoice({\"id\":2})",
        "list_tracks({\"totals\":true,\"limit\":200})",
        "list_tags({})",
        "get_budget_status({})",
        "review_timesheet({\"week_of\":\"2026-11-16\"})",
    ] {
        let (_, answer) = ada.iter().find(|(c, _)| c == call).unwrap();
        assert!(answer.get("error").is_none(), "{call}: {answer}");
    }
    let (_, listed) = ada
        .iter()
        .find(|(c, _)| c.starts_with("list_tracks({\"totals"))
        .unwrap();
    assert_eq!(listed["tracks"].as_array().map(Vec::len), Some(61));

    let mut moved = TestApp::on(target);
    moved.now = source.now;
    let copied = copy(&source.db, &moved.db).unwrap_or_else(|err| panic!("{err:#}"));
    let tracks = copied.iter().find(|c| c.table == "tracks").unwrap();
    assert_eq!(tracks.rows, 60 + 1 + 1, "{copied:?}");
    assert!(
        copied
            .iter()
            .any(|c| c.table == "invoice_tracks" && c.rows > 0)
    );

    for (user, before) in users.iter().zip(before) {
        let after = answers(&moved, user).await;
        assert_eq!(after.len(), before.len());
        for ((call, was), (_, now)) in before.iter().zip(&after) {
            assert_eq!(was, now, "{} {call}", user.email);
        }
    }

    // Writes go on after the copied rows: new ids, no collision.
    let ada = &users[0];
    let logged = moved
        .ok(
            ada,
            "log_track",
            json!({"start": "2026-11-21T09:00:00Z", "end": "2026-11-21T10:00:00Z"}),
        )
        .await;
    assert_eq!(logged["track"]["id"], 63, "{logged}");
    let client = moved
        .ok(ada, "create_client", json!({"name": "Next"}))
        .await;
    assert_eq!(client["client"]["id"], 3, "{client}");

    // A second copy into the same database is refused and changes nothing.
    let again = copy(&source.db, &moved.db).unwrap_err();
    assert!(again.to_string().contains("already has users"), "{again}");
}
