//! Analytics through the registry: get_time_totals, get_top_projects,
//! get_budget_status, export_tracks_csv.

use catalogue::db::reports::set_budget;
use catalogue::db::users::set_tier;
use catalogue::testing::TestApp;
use catalogue::{CallError, ErrorCode, Tier, User};
use serde_json::{Value, json};

fn pro(app: &TestApp, user: &User) -> User {
    set_tier(&mut app.db.conn().unwrap(), &user.email, Tier::Pro).unwrap()
}

async fn log(app: &TestApp, user: &User, args: Value) -> i64 {
    app.ok(user, "log_track", args).await["track"]["id"]
        .as_i64()
        .unwrap()
}

fn secs(v: &Value) -> i64 {
    v["seconds"].as_i64().unwrap()
}

fn utc(v: &Value) -> jiff::Timestamp {
    v["utc"].as_str().unwrap().parse().unwrap()
}

fn hours_between(from: &Value, to: &Value) -> i64 {
    (utc(to).as_second() - utc(from).as_second()) / 3600
}

fn budget(
    app: &TestApp,
    user: &User,
    project: i32,
    hours: Option<&str>,
    amount: Option<&str>,
    period: &str,
    alert: i32,
) {
    set_budget(
        &mut app.db.conn().unwrap(),
        user.id,
        project,
        hours,
        amount,
        period,
        alert,
    )
    .unwrap();
}

// ---------------------------------------------------------------------------
// get_time_totals

#[tokio::test]
async fn totals_for_this_week_by_day_are_zero_filled() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    app.project(&ada, "Web", true, Some("100"), Some("EUR"));
    log(
        &app,
        &ada,
        json!({"project": "Web", "start": "2026-11-23 09:00", "end": "2026-11-23 11:00"}),
    )
    .await;
    log(&app, &ada, json!({"start": "09:00", "duration": "1h30m"})).await;

    let out = app.ok(&ada, "get_time_totals", json!({})).await;
    assert_eq!(out["range"]["period"], "this_week");
    assert_eq!(out["range"]["from"]["local"], "2026-11-23T00:00:00+01:00");
    assert_eq!(out["range"]["to"]["local"], "2026-11-30T00:00:00+01:00");
    assert_eq!(out["bucket"], "day");
    assert_eq!(out["split_by"], json!(null));
    assert_eq!(
        out["rounding"],
        json!({"mode": "none", "minutes": 15, "scope": "track"})
    );
    let buckets = out["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 7);
    let days: Vec<i64> = buckets.iter().map(secs).collect();
    assert_eq!(days, [7200, 0, 5400, 0, 0, 0, 0]);
    assert_eq!(buckets[0]["label"], "2026-11-23");
    assert_eq!(buckets[0]["start_date"], "2026-11-23");
    assert_eq!(buckets[0]["hours"], "2.00");
    assert_eq!(buckets[0]["duration"], "2:00:00");
    assert_eq!(
        buckets[0]["amounts"],
        json!([{"currency": "EUR", "amount": "200.00"}])
    );
    assert_eq!(buckets[1]["amounts"], json!([]));
    assert_eq!(buckets[1]["track_count"], 0);
    assert_eq!(buckets[1]["running"], false);
    assert_eq!(buckets[6]["from"]["local"], "2026-11-29T00:00:00+01:00");
    let total = &out["total"];
    assert_eq!(secs(total), 12600);
    assert_eq!(total["rounded_seconds"], 12600);
    assert_eq!(total["hours"], "3.50");
    assert_eq!(total["duration"], "3:30:00");
    assert_eq!(total["track_count"], 2);
    assert_eq!(out["groups"], json!([]));
    assert_eq!(out["running_track_ids"], json!([]));
}

#[tokio::test]
async fn days_are_cut_in_the_users_zone_with_23_and_25_hour_days() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    // 00:30 CEST to 04:30 CET on the night the clocks go back: five hours.
    log(
        &app,
        &ada,
        json!({"start": "2026-10-25T00:30:00+02:00", "end": "2026-10-25T04:30:00+01:00"}),
    )
    .await;
    let autumn = app
        .ok(
            &ada,
            "get_time_totals",
            json!({"from": "2026-10-24", "to": "2026-10-27", "bucket": "day"}),
        )
        .await;
    let b = autumn["buckets"].as_array().unwrap();
    let lengths: Vec<i64> = b
        .iter()
        .map(|x| hours_between(&x["from"], &x["to"]))
        .collect();
    assert_eq!(lengths, [24, 25, 24]);
    assert_eq!(secs(&b[1]), 5 * 3600);
    assert_eq!(autumn["range"].get("period"), None, "no named period");

    let spring = app
        .ok(
            &ada,
            "get_time_totals",
            json!({"from": "2026-03-29", "to": "2026-03-30"}),
        )
        .await;
    let b = &spring["buckets"][0];
    assert_eq!(hours_between(&b["from"], &b["to"]), 23);

    // The same instants in another zone fall on other days.
    let tokyo = app.user_in("tokyo@example.com", "Asia/Tokyo");
    log(
        &app,
        &tokyo,
        json!({"start": "2026-11-24T23:30:00+09:00", "duration": "1h"}),
    )
    .await;
    let out = app
        .ok(&tokyo, "get_time_totals", json!({"period": "this_week"}))
        .await;
    assert_eq!(out["range"]["from"]["local"], "2026-11-23T00:00:00+09:00");
    assert_eq!(secs(&out["buckets"][1]), 3600, "Tuesday in Tokyo");
}

#[tokio::test]
async fn weeks_start_on_the_users_week_start_and_edges_are_clipped() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    // Sunday 22 November.
    log(
        &app,
        &ada,
        json!({"start": "2026-11-22 10:00", "duration": "1h"}),
    )
    .await;
    let monday = app
        .ok(
            &ada,
            "get_time_totals",
            json!({"period": "this_month", "bucket": "week"}),
        )
        .await;
    let b = monday["buckets"].as_array().unwrap();
    let starts: Vec<&str> = b
        .iter()
        .map(|x| x["start_date"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2026-10-26",
            "2026-11-02",
            "2026-11-09",
            "2026-11-16",
            "2026-11-23",
            "2026-11-30"
        ]
    );
    assert_eq!(b[0]["label"], "2026-10-26 – 2026-11-01");
    assert_eq!(
        b[0]["from"]["local"], "2026-11-01T00:00:00+01:00",
        "the first week starts where the month does"
    );
    assert_eq!(b[5]["to"]["local"], "2026-12-01T00:00:00+01:00");
    assert_eq!(secs(&b[3]), 3600, "Sunday ends the week of the 16th");

    app.ok(
        &ada,
        "update_settings",
        json!({"week_start": "sunday", "date_format": "dmy_dot"}),
    )
    .await;
    let sunday = app
        .ok(
            &ada,
            "get_time_totals",
            json!({"period": "this_month", "bucket": "week"}),
        )
        .await;
    let b = sunday["buckets"].as_array().unwrap();
    let starts: Vec<&str> = b
        .iter()
        .map(|x| x["start_date"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2026-11-01",
            "2026-11-08",
            "2026-11-15",
            "2026-11-22",
            "2026-11-29"
        ]
    );
    assert_eq!(secs(&b[3]), 3600, "Sunday starts the week of the 22nd");
    assert_eq!(
        b[3]["label"], "22.11.2026 – 28.11.2026",
        "the user's date format"
    );
}

#[tokio::test]
async fn the_bucket_is_chosen_when_not_given_and_capped() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    let bucket = |args: Value| {
        let app = &app;
        let ada = &ada;
        async move {
            let out = app.ok(ada, "get_time_totals", args).await;
            (
                out["bucket"].as_str().unwrap().to_owned(),
                out["buckets"].as_array().unwrap().len(),
            )
        }
    };
    assert_eq!(
        bucket(json!({"period": "this_month"})).await,
        ("day".into(), 30)
    );
    assert_eq!(
        bucket(json!({"from": "2026-01-01", "to": "2026-04-01"})).await,
        ("week".into(), 14)
    );
    assert_eq!(
        bucket(json!({"period": "this_year"})).await,
        ("month".into(), 12)
    );
    assert_eq!(
        bucket(json!({"from": "2020-01-01", "to": "2026-01-01"})).await,
        ("year".into(), 6)
    );
    let year = app
        .ok(&ada, "get_time_totals", json!({"period": "this_year"}))
        .await;
    assert_eq!(year["buckets"][10]["label"], "November 2026");
    let one = app
        .ok(
            &ada,
            "get_time_totals",
            json!({"period": "last_year", "bucket": "year"}),
        )
        .await;
    assert_eq!(one["buckets"][0]["label"], "2025");

    let err = app
        .err(
            &ada,
            "get_time_totals",
            json!({"from": "2025-01-01", "to": "2026-01-03", "bucket": "day"}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert_eq!(err.details["max_buckets"], 366);
    assert!(err.hint.unwrap().contains("larger bucket"));
    // `from` alone runs to the end of today.
    let open = app
        .ok(&ada, "get_time_totals", json!({"from": "2026-11-20"}))
        .await;
    assert_eq!(open["range"]["to"]["local"], "2026-11-26T00:00:00+01:00");
    assert_eq!(open["buckets"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn split_by_project_client_tag_or_billable() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    let acme = app.client(&ada, "Acme", None, None);
    let web = app.project_of(&ada, Some(acme), "Web", true, Some("100"), Some("EUR"));
    app.project(&ada, "Internal", false, None, None);
    app.tag(&ada, "design");
    app.tag(&ada, "meeting");
    log(
        &app,
        &ada,
        json!({"project": "Web", "tags": ["design", "meeting"],
               "start": "2026-11-23 09:00", "duration": "2h"}),
    )
    .await;
    log(
        &app,
        &ada,
        json!({"project": "Internal", "tags": ["design"], "start": "2026-11-24 09:00", "duration": "1h"}),
    )
    .await;
    log(&app, &ada, json!({"start": "09:00", "duration": "30m"})).await;

    let split = |by: &'static str| {
        let app = &app;
        let ada = &ada;
        async move {
            app.ok(ada, "get_time_totals", json!({"split_by": by}))
                .await
        }
    };
    let names = |out: &Value| -> Vec<(String, i64)> {
        out["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| (g["name"].as_str().unwrap().to_owned(), secs(g)))
            .collect()
    };
    let by_project = split("project").await;
    assert_eq!(by_project["split_by"], "project");
    assert_eq!(
        names(&by_project),
        [
            ("Web".into(), 7200),
            ("Internal".into(), 3600),
            ("(no project)".into(), 1800)
        ]
    );
    assert_eq!(by_project["groups"][0]["id"], web);
    assert_eq!(by_project["groups"][2].get("id"), None);
    assert_eq!(
        by_project["groups"][0]["amounts"],
        json!([{"currency": "EUR", "amount": "200.00"}])
    );
    let monday = &by_project["buckets"][0]["groups"];
    assert_eq!(monday.as_array().unwrap().len(), 1, "only groups with time");
    assert_eq!(monday[0]["name"], "Web");
    assert_eq!(by_project["buckets"][3]["groups"], json!([]));

    assert_eq!(
        names(&split("client").await),
        [("Acme".into(), 7200), ("(no client)".into(), 5400)]
    );
    let by_tag = split("tag").await;
    assert_eq!(
        names(&by_tag),
        [
            ("design".into(), 10800),
            ("meeting".into(), 7200),
            ("(no tag)".into(), 1800)
        ],
        "a track with two tags counts in both"
    );
    assert_eq!(secs(&by_tag["total"]), 12600);
    assert_eq!(
        names(&split("billable").await),
        [("billable".into(), 7200), ("not billable".into(), 5400)]
    );
}

#[tokio::test]
async fn split_at_midnight_divides_a_track_between_days() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    log(
        &app,
        &ada,
        json!({"start": "2026-11-24 23:00", "end": "2026-11-25 01:00"}),
    )
    .await;
    let whole = app.ok(&ada, "get_time_totals", json!({})).await;
    assert_eq!(
        secs(&whole["buckets"][1]),
        7200,
        "counted on the day it starts"
    );
    assert_eq!(secs(&whole["buckets"][2]), 0);

    let split = app
        .ok(&ada, "get_time_totals", json!({"split_at_midnight": true}))
        .await;
    assert_eq!(split["split_at_midnight"], true);
    assert_eq!(secs(&split["buckets"][1]), 3600);
    assert_eq!(secs(&split["buckets"][2]), 3600);
    assert_eq!(split["buckets"][1]["track_count"], 1);
    assert_eq!(split["buckets"][2]["track_count"], 1);
    assert_eq!(split["total"]["track_count"], 1);
    assert_eq!(secs(&split["total"]), 7200);

    // Only the part inside the range counts.
    let today = app
        .ok(
            &ada,
            "get_time_totals",
            json!({"period": "today", "split_at_midnight": true}),
        )
        .await;
    assert_eq!(secs(&today["total"]), 3600);
    let today_whole = app
        .ok(&ada, "get_time_totals", json!({"period": "today"}))
        .await;
    assert_eq!(secs(&today_whole["total"]), 0, "it started yesterday");
}

#[tokio::test]
async fn rounding_applies_to_reported_hours_and_amounts_only() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    app.project(&ada, "Web", true, Some("60"), Some("EUR"));
    for start in ["09:00", "10:00", "11:00"] {
        log(
            &app,
            &ada,
            json!({"project": "Web", "start": start, "duration": "10m"}),
        )
        .await;
    }
    app.ok(&ada, "update_settings", json!({"rounding": {"mode": "up"}}))
        .await;
    let per_track = app
        .ok(&ada, "get_time_totals", json!({"period": "today"}))
        .await;
    assert_eq!(
        per_track["rounding"],
        json!({"mode": "up", "minutes": 15, "scope": "track"})
    );
    let total = &per_track["total"];
    assert_eq!(secs(total), 1800, "exact time is kept");
    assert_eq!(total["rounded_seconds"], 2700);
    assert_eq!(total["hours"], "0.75");
    assert_eq!(total["duration"], "0:45:00");
    assert_eq!(
        total["amounts"],
        json!([{"currency": "EUR", "amount": "45.00"}])
    );

    app.ok(
        &ada,
        "update_settings",
        json!({"rounding": {"scope": "total"}}),
    )
    .await;
    let per_total = app
        .ok(&ada, "get_time_totals", json!({"period": "today"}))
        .await;
    assert_eq!(per_total["total"]["rounded_seconds"], 1800);
    assert_eq!(per_total["total"]["amounts"][0]["amount"], "30.00");

    // Scope total rounds each bucket: two days of 10 minutes are 15 + 15.
    log(
        &app,
        &ada,
        json!({"project": "Web", "start": "2026-11-24 09:00", "duration": "10m"}),
    )
    .await;
    let week = app.ok(&ada, "get_time_totals", json!({})).await;
    assert_eq!(week["buckets"][1]["rounded_seconds"], 900);
    assert_eq!(week["buckets"][2]["rounded_seconds"], 1800);
    assert_eq!(week["total"]["rounded_seconds"], 2700);

    // Stored times never change.
    let listed = app
        .ok(
            &ada,
            "list_tracks",
            json!({"totals": true, "period": "this_week"}),
        )
        .await;
    assert_eq!(listed["total_seconds"], 2400);
}

#[tokio::test]
async fn amounts_are_per_currency_and_running_timers_count_up_to_now() {
    let mut app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    app.project(&ada, "Euro", true, Some("100"), Some("EUR"));
    app.project(&ada, "Dollar", true, Some("100"), Some("USD"));
    app.project(&ada, "Free", false, Some("100"), Some("EUR"));
    log(
        &app,
        &ada,
        json!({"project": "Euro", "start": "09:00", "duration": "1h"}),
    )
    .await;
    log(
        &app,
        &ada,
        json!({"project": "Dollar", "start": "10:00", "duration": "1h"}),
    )
    .await;
    log(
        &app,
        &ada,
        json!({"project": "Free", "start": "11:00", "duration": "1h"}),
    )
    .await;
    let timer = app
        .ok(
            &ada,
            "start_timer",
            json!({"project": "Dollar", "start": "14:00"}),
        )
        .await["timer"]["id"]
        .clone();
    let out = app
        .ok(&ada, "get_time_totals", json!({"period": "today"}))
        .await;
    assert_eq!(
        out["total"]["amounts"],
        json!([{"currency": "EUR", "amount": "100.00"},
               {"currency": "USD", "amount": "250.00"}]),
        "never summed across currencies; non-billable has no amount"
    );
    assert_eq!(secs(&out["total"]), 3 * 3600 + 5400);
    assert_eq!(out["running_track_ids"], json!([timer]));
    assert_eq!(out["buckets"][0]["running"], true);
    app.advance(1800);
    let later = app
        .ok(&ada, "get_time_totals", json!({"period": "today"}))
        .await;
    assert_eq!(secs(&later["total"]), 3 * 3600 + 7200);
}

#[tokio::test]
async fn totals_can_be_filtered_by_project_client_tag_and_billable() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    let acme = app.client(&ada, "Acme", None, None);
    app.project_of(&ada, Some(acme), "Web", true, Some("100"), None);
    app.project(&ada, "Internal", false, None, None);
    app.tag(&ada, "design");
    log(
        &app,
        &ada,
        json!({"project": "Web", "tags": ["design"], "start": "09:00", "duration": "2h"}),
    )
    .await;
    log(
        &app,
        &ada,
        json!({"project": "Internal", "start": "12:00", "duration": "1h"}),
    )
    .await;
    let total = |args: Value| {
        let app = &app;
        let ada = &ada;
        async move { secs(&app.ok(ada, "get_time_totals", args).await["total"]) }
    };
    assert_eq!(total(json!({"project": "web"})).await, 7200);
    assert_eq!(total(json!({"client": "ACME"})).await, 7200);
    assert_eq!(total(json!({"tag": "design"})).await, 7200);
    assert_eq!(total(json!({"billable": false})).await, 3600);
    assert_eq!(
        total(json!({"project": "Internal", "billable": true})).await,
        0
    );
    for args in [
        json!({"project": "Mobile"}),
        json!({"client": "Globex"}),
        json!({"tag": 9999}),
    ] {
        assert_eq!(
            app.err(&ada, "get_time_totals", args.clone()).await.code,
            ErrorCode::NotFound,
            "{args}"
        );
    }
}

#[tokio::test]
async fn bad_ranges_and_arguments_are_refused() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    for args in [
        json!({"period": "today", "from": "09:00"}),
        json!({"to": "2026-11-20"}),
        json!({"from": "2026-11-20", "to": "2026-11-10"}),
        json!({"from": "2026-12-20"}),
        json!({"from": "next monday"}),
        json!({"from": "2024-06-01", "to": "2026-06-01", "bucket": "day"}),
    ] {
        assert_eq!(
            app.err(&ada, "get_time_totals", args.clone()).await.code,
            ErrorCode::InvalidArgument,
            "{args}"
        );
    }
    for args in [
        json!({"bucket": "hour"}),
        json!({"split_by": "colour"}),
        json!({"period": "next_week"}),
        json!({"group_by": "project"}),
    ] {
        assert!(
            matches!(
                app.call(&ada, "get_time_totals", args.clone()).await,
                Err(CallError::InvalidParams(_))
            ),
            "{args}"
        );
    }
}

// ---------------------------------------------------------------------------
// get_top_projects

async fn top_projects_world(app: &TestApp, ada: &User) {
    let acme = app.client(ada, "Acme", None, None);
    app.project_of(ada, Some(acme), "Alpha", true, Some("100"), Some("EUR"));
    app.project(ada, "Beta", true, Some("200"), Some("USD"));
    app.project(ada, "Gamma", false, None, None);
    app.project(ada, "Delta", true, Some("100"), Some("EUR"));
    log(
        app,
        ada,
        json!({"project": "Alpha", "start": "2026-11-02 09:00", "duration": "3h"}),
    )
    .await;
    log(
        app,
        ada,
        json!({"project": "Beta", "start": "2026-11-03 09:00", "duration": "2h"}),
    )
    .await;
    log(
        app,
        ada,
        json!({"project": "Gamma", "start": "2026-11-04 09:00", "duration": "4h"}),
    )
    .await;
    log(
        app,
        ada,
        json!({"start": "2026-11-05 09:00", "duration": "1h"}),
    )
    .await;
    // Last month: not this month's ranking.
    log(
        app,
        ada,
        json!({"project": "Delta", "start": "2026-10-20 09:00", "duration": "10h"}),
    )
    .await;
}

#[tokio::test]
async fn top_projects_by_hours_for_this_month() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    top_projects_world(&app, &ada).await;
    let out = app.ok(&ada, "get_top_projects", json!({})).await;
    assert_eq!(out["range"]["period"], "this_month");
    assert_eq!(out["range"]["from"]["local"], "2026-11-01T00:00:00+01:00");
    assert_eq!(out["by"], "hours");
    assert_eq!(out.get("currency"), None);
    let ranked: Vec<(String, i64, f64)> = out["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["project"]["name"].as_str().unwrap().to_owned(),
                p["rank"].as_i64().unwrap(),
                p["share_percent"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ranked,
        [
            ("Gamma".into(), 1, 40.0),
            ("Alpha".into(), 2, 30.0),
            ("Beta".into(), 3, 20.0)
        ]
    );
    assert_eq!(out["projects"][1]["client"]["name"], "Acme");
    assert_eq!(out["projects"][1]["hours"], "3.00");
    assert_eq!(out["projects"][0].get("ranked_amount"), None);
    assert_eq!(out["ranked_count"], 3);
    assert_eq!(secs(&out["without_project"]), 3600);
    assert_eq!(secs(&out["total"]), 10 * 3600);
    assert_eq!(out["other_currencies"], json!([]));

    let two = app.ok(&ada, "get_top_projects", json!({"limit": 2})).await;
    assert_eq!(two["projects"].as_array().unwrap().len(), 2);
    assert_eq!(two["ranked_count"], 3);
    let october = app
        .ok(&ada, "get_top_projects", json!({"period": "last_month"}))
        .await;
    assert_eq!(october["projects"][0]["project"]["name"], "Delta");
}

#[tokio::test]
async fn top_projects_by_amount_rank_within_one_currency() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    top_projects_world(&app, &ada).await;
    let eur = app
        .ok(&ada, "get_top_projects", json!({"by": "amount"}))
        .await;
    assert_eq!(eur["currency"], "EUR");
    assert_eq!(eur["currency_source"], "default");
    assert_eq!(eur["projects"].as_array().unwrap().len(), 1);
    assert_eq!(eur["projects"][0]["project"]["name"], "Alpha");
    assert_eq!(eur["projects"][0]["ranked_amount"], "300.00");
    assert_eq!(eur["other_currencies"], json!(["USD"]));

    let usd = app
        .ok(
            &ada,
            "get_top_projects",
            json!({"by": "amount", "currency": "usd"}),
        )
        .await;
    assert_eq!(usd["currency"], "USD");
    assert_eq!(usd["currency_source"], "requested");
    assert_eq!(usd["projects"][0]["project"]["name"], "Beta");
    assert_eq!(usd["projects"][0]["ranked_amount"], "400.00");
    assert_eq!(
        usd["projects"][0]["amounts"],
        json!([{"currency": "USD", "amount": "400.00"}])
    );
    assert_eq!(usd["other_currencies"], json!(["EUR"]));

    // The user's default currency decides when none is asked for.
    app.ok(&ada, "update_settings", json!({"default_currency": "USD"}))
        .await;
    let default_usd = app
        .ok(&ada, "get_top_projects", json!({"by": "amount"}))
        .await;
    assert_eq!(default_usd["currency"], "USD");
    assert_eq!(default_usd["projects"][0]["project"]["name"], "Beta");

    let none = app
        .ok(
            &ada,
            "get_top_projects",
            json!({"by": "amount", "currency": "GBP"}),
        )
        .await;
    assert_eq!(none["projects"], json!([]));
    assert_eq!(none["other_currencies"], json!(["EUR", "USD"]));
}

#[tokio::test]
async fn top_projects_apply_rounding_per_project_and_count_running_timers() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    app.project(&ada, "Small", false, None, None);
    app.project(&ada, "Big", false, None, None);
    for start in ["09:00", "10:00", "11:00"] {
        log(
            &app,
            &ada,
            json!({"project": "Small", "start": start, "duration": "10m"}),
        )
        .await;
    }
    log(
        &app,
        &ada,
        json!({"project": "Big", "start": "12:00", "duration": "50m"}),
    )
    .await;
    app.ok(
        &ada,
        "update_settings",
        json!({"rounding": {"mode": "up", "minutes": 60}}),
    )
    .await;
    let out = app.ok(&ada, "get_top_projects", json!({})).await;
    assert_eq!(out["rounding"]["minutes"], 60);
    assert_eq!(out["projects"][0]["project"]["name"], "Small");
    assert_eq!(out["projects"][0]["rounded_seconds"], 3 * 3600);
    assert_eq!(out["projects"][1]["rounded_seconds"], 3600);
    assert_eq!(out["total"]["rounded_seconds"], 4 * 3600);

    let timer = app
        .ok(
            &ada,
            "start_timer",
            json!({"project": "Big", "start": "14:00"}),
        )
        .await["timer"]["id"]
        .clone();
    let out = app.ok(&ada, "get_top_projects", json!({})).await;
    assert_eq!(out["running_track_ids"], json!([timer]));
    // 2h20m rounds up to 3h: a tie with Small, broken by name.
    assert_eq!(out["projects"][0]["project"]["name"], "Big");
    assert_eq!(secs(&out["projects"][0]), 50 * 60 + 5400);
    assert_eq!(out["projects"][0]["rounded_seconds"], 3 * 3600);
}

#[tokio::test]
async fn top_projects_refuse_bad_arguments() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    for args in [
        json!({"currency": "EUR"}),
        json!({"by": "amount", "currency": "EURO"}),
        json!({"limit": 0}),
        json!({"limit": 201}),
        json!({"period": "today", "to": "10:00"}),
    ] {
        assert_eq!(
            app.err(&ada, "get_top_projects", args.clone()).await.code,
            ErrorCode::InvalidArgument,
            "{args}"
        );
    }
    assert!(matches!(
        app.call(&ada, "get_top_projects", json!({"by": "money"}))
            .await,
        Err(CallError::InvalidParams(_))
    ));
}

// ---------------------------------------------------------------------------
// get_budget_status

#[tokio::test]
async fn budgets_need_the_pro_tier() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let err = app.err(&ada, "get_budget_status", json!({})).await;
    assert_eq!(err.code, ErrorCode::TierRequired);
    assert_eq!(err.details["required_tier"], "pro");
    assert_eq!(err.details["feature"], "get_budget_status");
    let business = set_tier(
        &mut app.db.conn().unwrap(),
        "ada@example.com",
        Tier::Business,
    )
    .unwrap();
    app.ok(&business, "get_budget_status", json!({})).await;
}

#[tokio::test]
async fn budgets_report_used_remaining_percent_and_status_worst_first() {
    let app = TestApp::new();
    let ada = pro(&app, &app.user_in("ada@example.com", "Europe/Berlin"));
    let site = app.project(&ada, "Site", true, Some("100"), Some("EUR"));
    let retainer = app.project(&ada, "Retainer", true, Some("100"), Some("EUR"));
    let overrun = app.project(&ada, "Overrun", true, Some("50"), Some("EUR"));
    app.project(&ada, "Unbudgeted", true, Some("50"), Some("EUR"));
    budget(&app, &ada, site, Some("10"), None, "total", 80);
    budget(&app, &ada, retainer, None, Some("1000"), "monthly", 80);
    budget(&app, &ada, overrun, Some("2"), Some("100"), "total", 80);
    log(
        &app,
        &ada,
        json!({"project": "Site", "start": "2026-09-01 08:00", "duration": "8.5"}),
    )
    .await;
    log(
        &app,
        &ada,
        json!({"project": "Retainer", "start": "2026-10-05 09:00", "duration": "10h"}),
    )
    .await;
    log(
        &app,
        &ada,
        json!({"project": "Retainer", "start": "2026-11-05 09:00", "duration": "3h"}),
    )
    .await;
    log(
        &app,
        &ada,
        json!({"project": "Overrun", "start": "2026-11-06 09:00", "duration": "3h"}),
    )
    .await;
    log(
        &app,
        &ada,
        json!({"project": "Unbudgeted", "start": "2026-11-06 13:00", "duration": "3h"}),
    )
    .await;

    let out = app.ok(&ada, "get_budget_status", json!({})).await;
    assert_eq!(out.get("note"), None);
    let projects = out["projects"].as_array().unwrap();
    let order: Vec<(&str, &str)> = projects
        .iter()
        .map(|p| {
            (
                p["project"]["name"].as_str().unwrap(),
                p["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("Overrun", "exceeded"),
            ("Site", "warning"),
            ("Retainer", "ok")
        ]
    );

    let over = &projects[0];
    assert_eq!(
        over["hours"],
        json!({"budget": "2.00", "used": "3.00", "remaining": "-1.00", "percent": 150.0, "status": "exceeded"})
    );
    assert_eq!(over["amount"]["used"], "150.00");
    assert_eq!(over["amount"]["remaining"], "-50.00");
    assert_eq!(over["amount"]["status"], "exceeded");
    assert_eq!(over["period"], "total");
    assert_eq!(over.get("range"), None);

    let site_status = &projects[1];
    assert_eq!(
        site_status["hours"],
        json!({"budget": "10.00", "used": "8.50", "remaining": "1.50", "percent": 85.0, "status": "warning"})
    );
    assert_eq!(site_status["amount"], json!(null));
    assert_eq!(site_status["alert_percent"], 80);
    assert_eq!(site_status["running"], false);

    let monthly = &projects[2];
    assert_eq!(monthly["period"], "monthly");
    assert_eq!(monthly["range"]["period"], "this_month");
    assert_eq!(
        monthly["range"]["from"]["local"],
        "2026-11-01T00:00:00+01:00"
    );
    assert_eq!(
        monthly["amount"],
        json!({"currency": "EUR", "budget": "1000.00", "used": "300.00", "remaining": "700.00",
               "percent": 30.0, "status": "ok", "other_currencies": []}),
        "last month's 1000.00 does not count"
    );
    assert_eq!(monthly["hours"], json!(null));

    // One project by name; a running timer counts up to now and is flagged.
    let timer = app
        .ok(
            &ada,
            "start_timer",
            json!({"project": "Site", "start": "15:00"}),
        )
        .await["timer"]["id"]
        .clone();
    let one = app
        .ok(&ada, "get_budget_status", json!({"project": "site"}))
        .await;
    let site_now = &one["projects"][0];
    assert_eq!(one["projects"].as_array().unwrap().len(), 1);
    assert_eq!(site_now["hours"]["used"], "9.00");
    assert_eq!(site_now["hours"]["percent"], 90.0);
    assert_eq!(site_now["running"], true);
    assert_eq!(site_now["running_track_ids"], json!([timer]));
}

#[tokio::test]
async fn budgets_use_rounding_a_custom_threshold_and_the_budget_currency() {
    let app = TestApp::new();
    let ada = pro(&app, &app.user_in("ada@example.com", "Europe/Berlin"));
    let tiny = app.project(&ada, "Tiny", false, None, None);
    budget(&app, &ada, tiny, Some("4"), None, "total", 50);
    for start in ["09:00", "10:00"] {
        log(
            &app,
            &ada,
            json!({"project": "Tiny", "start": start, "duration": "10m"}),
        )
        .await;
    }
    let exact = app
        .ok(&ada, "get_budget_status", json!({"project": tiny}))
        .await;
    assert_eq!(exact["projects"][0]["hours"]["used"], "0.33");
    assert_eq!(exact["projects"][0]["status"], "ok");
    app.ok(
        &ada,
        "update_settings",
        json!({"rounding": {"mode": "up", "minutes": 60}}),
    )
    .await;
    let rounded = app
        .ok(&ada, "get_budget_status", json!({"project": tiny}))
        .await;
    assert_eq!(rounded["rounding"]["mode"], "up");
    assert_eq!(rounded["projects"][0]["hours"]["used"], "2.00");
    assert_eq!(
        rounded["projects"][0]["status"], "warning",
        "50 % is this project's threshold"
    );

    // The budget is in the project's currency (here the user's default):
    // tracks saved in another currency are listed apart, not converted.
    let plain = app.project(&ada, "Plain", true, None, None);
    budget(&app, &ada, plain, None, Some("500"), "total", 80);
    app.ok(
        &ada,
        "update_settings",
        json!({"default_hourly_rate": "100"}),
    )
    .await;
    log(
        &app,
        &ada,
        json!({"project": "Plain", "start": "12:00", "duration": "1h"}),
    )
    .await;
    app.ok(&ada, "update_settings", json!({"default_currency": "USD"}))
        .await;
    let plain_status = app
        .ok(&ada, "get_budget_status", json!({"project": "Plain"}))
        .await;
    let amount = &plain_status["projects"][0]["amount"];
    assert_eq!(amount["currency"], "USD");
    assert_eq!(amount["used"], "0.00");
    assert_eq!(
        amount["other_currencies"],
        json!([{"currency": "EUR", "amount": "100.00"}])
    );
}

#[tokio::test]
async fn budget_edge_cases() {
    let app = TestApp::new();
    let ada = pro(&app, &app.user_in("ada@example.com", "Europe/Berlin"));
    let empty = app.ok(&ada, "get_budget_status", json!({})).await;
    assert_eq!(empty["projects"], json!([]));
    assert!(
        empty["note"]
            .as_str()
            .unwrap()
            .contains("no project has a budget")
    );

    app.project(&ada, "Open", false, None, None);
    let err = app
        .err(&ada, "get_budget_status", json!({"project": "Open"}))
        .await;
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert!(err.hint.unwrap().contains("update_project"));
    for project in [json!("Nope"), json!(9999)] {
        assert_eq!(
            app.err(&ada, "get_budget_status", json!({"project": project}))
                .await
                .code,
            ErrorCode::NotFound
        );
    }

    let old = app.project(&ada, "Old", false, None, None);
    budget(&app, &ada, old, Some("1"), None, "total", 80);
    app.ok(
        &ada,
        "update_project",
        json!({"project": old, "archived": true}),
    )
    .await;
    let all = app.ok(&ada, "get_budget_status", json!({})).await;
    assert_eq!(all["projects"], json!([]), "archived projects are left out");
    let named = app
        .ok(&ada, "get_budget_status", json!({"project": "Old"}))
        .await;
    assert_eq!(named["projects"][0]["archived"], true);
    assert_eq!(named["projects"][0]["hours"]["used"], "0.00");
    assert_eq!(named["projects"][0]["status"], "ok");

    let zero = app.project(&ada, "Zero", false, None, None);
    budget(&app, &ada, zero, Some("0"), None, "total", 80);
    log(
        &app,
        &ada,
        json!({"project": "Zero", "start": "09:00", "duration": "1m"}),
    )
    .await;
    let z = app
        .ok(&ada, "get_budget_status", json!({"project": "Zero"}))
        .await;
    assert_eq!(z["projects"][0]["hours"]["percent"], json!(null));
    assert_eq!(z["projects"][0]["status"], "exceeded");
    assert!(matches!(
        app.call(&ada, "get_budget_status", json!({"projects": "Zero"}))
            .await,
        Err(CallError::InvalidParams(_))
    ));
}

// ---------------------------------------------------------------------------
// export_tracks_csv

async fn csv_world(app: &TestApp, ada: &User) {
    let acme = app.client(ada, "Acme, Inc.", None, None);
    app.project_of(ada, Some(acme), "Web", true, Some("90"), Some("EUR"));
    app.tag(ada, "design");
    app.tag(ada, "meeting");
    app.ok(ada, "update_settings", json!({"date_format": "dmy_dot"}))
        .await;
    log(
        app,
        ada,
        json!({"project": "Web", "tags": ["meeting", "design"], "start": "2026-11-24 09:00",
               "end": "2026-11-24 10:30", "description": "Hero \"v2\", final\nsecond line"}),
    )
    .await;
    log(
        app,
        ada,
        json!({"start": "2026-11-23 14:00", "duration": "45m", "description": "Admin"}),
    )
    .await;
    app.ok(
        ada,
        "start_timer",
        json!({"description": "running", "start": "15:00"}),
    )
    .await;
}

fn parse(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

#[tokio::test]
async fn csv_has_a_header_and_one_rfc_4180_row_per_stopped_track() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    csv_world(&app, &ada).await;
    let out = app
        .ok(&ada, "export_tracks_csv", json!({"period": "this_week"}))
        .await;
    assert_eq!(out["filename"], "tracks_2026-11-23_to_2026-11-29.csv");
    assert_eq!(out["content_type"], "text/csv; charset=utf-8");
    assert_eq!(out["row_count"], 2);
    assert_eq!(out["total_rows"], 2);
    assert_eq!(out["capped"], false);
    assert_eq!(out["next_cursor"], json!(null));
    assert_eq!(out["running_excluded"], 1);
    assert_eq!(out["range"]["period"], "this_week");
    let text = out["csv"].as_str().unwrap();
    assert!(text.starts_with("date,start,end,duration,hours,project,client,tags,description,billable,rate,amount,currency\r\n"));
    assert!(text.ends_with("\r\n"));
    assert!(
        text.contains("\"Hero \"\"v2\"\", final\nsecond line\""),
        "quotes doubled, the field quoted: {text}"
    );
    let (header, rows) = parse(text);
    assert_eq!(
        header,
        [
            "date",
            "start",
            "end",
            "duration",
            "hours",
            "project",
            "client",
            "tags",
            "description",
            "billable",
            "rate",
            "amount",
            "currency"
        ]
    );
    assert_eq!(
        rows,
        [
            vec![
                "23.11.2026",
                "2026-11-23T14:00:00+01:00",
                "2026-11-23T14:45:00+01:00",
                "00:45:00",
                "0.75",
                "",
                "",
                "",
                "Admin",
                "no",
                "",
                "",
                "EUR"
            ],
            vec![
                "24.11.2026",
                "2026-11-24T09:00:00+01:00",
                "2026-11-24T10:30:00+01:00",
                "01:30:00",
                "1.50",
                "Web",
                "Acme, Inc.",
                "design, meeting",
                "Hero \"v2\", final\nsecond line",
                "yes",
                "90.00",
                "135.00",
                "EUR"
            ],
        ]
    );

    // No period: every stopped track.
    let all = app.ok(&ada, "export_tracks_csv", json!({})).await;
    assert_eq!(all["filename"], "tracks.csv");
    assert_eq!(all["range"], json!(null));
    assert_eq!(all["row_count"], 2);
    let today = app
        .ok(&ada, "export_tracks_csv", json!({"period": "yesterday"}))
        .await;
    assert_eq!(today["filename"], "tracks_2026-11-24.csv");
}

#[tokio::test]
async fn csv_is_capped_and_continues_with_a_cursor() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    csv_world(&app, &ada).await;
    log(
        &app,
        &ada,
        json!({"start": "2026-11-25 08:00", "duration": "30m", "description": "Third"}),
    )
    .await;
    let first = app.ok(&ada, "export_tracks_csv", json!({"limit": 2})).await;
    assert_eq!(first["row_count"], 2);
    assert_eq!(first["total_rows"], 3);
    assert_eq!(first["capped"], true);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, rows) = parse(first["csv"].as_str().unwrap());
    assert_eq!(rows[0][8], "Admin");
    let second = app
        .ok(
            &ada,
            "export_tracks_csv",
            json!({"limit": 2, "cursor": cursor}),
        )
        .await;
    assert_eq!(second["row_count"], 1);
    assert_eq!(second["capped"], false);
    assert_eq!(second["next_cursor"], json!(null));
    let (header, rows) = parse(second["csv"].as_str().unwrap());
    assert_eq!(header[0], "date", "every page has its header");
    assert_eq!(rows[0][8], "Third");
}

#[tokio::test]
async fn csv_filters_like_list_tracks() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    csv_world(&app, &ada).await;
    for (args, description) in [
        (json!({"project": "web"}), "Hero"),
        (json!({"client": "acme, inc."}), "Hero"),
        (json!({"tag": "meeting"}), "Hero"),
        (json!({"billable": false}), "Admin"),
        (json!({"search": "ADM"}), "Admin"),
        (json!({"without_project": true}), "Admin"),
        (
            json!({"from": "2026-11-24 00:00", "to": "2026-11-25 00:00"}),
            "Hero",
        ),
    ] {
        let out = app.ok(&ada, "export_tracks_csv", args.clone()).await;
        let (_, rows) = parse(out["csv"].as_str().unwrap());
        assert_eq!(rows.len(), 1, "{args}");
        assert!(rows[0][8].starts_with(description), "{args}");
    }
    let running_only_match = app
        .ok(&ada, "export_tracks_csv", json!({"search": "running"}))
        .await;
    assert_eq!(running_only_match["row_count"], 0);
    assert_eq!(running_only_match["running_excluded"], 1);
    let (header, rows) = parse(running_only_match["csv"].as_str().unwrap());
    assert_eq!(header.len(), 13, "an empty export still has its header");
    assert!(rows.is_empty());
}

#[tokio::test]
async fn csv_refuses_bad_arguments() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.project(&ada, "Web", false, None, None);
    for args in [
        json!({"limit": 0}),
        json!({"limit": 1001}),
        json!({"cursor": "garbage"}),
        json!({"without_project": true, "project": "Web"}),
        json!({"period": "today", "from": "09:00"}),
        json!({"to": "2026-11-20"}),
    ] {
        assert_eq!(
            app.err(&ada, "export_tracks_csv", args.clone()).await.code,
            ErrorCode::InvalidArgument,
            "{args}"
        );
    }
    for args in [
        json!({"project": "Mobile"}),
        json!({"client": "Globex"}),
        json!({"tag": "nope"}),
    ] {
        assert_eq!(
            app.err(&ada, "export_tracks_csv", args.clone()).await.code,
            ErrorCode::NotFound,
            "{args}"
        );
    }
    assert!(matches!(
        app.call(&ada, "export_tracks_csv", json!({"format": "xlsx"}))
            .await,
        Err(CallError::InvalidParams(_))
    ));
}
