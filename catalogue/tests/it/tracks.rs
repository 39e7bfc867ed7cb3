//! Tracks through the registry: log, list, get, update, delete.

use catalogue::ErrorCode;
use catalogue::testing::TestApp;
use serde_json::{Value, json};

#[tokio::test]
async fn log_with_end_or_duration_in_every_format() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    let with_end = app
        .ok(&ada, "log_track", json!({"start": "09:00", "end": "11:00"}))
        .await;
    assert_eq!(with_end["track"]["duration_seconds"], 7200);
    assert_eq!(with_end["track"]["start"]["utc"], "2026-11-25T08:00:00Z");
    for (duration, seconds) in [
        (json!(5400), 5400),
        (json!("1h30m"), 5400),
        (json!("90m"), 5400),
        (json!("1.5"), 5400),
        (json!("2"), 7200),
    ] {
        let logged = app
            .ok(
                &ada,
                "log_track",
                json!({"start": "yesterday", "duration": duration, "description": "x"}),
            )
            .await;
        assert_eq!(logged["track"]["duration_seconds"], seconds, "{duration}");
    }
    let rfc = app
        .ok(
            &ada,
            "log_track",
            json!({"start": "2026-11-20T09:00:00-05:00", "duration": 60}),
        )
        .await;
    assert_eq!(rfc["track"]["start"]["local"], "2026-11-20T15:00:00+01:00");
}

#[tokio::test]
async fn log_refuses_bad_spans_and_writes_nothing() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let cases = [
        json!({"start": "10:00", "end": "09:00"}),
        json!({"start": "10:00", "end": "10:00"}),
        json!({"start": "10:00"}),
        json!({"start": "10:00", "end": "11:00", "duration": "1h"}),
        json!({"start": "10:00", "duration": "0m"}),
        json!({"start": "10:00", "duration": "forever"}),
        json!({"start": "2026-11-20 09:00", "duration": "30h"}),
        json!({"start": "2026-13-45 09:00", "duration": "1h"}),
    ];
    for args in cases {
        assert_eq!(
            app.err(&ada, "log_track", args.clone()).await.code,
            ErrorCode::InvalidArgument,
            "{args}"
        );
    }
    let missing_start = app.call(&ada, "log_track", json!({"end": "10:00"})).await;
    assert!(matches!(
        missing_start,
        Err(catalogue::CallError::InvalidParams(_))
    ));
    assert_eq!(
        app.ok(&ada, "list_tracks", json!({"totals": true})).await["total_count"],
        0
    );
    // Confirmed, a long track is kept.
    app.ok(
        &ada,
        "log_track",
        json!({"start": "2026-11-20 09:00", "duration": "30h", "confirm": true}),
    )
    .await;
}

#[tokio::test]
async fn overlap_policy_warn_lists_and_reject_refuses() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let first = app
        .ok(&ada, "log_track", json!({"start": "09:00", "end": "10:00"}))
        .await["track"]["id"]
        .clone();
    let second = app
        .ok(&ada, "log_track", json!({"start": "09:30", "end": "10:30"}))
        .await;
    assert_eq!(second["overlapping_track_ids"], json!([first]));
    let touching = app
        .ok(&ada, "log_track", json!({"start": "10:30", "end": "11:00"}))
        .await;
    assert_eq!(
        touching["overlapping_track_ids"],
        json!([]),
        "tracks that only touch do not overlap"
    );

    let conn = &mut app.db.conn().unwrap();
    use catalogue::db::settings::set_overlap_policy;
    use catalogue::settings::OverlapPolicy;
    set_overlap_policy(conn, ada.id, OverlapPolicy::Reject).unwrap();
    let err = app
        .err(&ada, "log_track", json!({"start": "09:45", "end": "10:15"}))
        .await;
    assert_eq!(err.code, ErrorCode::Overlap);
    assert_eq!(
        err.details["overlapping_track_ids"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    set_overlap_policy(conn, ada.id, OverlapPolicy::Allow).unwrap();
    let allowed = app
        .ok(&ada, "log_track", json!({"start": "09:45", "end": "10:15"}))
        .await;
    assert_eq!(allowed["overlapping_track_ids"], json!([]));
    assert_eq!(
        app.ok(&ada, "list_tracks", json!({"totals": true})).await["total_count"],
        4
    );
}

#[tokio::test]
async fn billing_is_resolved_when_saved_track_then_project_then_user() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.project(&ada, "Paid", true, Some("90"), Some("USD"));
    app.project(&ada, "Internal", false, None, None);
    let paid = app
        .ok(
            &ada,
            "log_track",
            json!({"project": "Paid", "start": "09:00", "duration": "20m"}),
        )
        .await;
    assert_eq!(paid["track"]["billable"], true);
    assert_eq!(paid["track"]["currency"], "USD");
    assert_eq!(paid["track"]["hourly_rate"], "90.00");
    assert_eq!(paid["track"]["amount"], "30.00");
    let own = app
        .ok(
            &ada,
            "log_track",
            json!({"project": "Paid", "start": "10:00", "duration": "1h", "hourly_rate": "100.5"}),
        )
        .await;
    assert_eq!(own["track"]["amount"], "100.50");
    let internal = app
        .ok(
            &ada,
            "log_track",
            json!({"project": "Internal", "start": "11:00", "duration": "1h"}),
        )
        .await;
    assert_eq!(internal["track"]["billable"], false);
    assert_eq!(internal["track"]["currency"], "EUR");
    assert_eq!(internal["track"]["amount"], json!(null));
}

async fn seed_week(app: &TestApp, user: &catalogue::User) -> Vec<Value> {
    app.project(user, "Website", true, Some("100"), None);
    app.tag(user, "meeting");
    let mut ids = Vec::new();
    for (start, project, tags, description) in [
        (
            "2026-11-23 09:00",
            json!("Website"),
            json!([]),
            "Monday build",
        ),
        (
            "2026-11-24 09:00",
            json!(null),
            json!(["meeting"]),
            "Standup",
        ),
        (
            "2026-11-25 09:00",
            json!("Website"),
            json!(["meeting"]),
            "Client call",
        ),
        ("2026-11-16 09:00", json!("Website"), json!([]), "Last week"),
    ] {
        let args = json!({"start": start, "duration": "1h", "project": project, "tags": tags, "description": description});
        ids.push(app.ok(user, "log_track", args).await["track"]["id"].clone());
    }
    ids
}

#[tokio::test]
async fn list_filters_totals_and_the_echoed_range() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    seed_week(&app, &ada).await;
    let week = app
        .ok(
            &ada,
            "list_tracks",
            json!({"totals": true, "period": "this_week"}),
        )
        .await;
    assert_eq!(week["total_count"], 3);
    assert_eq!(week["total_seconds"], 3 * 3600);
    assert_eq!(week["total_duration"], "3:00:00");
    assert_eq!(week["range"]["period"], "this_week");
    assert_eq!(week["range"]["from"]["local"], "2026-11-23T00:00:00+01:00");
    assert_eq!(week["range"]["to"]["local"], "2026-11-30T00:00:00+01:00");
    let descriptions: Vec<&str> = week["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["description"].as_str().unwrap())
        .collect();
    assert_eq!(
        descriptions,
        ["Client call", "Standup", "Monday build"],
        "newest first"
    );

    let count = |v: Value| v["total_count"].as_i64().unwrap();
    assert_eq!(
        count(
            app.ok(
                &ada,
                "list_tracks",
                json!({"totals": true, "project": "website"})
            )
            .await
        ),
        3
    );
    assert_eq!(
        count(
            app.ok(
                &ada,
                "list_tracks",
                json!({"totals": true, "without_project": true})
            )
            .await
        ),
        1
    );
    assert_eq!(
        count(
            app.ok(
                &ada,
                "list_tracks",
                json!({"totals": true, "tag": "Meeting"})
            )
            .await
        ),
        2
    );
    assert_eq!(
        count(
            app.ok(
                &ada,
                "list_tracks",
                json!({"totals": true, "search": "CALL"})
            )
            .await
        ),
        1
    );
    assert_eq!(
        count(
            app.ok(&ada, "list_tracks", json!({"totals": true, "search": "%"}))
                .await
        ),
        0,
        "wildcards are literal"
    );
    assert_eq!(
        count(
            app.ok(
                &ada,
                "list_tracks",
                json!({"totals": true, "billable": true})
            )
            .await
        ),
        3
    );
    assert_eq!(
        count(
            app.ok(
                &ada,
                "list_tracks",
                json!({"totals": true, "period": "last_week"})
            )
            .await
        ),
        1
    );
    assert_eq!(
        count(
            app.ok(
                &ada,
                "list_tracks",
                json!({"totals": true, "from": "2026-11-24", "to": "2026-11-25"})
            )
            .await
        ),
        1
    );
    assert_eq!(
        count(
            app.ok(
                &ada,
                "list_tracks",
                json!({"totals": true, "running": true})
            )
            .await
        ),
        0
    );

    let bad = [
        json!({"period": "today", "from": "09:00"}),
        json!({"from": "2026-11-25", "to": "2026-11-24"}),
        json!({"limit": 0}),
        json!({"limit": 201}),
        json!({"cursor": "not-a-cursor"}),
        json!({"project": "Website", "without_project": true}),
    ];
    for args in bad {
        assert_eq!(
            app.err(&ada, "list_tracks", args.clone()).await.code,
            ErrorCode::InvalidArgument,
            "{args}"
        );
    }
    assert_eq!(
        app.err(
            &ada,
            "list_tracks",
            json!({"totals": true, "project": "Nope"})
        )
        .await
        .code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn pages_walk_every_track_once_with_whole_set_totals() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    for day in 1..=7 {
        let start = format!("2026-11-{day:02} 09:00");
        app.ok(&ada, "log_track", json!({"start": start, "duration": "1h"}))
            .await;
        app.ok(
            &ada,
            "log_track",
            json!({"start": start, "duration": "30m"}),
        )
        .await; // same start: the id breaks ties
    }
    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let page = app
            .ok(
                &ada,
                "list_tracks",
                json!({"totals": true, "limit": 4, "cursor": cursor}),
            )
            .await;
        assert_eq!(page["total_count"], 14);
        assert_eq!(page["total_seconds"], 7 * 5400);
        // Without `totals` a page holds only itself.
        let bare = app
            .ok(&ada, "list_tracks", json!({"limit": 4, "cursor": cursor}))
            .await;
        assert_eq!(bare["tracks"], page["tracks"]);
        assert!(bare.get("total_count").is_none() && bare.get("total_seconds").is_none());
        seen.extend(
            page["tracks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_i64().unwrap()),
        );
        cursor = page["next_cursor"].clone();
        if cursor.is_null() {
            break;
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (14, 14));
}

#[tokio::test]
async fn update_changes_only_what_is_given() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.project(&ada, "Website", true, Some("100"), None);
    app.project(&ada, "Other", false, Some("50"), Some("GBP"));
    app.tag(&ada, "a");
    app.tag(&ada, "b");
    let id = app
        .ok(&ada, "log_track", json!({"project": "Website", "tags": ["a"], "start": "09:00", "end": "10:00", "description": "old"}))
        .await["track"]["id"]
        .clone();

    let updated = app
        .ok(
            &ada,
            "update_track",
            json!({"id": id, "description": "new", "tags": ["b", "a", "b"]}),
        )
        .await;
    let track = &updated["track"];
    assert_eq!(track["description"], "new");
    assert_eq!(track["tags"].as_array().unwrap().len(), 2);
    assert_eq!(track["project"]["name"], "Website");
    assert_eq!(track["duration_seconds"], 3600);

    let moved = app
        .ok(&ada, "update_track", json!({"id": id, "project": "Other"}))
        .await;
    assert_eq!(moved["track"]["currency"], "GBP");
    assert_eq!(moved["track"]["hourly_rate"], "50.00");
    assert_eq!(moved["track"]["billable"], false);

    let cleared = app
        .ok(
            &ada,
            "update_track",
            json!({"id": id, "clear": ["project"], "tags": []}),
        )
        .await;
    assert_eq!(cleared["track"]["project"], json!(null));
    assert_eq!(cleared["track"]["tags"], json!([]));

    let retimed = app
        .ok(&ada, "update_track", json!({"id": id, "end": "10:30"}))
        .await;
    assert_eq!(retimed["track"]["duration_seconds"], 5400);
    assert_eq!(
        app.err(&ada, "update_track", json!({"id": id, "start": "11:00"}))
            .await
            .code,
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        app.err(&ada, "update_track", json!({"id": id, "tags": ["zzz"]}))
            .await
            .code,
        ErrorCode::NotFound
    );
    // Nothing of the refused updates was written.
    let now = app.ok(&ada, "get_track", json!({"id": id})).await;
    assert_eq!(now["duration_seconds"], 5400);
    assert_eq!(now["tags"], json!([]));
}

#[tokio::test]
async fn a_running_timer_can_be_moved_but_not_ended_by_update() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let id = app.ok(&ada, "start_timer", json!({})).await["timer"]["id"].clone();
    let moved = app
        .ok(&ada, "update_track", json!({"id": id, "start": "14:00"}))
        .await;
    assert_eq!(moved["track"]["duration_seconds"], 30 * 60);
    assert_eq!(
        app.err(&ada, "update_track", json!({"id": id, "end": "14:20"}))
            .await
            .code,
        ErrorCode::InvalidArgument
    );
}

#[tokio::test]
async fn delete_with_dry_run_then_for_real() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let id = app
        .ok(&ada, "log_track", json!({"start": "09:00", "end": "10:00"}))
        .await["track"]["id"]
        .clone();
    let preview = app
        .ok(&ada, "delete_track", json!({"id": id, "dry_run": true}))
        .await;
    assert_eq!(preview["dry_run"], true);
    assert_eq!(app.ok(&ada, "get_track", json!({"id": id})).await["id"], id);
    let deleted = app.ok(&ada, "delete_track", json!({"id": id})).await;
    assert_eq!(deleted["track"]["id"], id);
    assert_eq!(
        app.err(&ada, "get_track", json!({"id": id})).await.code,
        ErrorCode::NotFound
    );
    assert_eq!(
        app.err(&ada, "delete_track", json!({"id": id})).await.code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn days_are_cut_in_the_users_zone_across_a_dst_change() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    // 2026-10-25 is 25 hours long in Berlin. 00:30 and 23:30 local are both on it.
    app.ok(
        &ada,
        "log_track",
        json!({"start": "2026-10-25 00:30", "duration": "30m"}),
    )
    .await;
    app.ok(
        &ada,
        "log_track",
        json!({"start": "2026-10-25 23:30", "duration": "20m"}),
    )
    .await;
    app.ok(
        &ada,
        "log_track",
        json!({"start": "2026-10-26 00:10", "duration": "10m"}),
    )
    .await;
    let day = app
        .ok(
            &ada,
            "list_tracks",
            json!({"totals": true, "from": "2026-10-25", "to": "2026-10-26"}),
        )
        .await;
    assert_eq!(day["total_count"], 2);
    assert_eq!(day["range"]["from"]["utc"], "2026-10-24T22:00:00Z");
    assert_eq!(day["range"]["to"]["utc"], "2026-10-25T23:00:00Z");
}

/// An invoice of `status` holding `tracks`, straight in the database (the
/// invoice tools are another area's).
fn invoice(app: &TestApp, user: &catalogue::User, tracks: &[&Value], status: &str) {
    use diesel::RunQueryDsl;
    let client = app.client(user, &format!("Client {status}"), None, None);
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

async fn log(app: &TestApp, user: &catalogue::User, args: Value) -> Value {
    app.ok(user, "log_track", args).await["track"]["id"].clone()
}

async fn track(app: &TestApp, user: &catalogue::User, id: &Value) -> Value {
    app.ok(user, "get_track", json!({"id": id})).await
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn bulk_by_ids_sets_every_field_and_details_each_change() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    app.project(&ada, "Website", true, Some("100"), None);
    app.project(&ada, "Other", false, Some("50"), Some("GBP"));
    app.tag(&ada, "a");
    app.tag(&ada, "b");
    let loose = log(
        &app,
        &ada,
        json!({"start": "08:00", "end": "09:00", "tags": ["a"], "description": "loose"}),
    )
    .await;
    let web = log(
        &app,
        &ada,
        json!({"start": "09:00", "end": "10:00", "project": "Website", "hourly_rate": "120"}),
    )
    .await;
    // Already on Other with its own rate: that rate stays.
    let other = log(&app, &ada, json!({"start": "10:00", "end": "11:00", "project": "Other", "hourly_rate": "70", "tags": ["b"]})).await;

    let out = app
        .ok(
            &ada,
            "bulk_update_tracks",
            json!({"ids": [other, loose, web, loose], "set": {
                "project": "other", "add_tags": ["b"], "remove_tags": ["A"], "description": " Cleanup "
            }}),
        )
        .await;
    assert_eq!(out["dry_run"], false);
    assert_eq!(out["matched_count"], 3, "repeated ids count once");
    assert_eq!(out["changed_count"], 3);
    assert_eq!(
        out["changed_track_ids"],
        json!([loose, web, other]),
        "earliest first"
    );
    assert_eq!(out["unchanged_track_ids"], json!([]));
    assert_eq!(out["changes_truncated"], false);
    assert_eq!(out["range"], json!(null));

    let first = &out["changes"][0];
    assert_eq!(first["id"], loose);
    assert_eq!(first["description"], "loose");
    assert_eq!(first["start"]["local"], "2026-11-25T08:00:00+01:00");
    assert_eq!(first["running"], false);
    assert_eq!(
        first["new_description"],
        json!({"from": "loose", "to": "Cleanup"})
    );
    assert_eq!(first["project"]["from"], json!(null));
    assert_eq!(first["project"]["to"]["name"], "Other");
    assert_eq!(first["tags_added"][0]["name"], "b");
    assert_eq!(first["tags_removed"][0]["name"], "a");
    assert_eq!(first["currency"], json!({"from": "EUR", "to": "GBP"}));
    assert_eq!(first["hourly_rate"], json!({"from": null, "to": "50.00"}));
    assert!(
        first.get("billable").is_none(),
        "only what changes is listed"
    );

    let second = &out["changes"][1];
    assert_eq!(second["billable"], json!({"from": true, "to": false}));
    assert_eq!(
        second["hourly_rate"],
        json!({"from": "120.00", "to": "50.00"}),
        "a new project drops the old rate override"
    );
    assert!(second.get("tags_removed").is_none());

    let third = &out["changes"][2];
    assert!(third.get("project").is_none());
    assert!(third.get("hourly_rate").is_none());
    assert!(third.get("tags_added").is_none(), "b was already there");
    assert_eq!(third["new_description"]["to"], "Cleanup");

    for id in [&loose, &web] {
        let t = track(&app, &ada, id).await;
        assert_eq!(t["project"]["name"], "Other");
        assert_eq!(t["currency"], "GBP");
        assert_eq!(t["hourly_rate"], "50.00");
        assert_eq!(t["billable"], false);
        assert_eq!(t["description"], "Cleanup");
        assert_eq!(t["tags"], json!([{"id": t["tags"][0]["id"], "name": "b"}]));
        assert_eq!(t["duration_seconds"], 3600, "times never change");
    }
    let kept = track(&app, &ada, &other).await;
    assert_eq!(kept["hourly_rate"], "70.00");
    assert_eq!(kept["tags"].as_array().unwrap().len(), 1);

    // Removing the project; a tag the track lacks is ignored.
    let cleared = app
        .ok(
            &ada,
            "bulk_update_tracks",
            json!({"ids": [loose], "set": {"clear": ["project"], "remove_tags": ["a"]}}),
        )
        .await;
    assert_eq!(cleared["changed_count"], 1);
    let t = track(&app, &ada, &loose).await;
    assert_eq!(t["project"], json!(null));
    assert_eq!(t["currency"], "EUR", "back to the user's default");
    assert_eq!(t["hourly_rate"], json!(null));
}

#[tokio::test]
async fn bulk_dry_run_previews_exactly_what_the_real_call_does() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    seed_week(&app, &ada).await;
    let args = json!({"filter": {"period": "this_week"}, "set": {"project": "Website", "add_tags": ["meeting"]}});
    let mut preview_args = args.clone();
    preview_args["dry_run"] = json!(true);
    let before = app.ok(&ada, "list_tracks", json!({"totals": true})).await;
    let mut preview = app.ok(&ada, "bulk_update_tracks", preview_args).await;
    assert_eq!(preview["dry_run"], true);
    assert_eq!(preview["changed_count"], 2);
    assert_eq!(
        app.ok(&ada, "list_tracks", json!({"totals": true})).await,
        before,
        "a dry run writes nothing"
    );
    let done = app.ok(&ada, "bulk_update_tracks", args.clone()).await;
    preview["dry_run"] = json!(false);
    assert_eq!(preview, done, "the preview is exactly what happened");
    assert_ne!(
        app.ok(&ada, "list_tracks", json!({"totals": true})).await,
        before
    );
    // Done again, nothing is left to change.
    let again = app.ok(&ada, "bulk_update_tracks", args).await;
    assert_eq!(again["changed_count"], 0);
    assert_eq!(again["unchanged_track_ids"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn bulk_by_filter_selects_like_list_tracks_and_echoes_the_range() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    let seeded = seed_week(&app, &ada).await;
    app.project(&ada, "Admin", false, None, None);
    let out = app
        .ok(
            &ada,
            "bulk_update_tracks",
            json!({"filter": {"period": "this_week", "without_project": true}, "set": {"project": "Admin"}}),
        )
        .await;
    assert_eq!(out["changed_track_ids"], json!([seeded[1]]), "only Standup");
    assert_eq!(out["range"]["period"], "this_week");
    assert_eq!(out["range"]["from"]["local"], "2026-11-23T00:00:00+01:00");
    assert_eq!(out["range"]["to"]["local"], "2026-11-30T00:00:00+01:00");

    let count = |v: &Value| v["matched_count"].as_i64().unwrap();
    let set = json!({"description": "x"});
    let dry = |filter: Value| json!({"filter": filter, "set": set, "dry_run": true});
    for (filter, matched) in [
        (json!({"tag": "Meeting"}), 2),
        (json!({"search": "call"}), 1),
        (json!({"billable": false}), 1),
        (json!({"project": "Website"}), 3),
        (json!({"from": "2026-11-24", "to": "2026-11-25"}), 1),
        (json!({"period": "last_week"}), 1),
        (json!({"search": "%"}), 0),
    ] {
        let out = app
            .ok(&ada, "bulk_update_tracks", dry(filter.clone()))
            .await;
        assert_eq!(count(&out), matched, "{filter}");
    }

    // Running timers are included unless the filter says `running: false`.
    let timer = app
        .ok(&ada, "start_timer", json!({"description": "Timer"}))
        .await["timer"]["id"]
        .clone();
    let all = app
        .ok(&ada, "bulk_update_tracks", dry(json!({"period": "today"})))
        .await;
    assert_eq!(count(&all), 2);
    let timer_change = all["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == timer)
        .unwrap();
    assert_eq!(timer_change["running"], true);
    let stopped = app
        .ok(
            &ada,
            "bulk_update_tracks",
            dry(json!({"period": "today", "running": false})),
        )
        .await;
    assert_eq!(count(&stopped), 1);
    assert!(!ids(&stopped["changed_track_ids"]).contains(&timer.as_i64().unwrap()));
}

#[tokio::test]
async fn bulk_billable_and_rate_rebill_like_update_track() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.project(&ada, "Website", true, Some("100"), Some("USD"));
    let a = log(
        &app,
        &ada,
        json!({"start": "09:00", "end": "10:30", "project": "Website"}),
    )
    .await;
    let b = log(&app, &ada, json!({"start": "11:00", "end": "12:00"})).await;

    let rated = app
        .ok(
            &ada,
            "bulk_update_tracks",
            json!({"ids": [a, b], "set": {"hourly_rate": "80"}}),
        )
        .await;
    assert_eq!(rated["changed_count"], 2);
    let ta = track(&app, &ada, &a).await;
    assert_eq!(
        (ta["hourly_rate"].clone(), ta["amount"].clone()),
        (json!("80.00"), json!("120.00"))
    );
    assert_eq!(
        ta["currency"], "USD",
        "the rate is in each track's currency"
    );
    let tb = track(&app, &ada, &b).await;
    assert_eq!(tb["hourly_rate"], "80.00");
    assert_eq!(tb["currency"], "EUR");
    assert_eq!(tb["billable"], false, "a rate alone keeps the flag");

    app.ok(
        &ada,
        "bulk_update_tracks",
        json!({"ids": [a, b], "set": {"billable": true, "clear": ["hourly_rate"]}}),
    )
    .await;
    let ta = track(&app, &ada, &a).await;
    assert_eq!(ta["hourly_rate"], "100.00", "back to the project's rate");
    let tb = track(&app, &ada, &b).await;
    assert_eq!(tb["billable"], true);
    assert_eq!(tb["hourly_rate"], json!(null), "no user default rate");

    let off = app
        .ok(
            &ada,
            "bulk_update_tracks",
            json!({"ids": [a], "set": {"billable": false}}),
        )
        .await;
    assert_eq!(
        off["changes"][0]["billable"],
        json!({"from": true, "to": false})
    );
    assert!(off["changes"][0].get("hourly_rate").is_none());
    assert_eq!(track(&app, &ada, &a).await["amount"], json!(null));
}

#[tokio::test]
async fn bulk_refuses_invoiced_tracks_unless_told_to_skip_them() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let billed = log(&app, &ada, json!({"start": "08:00", "end": "09:00"})).await;
    let free = log(&app, &ada, json!({"start": "09:00", "end": "10:00"})).await;
    let voided = log(&app, &ada, json!({"start": "10:00", "end": "11:00"})).await;
    invoice(&app, &ada, &[&billed], "sent");
    invoice(&app, &ada, &[&voided], "void");
    let before = app.ok(&ada, "list_tracks", json!({"totals": true})).await;
    let all = json!([billed, free, voided]);

    for dry_run in [true, false] {
        let err = app
            .err(
                &ada,
                "bulk_update_tracks",
                json!({"ids": all, "set": {"description": "x"}, "dry_run": dry_run}),
            )
            .await;
        assert_eq!(err.code, ErrorCode::TrackInvoiced, "dry_run {dry_run}");
        assert_eq!(err.details["track_ids"], json!([billed]));
        assert_eq!(err.details["invoice_ids"].as_array().unwrap().len(), 1);
        assert!(err.hint.unwrap().contains("skip_invoiced"));
    }
    assert_eq!(
        app.ok(&ada, "list_tracks", json!({"totals": true})).await,
        before,
        "all or nothing: the free tracks did not change either"
    );

    // An invoiced track that would not change does not block the call.
    let noop = app
        .ok(
            &ada,
            "bulk_update_tracks",
            json!({"ids": all, "set": {"billable": false}}),
        )
        .await;
    assert_eq!(noop["changed_count"], 0);

    let skipped = app
        .ok(
            &ada,
            "bulk_update_tracks",
            json!({"ids": all, "set": {"description": "x"}, "skip_invoiced": true}),
        )
        .await;
    assert_eq!(skipped["skipped_invoiced_track_ids"], json!([billed]));
    assert_eq!(
        skipped["changed_track_ids"],
        json!([free, voided]),
        "a void invoice holds nothing"
    );
    assert_eq!(track(&app, &ada, &billed).await["description"], "");
    assert_eq!(track(&app, &ada, &voided).await["description"], "x");
}

#[tokio::test]
async fn bulk_bad_input_is_refused_and_writes_nothing() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    // "1" names one project and is the id of the other.
    app.project(&ada, "First", false, None, None);
    app.project(&ada, "1", false, None, None);
    app.tag(&ada, "a");
    let id = log(&app, &ada, json!({"start": "09:00", "end": "10:00"})).await;
    let before = app.ok(&ada, "list_tracks", json!({"totals": true})).await;
    let set = json!({"description": "changed"});
    let invalid = [
        json!({"set": set}),
        json!({"ids": [id], "filter": {"period": "today"}, "set": set}),
        json!({"ids": [], "set": set}),
        json!({"ids": [id], "set": {}}),
        json!({"ids": [id], "set": {"add_tags": [], "remove_tags": []}}),
        json!({"filter": {}, "set": set}),
        json!({"filter": {"search": "  "}, "set": set}),
        json!({"filter": {"period": "today", "from": "09:00"}, "set": set}),
        json!({"filter": {"from": "2026-11-25", "to": "2026-11-24"}, "set": set}),
        json!({"filter": {"project": "First", "without_project": true}, "set": set}),
        json!({"ids": [id], "set": {"hourly_rate": "lots"}}),
        json!({"ids": [id], "set": {"hourly_rate": "-5"}}),
        json!({"ids": [id], "set": {"add_tags": ["a"], "remove_tags": ["A"]}}),
        json!({"ids": (1..=50_001).collect::<Vec<_>>(), "set": set}),
    ];
    for args in invalid {
        assert_eq!(
            app.err(&ada, "bulk_update_tracks", args.clone()).await.code,
            ErrorCode::InvalidArgument,
            "{args}"
        );
    }
    let ambiguous = app
        .err(
            &ada,
            "bulk_update_tracks",
            json!({"ids": [id], "set": {"project": "1"}}),
        )
        .await;
    assert_eq!(ambiguous.code, ErrorCode::Ambiguous);
    assert_eq!(ambiguous.details["candidates"].as_array().unwrap().len(), 2);
    for args in [
        json!({"ids": [id], "set": {"project": "Nope"}}),
        json!({"ids": [id], "set": {"add_tags": ["nope"]}}),
        json!({"ids": [id], "set": {"remove_tags": [999]}}),
        json!({"filter": {"tag": "nope"}, "set": set}),
    ] {
        assert_eq!(
            app.err(&ada, "bulk_update_tracks", args.clone()).await.code,
            ErrorCode::NotFound,
            "{args}"
        );
    }
    let missing = app
        .err(
            &ada,
            "bulk_update_tracks",
            json!({"ids": [id, 998, 999], "set": set}),
        )
        .await;
    assert_eq!(missing.code, ErrorCode::NotFound);
    assert_eq!(missing.details["track_ids"], json!([998, 999]));
    for args in [
        json!({"ids": [id], "set": set, "colour": "red"}),
        json!({"ids": [id], "set": {"start": "08:00"}}),
        json!({"ids": [id]}),
    ] {
        assert!(
            matches!(
                app.call(&ada, "bulk_update_tracks", args.clone()).await,
                Err(catalogue::CallError::InvalidParams(_))
            ),
            "{args}"
        );
    }
    assert_eq!(
        app.ok(&ada, "list_tracks", json!({"totals": true})).await,
        before
    );
}

#[tokio::test]
async fn bulk_selects_at_most_50_000_tracks() {
    use diesel::RunQueryDsl;
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let insert = |from: i64, to: i64| {
        // One track an hour from 2026-01-01 on, straight in the database.
        diesel::sql_query(format!(
            "WITH RECURSIVE n(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM n WHERE i < {to}) \
             INSERT INTO tracks (user_id, description, started_at, ended_at, billable, currency, created_at, updated_at) \
             SELECT {}, 'bulk', 1767225600 + i * 3600, 1767225600 + i * 3600 + 1800, FALSE, 'EUR', 0, 0 FROM n",
            ada.id
        ))
        .execute(&mut *app.db.conn().unwrap())
        .unwrap();
    };
    insert(1, 50_000);
    let args = json!({"filter": {"search": "bulk"}, "set": {"billable": true}, "dry_run": true});
    let out = app.ok(&ada, "bulk_update_tracks", args.clone()).await;
    assert_eq!(out["matched_count"], 50_000);
    assert_eq!(out["changed_track_ids"].as_array().unwrap().len(), 50_000);
    assert_eq!(out["changes"].as_array().unwrap().len(), 100);
    assert_eq!(out["changes_truncated"], true);

    insert(50_001, 50_001);
    let err = app.err(&ada, "bulk_update_tracks", args).await;
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert_eq!(err.details["matched"], 50_001);
    assert_eq!(err.details["limit"], 50_000);
    let real = json!({"filter": {"search": "bulk"}, "set": {"billable": true}});
    app.err(&ada, "bulk_update_tracks", real).await;
    assert_eq!(
        app.ok(
            &ada,
            "list_tracks",
            json!({"totals": true, "billable": true})
        )
        .await["total_count"],
        0
    );
}

#[tokio::test]
async fn bulk_by_filter_reaches_only_the_callers_tracks() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let bob = app.user("bob@example.com");
    let adas = log(
        &app,
        &ada,
        json!({"start": "09:00", "end": "10:00", "description": "shared words"}),
    )
    .await;
    let bobs = log(
        &app,
        &bob,
        json!({"start": "09:00", "end": "10:00", "description": "shared words"}),
    )
    .await;
    let out = app
        .ok(
            &bob,
            "bulk_update_tracks",
            json!({"filter": {"search": "shared"}, "set": {"description": "bob was here"}}),
        )
        .await;
    assert_eq!(out["changed_track_ids"], json!([bobs]));
    assert_eq!(
        track(&app, &ada, &adas).await["description"],
        "shared words"
    );
}
