//! Worked examples: invoices. The session's "Website redesign" gets a client
//! first (an invoice is addressed to one), then the week's tracks are
//! previewed, invoiced, edited, sent, exported and paid.

use serde_json::json;

use super::{Step, step};

pub fn steps() -> Vec<Step> {
    let billed = json!({
        "project": "Website redesign", "period": "this_week", "group_by": "day",
        "tax_percent": "19",
    });
    let mut generate = billed.clone();
    generate["notes"] = json!("Thank you for your business.");
    generate["idempotency_key"] = json!("website-redesign-2026-w48");
    vec![
        step(
            "create_client",
            json!({
                "name": "Nordwind GmbH", "email": "billing@nordwind.example",
                "address": "Hafenstraße 1\n20457 Hamburg", "vat_id": "DE123456789",
                "currency": "EUR", "payment_terms_days": 14,
            }),
        ),
        step(
            "update_project",
            json!({"project": "Website redesign", "client": "Nordwind GmbH"}),
        ),
        step("preview_invoice", billed),
        step("generate_invoice", generate),
        step(
            "update_invoice",
            json!({
                "id": 1, "discount_percent": "5",
                "lines": [{"description": "Hosting, December", "quantity": "1", "unit_price": "25.00"}],
            }),
        ),
        step(
            "create_invoice",
            json!({
                "client": "Nordwind GmbH",
                "lines": [{"description": "Workshop day", "quantity": "1", "unit_price": "800.00"}],
                "tax_percent": "19",
            }),
        ),
        step("list_invoices", json!({"status": "draft"})),
        step("mark_invoice_sent", json!({"id": 1})),
        step("get_invoice", json!({"id": 1})),
        step("export_invoice_csv", json!({"id": 1})),
        step(
            "set_invoice_status",
            json!({"id": 1, "status": "paid", "paid_on": "today"}),
        ),
        step("delete_invoice", json!({"id": 2, "dry_run": true})),
    ]
}
