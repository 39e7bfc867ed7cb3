//! Tenancy: another user's id behaves exactly like an id that does not exist,
//! for every tool and every reference inside arguments. The table below must
//! name every registered tool, so a new tool cannot skip this test.

use std::collections::BTreeSet;

use catalogue::testing::TestApp;
use catalogue::{ErrorCode, User, registry};
use serde_json::{Value, json};

/// Ada's ids, which Bob must not reach.
struct Foreign {
    track: Value,
    running: Value,
    project: Value,
    tag: Value,
}

/// Calls Bob makes with Ada's ids; each must be `not_found`.
fn attacks(f: &Foreign) -> Vec<(&'static str, Value)> {
    vec![
        ("get_track", json!({"id": f.track})),
        (
            "update_track",
            json!({"id": f.track, "description": "mine now"}),
        ),
        ("delete_track", json!({"id": f.track})),
        ("delete_track", json!({"id": f.track, "dry_run": true})),
        ("continue_track", json!({"id": f.track})),
        ("stop_timer", json!({"id": f.running})),
        ("switch_timer", json!({"stop": f.running})),
        ("start_timer", json!({"project": f.project})),
        ("start_timer", json!({"project": "Ada's project"})),
        ("start_timer", json!({"tags": [f.tag]})),
        ("switch_timer", json!({"project": f.project})),
        (
            "log_track",
            json!({"start": "09:00", "duration": "1h", "project": f.project}),
        ),
        (
            "log_track",
            json!({"start": "09:00", "duration": "1h", "tags": ["ada-tag"]}),
        ),
        ("list_tracks", json!({"project": f.project})),
        ("list_tracks", json!({"tag": f.tag})),
    ]
}

/// Tools that take no id of another user's: each must show none of Ada's data.
const LISTS: &[&str] = &["get_context", "list_active_timers", "list_tracks"];

async fn setup() -> (TestApp, User, User, Foreign) {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let bob = app.user("bob@example.com");
    let project = json!(app.project(&ada, "Ada's project", true, Some("100"), None));
    let tag = json!(app.tag(&ada, "ada-tag"));
    let track = app
        .ok(
            &ada,
            "log_track",
            json!({"start": "08:00", "end": "09:00", "project": project, "tags": [tag]}),
        )
        .await;
    let running = app
        .ok(&ada, "start_timer", json!({"description": "ada's timer"}))
        .await;
    // Bob has a timer too, so a stop that ignored the id would find one.
    app.ok(&bob, "start_timer", json!({"description": "bob's timer"}))
        .await;
    let foreign = Foreign {
        track: track["track"]["id"].clone(),
        running: running["timer"]["id"].clone(),
        project,
        tag,
    };
    (app, ada, bob, foreign)
}

#[tokio::test]
async fn another_users_ids_are_not_found_everywhere() {
    let (app, ada, bob, foreign) = setup().await;
    let before = app.ok(&ada, "list_tracks", json!({})).await;
    for (tool, args) in attacks(&foreign) {
        let err = app.err(&bob, tool, args.clone()).await;
        assert_eq!(err.code, ErrorCode::NotFound, "{tool}({args}): {err:?}");
    }
    assert_eq!(
        app.ok(&ada, "list_tracks", json!({})).await,
        before,
        "Ada's data is untouched"
    );
}

#[tokio::test]
async fn lists_show_only_the_callers_data() {
    let (app, _ada, bob, _foreign) = setup().await;
    let text = |v: &Value| v.to_string();
    for tool in LISTS {
        let out = app.ok(&bob, tool, json!({})).await;
        assert!(
            !text(&out).contains("ada"),
            "{tool} leaked Ada's data: {out}"
        );
    }
    assert_eq!(
        app.ok(&bob, "list_tracks", json!({})).await["total_count"],
        1
    );
}

#[tokio::test]
async fn every_registered_tool_is_covered() {
    let (_app, _ada, _bob, foreign) = setup().await;
    let covered: BTreeSet<&str> = attacks(&foreign)
        .iter()
        .map(|(tool, _)| *tool)
        .chain(LISTS.iter().copied())
        .collect();
    let registered: BTreeSet<&str> = registry().iter().map(|t| t.name).collect();
    let missing: Vec<_> = registered.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "add these tools to the isolation test: {missing:?}"
    );
}
