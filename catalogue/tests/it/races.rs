//! Invariants checked and then written in one transaction, raced by many
//! writers at once. On SQLite one writer runs at a time; on PostgreSQL
//! (READ COMMITTED) they hold only through `db::write`'s advisory locks:
//! these tests fail there without them (`scripts/test` runs them on both).

use std::sync::Arc;

use catalogue::db::oauth::{self, Authorization, Lifetimes, OAuthError};
use catalogue::testing::TestApp;
use serde_json::json;

const WRITERS: usize = 16;
/// Rounds, each a fresh race: one round may happen to serialise by itself.
const ROUNDS: usize = 6;

/// Twelve timers started at once under a limit of one: one runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn timers_started_at_once_never_exceed_the_limit() {
    let app = Arc::new(TestApp::new());
    for round in 0..ROUNDS {
        let ada = app.user(&format!("ada{round}@example.com"));
        let tasks: Vec<_> = (0..WRITERS)
            .map(|i| {
                let (app, ada) = (Arc::clone(&app), ada.clone());
                tokio::spawn(async move {
                    app.call(
                        &ada,
                        "start_timer",
                        json!({"description": format!("timer {i}"), "if_running": "error"}),
                    )
                    .await
                })
            })
            .collect();
        let mut started = 0;
        for task in tasks {
            if task.await.unwrap().is_ok() {
                started += 1;
            }
        }
        let running = app.ok(&ada, "list_active_timers", json!({})).await;
        let running = running["timers"].as_array().unwrap().len();
        assert_eq!(running, 1, "max_active_timers is 1");
        assert_eq!(started, 1, "one start succeeds, the others are refused");
    }
}

/// Twelve tracks logged at once over the same hour, overlaps refused: one
/// is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_tracks_logged_at_once_keep_one_when_overlaps_are_refused() {
    let app = Arc::new(TestApp::new());
    for round in 0..ROUNDS {
        let ada = app.user(&format!("ada{round}@example.com"));
        app.ok(&ada, "update_settings", json!({"overlap_policy": "reject"}))
            .await;
        let tasks: Vec<_> = (0..WRITERS)
            .map(|i| {
                let (app, ada) = (Arc::clone(&app), ada.clone());
                tokio::spawn(async move {
                    app.call(
                    &ada,
                    "log_track",
                    json!({"start": "09:00", "end": "10:00", "description": format!("try {i}")}),
                )
                .await
                })
            })
            .collect();
        let mut kept = 0;
        for task in tasks {
            if task.await.unwrap().is_ok() {
                kept += 1;
            }
        }
        let listed = app.ok(&ada, "list_tracks", json!({})).await;
        assert_eq!(listed["tracks"].as_array().unwrap().len(), 1, "{listed}");
        assert_eq!(kept, 1);
    }
}

/// A refresh token presented by twelve requests at once is redeemed once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refresh_token_raced_is_redeemed_once() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com");
    for _ in 0..ROUNDS {
        let life = Lifetimes {
            access_secs: 3600,
            refresh_secs: 86400,
        };
        let (client, refresh) = {
            let conn = &mut app.db.conn().unwrap();
            let client = oauth::register_client(
                conn,
                "Claude",
                &["https://claude.ai/cb".into()],
                None,
                app.now,
            )
            .unwrap();
            let auth = Authorization {
                client_id: client.client_id.clone(),
                user_id: ada.id,
                redirect_uri: "https://claude.ai/cb".into(),
                code_challenge: "challenge".into(),
                resource: "https://tt.example.com/api/mcp".into(),
                scope: "tracks:read".into(),
            };
            let code = oauth::create_code(conn, &auth, 120, app.now).unwrap();
            let pair =
                oauth::exchange_code(conn, &code, life, app.now, |_| Ok::<_, OAuthError>(()))
                    .unwrap();
            (client, pair.refresh_token)
        };
        let db = app.db.clone();
        let now = app.now;
        let threads: Vec<_> = (0..WRITERS)
            .map(|_| {
                let (db, refresh, client_id) =
                    (db.clone(), refresh.clone(), client.client_id.clone());
                std::thread::spawn(move || {
                    let conn = &mut db.conn().unwrap();
                    oauth::refresh(conn, &refresh, &client_id, life, now)
                })
            })
            .collect();
        let outcomes: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let redeemed = outcomes.iter().filter(|o| o.is_ok()).count();
        assert_eq!(redeemed, 1, "{outcomes:?}");
    }
}
