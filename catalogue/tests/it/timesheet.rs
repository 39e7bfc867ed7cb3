//! review_timesheet through the registry: a day or a week, its totals and
//! what needs a look (gaps, overlaps, long or running tracks, no project).

use catalogue::testing::TestApp;
use catalogue::{ErrorCode, User};
use serde_json::{Value, json};

async fn log(app: &TestApp, user: &User, start: &str, end: &str, project: Value) -> Value {
    app.ok(
        user,
        "log_track",
        json!({"start": start, "end": end, "project": project, "description": format!("from {start}"), "confirm": true}),
    )
    .await["track"]["id"]
        .clone()
}

fn berlin(app: &TestApp) -> User {
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    app.project(&ada, "Website", true, Some("100"), None);
    ada
}

fn item_ids(findings: &Value) -> Vec<Value> {
    findings["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect()
}

#[tokio::test]
async fn a_day_with_gaps_overlaps_and_tracks_without_project() {
    let app = TestApp::new();
    let ada = berlin(&app);
    let web = json!("Website");
    let a = log(&app, &ada, "08:00", "09:00", web.clone()).await;
    log(&app, &ada, "09:10", "10:00", web.clone()).await; // a 10-minute break
    let loose = log(&app, &ada, "10:30", "12:00", json!(null)).await; // exactly 30 minutes later
    let late = log(&app, &ada, "11:30", "12:30", web.clone()).await; // overlaps 30 minutes
    let after = log(&app, &ada, "13:15", "13:30", web.clone()).await; // 45 minutes after 12:30
    let timer = app.ok(&ada, "start_timer", json!({"start": "15:00"})).await["timer"]["id"].clone(); // 1h45m after 13:30, running for 30 minutes

    let day = app.ok(&ada, "review_timesheet", json!({})).await;
    assert_eq!(day["range"]["period"], "today", "nothing given means today");
    assert_eq!(day["range"]["from"]["local"], "2026-11-25T00:00:00+01:00");
    assert_eq!(day["range"]["to"]["local"], "2026-11-26T00:00:00+01:00");
    assert_eq!(day["track_count"], 6);
    let total = 3600 + 3000 + 5400 + 3600 + 900 + 1800;
    assert_eq!(day["total_seconds"], total);
    assert_eq!(day["non_billable_seconds"], 5400 + 1800);
    assert_eq!(day["billable_seconds"], total - 5400 - 1800);
    assert_eq!(day["billable_duration"], "3:05:00");
    let days = day["days"].as_array().unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(days[0]["date"], "2026-11-25");
    assert_eq!(days[0]["weekday"], "Wednesday");
    assert_eq!(days[0]["total_seconds"], total);
    assert_eq!(days[0]["first_start"]["local"], "2026-11-25T08:00:00+01:00");
    assert_eq!(days[0]["last_end"], json!(null), "a timer is still running");

    // Gaps are strictly longer than 15 minutes, measured from where the
    // tracks so far reach (12:30, not 12:00): 10:00 → 10:30, 12:30 → 13:15
    // and 13:30 → 15:00 (the timer's start).
    assert_eq!(day["gaps"]["count"], 3);
    assert_eq!(day["gaps"]["total_seconds"], 1800 + 2700 + 5400);
    let gaps = day["gaps"]["items"].as_array().unwrap();
    assert_eq!(gaps[0]["from"]["local"], "2026-11-25T10:00:00+01:00");
    assert_eq!(gaps[0]["seconds"], 1800);
    assert_eq!(gaps[1]["from"]["local"], "2026-11-25T12:30:00+01:00");
    assert_eq!(gaps[1]["to"]["local"], "2026-11-25T13:15:00+01:00");
    assert_eq!(gaps[1]["duration"], "0:45:00");
    assert_eq!(gaps[1]["after"]["id"], late);
    assert_eq!(gaps[1]["before"]["id"], after);
    assert_eq!(gaps[1]["date"], "2026-11-25");
    let fewer = app
        .ok(
            &ada,
            "review_timesheet",
            json!({"date": "today", "min_gap": "30m"}),
        )
        .await;
    assert_eq!(
        fewer["gaps"]["count"], 2,
        "exactly 30 minutes is not longer than 30"
    );
    assert_eq!(fewer["thresholds"]["min_gap_seconds"], 1800);
    let more = app
        .ok(
            &ada,
            "review_timesheet",
            json!({"date": "2026-11-25", "min_gap": 300}),
        )
        .await;
    assert_eq!(more["gaps"]["count"], 4);
    assert_eq!(
        more["range"].get("period"),
        None,
        "a date is not a named period"
    );

    assert_eq!(day["overlaps"]["count"], 1);
    let overlap = &day["overlaps"]["items"][0];
    assert_eq!(overlap["first"]["id"], loose);
    assert_eq!(overlap["second"]["id"], late);
    assert_eq!(overlap["first"]["description"], "from 10:30");
    assert_eq!(overlap["from"]["local"], "2026-11-25T11:30:00+01:00");
    assert_eq!(overlap["to"]["local"], "2026-11-25T12:00:00+01:00");
    assert_eq!(overlap["seconds"], 1800);

    assert_eq!(
        item_ids(&day["without_project"]),
        [loose.clone(), timer.clone()]
    );
    assert_eq!(day["without_project"]["total_seconds"], 5400 + 1800);
    assert_eq!(item_ids(&day["running_timers"]), vec![timer.clone()]);
    assert_eq!(day["running_timers"]["items"][0]["running"], true);
    assert_eq!(day["long_tracks"]["count"], 0);
    assert_eq!(day["thresholds"]["long_track_seconds"], 8 * 3600);
    let _ = a;
}

#[tokio::test]
async fn long_tracks_follow_the_threshold_and_running_timers_count_up_to_now() {
    let app = TestApp::new();
    let ada = berlin(&app);
    let long = log(
        &app,
        &ada,
        "yesterday",
        "2026-11-24 09:00",
        json!("Website"),
    )
    .await; // 9 h
    let short = log(
        &app,
        &ada,
        "2026-11-24 10:00",
        "2026-11-24 11:30",
        json!(null),
    )
    .await;
    let yesterday = app
        .ok(&ada, "review_timesheet", json!({"period": "yesterday"}))
        .await;
    assert_eq!(yesterday["range"]["period"], "yesterday");
    assert_eq!(item_ids(&yesterday["long_tracks"]), vec![long.clone()]);
    assert_eq!(yesterday["long_tracks"]["total_seconds"], 9 * 3600);
    assert_eq!(yesterday["gaps"]["count"], 1);
    let custom = app
        .ok(
            &ada,
            "review_timesheet",
            json!({"date": "yesterday", "long_track": "1.25"}),
        )
        .await;
    assert_eq!(item_ids(&custom["long_tracks"]), [long.clone(), short]);
    assert_eq!(custom["thresholds"]["long_track_seconds"], 4500);
    let none = app
        .ok(
            &ada,
            "review_timesheet",
            json!({"date": "yesterday", "long_track": "10h"}),
        )
        .await;
    assert_eq!(none["long_tracks"]["count"], 0);

    // A timer running since 03:00 today is long (12.5 h up to now).
    let timer = app.ok(&ada, "start_timer", json!({"start": "03:00"})).await["timer"]["id"].clone();
    let today = app
        .ok(&ada, "review_timesheet", json!({"period": "today"}))
        .await;
    assert_eq!(item_ids(&today["long_tracks"]), vec![timer.clone()]);
    assert_eq!(today["total_seconds"], 12 * 3600 + 1800);
    assert_eq!(item_ids(&today["running_timers"]), [timer]);
}

#[tokio::test]
async fn a_week_is_zero_filled_crosses_a_month_and_follows_week_start() {
    use diesel::RunQueryDsl;
    let app = TestApp::new();
    let ada = berlin(&app);
    log(
        &app,
        &ada,
        "2026-11-30 09:00",
        "2026-11-30 10:00",
        json!("Website"),
    )
    .await;
    log(
        &app,
        &ada,
        "2026-12-01 09:00",
        "2026-12-01 11:00",
        json!(null),
    )
    .await;
    log(
        &app,
        &ada,
        "2026-11-29 09:00",
        "2026-11-29 09:30",
        json!(null),
    )
    .await; // a Sunday
    // Tuesday 2026-12-01: the Monday week is Nov 30 – Dec 6.
    let week = app
        .ok(&ada, "review_timesheet", json!({"week_of": "2026-12-01"}))
        .await;
    assert_eq!(week["range"]["from"]["local"], "2026-11-30T00:00:00+01:00");
    assert_eq!(week["range"]["to"]["local"], "2026-12-07T00:00:00+01:00");
    let days = week["days"].as_array().unwrap();
    let dates: Vec<&str> = days.iter().map(|d| d["date"].as_str().unwrap()).collect();
    assert_eq!(
        dates,
        [
            "2026-11-30",
            "2026-12-01",
            "2026-12-02",
            "2026-12-03",
            "2026-12-04",
            "2026-12-05",
            "2026-12-06"
        ]
    );
    assert_eq!(days[0]["weekday"], "Monday");
    assert_eq!(days[0]["total_seconds"], 3600);
    assert_eq!(days[0]["billable_seconds"], 3600);
    assert_eq!(days[1]["non_billable_seconds"], 7200);
    for empty in &days[2..] {
        assert_eq!(empty["track_count"], 0);
        assert_eq!(empty["total_seconds"], 0);
        assert_eq!(empty["total_duration"], "0:00:00");
        assert_eq!(empty["first_start"], json!(null));
    }
    assert_eq!(week["track_count"], 2);
    assert_eq!(week["total_duration"], "3:00:00");
    assert_eq!(week["gaps"]["count"], 0, "gaps never span days");

    // With weeks starting on Sunday, the week of Dec 1 starts on Nov 29.
    diesel::sql_query(format!(
        "UPDATE user_settings SET week_start = 'sunday' WHERE user_id = {}",
        ada.id
    ))
    .execute(&mut *app.db.conn().unwrap())
    .unwrap();
    let sunday = app
        .ok(&ada, "review_timesheet", json!({"week_of": "2026-12-01"}))
        .await;
    assert_eq!(sunday["days"][0]["date"], "2026-11-29");
    assert_eq!(sunday["days"][0]["weekday"], "Sunday");
    assert_eq!(sunday["track_count"], 3);
}

#[tokio::test]
async fn named_weeks_are_echoed() {
    let app = TestApp::new();
    let ada = berlin(&app);
    log(
        &app,
        &ada,
        "2026-11-18 09:00",
        "2026-11-18 10:00",
        json!(null),
    )
    .await;
    let last = app
        .ok(&ada, "review_timesheet", json!({"period": "last_week"}))
        .await;
    assert_eq!(last["range"]["period"], "last_week");
    assert_eq!(last["range"]["from"]["local"], "2026-11-16T00:00:00+01:00");
    assert_eq!(last["days"].as_array().unwrap().len(), 7);
    assert_eq!(last["days"][2]["track_count"], 1);
    let this = app
        .ok(&ada, "review_timesheet", json!({"period": "this_week"}))
        .await;
    assert_eq!(this["range"]["from"]["local"], "2026-11-23T00:00:00+01:00");
    assert_eq!(this["track_count"], 0);
}

#[tokio::test]
async fn the_day_clocks_spring_forward_has_23_hours_and_gaps_in_real_time() {
    let app = TestApp::new();
    let ada = berlin(&app);
    // 2026-03-29 in Berlin: 02:00 CET jumps to 03:00 CEST.
    let before = log(
        &app,
        &ada,
        "2026-03-29 01:00",
        "2026-03-29 01:45",
        json!(null),
    )
    .await;
    let after = log(
        &app,
        &ada,
        "2026-03-29 03:00",
        "2026-03-29 04:00",
        json!(null),
    )
    .await;
    log(
        &app,
        &ada,
        "2026-03-29 23:30",
        "2026-03-30 00:30",
        json!(null),
    )
    .await;
    let day = app
        .ok(
            &ada,
            "review_timesheet",
            json!({"date": "2026-03-29", "min_gap": "10m"}),
        )
        .await;
    assert_eq!(day["range"]["from"]["utc"], "2026-03-28T23:00:00Z");
    assert_eq!(day["range"]["to"]["utc"], "2026-03-29T22:00:00Z");
    assert_eq!(day["range"]["to"]["local"], "2026-03-30T00:00:00+02:00");
    assert_eq!(day["track_count"], 3, "23:30 is still on the 29th");
    assert_eq!(day["total_seconds"], 2700 + 3600 + 3600);
    let gaps = day["gaps"]["items"].as_array().unwrap();
    // 01:45 CET → 03:00 CEST is 15 real minutes, not 75.
    assert_eq!(gaps[0]["seconds"], 900);
    assert_eq!(gaps[0]["after"]["id"], before);
    assert_eq!(gaps[0]["before"]["id"], after);
    assert_eq!(gaps[0]["to"]["local"], "2026-03-29T03:00:00+02:00");
    let default = app
        .ok(&ada, "review_timesheet", json!({"date": "2026-03-29"}))
        .await;
    assert_eq!(
        default["gaps"]["count"], 1,
        "15 minutes is not longer than the default 15; 04:00 → 23:30 is"
    );
}

#[tokio::test]
async fn the_day_clocks_fall_back_has_25_hours() {
    let app = TestApp::new();
    let ada = berlin(&app);
    // 2026-10-25 in Berlin: 03:00 CEST falls back to 02:00 CET.
    log(
        &app,
        &ada,
        "2026-10-25 00:30",
        "2026-10-25 01:30",
        json!(null),
    )
    .await;
    // 02:30 first time (CEST) to 02:15 second time (CET): 45 minutes.
    log(
        &app,
        &ada,
        "2026-10-25T02:30:00+02:00",
        "2026-10-25T02:15:00+01:00",
        json!(null),
    )
    .await;
    log(
        &app,
        &ada,
        "2026-10-25 23:30",
        "2026-10-25 23:50",
        json!(null),
    )
    .await;
    log(
        &app,
        &ada,
        "2026-10-26 00:10",
        "2026-10-26 00:20",
        json!(null),
    )
    .await;
    let day = app
        .ok(&ada, "review_timesheet", json!({"date": "2026-10-25"}))
        .await;
    assert_eq!(day["range"]["from"]["utc"], "2026-10-24T22:00:00Z");
    assert_eq!(day["range"]["to"]["utc"], "2026-10-25T23:00:00Z");
    assert_eq!(day["track_count"], 3);
    assert_eq!(day["total_seconds"], 3600 + 2700 + 1200);
    let gaps = day["gaps"]["items"].as_array().unwrap();
    // 01:30 CEST → 02:30 CEST: an hour.
    assert_eq!(gaps[0]["seconds"], 3600);
    assert_eq!(gaps[0]["to"]["local"], "2026-10-25T02:30:00+02:00");
    assert_eq!(gaps[1]["from"]["local"], "2026-10-25T02:15:00+01:00");
    assert_eq!(
        day["days"][0]["last_end"]["local"],
        "2026-10-25T23:50:00+01:00"
    );

    // The week holding it is 7 × 24 + 1 hours long.
    let week = app
        .ok(&ada, "review_timesheet", json!({"week_of": "2026-10-25"}))
        .await;
    assert_eq!(week["range"]["from"]["utc"], "2026-10-18T22:00:00Z");
    assert_eq!(week["range"]["to"]["utc"], "2026-10-25T23:00:00Z");
    assert_eq!(week["days"][6]["date"], "2026-10-25");
    assert_eq!(week["track_count"], 3);
}

#[tokio::test]
async fn a_track_from_the_day_before_overlaps_but_counts_on_its_own_day() {
    let app = TestApp::new();
    let ada = berlin(&app);
    let night = log(
        &app,
        &ada,
        "2026-11-24 23:00",
        "2026-11-25 01:00",
        json!(null),
    )
    .await;
    let early = log(&app, &ada, "00:30", "02:00", json!(null)).await;
    // A timer left running since yesterday.
    let forgotten = app
        .ok(&ada, "start_timer", json!({"start": "2026-11-24 18:00"}))
        .await["timer"]["id"]
        .clone();
    let today = app
        .ok(&ada, "review_timesheet", json!({"date": "today"}))
        .await;
    assert_eq!(today["track_count"], 1);
    assert_eq!(today["total_seconds"], 5400);
    assert_eq!(today["overlaps"]["count"], 2);
    let pairs: Vec<(Value, Value)> = today["overlaps"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["first"]["id"].clone(), o["second"]["id"].clone()))
        .collect();
    assert_eq!(
        pairs,
        [
            (forgotten.clone(), early.clone()),
            (night.clone(), early.clone())
        ]
    );
    assert_eq!(item_ids(&today["running_timers"]), vec![forgotten.clone()]);
    assert_eq!(
        today["long_tracks"]["count"], 0,
        "the timer belongs to yesterday"
    );
    assert_eq!(today["without_project"]["count"], 1);
    // Yesterday: the night track and the timer overlap from 23:00 on.
    let yesterday = app
        .ok(&ada, "review_timesheet", json!({"date": "yesterday"}))
        .await;
    assert_eq!(yesterday["track_count"], 2);
    assert_eq!(item_ids(&yesterday["long_tracks"]), [forgotten]);
    assert_eq!(
        yesterday["overlaps"]["count"], 1,
        "today's track is not yesterday's"
    );
}

#[tokio::test]
async fn bad_input_is_refused() {
    let app = TestApp::new();
    let ada = berlin(&app);
    for args in [
        json!({"date": "today", "week_of": "today"}),
        json!({"date": "today", "period": "today"}),
        json!({"week_of": "today", "period": "this_week"}),
        json!({"date": "someday"}),
        json!({"date": "2026-02-30"}),
        json!({"week_of": "next week"}),
        json!({"min_gap": "0m"}),
        json!({"min_gap": "soon"}),
        json!({"long_track": "-1"}),
    ] {
        assert_eq!(
            app.err(&ada, "review_timesheet", args.clone()).await.code,
            ErrorCode::InvalidArgument,
            "{args}"
        );
    }
    for args in [
        json!({"period": "this_year"}),
        json!({"days": 3}),
        json!({"min_gap": -5}),
    ] {
        assert!(
            matches!(
                app.call(&ada, "review_timesheet", args.clone()).await,
                Err(catalogue::CallError::InvalidParams(_))
            ),
            "{args}"
        );
    }
}
