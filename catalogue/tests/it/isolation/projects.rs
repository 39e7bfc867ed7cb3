//! Isolation: projects, tags and clients, and the client references inside
//! project arguments.

use catalogue::User;
use catalogue::testing::TestApp;
use serde_json::{Value, json};

use super::Ids;

pub async fn seed(app: &TestApp, ada: &User, bob: &User, ids: &mut Ids) {
    let client = app
        .ok(
            ada,
            "create_client",
            json!({"name": "Ada's catalogue client", "currency": "EUR", "hourly_rate": "90", "idempotency_key": "ada-client-key"}),
        )
        .await;
    let project = app
        .ok(
            ada,
            "create_project",
            json!({"name": "Ada's catalogue project", "client": "Ada's catalogue client", "budget": {"hours": 10}, "idempotency_key": "ada-project-key"}),
        )
        .await;
    let tag = app
        .ok(
            ada,
            "create_tag",
            json!({"name": "ada-catalogue-label", "idempotency_key": "ada-tag-key"}),
        )
        .await;
    app.ok(
        ada,
        "log_track",
        json!({"project": "Ada's catalogue project", "tags": ["ada-catalogue-label"], "start": "06:00", "duration": "1h"}),
    )
    .await;
    // Bob's own things, so a lookup that ignored the user would find something.
    let bobs = app.project(bob, "Bob's side project", true, Some("50"), None);
    app.client(bob, "Bob's side client", None, None);
    app.tag(bob, "bob-side-label");
    ids.insert("catalogue_client".into(), client["client"]["id"].clone());
    ids.insert("catalogue_project".into(), project["project"]["id"].clone());
    ids.insert("catalogue_tag".into(), tag["tag"]["id"].clone());
    ids.insert("bob_catalogue_project".into(), json!(bobs));
}

pub fn attacks(ids: &Ids) -> Vec<(&'static str, Value)> {
    let (client, project, label) = (
        &ids["catalogue_client"],
        &ids["catalogue_project"],
        &ids["catalogue_tag"],
    );
    vec![
        ("get_project", json!({"project": project})),
        ("get_project", json!({"project": "Ada's catalogue project"})),
        (
            "update_project",
            json!({"project": project, "name": "mine"}),
        ),
        (
            "update_project",
            json!({"project": "Ada's catalogue project", "hourly_rate": "1", "reprice_unbilled": true, "dry_run": true}),
        ),
        (
            "delete_project",
            json!({"project": project, "tracks": "delete"}),
        ),
        (
            "delete_project",
            json!({"project": "Ada's catalogue project", "dry_run": true}),
        ),
        // Ada's catalogue client inside Bob's own project arguments.
        (
            "create_project",
            json!({"name": "Bob's new side project", "client": client}),
        ),
        (
            "create_project",
            json!({"name": "Bob's new side project", "client": "Ada's catalogue client"}),
        ),
        (
            "update_project",
            json!({"project": ids["bob_catalogue_project"], "client": client}),
        ),
        ("list_projects", json!({"client": client})),
        ("list_projects", json!({"client": "Ada's catalogue client"})),
        ("get_client", json!({"client": client})),
        ("get_client", json!({"client": "Ada's catalogue client"})),
        ("update_client", json!({"client": client, "notes": "mine"})),
        (
            "update_client",
            json!({"client": "Ada's catalogue client", "archived": true}),
        ),
        ("delete_client", json!({"client": client})),
        (
            "delete_client",
            json!({"client": "Ada's catalogue client", "dry_run": true}),
        ),
        ("update_tag", json!({"tag": label, "name": "mine"})),
        (
            "update_tag",
            json!({"tag": "ada-catalogue-label", "color": "#000000"}),
        ),
        ("delete_tag", json!({"tag": label})),
        (
            "delete_tag",
            json!({"tag": "ada-catalogue-label", "dry_run": true}),
        ),
    ]
}

/// Bob creating with Ada's names and idempotency keys: his own new items,
/// neither a replay of hers nor a name conflict with them.
pub fn creates(_ids: &Ids) -> Vec<(&'static str, Value)> {
    vec![
        (
            "create_client",
            json!({"name": "Ada's catalogue client", "idempotency_key": "ada-client-key"}),
        ),
        (
            "create_project",
            json!({"name": "Ada's catalogue project", "idempotency_key": "ada-project-key"}),
        ),
        (
            "create_tag",
            json!({"name": "ada-catalogue-label", "idempotency_key": "ada-tag-key"}),
        ),
    ]
}

pub const LISTS: &[&str] = &["list_projects", "list_clients", "list_tags"];
