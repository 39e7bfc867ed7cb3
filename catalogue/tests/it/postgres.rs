//! What only a server engine does: drop connections. Runs in the
//! PostgreSQL pass of `scripts/test`.

use catalogue::Db;
use catalogue::db::Location;
use catalogue::testing::TestApp;
use diesel::connection::SimpleConnection as _;
use serde_json::json;

/// A restart or a proxy's idle timeout kills the pool's connections; the
/// next calls get new ones instead of failing.
#[tokio::test]
async fn connections_the_server_dropped_are_replaced() {
    let app = TestApp::new();
    let Location::Postgres(url) = app.db.location().clone() else {
        eprintln!("dropped connections: PostgreSQL only; not run");
        return;
    };
    let ada = app.user("ada@example.com");
    // Several pooled connections, idle now.
    let held: Vec<_> = (0..4).map(|_| app.db.conn().unwrap()).collect();
    drop(held);
    app.ok(&ada, "log_track", json!({"start": "09:00", "end": "10:00"}))
        .await;

    // Another pool ends every other connection to this database.
    let other = Db::open(Some(&url)).unwrap();
    other
        .conn()
        .unwrap()
        .batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .unwrap();

    for _ in 0..6 {
        let listed = app.ok(&ada, "list_tracks", json!({})).await;
        assert_eq!(listed["tracks"].as_array().unwrap().len(), 1);
    }
    app.ok(&ada, "log_track", json!({"start": "11:00", "end": "12:00"}))
        .await;
}
