//! Tags through the registry: create, list with usage, update, delete.

use catalogue::ErrorCode;
use catalogue::testing::TestApp;
use serde_json::{Value, json};

fn names(list: &Value) -> Vec<String> {
    list["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn create_checks_names_and_colours_and_replays_by_key() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    let created = app
        .ok(
            &ada,
            "create_tag",
            json!({"name": " Design ", "color": "#ff00aa", "idempotency_key": "t1"}),
        )
        .await;
    assert_eq!(created["replayed"], false);
    let tag = &created["tag"];
    assert_eq!(
        (
            &tag["name"],
            &tag["color"],
            &tag["track_count"],
            &tag["total_seconds"]
        ),
        (&json!("Design"), &json!("#FF00AA"), &json!(0), &json!(0))
    );
    assert_eq!(tag["total_duration"], "0:00:00");
    let replay = app
        .ok(
            &ada,
            "create_tag",
            json!({"name": "Design", "color": "#ff00aa", "idempotency_key": "t1"}),
        )
        .await;
    assert_eq!(replay["replayed"], true);
    assert_eq!(replay["tag"]["id"], tag["id"]);
    let plain = app.ok(&ada, "create_tag", json!({"name": "admin"})).await;
    assert_eq!(plain["tag"]["color"], json!(null));

    for (args, code) in [
        (json!({"name": "DESIGN"}), ErrorCode::Conflict),
        (json!({"name": ""}), ErrorCode::InvalidArgument),
        (
            json!({"name": "x", "color": "#FFF"}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"name": "x", "color": "pink"}),
            ErrorCode::InvalidArgument,
        ),
    ] {
        let err = app.err(&ada, "create_tag", args.clone()).await;
        assert_eq!(err.code, code, "{args}");
    }
    let err = app.err(&ada, "create_tag", json!({"name": "design"})).await;
    assert_eq!(
        err.details["existing"],
        json!({"id": tag["id"], "name": "Design"})
    );
    assert!(err.hint.unwrap().contains("use tag"));
    assert_eq!(
        app.ok(&ada, "list_tags", json!({})).await["total_count"],
        2,
        "nothing else was written"
    );
}

#[tokio::test]
async fn list_shows_usage_sorted_by_name_and_pages() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    for name in ["meeting", "Design", "admin", "call_notes"] {
        app.tag(&ada, name);
    }
    app.ok(
        &ada,
        "log_track",
        json!({"start": "08:00", "duration": "1h", "tags": ["meeting", "design"]}),
    )
    .await;
    app.ok(
        &ada,
        "log_track",
        json!({"start": "10:00", "duration": "30m", "tags": ["meeting"]}),
    )
    .await;
    app.ok(
        &ada,
        "start_timer",
        json!({"start": "14:00", "tags": ["meeting"]}),
    )
    .await;
    let list = app.ok(&ada, "list_tags", json!({})).await;
    assert_eq!(names(&list), ["admin", "call_notes", "Design", "meeting"]);
    assert_eq!(list["total_count"], 4);
    let meeting = &list["tags"][3];
    // 1h + 30m + running 30m
    assert_eq!(meeting["track_count"], 3);
    assert_eq!(meeting["total_seconds"], 7200);
    assert_eq!(meeting["total_duration"], "2:00:00");
    assert_eq!(list["tags"][2]["total_seconds"], 3600);
    assert_eq!(list["tags"][0]["track_count"], 0);
    assert!(list["next_cursor"].is_null());

    let search = app.ok(&ada, "list_tags", json!({"search": "E"})).await;
    assert_eq!(names(&search), ["call_notes", "Design", "meeting"]);
    let literal = app.ok(&ada, "list_tags", json!({"search": "_"})).await;
    assert_eq!(names(&literal), ["call_notes"], "wildcards are literal");

    let first = app.ok(&ada, "list_tags", json!({"limit": 3})).await;
    assert_eq!(names(&first), ["admin", "call_notes", "Design"]);
    assert_eq!(first["total_count"], 4);
    let second = app
        .ok(
            &ada,
            "list_tags",
            json!({"limit": 3, "cursor": first["next_cursor"]}),
        )
        .await;
    assert_eq!(names(&second), ["meeting"]);
    assert!(second["next_cursor"].is_null());
    for bad in [
        json!({"limit": 0}),
        json!({"limit": 500}),
        json!({"cursor": "x"}),
    ] {
        assert_eq!(
            app.err(&ada, "list_tags", bad.clone()).await.code,
            ErrorCode::InvalidArgument,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn update_renames_and_recolours_and_tracks_keep_the_tag() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.tag(&ada, "design");
    app.tag(&ada, "admin");
    let track = app
        .ok(
            &ada,
            "log_track",
            json!({"start": "08:00", "duration": "1h", "tags": ["design"]}),
        )
        .await["track"]["id"]
        .clone();
    let renamed = app
        .ok(
            &ada,
            "update_tag",
            json!({"tag": "DESIGN", "name": "UX", "color": "#00ff00"}),
        )
        .await;
    assert_eq!(renamed["tag"]["name"], "UX");
    assert_eq!(renamed["tag"]["color"], "#00FF00");
    assert_eq!(renamed["tag"]["track_count"], 1);
    let got = app.ok(&ada, "get_track", json!({"id": track})).await;
    assert_eq!(got["tags"][0]["name"], "UX");
    let cleared = app
        .ok(&ada, "update_tag", json!({"tag": "ux", "clear": ["color"]}))
        .await;
    assert_eq!(cleared["tag"]["color"], json!(null));
    assert_eq!(cleared["tag"]["name"], "UX", "left alone");
    let recased = app
        .ok(&ada, "update_tag", json!({"tag": "ux", "name": "ux"}))
        .await;
    assert_eq!(recased["tag"]["name"], "ux", "its own name in another case");

    for (args, code) in [
        (json!({"tag": "ux", "name": "Admin"}), ErrorCode::Conflict),
        (
            json!({"tag": "ux", "name": "  "}),
            ErrorCode::InvalidArgument,
        ),
        (
            json!({"tag": "ux", "color": "#12"}),
            ErrorCode::InvalidArgument,
        ),
        (json!({"tag": "nope", "name": "x"}), ErrorCode::NotFound),
        (json!({"tag": 999, "name": "x"}), ErrorCode::NotFound),
    ] {
        let err = app.err(&ada, "update_tag", args.clone()).await;
        assert_eq!(err.code, code, "{args}");
    }
    let list = app.ok(&ada, "list_tags", json!({})).await;
    assert_eq!(names(&list), ["admin", "ux"]);
}

#[tokio::test]
async fn a_name_that_is_also_an_id_is_ambiguous() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.tag(&ada, "2");
    app.tag(&ada, "second");
    let err = app
        .err(&ada, "update_tag", json!({"tag": "2", "color": "#000000"}))
        .await;
    assert_eq!(err.code, ErrorCode::Ambiguous);
    assert_eq!(err.details["candidates"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn delete_detaches_from_tracks_with_a_dry_run_first() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    app.tag(&ada, "design");
    app.tag(&ada, "admin");
    let mut tracks = Vec::new();
    for start in ["08:00", "10:00"] {
        let args = json!({"start": start, "duration": "1h", "tags": ["design", "admin"]});
        tracks.push(app.ok(&ada, "log_track", args).await["track"]["id"].clone());
    }
    let preview = app
        .ok(
            &ada,
            "delete_tag",
            json!({"tag": "design", "dry_run": true}),
        )
        .await;
    assert_eq!(preview["dry_run"], true);
    assert_eq!(preview["detached_from_tracks"], 2);
    assert_eq!(preview["tag"]["total_seconds"], 7200);
    assert_eq!(
        app.ok(&ada, "list_tags", json!({})).await["total_count"],
        2,
        "a dry run deletes nothing"
    );
    let deleted = app.ok(&ada, "delete_tag", json!({"tag": "design"})).await;
    assert_eq!(deleted["dry_run"], false);
    assert_eq!(deleted["detached_from_tracks"], 2);
    for id in &tracks {
        let track = app.ok(&ada, "get_track", json!({"id": id})).await;
        assert_eq!(
            track["tags"],
            json!([{"id": track["tags"][0]["id"], "name": "admin"}])
        );
    }
    assert_eq!(
        app.err(&ada, "delete_tag", json!({"tag": "design"}))
            .await
            .code,
        ErrorCode::NotFound
    );
    let unused = app.ok(&ada, "create_tag", json!({"name": "design"})).await;
    let gone = app
        .ok(&ada, "delete_tag", json!({"tag": unused["tag"]["id"]}))
        .await;
    assert_eq!(gone["detached_from_tracks"], 0);
}
