//! Timers through the registry: start, stop, list, switch, continue.

use catalogue::ErrorCode;
use catalogue::testing::TestApp;
use serde_json::json;

#[tokio::test]
async fn start_and_stop_a_timer_with_project_tags_and_rate() {
    let mut app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    app.project(&ada, "Website", true, Some("100"), Some("EUR"));
    app.tag(&ada, "design");

    let started = app
        .ok(
            &ada,
            "start_timer",
            json!({"description": "Hero section", "project": "website", "tags": ["Design"]}),
        )
        .await;
    let timer = &started["timer"];
    assert_eq!(timer["running"], true);
    assert_eq!(timer["end"], json!(null));
    assert_eq!(timer["project"]["name"], "Website");
    assert_eq!(timer["tags"][0]["name"], "design");
    assert_eq!(timer["billable"], true);
    assert_eq!(timer["hourly_rate"], "100.00");
    assert_eq!(timer["start"]["local"], "2026-11-25T15:30:00+01:00");
    assert_eq!(timer["start"]["utc"], "2026-11-25T14:30:00Z");
    assert_eq!(started["stopped"], json!([]));
    assert_eq!(started["replayed"], false);

    app.advance(5400);
    let listed = app.ok(&ada, "list_active_timers", json!({})).await;
    assert_eq!(listed["timers"][0]["duration_seconds"], 5400);
    assert_eq!(listed["max_active_timers"], 1);

    let stopped = app.ok(&ada, "stop_timer", json!({})).await;
    let track = &stopped["track"];
    assert_eq!(track["running"], false);
    assert_eq!(track["duration"], "1:30:00");
    assert_eq!(track["amount"], "150.00");
    assert_eq!(track["end"]["local"], "2026-11-25T17:00:00+01:00");
    assert_eq!(
        app.ok(&ada, "list_active_timers", json!({})).await["timers"],
        json!([])
    );
}

#[tokio::test]
async fn at_the_limit_the_oldest_timer_is_stopped_unless_told_to_error() {
    let mut app = TestApp::new();
    let ada = app.user("ada@example.com");
    let first = app
        .ok(&ada, "start_timer", json!({"description": "first"}))
        .await["timer"]["id"]
        .clone();
    app.advance(600);

    let refused = app
        .err(
            &ada,
            "start_timer",
            json!({"description": "second", "if_running": "error"}),
        )
        .await;
    assert_eq!(refused.code, ErrorCode::TimerRunning);
    assert_eq!(refused.details["running_track_ids"], json!([first]));

    let second = app
        .ok(&ada, "start_timer", json!({"description": "second"}))
        .await;
    assert_eq!(second["stopped"][0]["id"], first);
    assert_eq!(second["stopped"][0]["duration_seconds"], 600);
    assert_eq!(second["stopped"][0]["end"], second["timer"]["start"]);
    let running = app.ok(&ada, "list_active_timers", json!({})).await;
    assert_eq!(running["timers"].as_array().unwrap().len(), 1);
    assert_eq!(running["timers"][0]["description"], "second");
}

#[tokio::test]
async fn several_timers_may_run_when_the_setting_allows() {
    let mut app = TestApp::new();
    let ada = app.user("ada@example.com");
    catalogue::db::settings::set_max_active_timers(&mut app.db.conn().unwrap(), ada.id, 2).unwrap();
    let a = app
        .ok(&ada, "start_timer", json!({"description": "a"}))
        .await["timer"]["id"]
        .clone();
    app.advance(60);
    let b = app
        .ok(&ada, "start_timer", json!({"description": "b"}))
        .await;
    assert_eq!(b["stopped"], json!([]));
    // Parallel timers are intended: not reported as overlaps.
    assert_eq!(b["overlapping_track_ids"], json!([]));

    let ambiguous = app.err(&ada, "stop_timer", json!({})).await;
    assert_eq!(ambiguous.code, ErrorCode::Ambiguous);
    assert_eq!(ambiguous.details["candidates"].as_array().unwrap().len(), 2);

    app.advance(60);
    let c = app
        .ok(&ada, "start_timer", json!({"description": "c"}))
        .await;
    assert_eq!(c["stopped"][0]["id"], a, "the oldest is stopped");
    let stopped = app
        .ok(&ada, "stop_timer", json!({"id": b["timer"]["id"]}))
        .await;
    assert_eq!(stopped["track"]["description"], "b");
}

#[tokio::test]
async fn stop_with_nothing_running_and_unknown_ids() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    assert_eq!(
        app.err(&ada, "stop_timer", json!({})).await.code,
        ErrorCode::NoTimerRunning
    );
    app.ok(&ada, "start_timer", json!({})).await;
    assert_eq!(
        app.err(&ada, "stop_timer", json!({"id": 999})).await.code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn a_forgotten_timer_needs_confirmation_or_a_real_end() {
    let mut app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    app.ok(&ada, "start_timer", json!({"description": "forgot"}))
        .await;
    app.advance(30 * 3600);
    let refused = app.err(&ada, "stop_timer", json!({})).await;
    assert_eq!(refused.code, ErrorCode::InvalidArgument);
    assert_eq!(refused.details["needs_confirm"], true);
    assert_eq!(
        app.ok(&ada, "list_active_timers", json!({})).await["timers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Starting another would stop it at 30 h: refused the same way.
    let refused = app
        .err(&ada, "start_timer", json!({"description": "next"}))
        .await;
    assert_eq!(refused.details["needs_confirm"], true);

    // The real end, given explicitly, is accepted.
    let stopped = app
        .ok(&ada, "stop_timer", json!({"end": "2026-11-25 18:00"}))
        .await;
    assert_eq!(stopped["track"]["duration_seconds"], 2 * 3600 + 1800);
}

#[tokio::test]
async fn confirm_keeps_a_long_timer() {
    let mut app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.ok(&ada, "start_timer", json!({})).await;
    app.advance(25 * 3600);
    let stopped = app.ok(&ada, "stop_timer", json!({"confirm": true})).await;
    assert_eq!(stopped["track"]["duration_seconds"], 25 * 3600);
}

#[tokio::test]
async fn starts_in_the_future_are_refused_beyond_a_minute_of_skew() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let err = app
        .err(
            &ada,
            "start_timer",
            json!({"start": "2026-11-25T14:35:00Z"}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert!(err.message.contains("future"));
    app.ok(
        &ada,
        "start_timer",
        json!({"start": "2026-11-25T14:30:45Z"}),
    )
    .await;
}

#[tokio::test]
async fn bad_input_gets_a_specific_error_and_writes_nothing() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let cases = [
        (json!({"project": "nope"}), ErrorCode::NotFound),
        (json!({"tags": ["missing"]}), ErrorCode::NotFound),
        (
            json!({"start": "half past nine"}),
            ErrorCode::InvalidArgument,
        ),
        (json!({"hourly_rate": "-5"}), ErrorCode::InvalidArgument),
        (json!({"hourly_rate": "lots"}), ErrorCode::InvalidArgument),
    ];
    for (args, code) in cases {
        assert_eq!(
            app.err(&ada, "start_timer", args.clone()).await.code,
            code,
            "{args}"
        );
    }
    // Arguments that do not match the schema are a protocol fault, not a tool error.
    for args in [
        json!({"if_running": "maybe"}),
        json!({"projct": "typo"}),
        json!({"tags": "one"}),
        json!([]),
    ] {
        let result = app.call(&ada, "start_timer", args.clone()).await;
        assert!(
            matches!(result, Err(catalogue::CallError::InvalidParams(_))),
            "{args}: {result:?}"
        );
    }
    assert_eq!(
        app.ok(&ada, "list_active_timers", json!({})).await["timers"],
        json!([])
    );
    assert_eq!(
        app.ok(&ada, "list_tracks", json!({"totals": true})).await["total_count"],
        0
    );
}

#[tokio::test]
async fn an_ambiguous_project_name_lists_the_candidates() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    // SQLite's lower() folds ASCII only, so both names can exist; matching
    // is Unicode-aware and finds two.
    app.project(&ada, "Äpfel", false, None, None);
    app.project(&ada, "äpfel", false, None, None);
    let err = app
        .err(&ada, "start_timer", json!({"project": "ÄPFEL"}))
        .await;
    assert_eq!(err.code, ErrorCode::Ambiguous);
    assert_eq!(err.details["candidates"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn switch_stops_and_starts_at_the_same_instant() {
    let mut app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.project(&ada, "API", true, Some("80"), Some("USD"));
    let first = app
        .ok(&ada, "start_timer", json!({"description": "email"}))
        .await["timer"]["id"]
        .clone();
    app.advance(900);
    let switched = app
        .ok(
            &ada,
            "switch_timer",
            json!({"description": "endpoint", "project": "api"}),
        )
        .await;
    assert_eq!(switched["stopped"][0]["id"], first);
    assert_eq!(switched["stopped"][0]["end"], switched["timer"]["start"]);
    assert_eq!(switched["timer"]["currency"], "USD");

    // A failed switch changes nothing.
    app.advance(60);
    let err = app
        .err(&ada, "switch_timer", json!({"project": "missing"}))
        .await;
    assert_eq!(err.code, ErrorCode::NotFound);
    let running = app.ok(&ada, "list_active_timers", json!({})).await;
    assert_eq!(running["timers"][0]["id"], switched["timer"]["id"]);
    assert_eq!(running["timers"][0]["running"], true);

    // With nothing running, switch just starts.
    app.ok(&ada, "stop_timer", json!({})).await;
    let started = app
        .ok(&ada, "switch_timer", json!({"description": "fresh"}))
        .await;
    assert_eq!(started["stopped"], json!([]));
}

#[tokio::test]
async fn continue_copies_a_past_track_into_a_new_timer() {
    let mut app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.project(&ada, "Website", true, Some("100"), None);
    app.tag(&ada, "client");
    let logged = app
        .ok(
            &ada,
            "log_track",
            json!({"description": "Review", "project": "Website", "tags": ["client"], "start": "09:00", "end": "10:00", "hourly_rate": "120"}),
        )
        .await;
    app.advance(60);
    let continued = app
        .ok(&ada, "continue_track", json!({"id": logged["track"]["id"]}))
        .await;
    let timer = &continued["timer"];
    assert_eq!(timer["description"], "Review");
    assert_eq!(timer["project"]["name"], "Website");
    assert_eq!(timer["tags"][0]["name"], "client");
    assert_eq!(timer["hourly_rate"], "120.00");
    assert_eq!(timer["running"], true);
    assert_ne!(timer["id"], logged["track"]["id"]);
    assert_eq!(
        app.err(&ada, "continue_track", json!({"id": 4242}))
            .await
            .code,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn an_idempotency_key_starts_one_timer_however_often_it_is_sent() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let first = app
        .ok(&ada, "start_timer", json!({"idempotency_key": "k1"}))
        .await;
    let again = app
        .ok(&ada, "start_timer", json!({"idempotency_key": "k1"}))
        .await;
    assert_eq!(again["replayed"], true);
    assert_eq!(again["timer"]["id"], first["timer"]["id"]);
    assert_eq!(
        app.ok(&ada, "list_tracks", json!({"totals": true})).await["total_count"],
        1
    );
}

#[tokio::test]
async fn a_start_in_the_past_reports_overlaps_with_stopped_tracks() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let logged = app
        .ok(&ada, "log_track", json!({"start": "12:00", "end": "13:00"}))
        .await;
    let started = app.ok(&ada, "start_timer", json!({"start": "12:30"})).await;
    assert_eq!(
        started["overlapping_track_ids"],
        json!([logged["track"]["id"]])
    );

    catalogue::db::settings::set_overlap_policy(
        &mut app.db.conn().unwrap(),
        ada.id,
        catalogue::settings::OverlapPolicy::Reject,
    )
    .unwrap();
    let err = app
        .err(
            &ada,
            "start_timer",
            json!({"start": "12:45", "if_running": "stop_oldest"}),
        )
        .await;
    assert_eq!(err.code, ErrorCode::Overlap);
}

/// Issue 10 item 7: a stop in the second the timer started stops it (the
/// timer is discarded, and the result says so) instead of refusing and
/// leaving it running.
#[tokio::test]
async fn a_timer_stopped_in_the_second_it_started_is_discarded_not_left_running() {
    let mut app = TestApp::new();
    let ada = app.user("ada@example.com");
    let id = app
        .ok(&ada, "start_timer", json!({"description": "oops"}))
        .await["timer"]["id"]
        .clone();
    let stopped = app.ok(&ada, "stop_timer", json!({})).await;
    assert_eq!(stopped["discarded"], true);
    assert_eq!(stopped["track"]["id"], id);
    assert_eq!(stopped["track"]["description"], "oops");
    assert_eq!(
        app.ok(&ada, "list_active_timers", json!({})).await["timers"],
        json!([]),
        "the timer no longer runs"
    );
    assert_eq!(
        app.err(&ada, "get_track", json!({"id": id})).await.code,
        ErrorCode::NotFound,
        "no 0 s track is kept"
    );
    assert_eq!(
        app.err(&ada, "stop_timer", json!({})).await.code,
        ErrorCode::NoTimerRunning
    );

    // A normal stop is not discarded.
    app.ok(&ada, "start_timer", json!({"description": "real"}))
        .await;
    app.advance(60);
    let stopped = app.ok(&ada, "stop_timer", json!({})).await;
    assert_eq!(stopped["discarded"], false);
    assert_eq!(stopped["track"]["duration_seconds"], 60);

    // An explicit end at or before the start is still the user's mistake:
    // refused, and the timer keeps running.
    app.ok(&ada, "start_timer", json!({"description": "later"}))
        .await;
    let err = app
        .err(&ada, "stop_timer", json!({"end": "2020-01-01 10:00"}))
        .await;
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    assert_eq!(
        app.ok(&ada, "list_active_timers", json!({})).await["timers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// A switch in the second the running timer started discards that timer and
/// starts the new one, instead of failing and leaving the wrong timer running.
#[tokio::test]
async fn a_switch_in_the_second_the_timer_started_discards_it_and_starts_the_new_one() {
    let mut app = TestApp::new();
    let ada = app.user("ada@example.com");
    let first = app
        .ok(&ada, "start_timer", json!({"description": "wrong one"}))
        .await["timer"]["id"]
        .clone();
    let switched = app
        .ok(&ada, "switch_timer", json!({"description": "right one"}))
        .await;
    assert_eq!(switched["timer"]["description"], "right one");
    assert_eq!(switched["timer"]["running"], true);
    assert_eq!(switched["stopped"], json!([]));
    assert_eq!(switched["discarded"][0]["id"], first);
    let running = app.ok(&ada, "list_active_timers", json!({})).await["timers"].clone();
    assert_eq!(running.as_array().unwrap().len(), 1);
    assert_eq!(running[0]["description"], "right one");
    assert_eq!(
        app.err(&ada, "get_track", json!({"id": first})).await.code,
        ErrorCode::NotFound
    );

    // A later switch stops as before, and discards nothing.
    app.advance(120);
    let again = app
        .ok(&ada, "switch_timer", json!({"description": "third"}))
        .await;
    assert_eq!(again["stopped"][0]["description"], "right one");
    assert_eq!(again["stopped"][0]["duration_seconds"], 120);
    assert_eq!(again["discarded"], json!([]));
}
