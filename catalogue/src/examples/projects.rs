//! Worked examples: clients, projects and tags. These run first and log no
//! tracks (later areas refer to tracks by id); "Website redesign" is left
//! as it is for them.

use serde_json::json;

use super::{Step, step};

pub fn steps() -> Vec<Step> {
    vec![
        step(
            "create_client",
            json!({
                "name": "Acme GmbH", "email": "accounts@acme.example", "phone": "+49 30 901820",
                "currency": "EUR", "hourly_rate": "90", "notes": "Invoices to the finance team",
                "idempotency_key": "client-acme",
            }),
        ),
        step(
            "create_project",
            json!({
                "name": "Mobile app", "client": "Acme GmbH", "color": "#1E88E5",
                "description": "iOS and Android app, phase 1",
                "budget": {"hours": 120, "amount": "10000", "period": "total"},
                "idempotency_key": "project-mobile-app",
            }),
        ),
        step("list_projects", json!({"include_spent": true})),
        step("get_project", json!({"project": "Mobile app"})),
        step(
            "update_project",
            json!({"project": "Mobile app", "hourly_rate": "100", "reprice_unbilled": true}),
        ),
        step("create_project", json!({"name": "Old intranet"})),
        step("delete_project", json!({"project": "Old intranet"})),
        step("list_clients", json!({})),
        step("get_client", json!({"client": "Acme GmbH"})),
        step(
            "update_client",
            json!({
                "client": "Acme GmbH", "address": "Friedrichstraße 10\n10117 Berlin",
                "vat_id": "DE987654321", "payment_terms_days": 14,
            }),
        ),
        step(
            "delete_client",
            json!({"client": "Acme GmbH", "dry_run": true}),
        ),
        step(
            "create_tag",
            json!({"name": "research", "color": "#8E24AA", "idempotency_key": "tag-research"}),
        ),
        step("list_tags", json!({})),
        step(
            "update_tag",
            json!({"tag": "research", "name": "discovery"}),
        ),
        step("delete_tag", json!({"tag": "discovery"})),
    ]
}
