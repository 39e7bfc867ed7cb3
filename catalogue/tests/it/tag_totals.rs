//! The per-tag totals behind `list_tags` (issue 11): after writes of every
//! kind through the tools, each tag's track count and time equal its
//! tracks added up one by one, as `list_tracks` shows them; and the
//! migration's and the bulk loader's recount give the same figures.

use std::collections::BTreeMap;

use catalogue::User;
use catalogue::testing::TestApp;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

const TAGS: [&str; 4] = ["design", "meeting", "admin", "travel"];

/// Count and seconds per tag name, from every track `list_tracks` pages
/// through (running timers up to now).
async fn from_the_tracks(app: &TestApp, user: &User) -> BTreeMap<String, (i64, i64)> {
    let mut out: BTreeMap<String, (i64, i64)> =
        TAGS.iter().map(|t| (t.to_string(), (0, 0))).collect();
    let mut cursor = Value::Null;
    loop {
        let page = app
            .ok(user, "list_tracks", json!({"limit": 100, "cursor": cursor}))
            .await;
        for track in page["tracks"].as_array().unwrap() {
            for tag in track["tags"].as_array().unwrap() {
                let entry = out
                    .entry(tag["name"].as_str().unwrap().to_owned())
                    .or_default();
                entry.0 += 1;
                entry.1 += track["duration_seconds"].as_i64().unwrap();
            }
        }
        cursor = page["next_cursor"].clone();
        if cursor.is_null() {
            return out;
        }
    }
}

/// Count and seconds per tag name, as `list_tags` gives them.
async fn listed(app: &TestApp, user: &User) -> BTreeMap<String, (i64, i64)> {
    let list = app.ok(user, "list_tags", json!({"limit": 100})).await;
    list["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tag| {
            (
                tag["name"].as_str().unwrap().to_owned(),
                (
                    tag["track_count"].as_i64().unwrap(),
                    tag["total_seconds"].as_i64().unwrap(),
                ),
            )
        })
        .collect()
}

fn some_tags(rng: &mut StdRng) -> Vec<&'static str> {
    TAGS.iter()
        .copied()
        .filter(|_| rng.random_bool(0.4))
        .collect()
}

#[tokio::test]
async fn tag_totals_equal_the_tracks_added_up_after_every_kind_of_write() {
    let app = TestApp::new();
    let mut rng = StdRng::seed_from_u64(15);
    let ada = app.user("ada@example.com");
    let bob = app.user("bob@example.com");
    for name in TAGS {
        app.tag(&ada, name);
        app.tag(&bob, name);
    }
    // Bob's tracks share nothing with Ada's figures.
    app.ok(
        &bob,
        "log_track",
        json!({"start": "2026-11-02 09:00", "duration": "5h", "tags": TAGS}),
    )
    .await;

    let mut ids = Vec::new();
    for n in 0..120 {
        let day = format!("2026-{:02}-{:02}", 1 + n % 11, 1 + n % 28);
        let logged = app
            .ok(
                &ada,
                "log_track",
                json!({
                    "start": format!("{day} {:02}:{:02}", 1 + n % 12, n % 60),
                    "duration": format!("{}m", rng.random_range(1..300)),
                    "tags": some_tags(&mut rng),
                }),
            )
            .await;
        let id = logged["track"]["id"].as_i64().unwrap();
        match n % 6 {
            0 => {
                app.ok(&ada, "delete_track", json!({"id": id})).await;
            }
            1 => {
                app.ok(
                    &ada,
                    "update_track",
                    json!({"id": id, "tags": some_tags(&mut rng), "start": format!("{day} 00:13")}),
                )
                .await;
            }
            2 => {
                app.ok(&ada, "update_track", json!({"id": id, "tags": []}))
                    .await;
            }
            _ => ids.push(id),
        }
    }
    app.ok(
        &ada,
        "bulk_update_tracks",
        json!({"ids": ids[..40], "set": {"add_tags": ["travel"], "remove_tags": ["admin"]}}),
    )
    .await;
    app.ok(
        &ada,
        "start_timer",
        json!({"start": "2026-11-25 09:00", "tags": ["design", "meeting"]}),
    )
    .await;
    assert_eq!(listed(&app, &ada).await, from_the_tracks(&app, &ada).await);

    // A stopped timer moves into the kept totals; a deleted tag leaves them.
    app.ok(&ada, "stop_timer", json!({})).await;
    app.ok(&ada, "delete_tag", json!({"tag": "admin"})).await;
    let mut want = from_the_tracks(&app, &ada).await;
    want.remove("admin");
    assert_eq!(listed(&app, &ada).await, want);
    assert_eq!(
        listed(&app, &bob).await["design"],
        (1, 5 * 3600),
        "Bob's figures are his own"
    );

    // Summed again from the links (the bulk loader's path): the same.
    catalogue::db::tag_totals::recount(&mut app.db.conn().unwrap(), ada.id).unwrap();
    assert_eq!(listed(&app, &ada).await, want);
    assert_eq!(listed(&app, &bob).await["design"], (1, 5 * 3600));
}
