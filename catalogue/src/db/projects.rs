//! Projects, as tracks reference them. (Their own tools come with the catalogue issue.)

use diesel::prelude::*;
use rust_decimal::Decimal;

use super::{Conn, epoch};
use crate::ToolError;
use crate::reference::{self, Ref};
use crate::schema::{clients, projects};

/// What a track needs from its project: the billing defaults, resolved
/// through the project's client.
#[derive(Clone, Debug)]
pub struct ProjectBilling {
    pub id: i32,
    pub name: String,
    pub billable: bool,
    pub hourly_rate: Option<Decimal>,
    pub currency: Option<String>,
}

#[derive(Queryable)]
struct Row {
    id: i32,
    name: String,
    billable: bool,
    rate: Option<String>,
    currency: Option<String>,
    client_rate: Option<String>,
    client_currency: Option<String>,
}

fn rows(conn: &mut Conn, user_id: i32) -> QueryResult<Vec<Row>> {
    projects::table
        .left_join(clients::table)
        .filter(projects::user_id.eq(user_id))
        .select((
            projects::id,
            projects::name,
            projects::billable,
            projects::hourly_rate,
            projects::currency,
            clients::hourly_rate.nullable(),
            clients::currency.nullable(),
        ))
        .order(projects::id)
        .load(conn)
}

/// The user's project `reference` means, with its rate and currency resolved
/// project → client.
pub fn resolve(
    conn: &mut Conn,
    user_id: i32,
    reference: &Ref,
) -> Result<ProjectBilling, ToolError> {
    let rows = rows(conn, user_id)?;
    let row = reference::resolve("project", reference, &rows, |r| (r.id, &r.name))?;
    let decimal = |s: &Option<String>| s.as_deref().and_then(|s| s.parse().ok());
    Ok(ProjectBilling {
        id: row.id,
        name: row.name.clone(),
        billable: row.billable,
        hourly_rate: decimal(&row.rate).or_else(|| decimal(&row.client_rate)),
        currency: row.currency.clone().or_else(|| row.client_currency.clone()),
    })
}

/// A project to create; the caller has validated and resolved the fields.
#[derive(Clone, Debug, Default)]
pub struct NewProject {
    pub name: String,
    pub client_id: Option<i32>,
    pub billable: bool,
    pub hourly_rate: Option<Decimal>,
    pub currency: Option<String>,
}

/// Create a project (the data layer's entry point).
pub fn create(
    conn: &mut Conn,
    user_id: i32,
    new: &NewProject,
    now: jiff::Timestamp,
) -> Result<i32, ToolError> {
    let id = diesel::insert_into(projects::table)
        .values((
            projects::user_id.eq(user_id),
            projects::client_id.eq(new.client_id),
            projects::name.eq(new.name.trim()),
            projects::billable.eq(new.billable),
            projects::hourly_rate.eq(new.hourly_rate.map(|r| r.to_string())),
            projects::currency.eq(&new.currency),
            projects::created_at.eq(epoch(now)),
        ))
        .returning(projects::id)
        .get_result(conn)?;
    Ok(id)
}
