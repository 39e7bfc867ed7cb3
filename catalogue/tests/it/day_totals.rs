//! The per-day totals behind the reports (issue 11): on a large random data
//! set, every figure the reports give equals the per-track computation to
//! the second and the cent, after writes of every kind through the tools
//! (the rows are kept in step) and after a settings change (they are
//! rebuilt); and a row kept in step equals a row rebuilt from scratch.

use std::collections::BTreeMap;

use catalogue::db::tracks::{NewTrack, insert};
use catalogue::testing::TestApp;
use catalogue::{Tier, User};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::prelude::*;
use serde_json::{Value, json};

/// 2025-11-01T00:00:00Z: the data spans the year up to the test clock.
const START: i64 = 1_761_955_200;
const TRACKS: usize = 4_000;

struct Project {
    id: Option<i32>,
    rate: Option<Decimal>,
    currency: &'static str,
}

/// The expected figures of one report, computed track by track.
#[derive(Debug, Default, PartialEq)]
struct Expected {
    tracks: usize,
    seconds: i64,
    rounded: i64,
    amounts: BTreeMap<String, Decimal>,
}

fn minor(currency: &str) -> u32 {
    if currency == "JPY" { 0 } else { 2 }
}

/// Round `seconds` up/down/nearest to `minutes` (or not at all).
fn round(mode: &str, minutes: i64, seconds: i64) -> i64 {
    let step = minutes * 60;
    match mode {
        "up" => (seconds + step - 1) / step * step,
        "down" => seconds / step * step,
        "nearest" => (seconds + step / 2) / step * step,
        _ => seconds,
    }
}

/// Every stopped track of `user` in `[from, to)` priced one by one with
/// per-track rounding, as the invoice and SPEC's worked examples do.
fn expected(app: &TestApp, user: &User, from: i64, to: i64, mode: &str, minutes: i64) -> Expected {
    let mut conn = app.db.conn().unwrap();
    let filter = catalogue::db::tracks::TrackFilter::default();
    let items =
        catalogue::db::reports::items(&mut conn, user.id, &filter, app.now, None, None).unwrap();
    let mut out = Expected::default();
    for item in items.iter().filter(|i| {
        let s = i.started_at.as_second();
        s >= from && s < to && i.ended_at.is_some()
    }) {
        let seconds = item.ended_at.unwrap().as_second() - item.started_at.as_second();
        let rounded = round(mode, minutes, seconds);
        out.tracks += 1;
        out.seconds += seconds;
        out.rounded += rounded;
        if let (true, Some(rate)) = (item.billable, item.hourly_rate) {
            let amount = (rate * Decimal::from(rounded) / Decimal::from(3600))
                .round_dp_with_strategy(
                    minor(&item.currency),
                    RoundingStrategy::MidpointAwayFromZero,
                );
            *out.amounts.entry(item.currency.clone()).or_default() += amount;
        }
    }
    out
}

fn reported(totals: &Value) -> Expected {
    Expected {
        tracks: totals["track_count"].as_u64().unwrap() as usize,
        seconds: totals["seconds"].as_i64().unwrap(),
        rounded: totals["rounded_seconds"].as_i64().unwrap(),
        amounts: totals["amounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["currency"].as_str().unwrap().to_owned(),
                    a["amount"].as_str().unwrap().parse().unwrap(),
                )
            })
            .collect(),
    }
}

/// Local midnight of `date` in Berlin, as epoch seconds.
fn berlin_midnight(date: &str) -> i64 {
    let date: jiff::civil::Date = date.parse().unwrap();
    date.to_zoned(TimeZone::get("Europe/Berlin").unwrap())
        .unwrap()
        .timestamp()
        .as_second()
}

async fn random_data(app: &TestApp, rng: &mut StdRng) -> (User, Vec<Project>) {
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    catalogue::db::users::set_tier(&mut app.db.conn().unwrap(), "ada@example.com", Tier::Pro)
        .unwrap();
    let acme = app.client(&ada, "Acme", Some("EUR"), None);
    let projects = vec![
        Project {
            id: Some(app.project_of(
                &ada,
                Some(acme),
                "Odd rate",
                true,
                Some("33.33"),
                Some("EUR"),
            )),
            rate: Some("33.33".parse().unwrap()),
            currency: "EUR",
        },
        Project {
            id: Some(app.project(&ada, "Tiny rate", true, Some("0.07"), Some("USD"))),
            rate: Some("0.07".parse().unwrap()),
            currency: "USD",
        },
        Project {
            id: Some(app.project(&ada, "Yen", true, Some("4999"), Some("JPY"))),
            rate: Some("4999".parse().unwrap()),
            currency: "JPY",
        },
        Project {
            id: Some(app.project(&ada, "Internal", false, None, None)),
            rate: None,
            currency: "EUR",
        },
        Project {
            id: None,
            rate: Some("97.5".parse().unwrap()),
            currency: "EUR",
        },
    ];
    // Bulk: straight through the data layer, before any report (the rows
    // are then built from scratch by the first report).
    let mut conn = app.db.conn().unwrap();
    let mut at = START;
    for _ in 0..TRACKS {
        at += rng.random_range(600..14_000);
        let project = &projects[rng.random_range(0..projects.len())];
        let seconds = rng.random_range(1..20_000);
        insert(
            &mut conn,
            ada.id,
            &NewTrack {
                description: String::new(),
                project_id: project.id,
                tag_ids: Vec::new(),
                started_at: Timestamp::from_second(at).unwrap(),
                ended_at: Some(Timestamp::from_second(at + seconds).unwrap()),
                billable: rng.random_bool(0.8),
                hourly_rate: project.rate,
                currency: project.currency.to_owned(),
                idempotency_key: None,
            },
            app.now,
        )
        .unwrap();
    }
    (ada, projects)
}

async fn year_by_month(app: &TestApp, ada: &User) -> Value {
    app.ok(
        ada,
        "get_time_totals",
        json!({"from": "2025-11-01", "to": "2026-11-01", "bucket": "month"}),
    )
    .await
}

/// Each month's report against the per-track computation.
async fn check_months(app: &TestApp, ada: &User, mode: &str, minutes: i64) {
    let report = year_by_month(app, ada).await;
    let buckets = report["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 12);
    let mut all = Expected::default();
    for bucket in buckets {
        let from = berlin_midnight(bucket["start_date"].as_str().unwrap());
        let next: jiff::civil::Date = bucket["start_date"].as_str().unwrap().parse().unwrap();
        let to = berlin_midnight(
            &next
                .checked_add(jiff::ToSpan::month(1))
                .unwrap()
                .to_string(),
        );
        let want = expected(app, ada, from, to, mode, minutes);
        assert_eq!(reported(bucket), want, "{} ({mode})", bucket["label"]);
        all.tracks += want.tracks;
    }
    assert_eq!(reported(&report["total"]).tracks, all.tracks);
    let whole = expected(
        app,
        ada,
        berlin_midnight("2025-11-01"),
        berlin_midnight("2026-11-01"),
        mode,
        minutes,
    );
    assert_eq!(reported(&report["total"]), whole, "the year ({mode})");
}

#[tokio::test]
async fn reports_equal_the_per_track_computation_to_the_cent() {
    let app = TestApp::new();
    let mut rng = StdRng::seed_from_u64(11);
    let (ada, _) = random_data(&app, &mut rng).await;
    check_months(&app, &ada, "none", 1).await;

    // Writes of every kind through the tools, kept in step with the rows.
    for n in 0..150 {
        let day = 1 + n % 28;
        let project = ["Odd rate", "Tiny rate", "Yen", "Internal"][n as usize % 4];
        let month = 1 + n % 10;
        let logged = app
            .ok(
                &ada,
                "log_track",
                json!({
                    "start": format!("2026-{month:02}-{day:02} 0{}:{:02}", n % 9, n % 60),
                    "duration": format!("{}m", 1 + (n * 37) % 400),
                    "project": project,
                    "billable": n % 3 != 0,
                }),
            )
            .await;
        let id = logged["track"]["id"].as_i64().unwrap();
        match n % 5 {
            0 => {
                app.ok(&ada, "delete_track", json!({"id": id})).await;
            }
            1 => {
                app.ok(
                    &ada,
                    "update_track",
                    json!({"id": id, "end": format!("2026-{month:02}-{day:02} 11:59"), "project": "Yen"}),
                )
                .await;
            }
            2 => {
                app.ok(
                    &ada,
                    "update_track",
                    json!({
                        "id": id,
                        "start": format!("2026-{:02}-{:02} 23:30", 1 + (n + 3) % 10, 1 + n % 27),
                        "end": format!("2026-{:02}-{:02} 00:45", 1 + (n + 3) % 10, 2 + n % 27),
                        "billable": false,
                    }),
                )
                .await;
            }
            _ => {}
        }
    }
    app.ok(&ada, "start_timer", json!({"project": "Odd rate"}))
        .await;
    check_months(&app, &ada, "none", 1).await;

    // Kept in step = rebuilt from scratch.
    let kept = year_by_month(&app, &ada).await;
    catalogue::db::day_totals::invalidate(&mut app.db.conn().unwrap(), ada.id).unwrap();
    let rebuilt = year_by_month(&app, &ada).await;
    assert_eq!(kept, rebuilt);

    // Rounding changes what each track counts: the rows are rebuilt.
    app.ok(
        &ada,
        "update_settings",
        json!({"rounding": {"mode": "up", "minutes": 15, "scope": "track"}}),
    )
    .await;
    check_months(&app, &ada, "up", 15).await;
    app.ok(
        &ada,
        "update_settings",
        json!({"rounding": {"mode": "nearest", "minutes": 6, "scope": "track"}}),
    )
    .await;
    check_months(&app, &ada, "nearest", 6).await;
}

#[tokio::test]
async fn a_range_cut_inside_days_counts_its_edges_from_the_tracks() {
    let app = TestApp::new();
    let mut rng = StdRng::seed_from_u64(7);
    let (ada, _) = random_data(&app, &mut rng).await;
    // From mid-morning on one day to mid-afternoon months later: whole days
    // from the rows, the two partial days from the tracks.
    let report = app
        .ok(
            &ada,
            "get_time_totals",
            json!({"from": "2026-02-10T10:17:00+01:00", "to": "2026-06-03T15:41:00+02:00", "bucket": "week"}),
        )
        .await;
    let from = "2026-02-10T10:17:00+01:00"
        .parse::<Timestamp>()
        .unwrap()
        .as_second();
    let to = "2026-06-03T15:41:00+02:00"
        .parse::<Timestamp>()
        .unwrap()
        .as_second();
    assert_eq!(
        reported(&report["total"]),
        expected(&app, &ada, from, to, "none", 1)
    );
    // The top projects and the same range by day agree with it.
    let top = app
        .ok(
            &ada,
            "get_top_projects",
            json!({"from": "2026-02-10T10:17:00+01:00", "to": "2026-06-03T15:41:00+02:00", "limit": 10}),
        )
        .await;
    assert_eq!(top["total"], report["total"]);
    let by_day = app
        .ok(
            &ada,
            "get_time_totals",
            json!({"from": "2026-02-10T10:17:00+01:00", "to": "2026-06-03T15:41:00+02:00", "bucket": "day"}),
        )
        .await;
    assert_eq!(by_day["total"], report["total"]);
    assert_eq!(by_day["buckets"].as_array().unwrap().len(), 114);
}

#[tokio::test]
async fn a_year_by_day_is_one_call() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let year = app
        .ok(
            &ada,
            "get_time_totals",
            json!({"from": "2025-01-01", "to": "2026-01-01", "bucket": "day"}),
        )
        .await;
    assert_eq!(year["buckets"].as_array().unwrap().len(), 365);
    let err = app
        .err(
            &ada,
            "get_time_totals",
            json!({"from": "2024-01-01", "to": "2026-01-01", "bucket": "day"}),
        )
        .await;
    assert_eq!(err.details["max_buckets"], 366);
}

/// Which tracks a list selects, written out by hand.
type Keep = Box<dyn Fn(&catalogue::reports::Item) -> bool>;

#[tokio::test]
async fn list_totals_from_the_rows_equal_the_tracks_added_up() {
    let app = TestApp::new();
    let mut rng = StdRng::seed_from_u64(3);
    let (ada, _) = random_data(&app, &mut rng).await;
    app.ok(&ada, "start_timer", json!({"project": "Yen"})).await;
    let items = {
        let mut conn = app.db.conn().unwrap();
        let filter = catalogue::db::tracks::TrackFilter::default();
        catalogue::db::reports::items(&mut conn, ada.id, &filter, app.now, None, None).unwrap()
    };
    let at = |s: &str| s.parse::<Timestamp>().unwrap();
    let cases: Vec<(Value, Keep)> = vec![
        (json!({}), Box::new(|_| true)),
        (
            json!({"project": "Odd rate"}),
            Box::new(|i| i.project.as_ref().is_some_and(|p| p.name == "Odd rate")),
        ),
        (json!({"billable": false}), Box::new(|i| !i.billable)),
        (
            json!({"from": "2026-02-10T10:17:00+01:00", "to": "2026-06-03T15:41:00+02:00"}),
            Box::new(move |i| {
                i.started_at >= at("2026-02-10T10:17:00+01:00")
                    && i.started_at < at("2026-06-03T15:41:00+02:00")
            }),
        ),
        (
            json!({"from": "2026-03-01"}),
            Box::new(move |i| i.started_at >= at("2026-03-01T00:00:00+01:00")),
        ),
    ];
    for (args, keep) in cases {
        let mut with_totals = args.clone();
        with_totals["totals"] = json!(true);
        let listed = app.ok(&ada, "list_tracks", with_totals).await;
        let kept: Vec<_> = items.iter().filter(|i| keep(i)).collect();
        let seconds: i64 = kept.iter().map(|i| i.seconds(app.now)).sum();
        assert_eq!(listed["total_count"], kept.len(), "{args}");
        assert_eq!(listed["total_seconds"], seconds, "{args}");
        assert!(!kept.is_empty(), "{args}");
    }
}
