//! Projects: billing defaults (rate, currency, billable flag, client),
//! budgets, archive, and what their tracks add up to.

use std::collections::{BTreeMap, HashMap, HashSet};

use diesel::prelude::*;
use jiff::Timestamp;
use rust_decimal::Decimal;

use super::common::{contains_pattern, lower, unique_conflict};
use super::{Conn, epoch, instant};
use crate::fields::{ArchiveFilter, name_taken};
use crate::pagination::stale_cursor;
use crate::project::{Budget, DEFAULT_ALERT_PERCENT, TracksAction};
use crate::reference::{self, Ref};
use crate::schema::{clients, invoice_tracks, projects, tracks};
use crate::{ToolError, money, names};

diesel::define_sql_function! {
    /// `COALESCE(x, y)`: a nullable text with a fallback.
    #[sql_name = "coalesce"]
    fn text_or(x: diesel::sql_types::Nullable<diesel::sql_types::Text>, y: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// What a track needs from its project: the billing defaults, resolved
/// through the project's client.
#[derive(Clone, Debug)]
pub struct ProjectBilling {
    pub id: i32,
    pub name: String,
    pub billable: bool,
    /// The project's own rate, else its client's.
    pub hourly_rate: Option<Decimal>,
    /// The project's own currency, else its client's.
    pub currency: Option<String>,
    /// Archived projects still resolve: their tracks stay listable and editable.
    pub archived: bool,
}

#[derive(Queryable)]
struct BillingRow {
    id: i32,
    name: String,
    billable: bool,
    rate: Option<String>,
    currency: Option<String>,
    archived_at: Option<i64>,
    client_rate: Option<String>,
    client_currency: Option<String>,
}

fn decimal(text: Option<&str>) -> Option<Decimal> {
    text.and_then(|s| s.parse().ok())
}

/// The user's project `reference` means, with its rate and currency resolved
/// project → client.
pub fn resolve(
    conn: &mut Conn,
    user_id: i32,
    reference: &Ref,
) -> Result<ProjectBilling, ToolError> {
    let rows: Vec<BillingRow> = projects::table
        .left_join(clients::table)
        .filter(projects::user_id.eq(user_id))
        .select((
            projects::id,
            projects::name,
            projects::billable,
            projects::hourly_rate,
            projects::currency,
            projects::archived_at,
            clients::hourly_rate.nullable(),
            clients::currency.nullable(),
        ))
        .order(projects::id)
        .load(conn)?;
    let row = reference::resolve("project", reference, &rows, |r| (r.id, &r.name))?;
    Ok(ProjectBilling {
        id: row.id,
        name: row.name.clone(),
        billable: row.billable,
        hourly_rate: decimal(row.rate.as_deref()).or_else(|| decimal(row.client_rate.as_deref())),
        currency: row.currency.clone().or_else(|| row.client_currency.clone()),
        archived: row.archived_at.is_some(),
    })
}

/// The client a project belongs to, with the billing defaults it passes on.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectClient {
    pub id: i32,
    pub name: String,
    pub hourly_rate: Option<Decimal>,
    pub currency: Option<String>,
}

/// A project as stored, with its client.
#[derive(Clone, Debug, PartialEq)]
pub struct Project {
    pub id: i32,
    pub name: String,
    pub client: Option<ProjectClient>,
    pub color: Option<String>,
    pub description: Option<String>,
    pub billable: bool,
    /// Set on the project itself.
    pub hourly_rate: Option<Decimal>,
    /// Set on the project itself.
    pub currency: Option<String>,
    pub archived_at: Option<Timestamp>,
    pub budget: Budget,
}

impl Project {
    /// Its current fields, to change some and save them all.
    pub fn fields(&self) -> ProjectFields {
        ProjectFields {
            name: self.name.clone(),
            client_id: self.client.as_ref().map(|c| c.id),
            color: self.color.clone(),
            description: self.description.clone(),
            billable: self.billable,
            hourly_rate: self.hourly_rate,
            currency: self.currency.clone(),
            archived_at: self.archived_at,
            budget: self.budget.clone(),
        }
    }
}

/// Every field of a project that can be written; the caller has validated them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProjectFields {
    pub name: String,
    pub client_id: Option<i32>,
    pub color: Option<String>,
    pub description: Option<String>,
    pub billable: bool,
    pub hourly_rate: Option<Decimal>,
    pub currency: Option<String>,
    pub archived_at: Option<Timestamp>,
    pub budget: Budget,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = projects, check_for_backend(crate::db::Backend))]
struct Row {
    id: i32,
    client_id: Option<i32>,
    name: String,
    color: Option<String>,
    billable: bool,
    hourly_rate: Option<String>,
    currency: Option<String>,
    archived_at: Option<i64>,
    description: Option<String>,
    budget_hours: Option<String>,
    budget_amount: Option<String>,
    budget_period: String,
    budget_alert_percent: i32,
}

type Scoped = projects::BoxedQuery<'static, crate::db::Backend>;

fn mine(user_id: i32) -> Scoped {
    projects::table
        .filter(projects::user_id.eq(user_id))
        .into_boxed()
}

/// Rows with their clients, in the order given.
fn hydrate(conn: &mut Conn, user_id: i32, rows: Vec<Row>) -> QueryResult<Vec<Project>> {
    let client_ids: Vec<i32> = rows.iter().filter_map(|r| r.client_id).collect();
    let mut found: Vec<(i32, String, Option<String>, Option<String>)> = Vec::new();
    for chunk in super::common::chunks(&client_ids) {
        found.extend(
            clients::table
                .filter(clients::user_id.eq(user_id))
                .filter(clients::id.eq_any(chunk))
                .select((
                    clients::id,
                    clients::name,
                    clients::hourly_rate,
                    clients::currency,
                ))
                .load::<(i32, String, Option<String>, Option<String>)>(conn)?,
        );
    }
    let clients: HashMap<i32, ProjectClient> = found
        .into_iter()
        .map(|(id, name, rate, currency)| {
            let client = ProjectClient {
                id,
                name,
                hourly_rate: decimal(rate.as_deref()),
                currency,
            };
            (id, client)
        })
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| Project {
            id: row.id,
            client: row.client_id.and_then(|id| clients.get(&id).cloned()),
            name: row.name,
            color: row.color,
            description: row.description,
            billable: row.billable,
            hourly_rate: decimal(row.hourly_rate.as_deref()),
            currency: row.currency,
            archived_at: row.archived_at.map(instant),
            budget: Budget {
                hours: decimal(row.budget_hours.as_deref()),
                amount: decimal(row.budget_amount.as_deref()),
                period: names::parse(&row.budget_period).unwrap_or_default(),
                alert_percent: u32::try_from(row.budget_alert_percent)
                    .unwrap_or(DEFAULT_ALERT_PERCENT),
            },
        })
        .collect())
}

pub fn get(conn: &mut Conn, user_id: i32, id: i32) -> Result<Project, ToolError> {
    let row = mine(user_id)
        .filter(projects::id.eq(id))
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ToolError::not_found("project", format!("with id {id}")))?;
    Ok(hydrate(conn, user_id, vec![row])?.remove(0))
}

/// The user's project `reference` means (an id or an exact name).
pub fn find(conn: &mut Conn, user_id: i32, reference: &Ref) -> Result<Project, ToolError> {
    let id = resolve(conn, user_id, reference)?.id;
    get(conn, user_id, id)
}

/// Projects that are not archived: what the tier's project limit counts.
pub fn count_active(conn: &mut Conn, user_id: i32) -> Result<i64, ToolError> {
    Ok(mine(user_id)
        .filter(projects::archived_at.is_null())
        .count()
        .get_result(conn)?)
}

/// `conflict` when another of the user's projects (archived ones included)
/// already has `name`, compared case-insensitively.
pub fn ensure_name_free(
    conn: &mut Conn,
    user_id: i32,
    name: &str,
    except: Option<i32>,
) -> Result<(), ToolError> {
    let all: Vec<(i32, String, Option<i64>)> = mine(user_id)
        .select((projects::id, projects::name, projects::archived_at))
        .load(conn)?;
    let wanted = name.trim().to_lowercase();
    match all
        .into_iter()
        .find(|(id, name, _)| Some(*id) != except && name.to_lowercase() == wanted)
    {
        None => Ok(()),
        Some((id, existing, archived)) => Err(name_taken("project", id, &existing)
            .hint(if archived.is_some() {
                format!(
                    "project {id} has that name and is archived: unarchive it with update_project (archived: false), or choose another name"
                )
            } else {
                format!("use project {id}, or choose another name")
            })
            .detail("archived", archived.is_some())),
    }
}

/// Create a project (the data layer's entry point).
pub fn create(
    conn: &mut Conn,
    user_id: i32,
    new: &ProjectFields,
    now: Timestamp,
) -> Result<i32, ToolError> {
    diesel::insert_into(projects::table)
        .values((
            projects::user_id.eq(user_id),
            projects::client_id.eq(new.client_id),
            projects::name.eq(new.name.trim()),
            projects::color.eq(&new.color),
            projects::description.eq(&new.description),
            projects::billable.eq(new.billable),
            projects::hourly_rate.eq(new.hourly_rate.map(|r| r.to_string())),
            projects::currency.eq(&new.currency),
            projects::archived_at.eq(new.archived_at.map(epoch)),
            projects::budget_hours.eq(new.budget.hours.map(|h| h.to_string())),
            projects::budget_amount.eq(new.budget.amount.map(|a| a.to_string())),
            projects::budget_period.eq(names::name(new.budget.period)),
            projects::budget_alert_percent.eq(new.budget.alert_percent as i32),
            projects::created_at.eq(epoch(now)),
        ))
        .returning(projects::id)
        .get_result(conn)
        .map_err(|e| unique_conflict("project", &new.name, e))
}

/// Save every field of the user's project `id`.
pub fn update(
    conn: &mut Conn,
    user_id: i32,
    id: i32,
    fields: &ProjectFields,
) -> Result<(), ToolError> {
    let updated = diesel::update(
        projects::table
            .filter(projects::user_id.eq(user_id))
            .filter(projects::id.eq(id)),
    )
    .set((
        projects::client_id.eq(fields.client_id),
        projects::name.eq(fields.name.trim()),
        projects::color.eq(&fields.color),
        projects::description.eq(&fields.description),
        projects::billable.eq(fields.billable),
        projects::hourly_rate.eq(fields.hourly_rate.map(|r| r.to_string())),
        projects::currency.eq(&fields.currency),
        projects::archived_at.eq(fields.archived_at.map(epoch)),
        projects::budget_hours.eq(fields.budget.hours.map(|h| h.to_string())),
        projects::budget_amount.eq(fields.budget.amount.map(|a| a.to_string())),
        projects::budget_period.eq(names::name(fields.budget.period)),
        projects::budget_alert_percent.eq(fields.budget.alert_percent as i32),
    ))
    .execute(conn)
    .map_err(|e| unique_conflict("project", &fields.name, e))?;
    if updated == 0 {
        return Err(ToolError::not_found("project", format!("with id {id}")));
    }
    Ok(())
}

/// Which projects `list` returns.
#[derive(Clone, Debug, Default)]
pub struct ProjectFilter {
    pub archive: ArchiveFilter,
    pub client_id: Option<i32>,
    /// Only projects without a client.
    pub no_client: bool,
    /// Case-insensitive text in the name or description.
    pub search: Option<String>,
}

fn filtered(user_id: i32, filter: &ProjectFilter) -> Scoped {
    let mut query = mine(user_id);
    match filter.archive {
        ArchiveFilter::Active => query = query.filter(projects::archived_at.is_null()),
        ArchiveFilter::Archived => query = query.filter(projects::archived_at.is_not_null()),
        ArchiveFilter::All => {}
    }
    if let Some(client) = filter.client_id {
        query = query.filter(projects::client_id.eq(client));
    }
    if filter.no_client {
        query = query.filter(projects::client_id.is_null());
    }
    if let Some(search) = &filter.search {
        let pattern = contains_pattern(search);
        query = query.filter(
            lower(projects::name)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(text_or(projects::description, ""))
                    .like(pattern)
                    .escape('\\')),
        );
    }
    query
}

/// A page of projects, by name (case-insensitive), and the whole set's size.
pub struct Page {
    pub projects: Vec<Project>,
    pub more: bool,
    pub total_count: i64,
}

/// Projects by name; `after` is the id of the previous page's last project.
pub fn list(
    conn: &mut Conn,
    user_id: i32,
    filter: &ProjectFilter,
    limit: i64,
    after: Option<i32>,
) -> Result<Page, ToolError> {
    let total_count: i64 = filtered(user_id, filter).count().get_result(conn)?;
    let mut query = filtered(user_id, filter);
    if let Some(after) = after {
        let key: String = mine(user_id)
            .filter(projects::id.eq(after))
            .select(lower(projects::name))
            .first(conn)
            .optional()?
            .ok_or_else(stale_cursor)?;
        query = query.filter(
            lower(projects::name)
                .gt(key.clone())
                .or(lower(projects::name).eq(key).and(projects::id.gt(after))),
        );
    }
    let mut rows: Vec<Row> = query
        .order((lower(projects::name), projects::id))
        .limit(limit + 1)
        .select(Row::as_select())
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok(Page {
        projects: hydrate(conn, user_id, rows)?,
        more,
        total_count,
    })
}

/// What a project's tracks add up to: all tracked time (running timers up
/// to now), the billable part, and the billable amount per currency (each
/// track's amount rounded to the minor unit, then summed). Exact seconds,
/// no rounding setting applied.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Spent {
    pub seconds: i64,
    pub billable_seconds: i64,
    pub amounts: BTreeMap<String, Decimal>,
    pub track_count: i64,
    /// A running timer is counted up to now.
    pub running: bool,
}

type MoneyRow = (Option<i32>, i64, Option<i64>, bool, Option<String>, String);

impl Spent {
    fn add(&mut self, (_, start, end, billable, rate, currency): &MoneyRow, now: i64) {
        let seconds = (end.unwrap_or(now) - start).max(0);
        self.track_count += 1;
        self.seconds += seconds;
        self.running |= end.is_none();
        if *billable {
            self.billable_seconds += seconds;
            if let Some(rate) = decimal(rate.as_deref()) {
                *self.amounts.entry(currency.clone()).or_default() +=
                    money::amount_for(rate, seconds, currency);
            }
        }
    }
}

/// Spent totals of each of the user's projects in `ids` (projects without
/// tracks get zeros).
pub fn spent(
    conn: &mut Conn,
    user_id: i32,
    ids: &[i32],
    now: Timestamp,
) -> Result<HashMap<i32, Spent>, ToolError> {
    let mut rows: Vec<MoneyRow> = Vec::new();
    for chunk in super::common::chunks(ids) {
        rows.extend(
            tracks::table
                .filter(tracks::user_id.eq(user_id))
                .filter(tracks::project_id.eq_any(chunk))
                .select((
                    tracks::project_id,
                    tracks::started_at,
                    tracks::ended_at,
                    tracks::billable,
                    tracks::hourly_rate,
                    tracks::currency,
                ))
                .load::<MoneyRow>(conn)?,
        );
    }
    let mut out: HashMap<i32, Spent> = ids.iter().map(|id| (*id, Spent::default())).collect();
    for row in &rows {
        if let Some(spent) = row.0.and_then(|id| out.get_mut(&id)) {
            spent.add(row, epoch(now));
        }
    }
    Ok(out)
}

/// A track's billing as repricing sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackBilling {
    pub id: i32,
    pub description: String,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub billable: bool,
    pub hourly_rate: Option<Decimal>,
    pub currency: String,
}

type TrackBillingRow = (i32, String, i64, Option<i64>, bool, Option<String>, String);

/// Ids of the user's tracks that are on an invoice that is not void.
fn invoiced_track_ids(conn: &mut Conn, user_id: i32, project_id: i32) -> QueryResult<Vec<i32>> {
    invoice_tracks::table
        .inner_join(tracks::table)
        .filter(tracks::user_id.eq(user_id))
        .filter(tracks::project_id.eq(project_id))
        .filter(invoice_tracks::active.eq(true))
        .select(invoice_tracks::track_id)
        .load(conn)
}

/// The project's tracks that are on no invoice that is not void (running
/// timers included), oldest first, and how many of its tracks are invoiced.
pub fn unbilled_tracks(
    conn: &mut Conn,
    user_id: i32,
    project_id: i32,
) -> Result<(Vec<TrackBilling>, usize), ToolError> {
    let invoiced: HashSet<i32> = invoiced_track_ids(conn, user_id, project_id)?
        .into_iter()
        .collect();
    let rows: Vec<TrackBillingRow> = tracks::table
        .filter(tracks::user_id.eq(user_id))
        .filter(tracks::project_id.eq(project_id))
        .order((tracks::started_at, tracks::id))
        .select((
            tracks::id,
            tracks::description,
            tracks::started_at,
            tracks::ended_at,
            tracks::billable,
            tracks::hourly_rate,
            tracks::currency,
        ))
        .load(conn)?;
    let unbilled = rows
        .into_iter()
        .filter(|row| !invoiced.contains(&row.0))
        .map(
            |(id, description, start, end, billable, rate, currency)| TrackBilling {
                id,
                description,
                started_at: instant(start),
                ended_at: end.map(instant),
                billable,
                hourly_rate: decimal(rate.as_deref()),
                currency,
            },
        )
        .collect();
    Ok((unbilled, invoiced.len()))
}

/// Give the user's track `id` a new rate and currency (repricing).
pub fn set_track_rate(
    conn: &mut Conn,
    user_id: i32,
    id: i32,
    hourly_rate: Option<Decimal>,
    currency: &str,
    now: Timestamp,
) -> Result<(), ToolError> {
    super::day_totals::retract(conn, user_id, &[id])?;
    diesel::update(
        tracks::table
            .filter(tracks::user_id.eq(user_id))
            .filter(tracks::id.eq(id)),
    )
    .set((
        tracks::hourly_rate.eq(hourly_rate.map(|r| r.to_string())),
        tracks::currency.eq(currency),
        tracks::updated_at.eq(epoch(now)),
    ))
    .execute(conn)?;
    super::day_totals::apply(conn, user_id, &[id])?;
    Ok(())
}

/// How many tracks the user's project has.
pub fn track_count(conn: &mut Conn, user_id: i32, project_id: i32) -> Result<i64, ToolError> {
    Ok(tracks::table
        .filter(tracks::user_id.eq(user_id))
        .filter(tracks::project_id.eq(project_id))
        .count()
        .get_result(conn)?)
}

/// Refuse (`track_invoiced`) while any of the project's tracks is on an
/// invoice that is not void.
pub fn ensure_no_invoiced_tracks(
    conn: &mut Conn,
    user_id: i32,
    project_id: i32,
) -> Result<(), ToolError> {
    let ids = invoiced_track_ids(conn, user_id, project_id)?;
    super::tracks::ensure_not_invoiced(conn, user_id, &ids)
}

/// Delete the user's project, first unassigning or deleting its tracks.
/// Deleted tracks are also dropped from void invoices (whose lines and
/// totals stay as they were). Returns how many tracks were affected.
pub fn delete(
    conn: &mut Conn,
    user_id: i32,
    project_id: i32,
    tracks_action: Option<TracksAction>,
    now: Timestamp,
) -> Result<usize, ToolError> {
    let of_project = tracks::table
        .filter(tracks::user_id.eq(user_id))
        .filter(tracks::project_id.eq(project_id));
    let affected = match tracks_action {
        None => 0,
        Some(TracksAction::Unassign) => {
            let ids: Vec<i32> = of_project.select(tracks::id).load(conn)?;
            super::day_totals::retract(conn, user_id, &ids)?;
            let unassigned = diesel::update(of_project)
                .set((
                    tracks::project_id.eq(None::<i32>),
                    tracks::updated_at.eq(epoch(now)),
                ))
                .execute(conn)?;
            super::day_totals::apply(conn, user_id, &ids)?;
            unassigned
        }
        Some(TracksAction::Delete) => {
            let ids: Vec<i32> = of_project.select(tracks::id).load(conn)?;
            super::tracks::delete_all(conn, user_id, &ids)?
        }
    };
    let deleted = diesel::delete(
        projects::table
            .filter(projects::user_id.eq(user_id))
            .filter(projects::id.eq(project_id)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(ToolError::not_found(
            "project",
            format!("with id {project_id}"),
        ));
    }
    Ok(affected)
}
