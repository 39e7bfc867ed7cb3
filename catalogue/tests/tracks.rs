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
        app.ok(&ada, "list_tracks", json!({})).await["total_count"],
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
    use catalogue::db::settings::{OverlapPolicy, set_overlap_policy};
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
        app.ok(&ada, "list_tracks", json!({})).await["total_count"],
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
        .ok(&ada, "list_tracks", json!({"period": "this_week"}))
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
            app.ok(&ada, "list_tracks", json!({"project": "website"}))
                .await
        ),
        3
    );
    assert_eq!(
        count(
            app.ok(&ada, "list_tracks", json!({"without_project": true}))
                .await
        ),
        1
    );
    assert_eq!(
        count(app.ok(&ada, "list_tracks", json!({"tag": "Meeting"})).await),
        2
    );
    assert_eq!(
        count(app.ok(&ada, "list_tracks", json!({"search": "CALL"})).await),
        1
    );
    assert_eq!(
        count(app.ok(&ada, "list_tracks", json!({"search": "%"})).await),
        0,
        "wildcards are literal"
    );
    assert_eq!(
        count(app.ok(&ada, "list_tracks", json!({"billable": true})).await),
        3
    );
    assert_eq!(
        count(
            app.ok(&ada, "list_tracks", json!({"period": "last_week"}))
                .await
        ),
        1
    );
    assert_eq!(
        count(
            app.ok(
                &ada,
                "list_tracks",
                json!({"from": "2026-11-24", "to": "2026-11-25"})
            )
            .await
        ),
        1
    );
    assert_eq!(
        count(app.ok(&ada, "list_tracks", json!({"running": true})).await),
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
        app.err(&ada, "list_tracks", json!({"project": "Nope"}))
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
            .ok(&ada, "list_tracks", json!({"limit": 4, "cursor": cursor}))
            .await;
        assert_eq!(page["total_count"], 14);
        assert_eq!(page["total_seconds"], 7 * 5400);
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
            json!({"id": id, "project": null, "tags": []}),
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
            json!({"from": "2026-10-25", "to": "2026-10-26"}),
        )
        .await;
    assert_eq!(day["total_count"], 2);
    assert_eq!(day["range"]["from"]["utc"], "2026-10-24T22:00:00Z");
    assert_eq!(day["range"]["to"]["utc"], "2026-10-25T23:00:00Z");
}
