//! A worked month, end to end through the tools (issue #3, "Proof").
//!
//! Ada is a freelancer in Berlin on the pro tier. In October 2026 she works
//! for two clients in two currencies: Acme GmbH (EUR, 14 days to pay) and
//! Globex Inc (USD, 45 days). She times her work with timers (started,
//! switched, stopped; one runs across midnight and the end of summer time on
//! Sunday 2026-10-25, a 25-hour day), logs the rest, and bills with rounding
//! "up to 15 minutes, per track". In November she invoices October: Acme's
//! invoice is edited (a track taken off, 19 % tax, notes), sent and paid;
//! Globex's is sent, voided and made again with the same tracks. The CSV
//! exports are compared byte for byte with the files in `worked_month/`,
//! written by hand; every total is worked out by hand in the comments.
//!
//! The tracks of October (Berlin time; CEST = UTC+2 until 2026-10-25 03:00,
//! CET = UTC+1 after), exact and rounded up to 15 minutes:
//!
//! | #   | day        | local time          | project          | exact  | rounded | rate      |
//! |-----|------------|---------------------|------------------|--------|---------|-----------|
//! | t1  | Thu 10-01  | 09:00–10:10         | Website relaunch | 70 min | 75 min  | 95.00 EUR |
//! | t2  | Thu 10-01  | 10:10–12:40         | Website relaunch | 150    | 150     | 95.00 EUR |
//! | t3  | Fri 10-02  | 14:00–16:20         | API integration  | 140    | 150     | 120.00 USD|
//! | t4  | Wed 10-07  | 16:00 + 50m         | Maintenance      | 50     | 60      | 80.00 EUR (client's) |
//! | t5  | Mon 10-19  | 09:00–12:30         | Website relaunch | 210    | 210     | 95.00 EUR |
//! | t6  | Mon 10-19  | 13:00–13:40         | (none)           | 40     | 45      | not billable |
//! | t7  | Tue 10-20  | 10:00–10:20         | Maintenance      | 20     | 30      | 80.00 EUR, later not billable |
//! | t8  | Sat 10-24  | 22:00 CEST–03:30 CET| API integration  | 390    | 390     | 120.00 USD|
//! | t9  | Sun 10-25  | 10:00–11:05 CET     | Website relaunch | 65     | 75      | 95.00 EUR |
//! | t10 | Thu 10-29  | 23:00–01:10         | API integration  | 130    | 135     | 120.00 USD|
//! | t11 | Sat 10-31  | 23:30–00:45 (Nov 1) | Website relaunch | 75     | 75      | 95.00 EUR |
//!
//! t8 reads 5 h 30 on the wall clock but lasts 6 h 30: the clocks went back
//! at 03:00. In seconds: exact 80 400 in all (22 h 20 min), rounded 83 700
//! (23.25 h).

use catalogue::testing::TestApp;
use catalogue::{ErrorCode, Tier, User};
use serde_json::{Value, json};

const ACME_CSV: &str = include_str!("worked_month/invoice_acme_INV-2026-0001.csv");
const GLOBEX_CSV: &str = include_str!("worked_month/invoice_globex_INV-2026-0003.csv");
const TRACKS_CSV: &str = include_str!("worked_month/tracks_2026-10.csv");

const MIN: i64 = 60;

// ---------------------------------------------------------------- helpers

fn id(value: &Value) -> i64 {
    value["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {value}"))
}

/// `[{"currency": …, "amount": …}, …]`, the shape of every per-currency list.
fn amounts(pairs: &[(&str, &str)]) -> Value {
    pairs
        .iter()
        .map(|(currency, amount)| json!({"currency": currency, "amount": amount}))
        .collect()
}

/// The figures every report gives: exact seconds, rounded seconds, hours.
fn figures(totals: &Value) -> (i64, i64, &str) {
    (
        totals["seconds"].as_i64().unwrap(),
        totals["rounded_seconds"].as_i64().unwrap(),
        totals["hours"].as_str().unwrap(),
    )
}

/// The bucket of a get_time_totals answer that starts on `date`.
fn bucket<'a>(totals: &'a Value, date: &str) -> &'a Value {
    totals["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["start_date"] == date)
        .unwrap_or_else(|| panic!("no bucket {date}"))
}

fn names(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let named = if key.is_empty() { item } else { &item[key] };
            named["name"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn ids(list: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

fn track_ids(invoice: &Value) -> Vec<i64> {
    let mut all: Vec<i64> = invoice["lines"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|line| ids(&line["track_ids"]))
        .collect();
    all.sort_unstable();
    all
}

fn hours_between(range: &Value) -> i64 {
    let at = |w: &Value| {
        w["utc"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second()
    };
    (at(&range["to"]) - at(&range["from"])) / 3600
}

async fn log(app: &TestApp, ada: &User, args: Value) -> i64 {
    let logged = app.ok(ada, "log_track", args).await;
    assert_eq!(logged["overlapping_track_ids"], json!([]), "{logged}");
    id(&logged["track"])
}

async fn start(app: &TestApp, ada: &User, args: Value) -> Value {
    let started = app.ok(ada, "start_timer", args).await;
    assert_eq!(started["stopped"], json!([]), "no other timer was running");
    started["timer"].clone()
}

async fn stop(app: &TestApp, ada: &User) -> Value {
    app.ok(ada, "stop_timer", json!({})).await["track"].clone()
}

async fn budget(app: &TestApp, ada: &User, project: &str) -> Value {
    let report = app
        .ok(ada, "get_budget_status", json!({"project": project}))
        .await;
    assert_eq!(report["projects"].as_array().unwrap().len(), 1);
    report["projects"][0].clone()
}

// ---------------------------------------------------------------- the story

#[tokio::test]
async fn a_worked_month_from_the_first_timer_to_the_paid_invoice() {
    let mut app = TestApp::new();

    // -------------------------------------------- Thursday 1 October, 09:00
    app.set_now("2026-10-01T09:00:00+02:00");
    let ada = app.user("ada@example.com");
    let ada =
        catalogue::db::users::set_tier(&mut app.db.conn().unwrap(), &ada.email, Tier::Pro).unwrap();

    let settings = app
        .ok(
            &ada,
            "update_settings",
            json!({"time_zone": "Europe/Berlin", "rounding": {"mode": "up", "minutes": 15, "scope": "track"}}),
        )
        .await;
    // Minutes 15 and scope track are the defaults: only the mode changes.
    assert_eq!(settings["changed"], json!(["time_zone", "rounding.mode"]));
    assert_eq!(
        settings["settings"]["rounding"],
        json!({"mode": "up", "minutes": 15, "scope": "track"})
    );
    assert_eq!(
        settings["settings"]["preview"]["next_invoice_number"],
        "INV-2026-0001"
    );

    let context = app.ok(&ada, "get_context", json!({})).await;
    assert_eq!(context["time_zone"], "Europe/Berlin");
    assert_eq!(context["today"], "2026-10-01");
    assert_eq!(context["now"]["local"], "2026-10-01T09:00:00+02:00");
    assert_eq!(context["user"]["tier"], "pro");
    assert_eq!(context["defaults"]["currency"], "EUR");
    assert_eq!(context["running_timers"], json!([]));

    let acme = app
        .ok(
            &ada,
            "create_client",
            json!({"name": "Acme GmbH", "currency": "EUR", "hourly_rate": "80.00",
                   "payment_terms_days": 14, "vat_id": "DE123456789",
                   "address": "Hauptstraße 1\n10115 Berlin"}),
        )
        .await["client"]
        .clone();
    assert_eq!(acme["payment_terms_days"], 14);
    let globex = app
        .ok(
            &ada,
            "create_client",
            json!({"name": "Globex Inc", "currency": "USD", "payment_terms_days": 45}),
        )
        .await["client"]
        .clone();
    assert_eq!(globex["currency"], "USD");

    // Website relaunch: its own rate, 11 hours a month.
    let website = app
        .ok(
            &ada,
            "create_project",
            json!({"name": "Website relaunch", "client": "Acme GmbH", "hourly_rate": "95.00",
                   "budget": {"hours": 11, "period": "monthly"}}),
        )
        .await["project"]
        .clone();
    assert_eq!(website["billable"], true, "a client's project is billable");
    assert_eq!(website["new_tracks"]["hourly_rate"], "95.00");
    assert_eq!(website["new_tracks"]["currency"], "EUR");
    assert_eq!(website["new_tracks"]["currency_from"], "client");
    assert_eq!(website["budget"]["hours"], "11");
    assert_eq!(website["budget"]["period"], "monthly");
    assert_eq!(website["budget"]["alert_percent"], 80);
    // Maintenance: no rate of its own, so Acme's 80.00.
    let maintenance = app
        .ok(
            &ada,
            "create_project",
            json!({"name": "Maintenance", "client": acme["id"]}),
        )
        .await["project"]
        .clone();
    assert_eq!(maintenance["new_tracks"]["hourly_rate"], "80.00");
    assert_eq!(maintenance["new_tracks"]["hourly_rate_from"], "client");
    // API integration: Globex's dollars, 1,200.00 USD for the whole project.
    let api = app
        .ok(
            &ada,
            "create_project",
            json!({"name": "API integration", "client": "globex inc", "hourly_rate": "120.00",
                   "budget": {"amount": "1200.00", "period": "total"}}),
        )
        .await["project"]
        .clone();
    assert_eq!(api["client"]["name"], "Globex Inc");
    assert_eq!(api["new_tracks"]["currency"], "USD");
    assert_eq!(api["budget"]["amount"], "1200.00");
    assert_eq!(api["budget"]["currency"], "USD");
    for tag in ["meeting", "design", "dev"] {
        app.ok(&ada, "create_tag", json!({"name": tag})).await;
    }

    // t1: the kick-off call, timed.
    let t1 = start(
        &app,
        &ada,
        json!({"project": "Website relaunch", "description": "Kickoff call", "tags": ["meeting"]}),
    )
    .await;
    assert_eq!(t1["start"]["local"], "2026-10-01T09:00:00+02:00");
    assert_eq!(t1["start"]["utc"], "2026-10-01T07:00:00Z");
    assert_eq!(t1["hourly_rate"], "95.00");
    assert_eq!(t1["currency"], "EUR");
    let t1 = id(&t1);

    // 10:10: switch to the wireframes (t2) in one step.
    app.set_now("2026-10-01T10:10:00+02:00");
    let switched = app
        .ok(
            &ada,
            "switch_timer",
            json!({"project": "Website relaunch", "description": "Wireframes", "tags": ["design"]}),
        )
        .await;
    assert_eq!(id(&switched["stopped"][0]), t1);
    assert_eq!(switched["stopped"][0]["duration_seconds"], 70 * MIN);
    // 70 min × 95.00 / 60 = 110.833… → 110.83 (exact time, not rounded).
    assert_eq!(switched["stopped"][0]["amount"], "110.83");
    let t2 = id(&switched["timer"]);
    assert_eq!(
        switched["timer"]["start"]["local"],
        "2026-10-01T10:10:00+02:00"
    );

    app.set_now("2026-10-01T12:40:00+02:00");
    let stopped = stop(&app, &ada).await;
    assert_eq!(id(&stopped), t2);
    assert_eq!(stopped["duration"], "2:30:00");
    assert_eq!(stopped["amount"], "237.50"); // 2.5 h × 95.00

    // -------------------------------------------- Friday 2 October
    app.set_now("2026-10-02T17:00:00+02:00");
    let t3 = app
        .ok(
            &ada,
            "log_track",
            json!({"project": "API integration", "description": "OAuth spike", "tags": ["dev"],
                   "start": "14:00", "end": "16:20"}),
        )
        .await["track"]
        .clone();
    assert_eq!(t3["start"]["local"], "2026-10-02T14:00:00+02:00");
    assert_eq!(t3["currency"], "USD");
    assert_eq!(t3["amount"], "280.00"); // 140 min × 120.00 / 60
    let t3 = id(&t3);

    // -------------------------------------------- Wednesday 7 October
    app.set_now("2026-10-07T18:00:00+02:00");
    let t4 = app
        .ok(
            &ada,
            "log_track",
            json!({"project": "Maintenance", "description": "Server updates",
                   "start": "2026-10-07 16:00", "duration": "50m"}),
        )
        .await["track"]
        .clone();
    assert_eq!(t4["end"]["local"], "2026-10-07T16:50:00+02:00");
    assert_eq!(t4["hourly_rate"], "80.00", "the client's rate");
    assert_eq!(t4["amount"], "66.67"); // 50 min × 80.00 / 60 = 66.666…
    let t4 = id(&t4);

    // -------------------------------------------- the week of the DST change
    app.set_now("2026-10-20T18:00:00+02:00");
    let t5 = log(
        &app,
        &ada,
        json!({"project": "Website relaunch", "description": "Frontend build", "tags": ["dev"],
               "start": "2026-10-19 09:00", "end": "2026-10-19 12:30"}),
    )
    .await;
    let t6 = app
        .ok(
            &ada,
            "log_track",
            json!({"description": "Bookkeeping", "start": "2026-10-19 13:00", "end": "2026-10-19 13:40"}),
        )
        .await["track"]
        .clone();
    assert_eq!(t6["billable"], false, "no project: the user's default");
    assert_eq!(t6["hourly_rate"], json!(null));
    assert_eq!(t6["currency"], "EUR");
    let t6 = id(&t6);
    let t7 = log(
        &app,
        &ada,
        json!({"project": "Maintenance", "description": "Backup restore test",
               "start": "10:00", "end": "10:20"}),
    )
    .await;

    // Saturday 24 October, 22:00 CEST: the Globex cutover starts (t8)…
    app.set_now("2026-10-24T22:00:00+02:00");
    let t8 = start(
        &app,
        &ada,
        json!({"project": "API integration", "description": "Production cutover, \"big bang\"",
               "tags": ["dev", "meeting"]}),
    )
    .await;
    assert_eq!(t8["start"]["utc"], "2026-10-24T20:00:00Z");
    let t8 = id(&t8);
    // …and ends at 03:30 CET, after midnight and after the clocks went back
    // from 03:00 CEST to 02:00 CET: 20:00Z → 02:30Z is 6 h 30, not 5 h 30.
    app.set_now("2026-10-25T03:30:00+01:00");
    let context = app.ok(&ada, "get_context", json!({})).await;
    assert_eq!(context["today"], "2026-10-25");
    assert_eq!(id(&context["running_timers"][0]), t8);
    assert_eq!(context["running_timers"][0]["duration_seconds"], 390 * MIN);
    let cutover = stop(&app, &ada).await;
    assert_eq!(cutover["end"]["local"], "2026-10-25T03:30:00+01:00");
    assert_eq!(cutover["end"]["utc"], "2026-10-25T02:30:00Z");
    assert_eq!(cutover["duration_seconds"], 390 * MIN);
    assert_eq!(cutover["duration"], "6:30:00");
    assert_eq!(cutover["amount"], "780.00"); // 6.5 h × 120.00

    // Sunday, the 25-hour day: the checks after the cutover (t9).
    app.set_now("2026-10-25T12:00:00+01:00");
    let t9 = log(
        &app,
        &ada,
        json!({"project": "Website relaunch", "description": "Prüfung nach der Umstellung",
               "start": "10:00", "end": "11:05"}),
    )
    .await;

    // Monday 26 October: Ada reviews last week.
    app.set_now("2026-10-26T09:00:00+01:00");
    let week = app
        .ok(
            &ada,
            "review_timesheet",
            json!({"period": "last_week", "long_track": "6h"}),
        )
        .await;
    check_the_dst_week_review(&week, [t5, t6, t8]);
    let split = app
        .ok(
            &ada,
            "get_time_totals",
            json!({"from": "2026-10-19", "to": "2026-10-26", "bucket": "day", "split_at_midnight": true}),
        )
        .await;
    check_the_dst_week_split_at_midnight(&split);

    // -------------------------------------------- the end of the month
    // Thursday 29 October: load testing across midnight (t10).
    app.set_now("2026-10-30T09:00:00+01:00");
    let t10 = log(
        &app,
        &ada,
        json!({"project": "API integration", "description": "Load testing", "tags": ["dev"],
               "start": "2026-10-29 23:00", "end": "2026-10-30 01:10"}),
    )
    .await;

    // Saturday 31 October, 20:00: the budgets before the launch.
    app.set_now("2026-10-31T20:00:00+01:00");
    let before = budget(&app, &ada, "Website relaunch").await;
    // October so far, rounded: t1 75 + t2 150 + t5 210 + t9 75 = 510 min
    // = 8.50 h of 11 → 77.3 %, under the 80 % alert.
    assert_eq!(
        before["range"]["from"]["local"],
        "2026-10-01T00:00:00+02:00"
    );
    assert_eq!(before["range"]["to"]["local"], "2026-11-01T00:00:00+01:00");
    assert_eq!(
        before["hours"],
        json!({"budget": "11.00", "used": "8.50", "remaining": "2.50", "percent": 77.3, "status": "ok"})
    );
    assert_eq!(before["status"], "ok");
    assert_eq!(before["running"], false);

    // 23:30: the launch (t11), timed; at 23:50 it has run 20 minutes.
    app.set_now("2026-10-31T23:30:00+01:00");
    let t11 = id(&start(
        &app,
        &ada,
        json!({"project": "Website relaunch", "description": "Launch night"}),
    )
    .await);
    app.set_now("2026-10-31T23:50:00+01:00");
    let all = app.ok(&ada, "get_budget_status", json!({})).await;
    assert_eq!(
        names(&all["projects"], "project"),
        ["API integration", "Website relaunch"],
        "worst first"
    );
    // API integration, in total, rounded: t3 2.50 h + t8 6.50 h + t10 2.25 h
    // = 11.25 h × 120.00 = 300.00 + 780.00 + 270.00 = 1,350.00 USD of 1,200.00
    // → 112.5 %, 150.00 over.
    let api_budget = &all["projects"][0];
    assert_eq!(api_budget["period"], "total");
    assert_eq!(api_budget["range"], json!(null));
    assert_eq!(api_budget["status"], "exceeded");
    assert_eq!(api_budget["hours"], json!(null));
    assert_eq!(
        api_budget["amount"],
        json!({"currency": "USD", "budget": "1200.00", "used": "1350.00", "remaining": "-150.00",
               "percent": 112.5, "status": "exceeded", "other_currencies": []})
    );
    // Website relaunch: 8.50 h + the running timer's 20 min rounded up to 30
    // = 9.00 h of 11 → 81.8 %: past the alert, thanks to the running timer.
    let web_budget = &all["projects"][1];
    assert_eq!(web_budget["status"], "warning");
    assert_eq!(web_budget["running"], true);
    assert_eq!(web_budget["running_track_ids"], json!([t11]));
    assert_eq!(
        web_budget["hours"],
        json!({"budget": "11.00", "used": "9.00", "remaining": "2.00", "percent": 81.8, "status": "warning"})
    );

    // 00:45 on 1 November: the launch is done. It started in October, so it
    // counts there; November's budget starts empty.
    app.set_now("2026-11-01T00:45:00+01:00");
    let launch = stop(&app, &ada).await;
    assert_eq!(launch["duration_seconds"], 75 * MIN);
    assert_eq!(launch["start"]["local"], "2026-10-31T23:30:00+01:00");
    let november = budget(&app, &ada, "Website relaunch").await;
    assert_eq!(
        november["range"]["from"]["local"],
        "2026-11-01T00:00:00+01:00"
    );
    assert_eq!(
        november["range"]["to"]["local"],
        "2026-12-01T00:00:00+01:00"
    );
    assert_eq!(
        november["hours"],
        json!({"budget": "11.00", "used": "0.00", "remaining": "11.00", "percent": 0.0, "status": "ok"})
    );

    // -------------------------------------------- Monday 2 November
    app.set_now("2026-11-02T09:00:00+01:00");
    let t12 = id(&start(
        &app,
        &ada,
        json!({"project": "Website relaunch", "description": "Bug triage"}),
    )
    .await);
    app.set_now("2026-11-02T09:40:00+01:00");
    let triage = budget(&app, &ada, "Website relaunch").await;
    // 40 running minutes, rounded up to 45 = 0.75 h of 11 → 6.8 %.
    assert_eq!(triage["hours"]["used"], "0.75");
    assert_eq!(triage["hours"]["percent"], 6.8);
    assert_eq!(triage["running_track_ids"], json!([t12]));
    stop(&app, &ada).await;

    // Acme's October, grouped by project.
    app.set_now("2026-11-02T10:00:00+01:00");
    let generated = app
        .ok(
            &ada,
            "generate_invoice",
            json!({"client": "Acme GmbH", "period": "last_month"}),
        )
        .await;
    assert_eq!(
        generated["range"]["from"]["local"],
        "2026-10-01T00:00:00+02:00"
    );
    assert_eq!(
        generated["range"]["to"]["local"],
        "2026-11-01T00:00:00+01:00"
    );
    assert_eq!(
        generated["skipped"],
        json!({"running": 0, "not_billable": 0, "already_invoiced": 0, "other_currency": 0})
    );
    assert_eq!(generated["warnings"], json!([]));
    let acme_invoice = generated["invoice"].clone();
    let acme_id = id(&acme_invoice);
    assert_eq!(acme_invoice["status"], "draft");
    assert_eq!(acme_invoice["number"], json!(null));
    assert_eq!(acme_invoice["currency"], "EUR");
    assert_eq!(acme_invoice["group_by"], "project");
    assert_eq!(
        acme_invoice["period"],
        json!({"from": "2026-10-01", "to": "2026-10-31"})
    );
    assert_eq!(acme_invoice["client"]["vat_id"], "DE123456789");
    // Website relaunch: 75 + 150 + 210 + 75 + 75 = 585 min = 9.75 h × 95.00 = 926.25
    // Maintenance:      60 + 30 = 90 min = 1.50 h × 80.00 = 120.00
    // Subtotal 926.25 + 120.00 = 1,046.25; no tax yet.
    let lines = &acme_invoice["lines"];
    assert_eq!(names(lines, "project"), ["Website relaunch", "Maintenance"]);
    assert_eq!(lines[0]["description"], "Website relaunch");
    assert_eq!(lines[0]["quantity"], "9.75");
    assert_eq!(lines[0]["duration"], "9:45:00");
    assert_eq!(lines[0]["unit_price"], "95.00");
    assert_eq!(lines[0]["amount"], "926.25");
    assert_eq!(ids(&lines[0]["track_ids"]), [t1, t2, t5, t9, t11]);
    assert_eq!(lines[1]["quantity"], "1.50");
    assert_eq!(lines[1]["unit_price"], "80.00");
    assert_eq!(lines[1]["amount"], "120.00");
    assert_eq!(ids(&lines[1]["track_ids"]), [t4, t7]);
    assert_eq!(acme_invoice["track_count"], 7);
    assert_eq!(acme_invoice["subtotal"], "1046.25");
    assert_eq!(acme_invoice["total"], "1046.25");

    // Ada takes the restore test off (a courtesy), adds 19 % VAT and a note.
    let edited = app
        .ok(
            &ada,
            "update_invoice",
            json!({"id": acme_id, "remove_track_ids": [t7], "tax_percent": "19",
                   "notes": "Thank you! Payment by bank transfer within 14 days."}),
        )
        .await;
    assert_eq!(edited["freed_track_ids"], json!([t7]));
    let edited = &edited["invoice"];
    // Maintenance is now t4 alone: 60 min = 1.00 h × 80.00 = 80.00.
    // Subtotal 926.25 + 80.00 = 1,006.25; VAT 19 % = 191.1875 → 191.19;
    // total 1,006.25 + 191.19 = 1,197.44.
    assert_eq!(edited["lines"][1]["quantity"], "1.00");
    assert_eq!(edited["lines"][1]["amount"], "80.00");
    assert_eq!(
        edited["lines"][0]["amount"], "926.25",
        "the other line keeps its quantity"
    );
    assert_eq!(edited["track_count"], 6);
    assert_eq!(edited["subtotal"], "1006.25");
    assert_eq!(edited["tax_percent"], "19");
    assert_eq!(edited["tax_amount"], "191.19");
    assert_eq!(edited["total"], "1197.44");
    assert_eq!(
        edited["notes"],
        "Thank you! Payment by bank transfer within 14 days."
    );
    // The freed track can change again; she marks it not billable.
    app.ok(&ada, "update_track", json!({"id": t7, "billable": false}))
        .await;

    let sent = app
        .ok(&ada, "mark_invoice_sent", json!({"id": acme_id}))
        .await["invoice"]
        .clone();
    assert_eq!(sent["number"], "INV-2026-0001");
    assert_eq!(sent["status"], "sent");
    assert_eq!(sent["issue_date"], "2026-11-02");
    assert_eq!(sent["due_date"], "2026-11-16", "2 November + 14 days");
    // A billed track is locked.
    let locked = app
        .err(
            &ada,
            "update_track",
            json!({"id": t1, "description": "Kick-off"}),
        )
        .await;
    assert_eq!(locked.code, ErrorCode::TrackInvoiced);

    // Globex's October, one line per track, sent…
    app.set_now("2026-11-02T10:30:00+01:00");
    let first_globex = app
        .ok(
            &ada,
            "generate_invoice",
            json!({"client": "Globex Inc", "period": "last_month", "group_by": "track"}),
        )
        .await["invoice"]
        .clone();
    let first_globex_id = id(&first_globex);
    // 2.50 h + 6.50 h + 2.25 h at 120.00 = 300.00 + 780.00 + 270.00 = 1,350.00 USD
    assert_eq!(first_globex["currency"], "USD");
    assert_eq!(first_globex["total"], "1350.00");
    assert_eq!(track_ids(&first_globex), [t3, t8, t10]);
    let first_sent = app
        .ok(&ada, "mark_invoice_sent", json!({"id": first_globex_id}))
        .await["invoice"]
        .clone();
    assert_eq!(first_sent["number"], "INV-2026-0002");
    assert_eq!(first_sent["due_date"], "2026-12-17", "2 November + 45 days");

    // -------------------------------------------- Tuesday 3 November
    // …voided (Globex wants its PO number on it), and made again.
    app.set_now("2026-11-03T09:00:00+01:00");
    let voided = app
        .ok(
            &ada,
            "set_invoice_status",
            json!({"id": first_globex_id, "status": "void"}),
        )
        .await;
    assert_eq!(ids(&voided["freed_track_ids"]), [t3, t8, t10]);
    assert_eq!(voided["invoice"]["status"], "void");
    assert_eq!(
        voided["invoice"]["number"], "INV-2026-0002",
        "a void invoice keeps its number"
    );
    let regenerated = app
        .ok(
            &ada,
            "generate_invoice",
            json!({"client": "Globex Inc", "period": "last_month", "group_by": "track",
                   "notes": "PO 4711"}),
        )
        .await["invoice"]
        .clone();
    let globex_id = id(&regenerated);
    assert_ne!(globex_id, first_globex_id);
    assert_eq!(track_ids(&regenerated), [t3, t8, t10], "the same tracks");
    assert_eq!(regenerated["total"], "1350.00");
    let globex_sent = app
        .ok(&ada, "mark_invoice_sent", json!({"id": globex_id}))
        .await["invoice"]
        .clone();
    assert_eq!(globex_sent["number"], "INV-2026-0003");
    assert_eq!(globex_sent["issue_date"], "2026-11-03");
    assert_eq!(
        globex_sent["due_date"], "2026-12-18",
        "3 November + 45 days"
    );
    let void = app
        .ok(&ada, "get_invoice", json!({"id": first_globex_id}))
        .await;
    assert_eq!(void["number"], "INV-2026-0002");
    assert_eq!(void["status"], "void");
    assert_eq!(
        void["track_count"], 3,
        "a void invoice still lists what it billed"
    );

    // -------------------------------------------- Tuesday 10 November
    app.set_now("2026-11-10T11:00:00+01:00");
    let paid = app
        .ok(
            &ada,
            "set_invoice_status",
            json!({"id": acme_id, "status": "paid", "paid_on": "2026-11-09"}),
        )
        .await["invoice"]
        .clone();
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["paid_on"], "2026-11-09");
    assert_eq!(paid["total"], "1197.44");

    let invoices = app.ok(&ada, "list_invoices", json!({})).await;
    assert_eq!(invoices["total_count"], 3);
    let listed: Vec<(Value, Value)> = invoices["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["number"].clone(), i["status"].clone()))
        .collect();
    assert_eq!(
        listed,
        [
            (json!("INV-2026-0003"), json!("sent")),
            (json!("INV-2026-0002"), json!("void")),
            (json!("INV-2026-0001"), json!("paid")),
        ]
    );
    // Per currency, void left out, never added across currencies.
    assert_eq!(
        invoices["totals"],
        json!([
            {"currency": "EUR", "invoices": 1, "draft": "0.00", "outstanding": "0.00", "paid": "1197.44", "total": "1197.44"},
            {"currency": "USD", "invoices": 1, "draft": "0.00", "outstanding": "1350.00", "paid": "0.00", "total": "1350.00"},
        ])
    );

    // Acme still owes nothing; only November's bug triage (t12) is unbilled:
    // 40 min × 95.00 / 60 = 63.333… → 63.33.
    let acme_now = app
        .ok(&ada, "get_client", json!({"client": "Acme GmbH"}))
        .await;
    assert_eq!(
        acme_now["unbilled"],
        json!([{"currency": "EUR", "track_count": 1, "seconds": 40 * MIN, "duration": "0:40:00",
                "hours": "0.67", "amount": "63.33", "tracks_without_rate": 0}])
    );

    // The exports, byte for byte.
    let acme_csv = app
        .ok(&ada, "export_invoice_csv", json!({"id": acme_id}))
        .await;
    assert_eq!(acme_csv["filename"], "invoice-INV-2026-0001.csv");
    assert_eq!(acme_csv["rows"], 2);
    assert_eq!(acme_csv["csv"].as_str().unwrap(), ACME_CSV);
    let globex_csv = app
        .ok(&ada, "export_invoice_csv", json!({"id": globex_id}))
        .await;
    assert_eq!(globex_csv["filename"], "invoice-INV-2026-0003.csv");
    assert_eq!(globex_csv["csv"].as_str().unwrap(), GLOBEX_CSV);
    let tracks_csv = app
        .ok(&ada, "export_tracks_csv", json!({"period": "last_month"}))
        .await;
    assert_eq!(
        tracks_csv["filename"],
        "tracks_2026-10-01_to_2026-10-31.csv"
    );
    assert_eq!(tracks_csv["row_count"], 11);
    assert_eq!(tracks_csv["running_excluded"], 0);
    assert_eq!(tracks_csv["csv"].as_str().unwrap(), TRACKS_CSV);

    // October's figures.
    let listed = app
        .ok(
            &ada,
            "list_tracks",
            json!({"totals": true, "period": "last_month"}),
        )
        .await;
    assert_eq!(listed["total_count"], 11);
    assert_eq!(listed["total_seconds"], 80_400);
    assert_eq!(listed["total_duration"], "22:20:00");
    check_october_by_day_and_project(
        &app.ok(
            &ada,
            "get_time_totals",
            json!({"period": "last_month", "bucket": "day", "split_by": "project"}),
        )
        .await,
    );
    check_october_by_month_and_billable(&app.ok(
        &ada,
        "get_time_totals",
        json!({"from": "2026-10-01", "to": "2026-11-01", "bucket": "month", "split_by": "billable"}),
    )
    .await);
    check_october_top_projects(&app, &ada).await;

    // -------------------------------------------- Saturday 19 December
    // Globex's invoice was due on 18 December.
    app.set_now("2026-12-19T09:00:00+01:00");
    let overdue = app
        .ok(&ada, "list_invoices", json!({"status": "sent"}))
        .await;
    assert_eq!(overdue["invoices"][0]["number"], "INV-2026-0003");
    assert_eq!(overdue["invoices"][0]["overdue"], true);

    // Rounding off: reports go back to the exact time, the invoices keep the
    // quantities they were made with.
    let settings = app
        .ok(
            &ada,
            "update_settings",
            json!({"rounding": {"mode": "none"}}),
        )
        .await;
    assert_eq!(settings["changed"], json!(["rounding.mode"]));
    let acme_later = app.ok(&ada, "get_invoice", json!({"id": acme_id})).await;
    assert_eq!(acme_later["lines"][0]["quantity"], "9.75");
    assert_eq!(acme_later["total"], "1197.44");
    let exact = app
        .ok(
            &ada,
            "get_time_totals",
            json!({"from": "2026-10-01", "to": "2026-11-01", "bucket": "month"}),
        )
        .await;
    // 80,400 s = 22.333… h. The amounts are now the exact ones of the
    // tracks CSV: EUR 110.83 + 237.50 + 66.67 + 332.50 + 102.92 + 118.75
    // = 969.17; USD 280.00 + 780.00 + 260.00 = 1,320.00.
    assert_eq!(figures(&exact["total"]), (80_400, 80_400, "22.33"));
    assert_eq!(
        exact["total"]["amounts"],
        amounts(&[("EUR", "969.17"), ("USD", "1320.00")])
    );
}

// ---------------------------------------------------------------- the checks

/// Monday 19 to Sunday 25 October, reviewed on the 26th (t7 still billable).
fn check_the_dst_week_review(week: &Value, [t5, t6, t8]: [i64; 3]) {
    assert_eq!(week["range"]["period"], "last_week");
    assert_eq!(week["range"]["from"]["local"], "2026-10-19T00:00:00+02:00");
    assert_eq!(week["range"]["to"]["local"], "2026-10-26T00:00:00+01:00");
    // Seven days and the extra hour of Sunday.
    assert_eq!(hours_between(&week["range"]), 7 * 24 + 1);
    let days = week["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    // Monday: t5 210 min + t6 40 min = 250 min = 15,000 s; t6 is not billable.
    assert_eq!(days[0]["date"], "2026-10-19");
    assert_eq!(days[0]["track_count"], 2);
    assert_eq!(days[0]["total_seconds"], 15_000);
    assert_eq!(days[0]["total_duration"], "4:10:00");
    assert_eq!(days[0]["billable_seconds"], 210 * MIN);
    assert_eq!(days[0]["non_billable_seconds"], 40 * MIN);
    assert_eq!(days[0]["first_start"]["local"], "2026-10-19T09:00:00+02:00");
    assert_eq!(days[0]["last_end"]["local"], "2026-10-19T13:40:00+02:00");
    assert_eq!(days[1]["total_seconds"], 20 * MIN);
    for quiet in &days[2..5] {
        assert_eq!(quiet["total_seconds"], 0, "{quiet}");
        assert_eq!(quiet["first_start"], json!(null));
    }
    // Saturday: the cutover, whole, on the day it started.
    assert_eq!(days[5]["weekday"], "Saturday");
    assert_eq!(days[5]["total_seconds"], 390 * MIN);
    assert_eq!(days[5]["last_end"]["local"], "2026-10-25T03:30:00+01:00");
    assert_eq!(days[6]["date"], "2026-10-25");
    assert_eq!(days[6]["total_seconds"], 65 * MIN);
    assert_eq!(days[6]["first_start"]["local"], "2026-10-25T10:00:00+01:00");
    // 210 + 40 + 20 + 390 + 65 = 725 min = 43,500 s = 12:05:00, of which
    // billable 725 − 40 = 685 min = 41,100 s.
    assert_eq!(week["track_count"], 5);
    assert_eq!(week["total_seconds"], 43_500);
    assert_eq!(week["total_duration"], "12:05:00");
    assert_eq!(week["billable_seconds"], 41_100);
    assert_eq!(week["billable_duration"], "11:25:00");
    assert_eq!(week["non_billable_seconds"], 40 * MIN);
    // Monday 12:30 → 13:00 is the only break over 15 minutes.
    assert_eq!(week["gaps"]["count"], 1);
    let gap = &week["gaps"]["items"][0];
    assert_eq!(gap["date"], "2026-10-19");
    assert_eq!(gap["from"]["local"], "2026-10-19T12:30:00+02:00");
    assert_eq!(gap["to"]["local"], "2026-10-19T13:00:00+02:00");
    assert_eq!(gap["seconds"], 30 * MIN);
    assert_eq!((id(&gap["after"]), id(&gap["before"])), (t5, t6));
    assert_eq!(week["overlaps"]["count"], 0);
    // Over 6 h: only the cutover, and only because the night had 25 hours
    // (5 h 30 on the wall clock).
    assert_eq!(week["long_tracks"]["count"], 1);
    assert_eq!(id(&week["long_tracks"]["items"][0]), t8);
    assert_eq!(week["thresholds"]["long_track_seconds"], 6 * 3600);
    assert_eq!(week["without_project"]["count"], 1);
    assert_eq!(id(&week["without_project"]["items"][0]), t6);
    assert_eq!(week["running_timers"]["count"], 0);
}

/// The same week by day, cut at midnight: the cutover's 6 h 30 become
/// 2 h on Saturday (22:00–24:00 CEST) and 4 h 30 on Sunday (00:00 CEST to
/// 03:30 CET, 3 h 30 on the wall clock).
fn check_the_dst_week_split_at_midnight(split: &Value) {
    assert_eq!(split["bucket"], "day");
    assert_eq!(split["split_at_midnight"], true);
    assert_eq!(split["buckets"].as_array().unwrap().len(), 7);
    let saturday = bucket(split, "2026-10-24");
    assert_eq!(figures(saturday), (2 * 3600, 2 * 3600, "2.00"));
    assert_eq!(saturday["amounts"], amounts(&[("USD", "240.00")])); // 2 h × 120.00
    let sunday = bucket(split, "2026-10-25");
    assert_eq!(sunday["from"]["local"], "2026-10-25T00:00:00+02:00");
    assert_eq!(sunday["to"]["local"], "2026-10-26T00:00:00+01:00");
    assert_eq!(hours_between(sunday), 25);
    // Cutover part 270 min (rounded 270) + t9 65 min (rounded 75)
    // = 335 min exact, 345 min = 5.75 h rounded.
    assert_eq!(figures(sunday), (335 * MIN, 345 * MIN, "5.75"));
    // 4.5 h × 120.00 = 540.00 USD; t9 1.25 h × 95.00 = 118.75 EUR.
    assert_eq!(
        sunday["amounts"],
        amounts(&[("EUR", "118.75"), ("USD", "540.00")])
    );
    // The week, rounded: t5 210 + t6 45 + t7 30 + 120 + 270 + t9 75 = 750 min
    // = 12.50 h. EUR: t5 3.50 h × 95.00 = 332.50, t7 0.50 h × 80.00 = 40.00,
    // t9 118.75 → 491.25. USD: 240.00 + 540.00 = 780.00.
    assert_eq!(figures(&split["total"]), (43_500, 750 * MIN, "12.50"));
    assert_eq!(
        split["total"]["amounts"],
        amounts(&[("EUR", "491.25"), ("USD", "780.00")])
    );
}

/// October by day, split by project (t7 is no longer billable now).
fn check_october_by_day_and_project(days: &Value) {
    assert_eq!(days["range"]["period"], "last_month");
    assert_eq!(
        days["rounding"],
        json!({"mode": "up", "minutes": 15, "scope": "track"})
    );
    let buckets = days["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 31);
    // 1 October: t1 70 → 75 min, t2 150 → 150 min: 220 min exact, 225 min
    // = 3.75 h rounded; 1.25 h × 95.00 + 2.50 h × 95.00 = 118.75 + 237.50 = 356.25.
    let first = bucket(days, "2026-10-01");
    assert_eq!(figures(first), (220 * MIN, 225 * MIN, "3.75"));
    assert_eq!(first["amounts"], amounts(&[("EUR", "356.25")]));
    assert_eq!(names(&first["groups"], ""), ["Website relaunch"]);
    assert_eq!(figures(bucket(days, "2026-10-03")), (0, 0, "0.00"));
    // 19 October: t5 210 min (rounded 210) and t6 40 min (rounded 45, no project).
    let monday = bucket(days, "2026-10-19");
    assert_eq!(figures(monday), (250 * MIN, 255 * MIN, "4.25"));
    assert_eq!(monday["amounts"], amounts(&[("EUR", "332.50")]));
    assert_eq!(
        names(&monday["groups"], ""),
        ["Website relaunch", "(no project)"]
    );
    // 24 October holds the whole cutover: 6.50 h × 120.00 = 780.00 USD.
    let saturday = bucket(days, "2026-10-24");
    assert_eq!(figures(saturday), (390 * MIN, 390 * MIN, "6.50"));
    assert_eq!(saturday["amounts"], amounts(&[("USD", "780.00")]));
    // 25 October is 25 hours long; t9 65 → 75 min: 1.25 h × 95.00 = 118.75.
    let sunday = bucket(days, "2026-10-25");
    assert_eq!(hours_between(sunday), 25);
    assert_eq!(figures(sunday), (65 * MIN, 75 * MIN, "1.25"));
    // 29 October: t10 130 → 135 min = 2.25 h × 120.00 = 270.00; the 30th is empty.
    assert_eq!(
        figures(bucket(days, "2026-10-29")),
        (130 * MIN, 135 * MIN, "2.25")
    );
    assert_eq!(figures(bucket(days, "2026-10-30")), (0, 0, "0.00"));
    // 31 October: the launch, 75 min, though it ended in November.
    let last = bucket(days, "2026-10-31");
    assert_eq!(figures(last), (75 * MIN, 75 * MIN, "1.25"));
    assert_eq!(last["amounts"], amounts(&[("EUR", "118.75")]));
    // The month: exact 70+150+140+50+210+40+20+390+65+130+75 = 1,340 min = 80,400 s;
    // rounded 75+150+150+60+210+45+30+390+75+135+75 = 1,395 min = 83,700 s = 23.25 h.
    // EUR (billable only): Website 926.25 + Maintenance t4 80.00 = 1,006.25.
    // USD: 300.00 + 780.00 + 270.00 = 1,350.00.
    assert_eq!(figures(&days["total"]), (80_400, 83_700, "23.25"));
    assert_eq!(days["total"]["track_count"], 11);
    assert_eq!(
        days["total"]["amounts"],
        amounts(&[("EUR", "1006.25"), ("USD", "1350.00")])
    );
    let rounded_days: i64 = buckets
        .iter()
        .map(|b| b["rounded_seconds"].as_i64().unwrap())
        .sum();
    assert_eq!(rounded_days, 83_700, "the total is the sum of the days");
    // Per project, largest first:
    //   API integration  150 + 390 + 135       = 675 min = 11.25 h, 1,350.00 USD
    //   Website relaunch 75 + 150 + 210 + 75 + 75 = 585 min = 9.75 h, 926.25 EUR
    //   Maintenance      60 + 30               =  90 min = 1.50 h, 80.00 EUR (t4)
    //   (no project)     45                    =  45 min = 0.75 h, nothing
    let groups = &days["groups"];
    assert_eq!(
        names(groups, ""),
        [
            "API integration",
            "Website relaunch",
            "Maintenance",
            "(no project)"
        ]
    );
    assert_eq!(figures(&groups[0]), (660 * MIN, 675 * MIN, "11.25"));
    assert_eq!(groups[0]["amounts"], amounts(&[("USD", "1350.00")]));
    assert_eq!(figures(&groups[1]), (570 * MIN, 585 * MIN, "9.75"));
    assert_eq!(groups[1]["amounts"], amounts(&[("EUR", "926.25")]));
    assert_eq!(figures(&groups[2]), (70 * MIN, 90 * MIN, "1.50"));
    assert_eq!(groups[2]["amounts"], amounts(&[("EUR", "80.00")]));
    assert_eq!(figures(&groups[3]), (40 * MIN, 45 * MIN, "0.75"));
    assert_eq!(groups[3]["amounts"], json!([]));
    assert!(groups[3].get("id").is_none());
}

/// October as one month, split by billable.
fn check_october_by_month_and_billable(month: &Value) {
    assert_eq!(month["range"]["from"]["local"], "2026-10-01T00:00:00+02:00");
    assert_eq!(month["range"]["to"]["local"], "2026-11-01T00:00:00+01:00");
    let buckets = month["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 1);
    assert_eq!(buckets[0]["label"], "October 2026");
    // 31 days and the extra hour of 25 October.
    assert_eq!(hours_between(&buckets[0]), 31 * 24 + 1);
    assert_eq!(figures(&buckets[0]), (80_400, 83_700, "23.25"));
    // Not billable: t6 40 → 45 min and t7 20 → 30 min: 60 min exact, 75 min = 1.25 h.
    // Billable: the other nine, 1,340 − 60 = 1,280 min exact,
    // 1,395 − 75 = 1,320 min = 22.00 h rounded.
    let groups = &month["groups"];
    assert_eq!(names(groups, ""), ["billable", "not billable"]);
    assert_eq!(figures(&groups[0]), (1_280 * MIN, 1_320 * MIN, "22.00"));
    assert_eq!(groups[0]["track_count"], 9);
    assert_eq!(
        groups[0]["amounts"],
        amounts(&[("EUR", "1006.25"), ("USD", "1350.00")])
    );
    assert_eq!(figures(&groups[1]), (60 * MIN, 75 * MIN, "1.25"));
    assert_eq!(groups[1]["track_count"], 2);
    assert_eq!(groups[1]["amounts"], json!([]));
}

async fn check_october_top_projects(app: &TestApp, ada: &User) {
    // By hours, of 1,395 rounded minutes: 675 → 48.4 %, 585 → 41.9 %,
    // 90 → 6.5 %; the 45 minutes without a project are apart (3.2 %).
    let top = app
        .ok(ada, "get_top_projects", json!({"period": "last_month"}))
        .await;
    let projects = &top["projects"];
    assert_eq!(
        names(projects, "project"),
        ["API integration", "Website relaunch", "Maintenance"]
    );
    let shares: Vec<f64> = projects
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["share_percent"].as_f64().unwrap())
        .collect();
    assert_eq!(shares, [48.4, 41.9, 6.5]);
    assert_eq!(projects[0]["hours"], "11.25");
    assert_eq!(projects[0]["client"]["name"], "Globex Inc");
    assert_eq!(projects[1]["hours"], "9.75");
    assert_eq!(projects[2]["hours"], "1.50");
    assert_eq!(top["ranked_count"], 3);
    assert_eq!(
        figures(&top["without_project"]),
        (40 * MIN, 45 * MIN, "0.75")
    );
    assert_eq!(figures(&top["total"]), (80_400, 83_700, "23.25"));
    assert_eq!(
        top["total"]["amounts"],
        amounts(&[("EUR", "1006.25"), ("USD", "1350.00")])
    );

    // By amount, in the default currency (EUR): 926.25 before 80.00; the
    // dollars are not converted, only named.
    let euros = app
        .ok(
            ada,
            "get_top_projects",
            json!({"period": "last_month", "by": "amount"}),
        )
        .await;
    assert_eq!(euros["currency"], "EUR");
    assert_eq!(euros["currency_source"], "default");
    assert_eq!(
        names(&euros["projects"], "project"),
        ["Website relaunch", "Maintenance"]
    );
    assert_eq!(euros["projects"][0]["ranked_amount"], "926.25");
    assert_eq!(euros["projects"][1]["ranked_amount"], "80.00");
    assert_eq!(euros["other_currencies"], json!(["USD"]));
    let dollars = app
        .ok(
            ada,
            "get_top_projects",
            json!({"period": "last_month", "by": "amount", "currency": "USD"}),
        )
        .await;
    assert_eq!(names(&dollars["projects"], "project"), ["API integration"]);
    assert_eq!(dollars["projects"][0]["ranked_amount"], "1350.00");
    assert_eq!(dollars["other_currencies"], json!(["EUR"]));
}
