//! Reports over tracks: totals, top projects, budgets, CSV. Tracks are read
//! here with their project's client (to split and filter by client) and
//! their tags; projects with their budgets.

use std::collections::HashMap;

use diesel::prelude::*;
use jiff::Timestamp;
use rust_decimal::Decimal;

use super::tracks::TrackFilter;
use super::{Conn, instant};
use crate::reference::Named;
use crate::reports::{BudgetPeriod, Item};
use crate::schema::{clients, projects, tags, track_tags, tracks};
use crate::{ToolError, names};

type Joined =
    diesel::dsl::LeftJoin<tracks::table, diesel::dsl::LeftJoin<projects::table, clients::table>>;
type Scoped = diesel::dsl::IntoBoxed<'static, Joined, diesel::sqlite::Sqlite>;

/// The tracks `filter` selects (through the one filter of `db::tracks`), with
/// their project and its client joined.
fn filtered(user_id: i32, filter: &TrackFilter, now: Timestamp) -> Scoped {
    tracks::table
        .left_join(projects::table.left_join(clients::table))
        .filter(tracks::id.eq_any(super::tracks::filtered(user_id, filter, now).select(tracks::id)))
        .into_boxed()
}

type RowTuple = (
    i32,
    String,
    i64,
    Option<i64>,
    bool,
    Option<String>,
    String,
    Option<i32>,
    Option<String>,
    Option<i32>,
    Option<String>,
);

/// How many tracks match.
pub fn count(
    conn: &mut Conn,
    user_id: i32,
    filter: &TrackFilter,
    now: Timestamp,
) -> Result<i64, ToolError> {
    Ok(filtered(user_id, filter, now).count().get_result(conn)?)
}

/// The matching tracks, oldest first; after the keyset `after`
/// (`(started_at, id)` of the last one already read) and at most `limit`.
pub fn items(
    conn: &mut Conn,
    user_id: i32,
    filter: &TrackFilter,
    now: Timestamp,
    after: Option<(i64, i32)>,
    limit: Option<i64>,
) -> Result<Vec<Item>, ToolError> {
    // The page is chosen in the subquery, on `(user_id, started_at)`, and
    // only its rows are joined: a page costs its own rows, not the whole
    // selection's (paging a year of tracks read the year once per page).
    let mut page = super::tracks::filtered(user_id, filter, now);
    if let Some((started, id)) = after {
        // `started_at >= ?` first: a range on `(user_id, started_at)`.
        page = page
            .filter(tracks::started_at.ge(started))
            .filter(tracks::started_at.gt(started).or(tracks::id.gt(id)));
    }
    page = page.order((tracks::started_at, tracks::id));
    if let Some(limit) = limit {
        page = page.limit(limit);
    }
    let rows: Vec<RowTuple> = tracks::table
        .left_join(projects::table.left_join(clients::table))
        .filter(tracks::id.eq_any(page.select(tracks::id)))
        .order((tracks::started_at, tracks::id))
        .select((
            tracks::id,
            tracks::description,
            tracks::started_at,
            tracks::ended_at,
            tracks::billable,
            tracks::hourly_rate,
            tracks::currency,
            tracks::project_id,
            projects::name.nullable(),
            clients::id.nullable(),
            clients::name.nullable(),
        ))
        .load(conn)?;
    let ids: Vec<i32> = rows.iter().map(|r| r.0).collect();
    let mut tags_of: HashMap<i32, Vec<Named>> = HashMap::new();
    for chunk in super::common::chunks(&ids) {
        for (track_id, id, name) in track_tags::table
            .inner_join(tags::table)
            .filter(track_tags::track_id.eq_any(chunk))
            .filter(tags::user_id.eq(user_id))
            .order((track_tags::track_id, tags::name))
            .select((track_tags::track_id, tags::id, tags::name))
            .load::<(i32, i32, String)>(conn)?
        {
            tags_of
                .entry(track_id)
                .or_default()
                .push(Named { id, name });
        }
    }
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                description,
                started,
                ended,
                billable,
                rate,
                currency,
                project_id,
                project_name,
                client_id,
                client_name,
            )| Item {
                id,
                description,
                project: project_id
                    .zip(project_name)
                    .map(|(id, name)| Named { id, name }),
                client: client_id
                    .zip(client_name)
                    .map(|(id, name)| Named { id, name }),
                tags: tags_of.remove(&id).unwrap_or_default(),
                started_at: instant(started),
                ended_at: ended.map(instant),
                billable,
                hourly_rate: rate.and_then(|r| r.parse().ok()),
                currency,
            },
        )
        .collect())
}

/// A project's budget settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Budget {
    pub project: Named,
    pub client: Option<Named>,
    pub archived: bool,
    /// The project's currency, else its client's; `None`: the user's default.
    pub currency: Option<String>,
    pub hours: Option<Decimal>,
    pub amount: Option<Decimal>,
    pub period: BudgetPeriod,
    pub alert_percent: u32,
}

impl Budget {
    pub fn is_set(&self) -> bool {
        self.hours.is_some() || self.amount.is_some()
    }
}

type BudgetRow = (
    i32,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    i32,
    Option<i32>,
    Option<String>,
    Option<String>,
);

/// Budgets of the user's projects, by name: `project_id` for one project
/// (with or without a budget, archived or not), else every project that is
/// not archived and has a budget.
pub fn budgets(
    conn: &mut Conn,
    user_id: i32,
    project_id: Option<i32>,
) -> Result<Vec<Budget>, ToolError> {
    let mut query = projects::table
        .left_join(clients::table)
        .filter(projects::user_id.eq(user_id))
        .into_boxed();
    query = match project_id {
        Some(id) => query.filter(projects::id.eq(id)),
        None => query.filter(projects::archived_at.is_null()).filter(
            projects::budget_hours
                .is_not_null()
                .or(projects::budget_amount.is_not_null()),
        ),
    };
    let rows: Vec<BudgetRow> = query
        .order((projects::name, projects::id))
        .select((
            projects::id,
            projects::name,
            projects::archived_at,
            projects::currency,
            projects::budget_hours,
            projects::budget_amount,
            projects::budget_period,
            projects::budget_alert_percent,
            clients::id.nullable(),
            clients::name.nullable(),
            clients::currency.nullable(),
        ))
        .load(conn)?;
    let decimal = |s: Option<String>| s.and_then(|s| s.parse::<Decimal>().ok());
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                name,
                archived_at,
                currency,
                hours,
                amount,
                period,
                alert,
                client_id,
                client_name,
                client_currency,
            )| Budget {
                project: Named { id, name },
                client: client_id
                    .zip(client_name)
                    .map(|(id, name)| Named { id, name }),
                archived: archived_at.is_some(),
                currency: currency.or(client_currency),
                hours: decimal(hours),
                amount: decimal(amount),
                period: names::parse(&period).unwrap_or(BudgetPeriod::Total),
                alert_percent: u32::try_from(alert).unwrap_or(80),
            },
        )
        .collect())
}

/// Set a project's budget directly (tests and worked examples; the
/// projects' own tools set budgets for users).
#[cfg(feature = "testing")]
pub fn set_budget(
    conn: &mut Conn,
    user_id: i32,
    project_id: i32,
    hours: Option<&str>,
    amount: Option<&str>,
    period: &str,
    alert_percent: i32,
) -> Result<(), ToolError> {
    let updated = diesel::update(
        projects::table
            .filter(projects::user_id.eq(user_id))
            .filter(projects::id.eq(project_id)),
    )
    .set((
        projects::budget_hours.eq(hours),
        projects::budget_amount.eq(amount),
        projects::budget_period.eq(period),
        projects::budget_alert_percent.eq(alert_percent),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Err(ToolError::not_found(
            "project",
            format!("with id {project_id}"),
        ));
    }
    Ok(())
}

/// Every project of the user (archived ones too) with its client, by id:
/// the names the per-day totals' rows are reported under.
pub fn project_names(
    conn: &mut Conn,
    user_id: i32,
) -> Result<HashMap<i32, (Named, Option<Named>)>, ToolError> {
    let rows: Vec<(i32, String, Option<i32>, Option<String>)> = projects::table
        .left_join(clients::table)
        .filter(projects::user_id.eq(user_id))
        .select((
            projects::id,
            projects::name,
            clients::id.nullable(),
            clients::name.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, client_id, client_name)| {
            let client = client_id
                .zip(client_name)
                .map(|(id, name)| Named { id, name });
            (id, (Named { id, name }, client))
        })
        .collect())
}
