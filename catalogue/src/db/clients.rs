//! Clients: contact, billing defaults, archive.

use std::collections::{BTreeMap, HashMap, HashSet};

use diesel::prelude::*;
use jiff::Timestamp;
use rust_decimal::Decimal;

use super::common::{contains_pattern, lower, unique_conflict};
use super::{Conn, epoch, instant};
use crate::fields::{ArchiveFilter, name_taken};
use crate::pagination::stale_cursor;
use crate::reference::{self, Ref};
use crate::schema::{clients, invoice_tracks, invoices, projects, tracks};
use crate::{ToolError, money};

/// The default payment terms of a client, in days.
pub const DEFAULT_PAYMENT_TERMS_DAYS: u32 = 30;

/// Every field of a client that can be written; the caller has validated them.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientFields {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub vat_id: Option<String>,
    pub currency: Option<String>,
    pub hourly_rate: Option<Decimal>,
    pub payment_terms_days: u32,
    pub notes: Option<String>,
    pub archived_at: Option<Timestamp>,
}

impl Default for ClientFields {
    fn default() -> Self {
        ClientFields {
            name: String::new(),
            email: None,
            phone: None,
            address: None,
            vat_id: None,
            currency: None,
            hourly_rate: None,
            payment_terms_days: DEFAULT_PAYMENT_TERMS_DAYS,
            notes: None,
            archived_at: None,
        }
    }
}

/// A client as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Client {
    pub id: i32,
    pub fields: ClientFields,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = clients, check_for_backend(crate::db::Backend))]
struct Row {
    id: i32,
    name: String,
    currency: Option<String>,
    hourly_rate: Option<String>,
    archived_at: Option<i64>,
    email: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    vat_id: Option<String>,
    payment_terms_days: i32,
    notes: Option<String>,
}

impl From<Row> for Client {
    fn from(row: Row) -> Client {
        Client {
            id: row.id,
            fields: ClientFields {
                name: row.name,
                email: row.email,
                phone: row.phone,
                address: row.address,
                vat_id: row.vat_id,
                currency: row.currency,
                hourly_rate: row.hourly_rate.and_then(|r| r.parse().ok()),
                payment_terms_days: u32::try_from(row.payment_terms_days)
                    .unwrap_or(DEFAULT_PAYMENT_TERMS_DAYS),
                notes: row.notes,
                archived_at: row.archived_at.map(instant),
            },
        }
    }
}

type Scoped = clients::BoxedQuery<'static, crate::db::Backend>;

fn mine(user_id: i32) -> Scoped {
    clients::table
        .filter(clients::user_id.eq(user_id))
        .into_boxed()
}

/// Create a client with its billing defaults (the data layer's entry point).
pub fn create(
    conn: &mut Conn,
    user_id: i32,
    name: &str,
    currency: Option<&str>,
    hourly_rate: Option<Decimal>,
    now: Timestamp,
) -> Result<i32, ToolError> {
    let fields = ClientFields {
        name: name.to_owned(),
        currency: currency.map(str::to_owned),
        hourly_rate,
        ..ClientFields::default()
    };
    insert(conn, user_id, &fields, now)
}

pub fn insert(
    conn: &mut Conn,
    user_id: i32,
    new: &ClientFields,
    now: Timestamp,
) -> Result<i32, ToolError> {
    diesel::insert_into(clients::table)
        .values((
            clients::user_id.eq(user_id),
            clients::name.eq(new.name.trim()),
            clients::email.eq(&new.email),
            clients::phone.eq(&new.phone),
            clients::address.eq(&new.address),
            clients::vat_id.eq(&new.vat_id),
            clients::currency.eq(&new.currency),
            clients::hourly_rate.eq(new.hourly_rate.map(|r| r.to_string())),
            clients::payment_terms_days.eq(new.payment_terms_days as i32),
            clients::notes.eq(&new.notes),
            clients::archived_at.eq(new.archived_at.map(epoch)),
            clients::created_at.eq(epoch(now)),
        ))
        .returning(clients::id)
        .get_result(conn)
        .map_err(|e| unique_conflict("client", &new.name, e))
}

/// Save every field of the user's client `id`.
pub fn update(
    conn: &mut Conn,
    user_id: i32,
    id: i32,
    fields: &ClientFields,
) -> Result<(), ToolError> {
    let updated = diesel::update(
        clients::table
            .filter(clients::user_id.eq(user_id))
            .filter(clients::id.eq(id)),
    )
    .set((
        clients::name.eq(fields.name.trim()),
        clients::email.eq(&fields.email),
        clients::phone.eq(&fields.phone),
        clients::address.eq(&fields.address),
        clients::vat_id.eq(&fields.vat_id),
        clients::currency.eq(&fields.currency),
        clients::hourly_rate.eq(fields.hourly_rate.map(|r| r.to_string())),
        clients::payment_terms_days.eq(fields.payment_terms_days as i32),
        clients::notes.eq(&fields.notes),
        clients::archived_at.eq(fields.archived_at.map(epoch)),
    ))
    .execute(conn)
    .map_err(|e| unique_conflict("client", &fields.name, e))?;
    if updated == 0 {
        return Err(ToolError::not_found("client", format!("with id {id}")));
    }
    Ok(())
}

pub fn get(conn: &mut Conn, user_id: i32, id: i32) -> Result<Client, ToolError> {
    let row = mine(user_id)
        .filter(clients::id.eq(id))
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ToolError::not_found("client", format!("with id {id}")))?;
    Ok(row.into())
}

/// The id of the user's client `reference` means (an id or an exact name).
pub fn resolve(conn: &mut Conn, user_id: i32, reference: &Ref) -> Result<i32, ToolError> {
    let all: Vec<(i32, String)> = mine(user_id)
        .select((clients::id, clients::name))
        .order(clients::id)
        .load(conn)?;
    Ok(reference::resolve("client", reference, &all, |(id, name)| (*id, name))?.0)
}

pub fn find(conn: &mut Conn, user_id: i32, reference: &Ref) -> Result<Client, ToolError> {
    let id = resolve(conn, user_id, reference)?;
    get(conn, user_id, id)
}

/// Clients that are not archived: what the tier's client limit counts.
pub fn count_active(conn: &mut Conn, user_id: i32) -> Result<i64, ToolError> {
    Ok(mine(user_id)
        .filter(clients::archived_at.is_null())
        .count()
        .get_result(conn)?)
}

/// `conflict` when another of the user's clients (archived ones included)
/// already has `name`, compared case-insensitively.
pub fn ensure_name_free(
    conn: &mut Conn,
    user_id: i32,
    name: &str,
    except: Option<i32>,
) -> Result<(), ToolError> {
    let all: Vec<(i32, String, Option<i64>)> = mine(user_id)
        .select((clients::id, clients::name, clients::archived_at))
        .load(conn)?;
    let wanted = name.trim().to_lowercase();
    match all
        .into_iter()
        .find(|(id, name, _)| Some(*id) != except && name.to_lowercase() == wanted)
    {
        None => Ok(()),
        Some((id, existing, archived)) => Err(name_taken(
            "client", id, &existing,
        )
        .hint(if archived.is_some() {
            format!(
                "client {id} has that name and is archived: unarchive it with update_client (archived: false), or choose another name"
            )
        } else {
            format!("use client {id}, or choose another name")
        })
        .detail("archived", archived.is_some())),
    }
}

/// Which clients `list` returns.
#[derive(Clone, Debug, Default)]
pub struct ClientFilter {
    pub archive: ArchiveFilter,
    /// Case-insensitive text in the name.
    pub search: Option<String>,
}

fn filtered(user_id: i32, filter: &ClientFilter) -> Scoped {
    let mut query = mine(user_id);
    match filter.archive {
        ArchiveFilter::Active => query = query.filter(clients::archived_at.is_null()),
        ArchiveFilter::Archived => query = query.filter(clients::archived_at.is_not_null()),
        ArchiveFilter::All => {}
    }
    if let Some(search) = &filter.search {
        query = query.filter(
            lower(clients::name)
                .like(contains_pattern(search))
                .escape('\\'),
        );
    }
    query
}

/// How many projects a client has, archived or not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProjectCounts {
    pub active: i64,
    pub archived: i64,
}

/// A page of clients by name (case-insensitive), with their project counts.
pub struct Page {
    pub clients: Vec<(Client, ProjectCounts)>,
    pub more: bool,
    pub total_count: i64,
}

/// Clients by name; `after` is the id of the previous page's last client.
pub fn list(
    conn: &mut Conn,
    user_id: i32,
    filter: &ClientFilter,
    limit: i64,
    after: Option<i32>,
) -> Result<Page, ToolError> {
    let total_count: i64 = filtered(user_id, filter).count().get_result(conn)?;
    let mut query = filtered(user_id, filter);
    if let Some(after) = after {
        let key: String = mine(user_id)
            .filter(clients::id.eq(after))
            .select(lower(clients::name))
            .first(conn)
            .optional()?
            .ok_or_else(stale_cursor)?;
        query = query.filter(
            lower(clients::name)
                .gt(key.clone())
                .or(lower(clients::name).eq(key).and(clients::id.gt(after))),
        );
    }
    let mut rows: Vec<Row> = query
        .order((lower(clients::name), clients::id))
        .limit(limit + 1)
        .select(Row::as_select())
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut counts: HashMap<i32, ProjectCounts> = HashMap::new();
    let mut rows_of_projects: Vec<(i32, Option<i64>)> = Vec::new();
    for chunk in super::common::chunks(&ids) {
        rows_of_projects.extend(
            projects::table
                .filter(projects::user_id.eq(user_id))
                .filter(projects::client_id.eq_any(chunk))
                .select((projects::client_id.assume_not_null(), projects::archived_at))
                .load::<(i32, Option<i64>)>(conn)?,
        );
    }
    for (client, archived) in rows_of_projects {
        let count = counts.entry(client).or_default();
        if archived.is_some() {
            count.archived += 1;
        } else {
            count.active += 1;
        }
    }
    Ok(Page {
        clients: rows
            .into_iter()
            .map(|row| {
                let count = counts.get(&row.id).copied().unwrap_or_default();
                (Client::from(row), count)
            })
            .collect(),
        more,
        total_count,
    })
}

/// One of a client's projects, as `get_client` lists them.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientProject {
    pub id: i32,
    pub name: String,
    pub billable: bool,
    pub archived: bool,
}

/// The client's projects by name, archived ones included.
pub fn projects_of(
    conn: &mut Conn,
    user_id: i32,
    client_id: i32,
) -> Result<Vec<ClientProject>, ToolError> {
    let rows: Vec<(i32, String, bool, Option<i64>)> = projects::table
        .filter(projects::user_id.eq(user_id))
        .filter(projects::client_id.eq(client_id))
        .order((lower(projects::name), projects::id))
        .select((
            projects::id,
            projects::name,
            projects::billable,
            projects::archived_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, billable, archived)| ClientProject {
            id,
            name,
            billable,
            archived: archived.is_some(),
        })
        .collect())
}

/// A client's unbilled billable work in one currency: stopped billable
/// tracks of its projects that are on no invoice that is not void.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Unbilled {
    pub track_count: i64,
    pub seconds: i64,
    /// The tracks' amounts, each rounded to the minor unit, summed.
    pub amount: Decimal,
    /// Billable tracks without a rate: their time is counted, no amount.
    pub tracks_without_rate: i64,
}

/// Unbilled billable totals of the client, per currency (exact seconds, no
/// rounding setting applied; running timers are not counted).
pub fn unbilled(
    conn: &mut Conn,
    user_id: i32,
    client_id: i32,
) -> Result<BTreeMap<String, Unbilled>, ToolError> {
    let invoiced: HashSet<i32> = invoice_tracks::table
        .inner_join(tracks::table.inner_join(projects::table))
        .filter(tracks::user_id.eq(user_id))
        .filter(projects::client_id.eq(client_id))
        .filter(invoice_tracks::active.eq(true))
        .select(invoice_tracks::track_id)
        .load::<i32>(conn)?
        .into_iter()
        .collect();
    let rows: Vec<(i32, i64, i64, Option<String>, String)> = tracks::table
        .inner_join(projects::table)
        .filter(tracks::user_id.eq(user_id))
        .filter(projects::user_id.eq(user_id))
        .filter(projects::client_id.eq(client_id))
        .filter(tracks::billable.eq(true))
        .filter(tracks::ended_at.is_not_null())
        .select((
            tracks::id,
            tracks::started_at,
            tracks::ended_at.assume_not_null(),
            tracks::hourly_rate,
            tracks::currency,
        ))
        .load(conn)?;
    let mut out: BTreeMap<String, Unbilled> = BTreeMap::new();
    for (id, start, end, rate, currency) in rows {
        if invoiced.contains(&id) {
            continue;
        }
        let seconds = (end - start).max(0);
        let rate: Option<Decimal> = rate.and_then(|r| r.parse().ok());
        let total = out.entry(currency.clone()).or_default();
        total.track_count += 1;
        total.seconds += seconds;
        match rate {
            Some(rate) => total.amount += money::amount_for(rate, seconds, &currency),
            None => total.tracks_without_rate += 1,
        }
    }
    Ok(out)
}

/// How many invoices the user has for the client, void ones included.
pub fn invoice_count(conn: &mut Conn, user_id: i32, client_id: i32) -> Result<i64, ToolError> {
    Ok(invoices::table
        .filter(invoices::user_id.eq(user_id))
        .filter(invoices::client_id.eq(client_id))
        .count()
        .get_result(conn)?)
}

/// Delete the user's client, first unassigning its projects (which keep
/// their own rates). Returns how many projects were unassigned. The caller
/// has checked that the client has no invoices.
pub fn delete(conn: &mut Conn, user_id: i32, client_id: i32) -> Result<usize, ToolError> {
    let unassigned = diesel::update(
        projects::table
            .filter(projects::user_id.eq(user_id))
            .filter(projects::client_id.eq(client_id)),
    )
    .set(projects::client_id.eq(None::<i32>))
    .execute(conn)?;
    let deleted = diesel::delete(
        clients::table
            .filter(clients::user_id.eq(user_id))
            .filter(clients::id.eq(client_id)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(ToolError::not_found(
            "client",
            format!("with id {client_id}"),
        ));
    }
    Ok(unassigned)
}
