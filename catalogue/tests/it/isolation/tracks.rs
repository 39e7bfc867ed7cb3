//! Timers and tracks; also the project and tag references inside their arguments.

use catalogue::User;
use catalogue::testing::TestApp;
use serde_json::{Value, json};

use super::Ids;

pub async fn seed(app: &TestApp, ada: &User, bob: &User, ids: &mut Ids) {
    let project = json!(app.project(ada, "Ada's project", true, Some("100"), None));
    let tag = json!(app.tag(ada, "ada-tag"));
    let track = app
        .ok(
            ada,
            "log_track",
            json!({"start": "08:00", "end": "09:00", "project": project, "tags": [tag]}),
        )
        .await;
    let running = app
        .ok(ada, "start_timer", json!({"description": "ada's timer"}))
        .await;
    // Bob has a timer too, so a stop that ignored the id would find one.
    app.ok(bob, "start_timer", json!({"description": "bob's timer"}))
        .await;
    let bobs = app
        .ok(bob, "log_track", json!({"start": "07:00", "end": "07:30"}))
        .await;
    ids.insert("bob_track".into(), bobs["track"]["id"].clone());
    ids.insert("track".into(), track["track"]["id"].clone());
    ids.insert("running".into(), running["timer"]["id"].clone());
    ids.insert("project".into(), project);
    ids.insert("tag".into(), tag);
}

pub fn attacks(ids: &Ids) -> Vec<(&'static str, Value)> {
    let (track, running, project, tag) =
        (&ids["track"], &ids["running"], &ids["project"], &ids["tag"]);
    vec![
        ("get_track", json!({"id": track})),
        (
            "update_track",
            json!({"id": track, "description": "mine now"}),
        ),
        ("delete_track", json!({"id": track})),
        ("delete_track", json!({"id": track, "dry_run": true})),
        ("continue_track", json!({"id": track})),
        ("stop_timer", json!({"id": running})),
        ("switch_timer", json!({"stop": running})),
        ("start_timer", json!({"project": project})),
        ("start_timer", json!({"project": "Ada's project"})),
        ("start_timer", json!({"tags": [tag]})),
        ("switch_timer", json!({"project": project})),
        (
            "log_track",
            json!({"start": "09:00", "duration": "1h", "project": project}),
        ),
        (
            "log_track",
            json!({"start": "09:00", "duration": "1h", "tags": ["ada-tag"]}),
        ),
        // Bob's own track, pointed at Ada's project or tag.
        (
            "update_track",
            json!({"id": ids["bob_track"], "project": project}),
        ),
        (
            "update_track",
            json!({"id": ids["bob_track"], "tags": [tag]}),
        ),
        ("list_tracks", json!({"project": project})),
        ("list_tracks", json!({"tag": tag})),
        (
            "bulk_update_tracks",
            json!({"ids": [track], "set": {"description": "mine now"}}),
        ),
        (
            "bulk_update_tracks",
            json!({"ids": [track], "set": {"billable": false}, "dry_run": true}),
        ),
        (
            "bulk_update_tracks",
            json!({"ids": [ids["bob_track"], running], "set": {"description": "mine now"}}),
        ),
        // Bob's own track, pointed at Ada's project or tags.
        (
            "bulk_update_tracks",
            json!({"ids": [ids["bob_track"]], "set": {"project": project}}),
        ),
        (
            "bulk_update_tracks",
            json!({"ids": [ids["bob_track"]], "set": {"project": "Ada's project"}}),
        ),
        (
            "bulk_update_tracks",
            json!({"ids": [ids["bob_track"]], "set": {"add_tags": [tag]}}),
        ),
        (
            "bulk_update_tracks",
            json!({"ids": [ids["bob_track"]], "set": {"remove_tags": ["ada-tag"]}}),
        ),
        (
            "bulk_update_tracks",
            json!({"filter": {"project": project}, "set": {"description": "mine now"}}),
        ),
        (
            "bulk_update_tracks",
            json!({"filter": {"tag": "ada-tag"}, "set": {"description": "mine now"}}),
        ),
    ]
}

pub const LISTS: &[&str] = &[
    "get_context",
    "list_active_timers",
    "list_tracks",
    "review_timesheet",
];
