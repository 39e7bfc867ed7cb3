//! Settings and the subscription through the registry: get_settings,
//! update_settings, get_subscription.

use catalogue::db::users::{create_token, revoke_token, set_tier};
use catalogue::testing::TestApp;
use catalogue::{CallError, ErrorCode, Tier, User, registry};
use serde_json::{Value, json};

fn as_tier(app: &TestApp, user: &User, tier: Tier) -> User {
    set_tier(&mut app.db.conn().unwrap(), &user.email, tier).unwrap()
}

#[tokio::test]
async fn defaults_with_a_preview_of_every_format() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let s = app.ok(&ada, "get_settings", json!({})).await;
    assert_eq!(s["time_zone"], "UTC");
    assert_eq!(s["week_start"], "monday");
    assert_eq!(s["date_format"], "iso");
    assert_eq!(s["time_format"], "24h");
    assert_eq!(s["duration_format"], "hh_mm_ss");
    assert_eq!(s["default_currency"], "EUR");
    assert_eq!(s["default_hourly_rate"], json!(null));
    assert_eq!(s["default_billable"], false);
    assert_eq!(
        s["rounding"],
        json!({"mode": "none", "minutes": 15, "scope": "track"})
    );
    assert_eq!(s["overlap_policy"], "warn");
    assert_eq!(s["max_active_timers"], 1);
    assert_eq!(s["invoice_number_format"], "INV-{YYYY}-{SEQ:4}");
    assert_eq!(
        s["preview"],
        json!({"date": "2026-11-25", "time": "14:30", "duration": "1:30:00",
               "next_invoice_number": "INV-2026-0001"})
    );
    // No arguments at all is fine; unknown ones are a schema error.
    app.ok(&ada, "get_settings", json!(null)).await;
    assert!(matches!(
        app.call(&ada, "get_settings", json!({"x": 1})).await,
        Err(CallError::InvalidParams(_))
    ));
}

#[tokio::test]
async fn only_given_fields_change_and_repeating_changes_nothing() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let before = app.ok(&ada, "get_settings", json!({})).await;
    let args = json!({
        "time_zone": "europe/berlin",
        "date_format": "dmy_dot",
        "time_format": "12h",
        "duration_format": "decimal",
        "rounding": {"mode": "up"},
        "invoice_number_format": "{YY}{MM}-{SEQ:3}",
    });
    let updated = app.ok(&ada, "update_settings", args.clone()).await;
    assert_eq!(
        updated["changed"],
        json!([
            "time_zone",
            "date_format",
            "time_format",
            "duration_format",
            "rounding.mode",
            "invoice_number_format"
        ])
    );
    let s = &updated["settings"];
    assert_eq!(s["time_zone"], "Europe/Berlin", "canonical IANA name");
    assert_eq!(
        s["rounding"],
        json!({"mode": "up", "minutes": 15, "scope": "track"}),
        "only the rounding part given changes"
    );
    assert_eq!(
        s["preview"],
        json!({"date": "25.11.2026", "time": "3:30 PM", "duration": "1.50",
               "next_invoice_number": "2611-001"})
    );
    // Everything not given is as it was.
    for key in [
        "week_start",
        "default_currency",
        "default_hourly_rate",
        "default_billable",
        "overlap_policy",
        "max_active_timers",
    ] {
        assert_eq!(s[key], before[key], "{key}");
    }
    assert_eq!(app.ok(&ada, "get_settings", json!({})).await, *s);

    let again = app.ok(&ada, "update_settings", args).await;
    assert_eq!(again["changed"], json!([]));
    assert_eq!(again["settings"], *s);
    let nothing = app.ok(&ada, "update_settings", json!({})).await;
    assert_eq!(nothing["changed"], json!([]));
    assert_eq!(nothing["settings"], *s);

    // The new zone is what get_context reads times in.
    let ctx = app.ok(&ada, "get_context", json!({})).await;
    assert_eq!(ctx["time_zone"], "Europe/Berlin");
    assert_eq!(ctx["now"]["local"], "2026-11-25T15:30:00+01:00");
}

#[tokio::test]
async fn billing_defaults_take_effect_and_a_rate_can_be_cleared() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let updated = app
        .ok(
            &ada,
            "update_settings",
            json!({"default_currency": " usd ", "default_hourly_rate": "80.5",
                   "default_billable": true}),
        )
        .await;
    assert_eq!(updated["settings"]["default_currency"], "USD");
    assert_eq!(updated["settings"]["default_hourly_rate"], "80.50");
    assert_eq!(updated["settings"]["default_billable"], true);
    let track = app
        .ok(
            &ada,
            "log_track",
            json!({"start": "09:00", "duration": "1h"}),
        )
        .await;
    assert_eq!(track["track"]["currency"], "USD");
    assert_eq!(track["track"]["hourly_rate"], "80.50");
    assert_eq!(track["track"]["amount"], "80.50");

    let cleared = app
        .ok(
            &ada,
            "update_settings",
            json!({"clear": ["default_hourly_rate"]}),
        )
        .await;
    assert_eq!(cleared["changed"], json!(["default_hourly_rate"]));
    assert_eq!(cleared["settings"]["default_hourly_rate"], json!(null));
    assert_eq!(cleared["settings"]["default_currency"], "USD");
}

#[tokio::test]
async fn timer_rules_take_effect() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.ok(
        &ada,
        "update_settings",
        json!({"max_active_timers": 2, "overlap_policy": "reject"}),
    )
    .await;
    app.ok(&ada, "start_timer", json!({"start": "13:00"})).await;
    let second = app.ok(&ada, "start_timer", json!({"start": "14:00"})).await;
    assert_eq!(second["stopped"], json!([]), "two may run at once");
    assert_eq!(
        app.ok(&ada, "list_active_timers", json!({})).await["timers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let overlap = app
        .err(&ada, "log_track", json!({"start": "13:30", "end": "13:45"}))
        .await;
    assert_eq!(overlap.code, ErrorCode::Overlap);

    // Lowering the limit below the running timers leaves them running, and says so.
    let lowered = app
        .ok(&ada, "update_settings", json!({"max_active_timers": 1}))
        .await;
    assert_eq!(lowered["changed"], json!(["max_active_timers"]));
    let note = lowered["notes"][0].as_str().unwrap();
    assert!(note.contains("2 timers are running"), "{note}");
    assert_eq!(
        app.ok(&ada, "list_active_timers", json!({})).await["timers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let quiet = app
        .ok(&ada, "update_settings", json!({"week_start": "sunday"}))
        .await;
    assert_eq!(quiet["notes"], json!([]));
}

#[tokio::test]
async fn week_start_cuts_this_week() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Europe/Berlin");
    let monday = app
        .ok(
            &ada,
            "list_tracks",
            json!({"totals": true, "period": "this_week"}),
        )
        .await;
    assert_eq!(
        monday["range"]["from"]["local"],
        "2026-11-23T00:00:00+01:00"
    );
    app.ok(&ada, "update_settings", json!({"week_start": "sunday"}))
        .await;
    let sunday = app
        .ok(
            &ada,
            "list_tracks",
            json!({"totals": true, "period": "this_week"}),
        )
        .await;
    assert_eq!(
        sunday["range"]["from"]["local"],
        "2026-11-22T00:00:00+01:00"
    );
}

#[tokio::test]
async fn bad_values_are_invalid_and_nothing_is_written() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let before = app.ok(&ada, "get_settings", json!({})).await;
    let cases = [
        json!({"time_zone": "Mars/Olympus_Mons"}),
        json!({"time_zone": ""}),
        json!({"default_currency": "EURO"}),
        json!({"default_currency": "E1R"}),
        json!({"default_hourly_rate": "-5"}),
        json!({"default_hourly_rate": "lots"}),
        json!({"rounding": {"minutes": 0}}),
        json!({"rounding": {"minutes": 61}}),
        json!({"max_active_timers": 0}),
        json!({"max_active_timers": 101}),
        json!({"invoice_number_format": "INV-{YYYY}"}),
        json!({"invoice_number_format": ""}),
        json!({"invoice_number_format": "{SEQ}-{SEQ}"}),
        json!({"invoice_number_format": "INV-{DAY}-{SEQ}"}),
        json!({"invoice_number_format": "INV-{YYYY}-{MM}-a-very-long-prefix-{SEQ:4}"}),
        // One bad value spoils the whole call: the good ones are not written either.
        json!({"time_zone": "Europe/Paris", "week_start": "sunday", "rounding": {"mode": "up", "minutes": 90}}),
        json!({"default_currency": "USD", "invoice_number_format": "no sequence"}),
    ];
    for args in cases {
        let err = app.err(&ada, "update_settings", args.clone()).await;
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{args}");
        assert!(err.hint.is_some() || !err.message.is_empty(), "{args}");
    }
    // Values outside the schema's enums are protocol errors.
    for args in [
        json!({"week_start": "tuesday"}),
        json!({"date_format": "yyyy/mm/dd"}),
        json!({"rounding": {"mode": "sideways"}}),
        json!({"rounding": {"step": 5}}),
        json!({"max_active_timers": -1}),
        json!({"colour": "blue"}),
    ] {
        assert!(
            matches!(
                app.call(&ada, "update_settings", args.clone()).await,
                Err(CallError::InvalidParams(_))
            ),
            "{args}"
        );
    }
    assert_eq!(app.ok(&ada, "get_settings", json!({})).await, before);
}

#[tokio::test]
async fn rounding_and_invoice_format_edges_are_accepted() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let out = app
        .ok(
            &ada,
            "update_settings",
            json!({"rounding": {"mode": "nearest", "minutes": 60, "scope": "total"},
                   "invoice_number_format": "{SEQ}"}),
        )
        .await;
    assert_eq!(
        out["settings"]["rounding"],
        json!({"mode": "nearest", "minutes": 60, "scope": "total"})
    );
    assert_eq!(out["settings"]["preview"]["next_invoice_number"], "1");
    let one = app
        .ok(&ada, "update_settings", json!({"rounding": {"minutes": 1}}))
        .await;
    assert_eq!(one["changed"], json!(["rounding.minutes"]));
    assert_eq!(one["settings"]["rounding"]["mode"], "nearest");
}

#[tokio::test]
async fn subscription_shows_usage_against_the_free_limits() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    for name in ["A", "B", "C", "D"] {
        app.project(&ada, name, false, None, None);
    }
    let archived = app.project(&ada, "Old", false, None, None);
    app.ok(
        &ada,
        "update_project",
        json!({"project": archived, "archived": true}),
    )
    .await;
    app.client(&ada, "Acme", None, None);
    {
        let conn = &mut app.db.conn().unwrap();
        let (first, _) = create_token(conn, "ada@example.com", None, app.now).unwrap();
        create_token(conn, "ada@example.com", None, app.now).unwrap();
        revoke_token(conn, "ada@example.com", &first.id.to_string(), app.now).unwrap();
    }
    // Bob's data is not Ada's usage.
    let bob = app.user("bob@example.com");
    app.project(&bob, "Bob's", false, None, None);

    let sub = app.ok(&ada, "get_subscription", json!({})).await;
    assert_eq!(sub["tier"], "free");
    assert_eq!(
        sub["usage"]["projects"],
        json!({"used": 4, "limit": 5, "remaining": 1, "at_limit": false}),
        "archived projects do not count"
    );
    assert_eq!(
        sub["usage"]["clients"],
        json!({"used": 1, "limit": 3, "remaining": 2, "at_limit": false})
    );
    assert_eq!(
        sub["usage"]["api_tokens"],
        json!({"used": 1, "limit": 2, "remaining": 1, "at_limit": false}),
        "revoked tokens do not count"
    );
    assert_eq!(sub["limits"]["invoices"], false);
    assert_eq!(sub["limits"]["budgets"], false);

    app.project(&ada, "E", false, None, None);
    let full = app.ok(&ada, "get_subscription", json!({})).await;
    assert_eq!(
        full["usage"]["projects"],
        json!({"used": 5, "limit": 5, "remaining": 0, "at_limit": true})
    );
}

#[tokio::test]
async fn tiers_and_their_tools_come_from_the_registry() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let sub = app.ok(&ada, "get_subscription", json!({})).await;
    let tiers = sub["tiers"].as_array().unwrap();
    let names: Vec<&str> = tiers.iter().map(|t| t["tier"].as_str().unwrap()).collect();
    assert_eq!(names, ["free", "pro", "business"]);
    assert_eq!(tiers[0]["current"], true);
    assert_eq!(tiers[1]["current"], false);
    assert_eq!(tiers[1]["unlocks_features"], json!(["invoices", "budgets"]));
    assert_eq!(tiers[1]["limits"]["projects"], json!(null));
    assert_eq!(tiers[2]["limits"]["api_tokens"], json!(null));

    // Every registered tool is unlocked by exactly the tier it declares.
    let unlocked = |tier: &Value| -> Vec<String> {
        tier["unlocks_tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let mut seen = 0;
    for (offer, tier) in tiers.iter().zip(Tier::ALL) {
        let expected: Vec<String> = registry()
            .iter()
            .filter(|t| t.tier == tier)
            .map(|t| t.name.to_owned())
            .collect();
        assert_eq!(unlocked(offer), expected, "{tier}");
        seen += expected.len();
        assert_eq!(
            offer["tool_count"],
            registry().iter().filter(|t| t.tier <= tier).count()
        );
    }
    assert_eq!(seen, registry().len());
    assert!(unlocked(&tiers[0]).contains(&"get_settings".to_owned()));
    assert!(unlocked(&tiers[1]).contains(&"get_budget_status".to_owned()));

    // What the free tier cannot call, each with the tier that unlocks it.
    let locked = sub["locked_tools"].as_array().unwrap();
    assert_eq!(
        locked.len(),
        registry().iter().filter(|t| t.tier > Tier::Free).count()
    );
    assert!(locked.contains(&json!({"name": "get_budget_status", "required_tier": "pro"})));

    let pro = as_tier(&app, &ada, Tier::Pro);
    let sub = app.ok(&pro, "get_subscription", json!({})).await;
    assert_eq!(sub["tier"], "pro");
    assert_eq!(sub["tiers"][1]["current"], true);
    assert_eq!(sub["usage"]["projects"]["limit"], json!(null));
    assert_eq!(sub["usage"]["projects"]["remaining"], json!(null));
    assert_eq!(sub["usage"]["api_tokens"]["limit"], 10);
    assert!(
        !sub["locked_tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "get_budget_status")
    );
}
