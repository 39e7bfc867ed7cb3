//! Tenancy: another user's id behaves exactly like an id that does not exist,
//! for every tool and every reference inside arguments. Each area's module
//! seeds Ada's data and names the calls Bob must not get through; a final
//! check fails when a registered tool is covered by no area.

mod analytics;
mod invoices;
mod projects;
mod tracks;

use std::collections::BTreeSet;

use catalogue::testing::TestApp;
use catalogue::{ErrorCode, User, registry};
use serde_json::{Map, Value, json};

/// Ada's ids by name (`"track"`, `"project"`, …), filled by the areas' seeds.
pub type Ids = Map<String, Value>;

pub struct World {
    pub app: TestApp,
    pub ada: User,
    pub bob: User,
    pub ids: Ids,
}

async fn world() -> World {
    let app = TestApp::new();
    // Both on the pro tier, so tier-gated tools reach their own checks: a
    // `tier_required` answer would hide a leak.
    let ada = pro(&app, "ada@example.com");
    let bob = pro(&app, "bob@example.com");
    let mut ids = Ids::new();
    projects::seed(&app, &ada, &bob, &mut ids).await;
    tracks::seed(&app, &ada, &bob, &mut ids).await;
    invoices::seed(&app, &ada, &bob, &mut ids).await;
    analytics::seed(&app, &ada, &bob, &mut ids).await;
    World { app, ada, bob, ids }
}

fn pro(app: &TestApp, email: &str) -> User {
    app.user(email);
    catalogue::db::users::set_tier(
        &mut app.db.conn().expect("conn"),
        email,
        catalogue::Tier::Pro,
    )
    .expect("tier")
}

/// Calls Bob makes with Ada's ids; each must be `not_found`.
fn attacks(ids: &Ids) -> Vec<(&'static str, Value)> {
    [
        projects::attacks(ids),
        tracks::attacks(ids),
        invoices::attacks(ids),
        analytics::attacks(ids),
    ]
    .concat()
}

/// Creates that take no id: Bob reusing Ada's names and idempotency keys
/// must get a new item of his own, neither a replay of hers nor a conflict.
fn creates(ids: &Ids) -> Vec<(&'static str, Value)> {
    projects::creates(ids)
}

/// Tools that take no id: each must show none of Ada's data to Bob.
fn lists() -> Vec<&'static str> {
    [
        projects::LISTS,
        tracks::LISTS,
        invoices::LISTS,
        analytics::LISTS,
    ]
    .concat()
}

#[tokio::test]
async fn another_users_ids_are_not_found_everywhere() {
    let World { app, ada, bob, ids } = world().await;
    let before = app.ok(&ada, "list_tracks", json!({})).await;
    for (tool, args) in attacks(&ids) {
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
    let World { app, bob, .. } = world().await;
    for tool in lists() {
        let out = app.ok(&bob, tool, json!({})).await;
        assert!(
            !out.to_string().to_lowercase().contains("ada"),
            "{tool} leaked Ada's data: {out}"
        );
    }
}

#[tokio::test]
async fn creates_with_another_users_names_and_keys_are_the_callers_own() {
    let World { app, bob, ids, .. } = world().await;
    for (tool, args) in creates(&ids) {
        let out = app.ok(&bob, tool, args.clone()).await;
        assert_eq!(out["replayed"], false, "{tool}({args}) replayed: {out}");
    }
}

#[tokio::test]
async fn every_registered_tool_is_covered() {
    let World { ids, .. } = world().await;
    let attacked = attacks(&ids);
    let created = creates(&ids);
    let covered: BTreeSet<&str> = attacked
        .iter()
        .chain(&created)
        .map(|(tool, _)| *tool)
        .chain(lists())
        .collect();
    let registered: BTreeSet<&str> = registry().iter().map(|t| t.name).collect();
    let missing: Vec<_> = registered.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "add these tools to an isolation area: {missing:?}"
    );
}
