//! The pages of projects (with budget bars), clients, tags, reports and
//! invoices. Each reads its tools as the signed-in user; its forms call
//! tools too (`<form data-tool=…>`), and a tool's refusal (a tier gate, a
//! bad value) is shown as the tool words it.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::dashboard::datalists;
use super::html::{self, escape, text};
use super::session::Signed;
use super::{Web, session, to_signin};

async fn signed(web: &Web, headers: &HeaderMap) -> Option<Signed> {
    session::current(web, headers).await
}

fn rows(list: &Value, key: &str) -> Vec<Value> {
    list[key].as_array().cloned().unwrap_or_default()
}

fn amounts(list: &Value) -> String {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|a| format!("{} {}", text(a, "amount"), text(a, "currency")))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// A project's budget in words: `10 h`, `5000.00 EUR`, `10 h / month`.
fn budget_of(budget: &Value) -> String {
    if !budget.is_object() {
        return "—".into();
    }
    let mut parts = Vec::new();
    if let Some(hours) = budget["hours"].as_str() {
        parts.push(format!("{hours} h"));
    }
    if let Some(amount) = budget["amount"].as_str() {
        parts.push(format!("{amount} {}", text(budget, "currency")));
    }
    let mut out = parts.join(", ");
    if budget["period"] == "monthly" {
        out.push_str(" / month");
    }
    out
}

fn table(head: &[&str], body: String) -> String {
    let head: String = head
        .iter()
        .map(|h| match h.strip_prefix('#') {
            Some(h) => format!("<th scope=\"col\" class=\"num\">{h}</th>"),
            None => format!("<th scope=\"col\">{h}</th>"),
        })
        .collect();
    format!(
        "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Scrollable table\"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>\n"
    )
}

/// A budget's use as a labelled progress bar.
fn budget_bar(label: &str, used: &str, budget: &str, percent: f64, over: bool) -> String {
    let width = percent.clamp(0.0, 100.0);
    format!(
        "<div class=\"small\">{label}: {used} of {budget} ({percent:.0}%)</div>\
         <div class=\"bar{}\" role=\"progressbar\" aria-label=\"{label} used\" aria-valuemin=\"0\" \
         aria-valuemax=\"100\" aria-valuenow=\"{width:.0}\"><span style=\"width:{width:.1}%\"></span></div>",
        if over { " over" } else { "" },
        label = escape(label),
        used = escape(used),
        budget = escape(budget),
    )
}

fn page(signed: &Signed, title: &str, path: &str, body: &str, scripts: &[&str]) -> Response {
    html::respond(
        StatusCode::OK,
        html::page(title, Some(signed), path, body, scripts),
    )
}

fn result_or_alert(
    result: &Result<Value, super::Refusal>,
    render: impl FnOnce(&Value) -> String,
) -> String {
    match result {
        Ok(value) => render(value),
        Err(err) => html::alert(&err.to_string()),
    }
}

/// Each budget's use (get_budget_status) as progress bars.
fn budgets_section(budgets: &Result<Value, super::Refusal>) -> String {
    let mut out = String::from(
        "<section class=\"card\" aria-labelledby=\"budgets\" style=\"margin-top:1rem\"><h2 id=\"budgets\">Budgets</h2>\n",
    );
    out.push_str(&result_or_alert(budgets, |budgets| {
        let list = rows(budgets, "projects");
        if list.is_empty() {
            return "<p class=\"muted\">No project has a budget.</p>\n".into();
        }
        list.iter()
            .map(|b| {
                let mut bars = String::new();
                for (key, label) in [("hours", "Hours"), ("amount", "Amount")] {
                    let part = &b[key];
                    if part.is_object() {
                        let status = text(part, "status");
                        bars.push_str(&budget_bar(
                            label,
                            text(part, "used"),
                            text(part, "budget"),
                            part["percent"].as_f64().unwrap_or(0.0),
                            status == "exceeded",
                        ));
                    }
                }
                format!(
                    "<div style=\"margin:.75rem 0\"><strong>{}</strong> <span class=\"muted small\">{} · {}</span>{bars}</div>\n",
                    escape(text(&b["project"], "name")),
                    escape(text(b, "period")),
                    escape(text(b, "status")),
                )
            })
            .collect()
    }));
    out.push_str("</section>\n");
    out
}

/// GET /projects
pub async fn projects(State(web): State<Arc<Web>>, headers: HeaderMap) -> Response {
    let Some(signed) = signed(&web, &headers).await else {
        return to_signin();
    };
    let user = &signed.user;
    // No `include_spent`: it sums every track of every project (seconds
    // at a million tracks). Time per project is in Reports; budgets here.
    let (list, budgets) = tokio::join!(
        web.call(user, "list_projects", json!({"limit": 200})),
        web.call(user, "get_budget_status", json!({})),
    );
    let mut body = String::from("<h1>Projects</h1>\n");
    body.push_str(&result_or_alert(&list, |list| {
        let mut out = String::new();
        for project in rows(list, "projects") {
            out.push_str(&format!(
                "<tr><td><strong>{}</strong><div class=\"muted small\">{}</div></td><td>{}</td>\
                 <td class=\"num\">{}</td><td class=\"num hide-narrow\">{}</td></tr>\n",
                escape(text(&project, "name")),
                escape(text(&project, "description")),
                escape(project["client"]["name"].as_str().unwrap_or("—")),
                escape(&budget_of(&project["budget"])),
                escape(&format!(
                    "{} {}",
                    project["new_tracks"]["hourly_rate"].as_str().unwrap_or("—"),
                    text(&project["new_tracks"], "currency")
                )),
            ));
        }
        table(&["Project", "Client", "#Budget", "#Rate"], out)
    }));
    body.push_str(&budgets_section(&budgets));
    body.push_str(
        "<section class=\"card\" aria-labelledby=\"new-project\" style=\"margin-top:1rem\"><h2 id=\"new-project\">New project</h2>\n\
         <form data-tool=\"create_project\"><div class=\"row\">\
         <div><label for=\"np-name\">Name</label><input id=\"np-name\" name=\"name\" required></div>\
         <div><label for=\"np-client\">Client</label><input id=\"np-client\" name=\"client\"></div>\
         <div class=\"narrow\"><label for=\"np-rate\">Hourly rate</label><input id=\"np-rate\" name=\"hourly_rate\" inputmode=\"decimal\"></div>\
         </div><p class=\"error\" role=\"alert\"></p><div class=\"actions\"><button type=\"submit\">Create project</button></div></form></section>\n",
    );
    page(&signed, "Projects", "/projects", &body, &[])
}

/// GET /clients
pub async fn clients(State(web): State<Arc<Web>>, headers: HeaderMap) -> Response {
    let Some(signed) = signed(&web, &headers).await else {
        return to_signin();
    };
    let list = web
        .call(&signed.user, "list_clients", json!({"limit": 200}))
        .await;
    let mut body = String::from("<h1>Clients</h1>\n");
    body.push_str(&result_or_alert(&list, |list| {
        let out: String = rows(list, "clients")
            .iter()
            .map(|c| {
                format!(
                    "<tr><td><strong>{}</strong></td><td class=\"hide-narrow\">{}</td><td class=\"num\">{}</td>\
                     <td class=\"num\">{}</td></tr>\n",
                    escape(text(c, "name")),
                    escape(text(c, "email")),
                    c["project_count"].as_i64().unwrap_or(0),
                    escape(&format!("{} {}", text(c, "hourly_rate"), text(c, "currency"))),
                )
            })
            .collect();
        table(&["Client", "Email", "#Projects", "#Rate"], out)
    }));
    body.push_str(
        "<section class=\"card\" aria-labelledby=\"new-client\" style=\"margin-top:1rem\"><h2 id=\"new-client\">New client</h2>\n\
         <form data-tool=\"create_client\"><div class=\"row\">\
         <div><label for=\"nc-name\">Name</label><input id=\"nc-name\" name=\"name\" required></div>\
         <div><label for=\"nc-email\">Email</label><input id=\"nc-email\" name=\"email\" type=\"email\"></div>\
         </div><p class=\"error\" role=\"alert\"></p><div class=\"actions\"><button type=\"submit\">Create client</button></div></form></section>\n",
    );
    page(&signed, "Clients", "/clients", &body, &[])
}

/// GET /tags
pub async fn tags(State(web): State<Arc<Web>>, headers: HeaderMap) -> Response {
    let Some(signed) = signed(&web, &headers).await else {
        return to_signin();
    };
    let list = web
        .call(&signed.user, "list_tags", json!({"limit": 200}))
        .await;
    let mut body = String::from("<h1>Tags</h1>\n");
    body.push_str(&result_or_alert(&list, |list| {
        let out: String = rows(list, "tags")
            .iter()
            .map(|t| {
                format!(
                    "<tr><td><span class=\"tag\">{}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                    escape(text(t, "name")),
                    t["track_count"].as_i64().unwrap_or(0),
                    escape(text(t, "total_duration")),
                )
            })
            .collect();
        table(&["Tag", "#Tracks", "#Time"], out)
    }));
    body.push_str(
        "<section class=\"card\" aria-labelledby=\"new-tag\" style=\"margin-top:1rem\"><h2 id=\"new-tag\">New tag</h2>\n\
         <form data-tool=\"create_tag\"><div class=\"row\"><div><label for=\"nt-name\">Name</label>\
         <input id=\"nt-name\" name=\"name\" required></div></div><p class=\"error\" role=\"alert\"></p>\
         <div class=\"actions\"><button type=\"submit\">Create tag</button></div></form></section>\n",
    );
    page(&signed, "Tags", "/tags", &body, &[])
}

#[derive(Debug, serde::Deserialize)]
pub struct ReportQuery {
    period: Option<String>,
}

const REPORT_PERIODS: [(&str, &str); 6] = [
    ("this_week", "This week"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("this_year", "This year"),
    ("last_year", "Last year"),
    ("last_week", "Last week"),
];

/// GET /reports?period=…: totals by day, month or year (the totals view
/// picks the bucket), the top projects, the budgets and the timesheet review.
pub async fn reports(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Response {
    let Some(signed) = signed(&web, &headers).await else {
        return to_signin();
    };
    let period = query
        .period
        .filter(|p| REPORT_PERIODS.iter().any(|(value, _)| value == p))
        .unwrap_or_else(|| "this_month".into());
    let user = &signed.user;
    // The timesheet review covers a week or a month: the period's own, or
    // this month's for a year.
    let review_period = match period.as_str() {
        "last_week" | "this_week" | "last_month" => period.as_str(),
        _ => "this_month",
    };
    let (totals, top, review, budgets) = tokio::join!(
        web.call(
            user,
            "get_time_totals",
            json!({"period": period, "split_by": "project"})
        ),
        web.call(user, "get_top_projects", json!({"period": period})),
        web.call(user, "review_timesheet", json!({"period": review_period})),
        web.call(user, "get_budget_status", json!({})),
    );
    let mut body = String::from("<h1>Reports</h1>\n<nav aria-label=\"Period\" class=\"actions\">");
    for (value, label) in REPORT_PERIODS {
        let current = if value == period {
            " aria-current=\"page\""
        } else {
            ""
        };
        body.push_str(&format!(
            "<a class=\"button secondary\" href=\"/reports?period={value}\"{current}>{label}</a>"
        ));
    }
    body.push_str("</nav>\n<div class=\"grid\" style=\"margin-top:1rem\">\n");
    body.push_str(&result_or_alert(&totals, |t| html::view("totals", t, None)));
    body.push_str(&result_or_alert(&top, |top| {
        let out: String = rows(top, "projects")
            .iter()
            .map(|p| {
                format!(
                    "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}%</td>\
                     <td class=\"num hide-narrow\">{}</td></tr>\n",
                    p["rank"].as_i64().unwrap_or(0),
                    escape(text(&p["project"], "name")),
                    escape(text(p, "duration")),
                    p["share_percent"].as_f64().unwrap_or(0.0),
                    escape(&amounts(&p["amounts"])),
                )
            })
            .collect();
        format!(
            "<section class=\"card\" aria-labelledby=\"top\"><h2 id=\"top\">Top projects</h2>{}</section>\n",
            table(&["#Rank", "Project", "#Time", "#Share", "#Amount"], out)
        )
    }));
    body.push_str(&result_or_alert(&review, |r| {
        html::view("timesheet", r, None)
    }));
    body.push_str(&budgets_section(&budgets));
    body.push_str("</div>\n");
    page(
        &signed,
        "Reports",
        "/reports",
        &body,
        &["totals.js", "timesheet.js"],
    )
}

/// GET /invoices: the list, and a preview form (the invoice view shows the
/// preview and generates it).
pub async fn invoices(State(web): State<Arc<Web>>, headers: HeaderMap) -> Response {
    let Some(signed) = signed(&web, &headers).await else {
        return to_signin();
    };
    let user = &signed.user;
    let (list, projects, clients) = tokio::join!(
        web.call(user, "list_invoices", json!({"limit": 200})),
        web.call(user, "list_projects", json!({"limit": 200})),
        web.call(user, "list_clients", json!({"limit": 200})),
    );
    let mut body = String::from("<h1>Invoices</h1>\n");
    body.push_str(&result_or_alert(&list, |list| {
        let out: String = rows(list, "invoices")
            .iter()
            .map(|i| {
                let id = i["id"].as_i64().unwrap_or(0);
                format!(
                    "<tr><td><a href=\"/invoices/{id}\">{}</a></td><td>{}</td><td>{}</td><td class=\"hide-narrow\">{}</td>\
                     <td class=\"num\">{}</td></tr>\n",
                    escape(i["number"].as_str().unwrap_or("(draft)")),
                    escape(text(&i["client"], "name")),
                    escape(text(i, "status")),
                    escape(i["due_date"].as_str().unwrap_or("")),
                    escape(&format!("{} {}", text(i, "total"), text(i, "currency"))),
                )
            })
            .collect();
        table(&["Invoice", "Client", "Status", "Due", "#Total"], out)
    }));
    body.push_str(&datalists(
        projects.as_ref().unwrap_or(&Value::Null),
        &Value::Null,
    ));
    let client_options: String = clients
        .as_ref()
        .map(|c| rows(c, "clients"))
        .unwrap_or_default()
        .iter()
        .map(|c| format!("<option value=\"{}\">", escape(text(c, "name"))))
        .collect();
    body.push_str(&format!(
        "<datalist id=\"tt-clients\">{client_options}</datalist>\n\
         <section class=\"card\" aria-labelledby=\"new-invoice\" style=\"margin-top:1rem\"><h2 id=\"new-invoice\">Preview an invoice</h2>\n\
         <form method=\"get\" action=\"/invoices/preview\"><div class=\"row\">\
         <div><label for=\"ni-client\">Client</label><input id=\"ni-client\" name=\"client\" list=\"tt-clients\"></div>\
         <div><label for=\"ni-project\">Or project</label><input id=\"ni-project\" name=\"project\" list=\"tt-projects\"></div>\
         <div>{period}</div>\
         <div class=\"narrow\"><label for=\"ni-tax\">Tax %</label><input id=\"ni-tax\" name=\"tax_percent\" inputmode=\"decimal\"></div>\
         </div><div class=\"actions\"><button type=\"submit\">Preview</button></div></form></section>\n",
        period = "<label for=\"ni-period\">Period</label><select id=\"ni-period\" name=\"period\">\
                  <option value=\"last_month\">Last month</option><option value=\"this_month\">This month</option>\
                  <option value=\"last_week\">Last week</option><option value=\"this_week\">This week</option></select>",
    ));
    page(&signed, "Invoices", "/invoices", &body, &[])
}

/// GET /invoices/{id}, /invoices/{id}.csv and /invoices/preview?…
pub async fn invoice(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Path(which): Path<String>,
    Query(query): Query<std::collections::BTreeMap<String, String>>,
) -> Response {
    let Some(signed) = signed(&web, &headers).await else {
        return to_signin();
    };
    if which == "preview" {
        // The form's fields, as the tool's arguments (empty ones left out).
        let mut arguments = serde_json::Map::new();
        for key in [
            "client",
            "project",
            "period",
            "tax_percent",
            "discount_percent",
            "group_by",
        ] {
            if let Some(value) = query.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
                arguments.insert(key.into(), json!(value));
            }
        }
        let arguments = Value::Object(arguments);
        let preview = web
            .call(&signed.user, "preview_invoice", arguments.clone())
            .await;
        let body = format!(
            "<h1>Invoice preview</h1>\n<p><a href=\"/invoices\">All invoices</a></p>\n{}",
            result_or_alert(&preview, |p| html::view("invoice", p, Some(&arguments)))
        );
        return page(
            &signed,
            "Invoice preview",
            "/invoices",
            &body,
            &["invoice.js"],
        );
    }
    if let Some(id) = which
        .strip_suffix(".csv")
        .and_then(|id| id.parse::<i64>().ok())
    {
        return match web
            .call(&signed.user, "export_invoice_csv", json!({"id": id}))
            .await
        {
            Ok(export) => {
                let mut response = text(&export, "csv").to_owned().into_response();
                let disposition = format!(
                    "attachment; filename=\"{}\"",
                    text(&export, "filename").replace(['"', '\\', '\r', '\n'], "")
                );
                let headers = response.headers_mut();
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                );
                if let Ok(value) = HeaderValue::from_str(&disposition) {
                    headers.insert(header::CONTENT_DISPOSITION, value);
                }
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            }
            Err(err) => html::respond(
                StatusCode::NOT_FOUND,
                html::page(
                    "Invoice",
                    Some(&signed),
                    "/invoices",
                    &html::alert(&err.to_string()),
                    &[],
                ),
            ),
        };
    }
    let Ok(id) = which.parse::<i64>() else {
        return html::respond(
            StatusCode::NOT_FOUND,
            html::page(
                "Invoice",
                Some(&signed),
                "/invoices",
                &html::alert("No such invoice."),
                &[],
            ),
        );
    };
    let invoice = web
        .call(&signed.user, "get_invoice", json!({"id": id}))
        .await;
    let mut body =
        String::from("<h1>Invoice</h1>\n<p><a href=\"/invoices\">All invoices</a></p>\n");
    body.push_str(&result_or_alert(&invoice, |i| {
        html::view("invoice", i, None)
    }));
    if let Ok(i) = &invoice
        && text(i, "status") == "draft"
    {
        body.push_str(&format!(
            "<section class=\"card\" aria-labelledby=\"edit\" style=\"margin-top:1rem\"><h2 id=\"edit\">Edit the draft</h2>\n\
             <form data-tool=\"update_invoice\"><input type=\"hidden\" name=\"id\" value=\"{id}\" data-type=\"int\">\
             <div class=\"row\"><div><label for=\"ei-notes\">Notes</label><input id=\"ei-notes\" name=\"notes\" value=\"{notes}\"></div>\
             <div class=\"narrow\"><label for=\"ei-tax\">Tax %</label><input id=\"ei-tax\" name=\"tax_percent\" value=\"{tax}\"></div>\
             <div class=\"narrow\"><label for=\"ei-discount\">Discount %</label><input id=\"ei-discount\" name=\"discount_percent\" value=\"{discount}\"></div>\
             <div><label for=\"ei-due\">Due date</label><input id=\"ei-due\" name=\"due_date\" value=\"{due}\" placeholder=\"YYYY-MM-DD\"></div></div>\
             <p class=\"error\" role=\"alert\"></p><div class=\"actions\"><button type=\"submit\">Save draft</button></div></form></section>\n",
            notes = escape(text(i, "notes")),
            tax = escape(text(i, "tax_percent")),
            discount = escape(text(i, "discount_percent")),
            due = escape(text(i, "due_date")),
        ));
    }
    page(&signed, "Invoice", "/invoices", &body, &["invoice.js"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_bar_is_a_labelled_progressbar_clamped_to_its_track() {
        let bar = budget_bar("Hours", "4.00", "5.00", 80.0, false);
        assert!(
            bar.contains("role=\"progressbar\"") && bar.contains("aria-valuenow=\"80\""),
            "{bar}"
        );
        let over = budget_bar("Hours", "7.00", "5.00", 140.0, true);
        assert!(
            over.contains("bar over") && over.contains("width:100.0%"),
            "{over}"
        );
        assert_eq!(
            amounts(&json!([{"amount": "1.00", "currency": "EUR"}])),
            "1.00 EUR"
        );
    }

    #[test]
    fn a_budget_reads_as_hours_and_amount_per_period() {
        assert_eq!(
            budget_of(
                &json!({"hours": "120", "amount": "10000.00", "currency": "EUR", "period": "monthly"})
            ),
            "120 h, 10000.00 EUR / month"
        );
        assert_eq!(
            budget_of(&json!({"hours": "10", "amount": null, "period": "total"})),
            "10 h"
        );
        assert_eq!(budget_of(&Value::Null), "—");
    }
}
