//! Scale: statements stay under SQLite's 32,766 bound values however many
//! tracks a call reads or writes (issue 11, item 5). The tracks are inserted
//! in bulk; the calls go through the real tools.

use catalogue::db::tracks::testing::bulk_insert;
use catalogue::testing::TestApp;
use catalogue::{ErrorCode, Tier, User};
use serde_json::json;

const MANY: i64 = 40_000;
/// 2025-01-01T00:00:00Z
const JAN_2025: i64 = 1_735_689_600;

fn pro(app: &TestApp, email: &str) -> User {
    app.user_in(email, "UTC");
    catalogue::db::users::set_tier(&mut app.db.conn().unwrap(), email, Tier::Pro).unwrap()
}

/// 40,000 five-minute billable tracks on one project, one every ten
/// minutes from 2025-01-01, every fourth with a tag.
fn many_tracks(app: &TestApp, user: &User, project: i32, tags: &[i32]) -> Vec<i32> {
    let mut conn = app.db.conn().unwrap();
    let n = bulk_insert(
        &mut conn,
        user.id,
        &[project],
        tags,
        4,
        JAN_2025,
        600,
        300,
        MANY,
        Some("100"),
        "EUR",
    )
    .unwrap();
    assert_eq!(n as i64, MANY);
    let page =
        catalogue::db::tracks::list(&mut conn, user.id, &Default::default(), 1, None, app.now)
            .unwrap();
    let (count, _) =
        catalogue::db::tracks::totals(&mut conn, user.id, &Default::default(), app.now).unwrap();
    assert_eq!(count, MANY);
    ((page.tracks[0].id - MANY as i32 + 1)..=page.tracks[0].id).collect()
}

#[tokio::test]
async fn an_invoice_over_forty_thousand_tracks_previews_and_generates() {
    let app = TestApp::new();
    let ada = pro(&app, "ada@example.com");
    let acme = app.client(&ada, "Acme", Some("EUR"), None);
    let website = app.project_of(&ada, Some(acme), "Website", true, Some("100"), Some("EUR"));
    let ids = many_tracks(&app, &ada, website, &[]);
    let args = json!({"client": "Acme", "from": "2025-01-01", "to": "2026-01-01"});

    let preview = app.ok(&ada, "preview_invoice", args.clone()).await;
    assert_eq!(preview["track_count"], MANY);
    let lines = preview["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "one line for the one project");
    assert_eq!(
        lines[0]["track_ids"].as_array().unwrap().len(),
        MANY as usize
    );
    // 40,000 × 5 minutes = 3,333.33 hours at 100.00
    assert_eq!(lines[0]["quantity"], "3333.33");

    let invoice = app.ok(&ada, "generate_invoice", args.clone()).await["invoice"].clone();
    let lines = invoice["lines"].as_array().unwrap();
    assert_eq!(
        lines[0]["track_ids"].as_array().unwrap().len(),
        MANY as usize
    );
    assert_eq!(invoice["total"], preview["total"]);

    // Every one of them is now locked on that invoice.
    let mut conn = app.db.conn().unwrap();
    let locked = catalogue::db::tracks::invoiced(&mut conn, ada.id, &ids).unwrap();
    assert_eq!(locked.len(), MANY as usize);
    assert!(
        locked.windows(2).all(|w| w[0].0 < w[1].0),
        "sorted by track"
    );
    let err = catalogue::db::tracks::ensure_not_invoiced(&mut conn, ada.id, &ids).unwrap_err();
    assert_eq!(err.code, ErrorCode::TrackInvoiced);
    drop(conn);
    // Nothing is left to bill: the next preview finds no unbilled track.
    let again = app.call(&ada, "preview_invoice", args).await;
    assert!(
        again.is_err() || again.as_ref().unwrap()["track_count"] == 0,
        "{again:?}"
    );
}

#[tokio::test]
async fn bulk_changes_read_and_write_forty_thousand_tracks() {
    let app = TestApp::new();
    let ada = pro(&app, "ada@example.com");
    let website = app.project(&ada, "Website", true, Some("100"), Some("EUR"));
    let deep = app.tag(&ada, "deep");
    let ids = many_tracks(&app, &ada, website, &[deep]);

    // What bulk_update_tracks reads for a selection by ids: every track,
    // hydrated with its project and tags, earliest first.
    let mut conn = app.db.conn().unwrap();
    let mut shuffled = ids.clone();
    shuffled.reverse();
    shuffled.push(ids[7]); // a duplicate is read once
    let found = catalogue::db::tracks::by_ids(&mut conn, ada.id, &shuffled).unwrap();
    assert_eq!(found.len(), MANY as usize);
    assert!(found.windows(2).all(|w| w[0].started_at < w[1].started_at));
    assert!(
        found
            .iter()
            .all(|t| t.project.as_ref().unwrap().name == "Website")
    );
    let tagged = found.iter().filter(|t| !t.tags.is_empty()).count();
    assert_eq!(tagged, MANY as usize / 4);
    assert!(
        catalogue::db::tracks::invoiced(&mut conn, ada.id, &ids)
            .unwrap()
            .is_empty()
    );
    drop(conn);

    // Through the tool, every one of them at once, by filter and by ids;
    // the reports' per-day totals follow.
    let year = json!({"from": "2025-01-01", "to": "2026-01-01", "bucket": "month"});
    let before = app.ok(&ada, "get_time_totals", year.clone()).await;
    assert_eq!(before["total"]["track_count"], MANY);
    // Each track priced on its own: 8.33 (not 8.333…) × 40,000.
    assert_eq!(before["total"]["amounts"][0]["amount"], "333200.00");
    let out = app
        .ok(
            &ada,
            "bulk_update_tracks",
            json!({"filter": {"project": "Website"}, "set": {"description": "renamed", "billable": false}}),
        )
        .await;
    assert_eq!(out["changed_count"], MANY, "{}", out["changed_count"]);
    let after = app.ok(&ada, "get_time_totals", year.clone()).await;
    assert_eq!(after["total"]["seconds"], before["total"]["seconds"]);
    assert_eq!(after["total"]["amounts"], json!([]), "nothing billable now");
    let out = app
        .ok(
            &ada,
            "bulk_update_tracks",
            json!({"ids": ids, "set": {"billable": true}}),
        )
        .await;
    assert_eq!(out["changed_count"], MANY);
    let again = app.ok(&ada, "get_time_totals", year).await;
    assert_eq!(again["total"], before["total"]);

    // Deleting them all at once: one call, 40,000 ids.
    let mut conn = app.db.conn().unwrap();
    let deleted = catalogue::db::tracks::delete_all(&mut conn, ada.id, &ids).unwrap();
    assert_eq!(deleted, MANY as usize);
    let left = catalogue::db::tracks::by_ids(&mut conn, ada.id, &ids).unwrap();
    assert!(left.is_empty());
}

fn assert_plans(app: &TestApp, user: &User, when: &str) {
    let mut conn = app.db.conn().unwrap();
    let plans = catalogue::db::tracks::plans::hot_paths(&mut conn, user.id, app.now).unwrap();
    for (name, plan) in &plans {
        assert!(!plan.contains("SCAN"), "{when}: {name} scans: {plan}");
        let wanted = match *name {
            "running" | "overlap_running" => "INDEX tracks_user_end (user_id=? AND ended_at=?)",
            "overlap_stopped" => "INDEX tracks_user_end (user_id=? AND ended_at>?)",
            "first_page" => "INDEX tracks_user_start (user_id=?)",
            "deep_page" => "INDEX tracks_user_start (user_id=? AND started_at<?)",
            other => panic!("unexpected query {other}"),
        };
        assert!(plan.contains(wanted), "{when}: {name}: {plan}");
        assert!(
            !plan.contains("TEMP B-TREE"),
            "{when}: {name} sorts: {plan}"
        );
    }
}

/// Running timers, overlap checks and list pages are index lookups, with
/// and without the planner's statistics: `EXPLAIN QUERY PLAN` shows the
/// intended index and no scan of `tracks`.
#[tokio::test]
async fn hot_queries_use_their_indexes() {
    use diesel::connection::SimpleConnection as _;

    let app = TestApp::new();
    if !matches!(app.db.location(), catalogue::db::Location::Sqlite(_)) {
        // SQLite's planner and its EXPLAIN QUERY PLAN; PostgreSQL's plans
        // are the benchmark's (README), its indexes the same (tests/it/schema.rs
        // in the server crate compares them).
        eprintln!("hot_queries_use_their_indexes: SQLite only");
        return;
    }
    let ada = pro(&app, "ada@example.com");
    let website = app.project(&ada, "Website", true, Some("100"), Some("EUR"));
    many_tracks(&app, &ada, website, &[]);
    app.ok(&ada, "start_timer", json!({"project": "Website"}))
        .await;
    assert_plans(&app, &ada, "without statistics");
    app.db.conn().unwrap().batch_execute("ANALYZE").unwrap();
    assert_plans(&app, &ada, "with statistics");
}

/// A history whose tracks all end at one instant (an import's, a
/// benchmark's) gives statistics by which `ended_at` tells no track apart:
/// the running timers are still an index lookup, not a scan of the user's
/// tracks (which they were, with these statistics, before the partial index
/// `tracks_running` told the planner how few rows `ended_at IS NULL` picks:
/// 50 µs a call on 800 tracks).
#[tokio::test]
async fn running_timers_are_an_index_lookup_when_tracks_share_one_end() {
    use diesel::connection::SimpleConnection as _;

    let app = TestApp::new();
    if !matches!(app.db.location(), catalogue::db::Location::Sqlite(_)) {
        eprintln!("running_timers_are_an_index_lookup_when_tracks_share_one_end: SQLite only");
        return;
    }
    let ada = pro(&app, "ada@example.com");
    let website = app.project(&ada, "Website", true, Some("100"), Some("EUR"));
    let mut conn = app.db.conn().unwrap();
    // 2,000 five-minute tracks, every one from 00:00 to 00:05 on one day.
    let n = bulk_insert(
        &mut conn,
        ada.id,
        &[website],
        &[],
        4,
        JAN_2025,
        0,
        300,
        2_000,
        Some("100"),
        "EUR",
    )
    .unwrap();
    assert_eq!(n, 2_000);
    drop(conn);
    let started = app
        .ok(&ada, "start_timer", json!({"project": "Website"}))
        .await;
    app.db.conn().unwrap().batch_execute("ANALYZE").unwrap();
    assert_plans(&app, &ada, "tracks sharing one end, with statistics");
    let timers = app.ok(&ada, "list_active_timers", json!({})).await;
    assert_eq!(timers["timers"].as_array().unwrap().len(), 1);
    assert_eq!(timers["timers"][0]["id"], started["timer"]["id"]);
}

/// Statistics taken when the history was small (a new user's) are taken
/// again by `Db::refresh_statistics` once it has grown: the planner then
/// knows `tracks` holds forty thousand rows, not one. (`teetrack serve`
/// refreshes at start, `teetrack mcp` beside its session, every connection
/// as it closes.)
#[tokio::test]
async fn statistics_taken_on_a_small_history_are_refreshed() {
    use diesel::connection::SimpleConnection as _;
    use diesel::prelude::*;

    #[derive(QueryableByName)]
    struct Stat {
        #[diesel(sql_type = diesel::sql_types::Text)]
        stat: String,
    }
    fn tracks_counted(app: &TestApp) -> i64 {
        let mut conn = app.db.conn().unwrap();
        let catalogue::db::Conn::Sqlite(conn) = &mut *conn else {
            unreachable!("SQLite only")
        };
        let stats: Vec<Stat> = diesel::sql_query(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'tracks' AND idx = 'tracks_user_end'",
        )
        .load(conn)
        .unwrap();
        // `stat` starts with the table's row count.
        stats[0].stat.split(' ').next().unwrap().parse().unwrap()
    }

    let app = TestApp::new();
    if !matches!(app.db.location(), catalogue::db::Location::Sqlite(_)) {
        // PostgreSQL's autovacuum keeps its statistics; the refresh does nothing.
        app.db.refresh_statistics().unwrap();
        return;
    }
    let bob = pro(&app, "bob@example.com");
    app.ok(
        &bob,
        "start_timer",
        json!({"description": "the first track"}),
    )
    .await;
    app.db.conn().unwrap().batch_execute("ANALYZE").unwrap();
    assert_eq!(tracks_counted(&app), 1, "taken on a one-track history");
    let ada = pro(&app, "ada@example.com");
    let website = app.project(&ada, "Website", true, Some("100"), Some("EUR"));
    many_tracks(&app, &ada, website, &[]);
    app.db.refresh_statistics().unwrap();
    let counted = tracks_counted(&app);
    assert!(counted > MANY / 2, "{counted} rows by the statistics");
}
