//! Invoices, their lines, and the tracks they lock.
//!
//! A track is on at most one non-void invoice: `invoice_tracks` rows are
//! `active` until their invoice is void, and the partial unique index
//! `invoice_tracks_one_live_invoice` is what enforces it, also under
//! concurrency; its violation is reported as `conflict`.

use std::collections::HashMap;
use std::sync::Arc;

use diesel::connection::DefaultLoadingMode;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use jiff::Timestamp;
use rust_decimal::Decimal;

use super::common::{chunks, insert_chunks};
use super::{Conn, epoch, instant};
pub use crate::billing::{BillableTrack, NewLine, Status, Totals};
use crate::reference::{Named, Ref};
use crate::schema::{
    clients, invoice_lines, invoice_tracks, invoices, projects, tracks, user_settings,
};
use crate::time::Range;
use crate::{ErrorCode, ToolError, names};

fn status_of(text: &str) -> Status {
    // The column's CHECK constraint admits only the four names.
    names::parse(text).unwrap_or(Status::Draft)
}

fn decimal(text: &str) -> Decimal {
    // Written by this module from a `Decimal`; never anything else.
    text.parse().unwrap_or_default()
}

/// Map the unique indexes on invoices to `conflict`.
fn conflict(err: DieselError, what: &str, hint: &str) -> ToolError {
    match err {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            ToolError::new(ErrorCode::Conflict, what).hint(hint)
        }
        other => other.into(),
    }
}

// ---------------------------------------------------------------- clients

/// A client as an invoice shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientInfo {
    pub id: i32,
    pub name: String,
    pub currency: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub vat_id: Option<String>,
    pub payment_terms_days: i32,
}

type ClientRow = (
    i32,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i32,
);

fn client_info(row: ClientRow) -> ClientInfo {
    let (id, name, currency, email, phone, address, vat_id, payment_terms_days) = row;
    ClientInfo {
        id,
        name,
        currency,
        email,
        phone,
        address,
        vat_id,
        payment_terms_days,
    }
}

macro_rules! client_columns {
    () => {
        (
            clients::id,
            clients::name,
            clients::currency,
            clients::email,
            clients::phone,
            clients::address,
            clients::vat_id,
            clients::payment_terms_days,
        )
    };
}

/// The user's client `reference` means (archived clients included).
pub fn resolve_client(
    conn: &mut Conn,
    user_id: i32,
    reference: &Ref,
) -> Result<ClientInfo, ToolError> {
    let id = super::clients::resolve(conn, user_id, reference)?;
    client_by_id(conn, user_id, id)
}

fn client_by_id(conn: &mut Conn, user_id: i32, id: i32) -> Result<ClientInfo, ToolError> {
    clients::table
        .filter(clients::user_id.eq(user_id))
        .filter(clients::id.eq(id))
        .select(client_columns!())
        .first::<ClientRow>(conn)
        .optional()?
        .map(client_info)
        .ok_or_else(|| ToolError::not_found("client", format!("with id {id}")))
}

/// A project as an invoice needs it: its client.
#[derive(Clone, Debug)]
pub struct ProjectInfo {
    pub id: i32,
    pub name: String,
    pub client_id: Option<i32>,
}

/// The user's project `reference` means, with its client.
pub fn resolve_project(
    conn: &mut Conn,
    user_id: i32,
    reference: &Ref,
) -> Result<(ProjectInfo, Option<ClientInfo>), ToolError> {
    let project = super::projects::resolve(conn, user_id, reference)?;
    let client_id: Option<i32> = projects::table
        .find(project.id)
        .select(projects::client_id)
        .first(conn)?;
    let client = client_id
        .map(|c| client_by_id(conn, user_id, c))
        .transpose()?;
    Ok((
        ProjectInfo {
            id: project.id,
            name: project.name,
            client_id,
        },
        client,
    ))
}

// ---------------------------------------------------------------- tracks

type TrackRow = (
    i32,
    Option<i32>,
    Option<String>,
    String,
    i64,
    Option<i64>,
    bool,
    Option<String>,
    String,
    bool,
);

/// A track's columns, and whether a live (non-void) invoice bills it, from
/// the join [`with_lock`] makes.
macro_rules! track_columns {
    () => {
        (
            tracks::id,
            tracks::project_id,
            projects::name.nullable(),
            tracks::description,
            tracks::started_at,
            tracks::ended_at,
            tracks::billable,
            tracks::hourly_rate,
            tracks::currency,
            invoice_tracks::track_id.nullable().is_not_null(),
        )
    };
}

/// `$tracks` joined with the live invoice row of each track, if any: at
/// most one (the partial unique index `invoice_tracks_one_live_invoice`),
/// found in that index, whose `WHERE active` is the join's own term (a
/// bound `active = true` would not let the planner use it).
macro_rules! with_lock {
    ($tracks:expr) => {
        $tracks.left_join(
            invoice_tracks::table.on(invoice_tracks::track_id
                .eq(tracks::id)
                .and(invoice_tracks::active)),
        )
    };
}

/// Rows become tracks one at a time, as the statement steps: a preview over
/// 200,000 tracks never holds the rows and the tracks at once. The tracks
/// of a project share one copy of it (`projects`).
fn billable(
    (id, project_id, project_name, description, start, end, billable, rate, currency, invoiced): TrackRow,
    projects: &mut HashMap<i32, Arc<Named>>,
) -> BillableTrack {
    BillableTrack {
        id,
        project: project_id.zip(project_name).map(|(id, name)| {
            projects
                .entry(id)
                .or_insert_with(|| Arc::new(Named { id, name }))
                .clone()
        }),
        description,
        started_at: instant(start),
        ended_at: end.map(instant),
        billable,
        hourly_rate: rate.as_deref().map(decimal),
        currency,
        invoiced,
    }
}

/// Every row of `rows` as a track.
fn billable_tracks(
    rows: impl Iterator<Item = QueryResult<TrackRow>>,
) -> Result<Vec<BillableTrack>, ToolError> {
    let mut projects = HashMap::new();
    Ok(rows
        .map(|row| row.map(|row| billable(row, &mut projects)))
        .collect::<QueryResult<_>>()?)
}

/// Whose tracks an invoice is generated from.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    Client(i32),
    Project(i32),
}

/// Every track of the client's projects (or of one project) that starts in
/// `range`, oldest first, whatever its state: the caller sorts out which
/// can be billed.
pub fn tracks_in(
    conn: &mut Conn,
    user_id: i32,
    scope: Scope,
    range: Range,
) -> Result<Vec<BillableTrack>, ToolError> {
    let mut query = with_lock!(tracks::table.inner_join(projects::table))
        .filter(tracks::user_id.eq(user_id))
        .filter(projects::user_id.eq(user_id))
        .filter(tracks::started_at.ge(epoch(range.from)))
        .filter(tracks::started_at.lt(epoch(range.to)))
        .into_boxed();
    query = match scope {
        Scope::Client(id) => query.filter(projects::client_id.eq(id)),
        Scope::Project(id) => query.filter(projects::id.eq(id)),
    };
    let rows = query
        .order((tracks::started_at, tracks::id))
        .select(track_columns!())
        .load_iter::<TrackRow, DefaultLoadingMode>(conn)?;
    billable_tracks(rows)
}

/// The tracks an invoice line bills (active or not), oldest first.
pub fn line_tracks(
    conn: &mut Conn,
    user_id: i32,
    line_id: i32,
) -> Result<Vec<BillableTrack>, ToolError> {
    // `invoice_tracks` is already in the join (the lock): the line's rows
    // are read under another name.
    let line = diesel::alias!(invoice_tracks as line_rows);
    let on_line = line
        .filter(line.field(invoice_tracks::line_id).eq(line_id))
        .select(line.field(invoice_tracks::track_id));
    let rows = with_lock!(tracks::table.left_join(projects::table))
        .filter(tracks::user_id.eq(user_id))
        .filter(tracks::id.eq_any(on_line))
        .order((tracks::started_at, tracks::id))
        .select(track_columns!())
        .load_iter::<TrackRow, DefaultLoadingMode>(conn)?;
    billable_tracks(rows)
}

// ---------------------------------------------------------------- invoices

/// A draft to insert.
#[derive(Clone, Debug)]
pub struct NewInvoice {
    pub client_id: i32,
    pub currency: String,
    pub issue_date: Option<String>,
    pub due_date: Option<String>,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    pub grouping: Option<String>,
    pub tax_percent: Decimal,
    pub discount_percent: Decimal,
    pub totals: Totals,
    pub notes: Option<String>,
}

/// Insert a draft with its lines, locking the lines' tracks.
pub fn insert(
    conn: &mut Conn,
    user_id: i32,
    new: &NewInvoice,
    lines: &[NewLine],
    now: Timestamp,
) -> Result<i32, ToolError> {
    let id: i32 = diesel::insert_into(invoices::table)
        .values((
            invoices::user_id.eq(user_id),
            invoices::client_id.eq(new.client_id),
            invoices::status.eq(Status::Draft.name()),
            invoices::currency.eq(&new.currency),
            invoices::issue_date.eq(&new.issue_date),
            invoices::due_date.eq(&new.due_date),
            invoices::period_from.eq(&new.period_from),
            invoices::period_to.eq(&new.period_to),
            invoices::grouping.eq(&new.grouping),
            invoices::tax_percent.eq(new.tax_percent.to_string()),
            invoices::discount_percent.eq(new.discount_percent.to_string()),
            invoices::notes.eq(&new.notes),
            invoices::created_at.eq(epoch(now)),
            invoices::updated_at.eq(epoch(now)),
        ))
        .returning(invoices::id)
        .get_result(conn)?;
    add_lines(conn, id, lines)?;
    set_totals(conn, user_id, id, new.totals, now)?;
    Ok(id)
}

/// Append lines after the invoice's last one, locking their tracks. A few
/// statements whatever the number of lines (an invoice grouped by track has
/// one per track): on a server engine each statement is a round trip.
pub fn add_lines(conn: &mut Conn, invoice_id: i32, lines: &[NewLine]) -> Result<(), ToolError> {
    let last: Option<i32> = invoice_lines::table
        .filter(invoice_lines::invoice_id.eq(invoice_id))
        .select(diesel::dsl::max(invoice_lines::position))
        .first(conn)?;
    let first = last.unwrap_or(0) + 1;
    let position = |i: usize| first + i as i32;
    let rows: Vec<_> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            (
                invoice_lines::invoice_id.eq(invoice_id),
                invoice_lines::position.eq(position(i)),
                invoice_lines::description.eq(&line.description),
                invoice_lines::quantity.eq(line.quantity.to_string()),
                invoice_lines::unit_price.eq(line.unit_price.to_string()),
                invoice_lines::amount.eq(line.amount.to_string()),
                invoice_lines::project_id.eq(line.project_id),
            )
        })
        .collect();
    // Each new line's id by its position: the order of RETURNING rows is
    // not promised.
    let mut ids: HashMap<i32, i32> = HashMap::with_capacity(rows.len());
    for chunk in insert_chunks(&rows, 7) {
        // Multi-row VALUES: spelt once per engine (see `per_backend!`).
        let made: Vec<(i32, i32)> =
            super::per_backend!(conn, |c| diesel::insert_into(invoice_lines::table)
                .values(chunk)
                .returning((invoice_lines::position, invoice_lines::id))
                .get_results(c))?;
        ids.extend(made);
    }
    let locks: Vec<(i32, Option<i32>)> = lines
        .iter()
        .enumerate()
        .flat_map(|(i, line)| {
            let line_id = ids.get(&position(i)).copied();
            line.track_ids.iter().map(move |track| (*track, line_id))
        })
        .collect();
    lock_tracks(conn, invoice_id, &locks)
}

/// Put `(track, line)` pairs on an invoice. A track already on another
/// non-void invoice is refused by the partial unique index: `conflict`.
pub fn lock_tracks(
    conn: &mut Conn,
    invoice_id: i32,
    tracks: &[(i32, Option<i32>)],
) -> Result<(), ToolError> {
    let rows: Vec<_> = tracks
        .iter()
        .map(|(track, line)| {
            (
                invoice_tracks::invoice_id.eq(invoice_id),
                invoice_tracks::track_id.eq(*track),
                invoice_tracks::line_id.eq(*line),
                invoice_tracks::active.eq(true),
            )
        })
        .collect();
    for rows in insert_chunks(&rows, 4) {
        // Multi-row VALUES: spelt once per engine (see `per_backend!`).
        super::per_backend!(conn, |c| diesel::insert_into(invoice_tracks::table)
            .values(rows)
            .execute(c))
        .map_err(|e| {
            conflict(
                e,
                "some of these tracks were put on another invoice at the same time",
                "preview the invoice again: it now leaves those tracks out",
            )
        })?;
    }
    Ok(())
}

pub fn set_totals(
    conn: &mut Conn,
    user_id: i32,
    id: i32,
    totals: Totals,
    now: Timestamp,
) -> Result<(), ToolError> {
    diesel::update(mine(user_id, id))
        .set((
            invoices::subtotal.eq(totals.subtotal.to_string()),
            invoices::discount_amount.eq(totals.discount_amount.to_string()),
            invoices::tax_amount.eq(totals.tax_amount.to_string()),
            invoices::total.eq(totals.total.to_string()),
            invoices::updated_at.eq(epoch(now)),
        ))
        .execute(conn)?;
    Ok(())
}

fn mine(
    user_id: i32,
    id: i32,
) -> diesel::dsl::Filter<
    diesel::dsl::Filter<invoices::table, diesel::dsl::Eq<invoices::user_id, i32>>,
    diesel::dsl::Eq<invoices::id, i32>,
> {
    invoices::table
        .filter(invoices::user_id.eq(user_id))
        .filter(invoices::id.eq(id))
}

/// One invoice line as stored.
#[derive(Clone, Debug)]
pub struct Line {
    pub id: i32,
    pub description: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub amount: Decimal,
    pub project: Option<Named>,
    /// The tracks it bills (freed ones too, once the invoice is void);
    /// empty for a manual line.
    pub track_ids: Vec<i32>,
}

impl Line {
    /// A line made from tracks (its quantity is hours), not typed in.
    pub fn tracked(&self) -> bool {
        !self.track_ids.is_empty()
    }
}

/// An invoice as stored, with its client and lines.
#[derive(Clone, Debug)]
pub struct Invoice {
    pub id: i32,
    pub client: ClientInfo,
    pub number: Option<String>,
    pub status: Status,
    pub currency: String,
    pub issue_date: Option<String>,
    pub due_date: Option<String>,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    pub grouping: Option<String>,
    pub tax_percent: Decimal,
    pub discount_percent: Decimal,
    pub subtotal: Decimal,
    pub discount_amount: Decimal,
    pub tax_amount: Decimal,
    pub total: Decimal,
    pub notes: Option<String>,
    pub sent_at: Option<Timestamp>,
    pub paid_on: Option<String>,
    pub voided_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub lines: Vec<Line>,
    /// How many tracks it bills (after a void, the ones it billed).
    pub track_count: i64,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = invoices, check_for_backend(crate::db::Backend))]
struct InvoiceRow {
    id: i32,
    client_id: i32,
    number: Option<String>,
    status: String,
    currency: String,
    issue_date: Option<String>,
    due_date: Option<String>,
    period_from: Option<String>,
    period_to: Option<String>,
    grouping: Option<String>,
    tax_percent: String,
    discount_percent: String,
    subtotal: String,
    discount_amount: String,
    tax_amount: String,
    total: String,
    notes: Option<String>,
    sent_at: Option<i64>,
    paid_on: Option<String>,
    voided_at: Option<i64>,
    created_at: i64,
}

/// One of the user's invoices, or `not_found`.
pub fn get(conn: &mut Conn, user_id: i32, id: i32) -> Result<Invoice, ToolError> {
    let row = mine(user_id, id)
        .select(InvoiceRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            ToolError::not_found("invoice", format!("with id {id}"))
                .hint("list_invoices shows the user's invoices and their ids")
        })?;
    let client = client_by_id(conn, user_id, row.client_id)?;
    // id, description, quantity, unit price, amount, project id and name
    type LineRow = (
        i32,
        String,
        String,
        String,
        String,
        Option<i32>,
        Option<String>,
    );
    let line_rows: Vec<LineRow> = invoice_lines::table
        .left_join(projects::table)
        .filter(invoice_lines::invoice_id.eq(id))
        .order((invoice_lines::position, invoice_lines::id))
        .select((
            invoice_lines::id,
            invoice_lines::description,
            invoice_lines::quantity,
            invoice_lines::unit_price,
            invoice_lines::amount,
            invoice_lines::project_id,
            projects::name.nullable(),
        ))
        .load(conn)?;
    let links: Vec<(i32, Option<i32>)> = invoice_tracks::table
        .filter(invoice_tracks::invoice_id.eq(id))
        .order(invoice_tracks::track_id)
        .select((invoice_tracks::track_id, invoice_tracks::line_id))
        .load(conn)?;
    let mut by_line: HashMap<i32, Vec<i32>> = HashMap::new();
    for (track, line) in &links {
        if let Some(line) = line {
            by_line.entry(*line).or_default().push(*track);
        }
    }
    let lines = line_rows
        .into_iter()
        .map(
            |(line_id, description, quantity, unit_price, amount, project_id, project_name)| Line {
                id: line_id,
                description,
                quantity: decimal(&quantity),
                unit_price: decimal(&unit_price),
                amount: decimal(&amount),
                project: project_id
                    .zip(project_name)
                    .map(|(id, name)| Named { id, name }),
                track_ids: by_line.remove(&line_id).unwrap_or_default(),
            },
        )
        .collect();
    Ok(Invoice {
        id: row.id,
        client,
        number: row.number,
        status: status_of(&row.status),
        currency: row.currency,
        issue_date: row.issue_date,
        due_date: row.due_date,
        period_from: row.period_from,
        period_to: row.period_to,
        grouping: row.grouping,
        tax_percent: decimal(&row.tax_percent),
        discount_percent: decimal(&row.discount_percent),
        subtotal: decimal(&row.subtotal),
        discount_amount: decimal(&row.discount_amount),
        tax_amount: decimal(&row.tax_amount),
        total: decimal(&row.total),
        notes: row.notes,
        sent_at: row.sent_at.map(instant),
        paid_on: row.paid_on,
        voided_at: row.voided_at.map(instant),
        created_at: instant(row.created_at),
        lines,
        track_count: links.len() as i64,
    })
}

/// The editable fields of a draft, all written at once.
#[derive(Clone, Debug)]
pub struct DraftFields {
    pub issue_date: Option<String>,
    pub due_date: Option<String>,
    pub tax_percent: Decimal,
    pub discount_percent: Decimal,
    pub notes: Option<String>,
}

pub fn update_draft(
    conn: &mut Conn,
    user_id: i32,
    id: i32,
    fields: &DraftFields,
    now: Timestamp,
) -> Result<(), ToolError> {
    diesel::update(mine(user_id, id).filter(invoices::status.eq(Status::Draft.name())))
        .set((
            invoices::issue_date.eq(&fields.issue_date),
            invoices::due_date.eq(&fields.due_date),
            invoices::tax_percent.eq(fields.tax_percent.to_string()),
            invoices::discount_percent.eq(fields.discount_percent.to_string()),
            invoices::notes.eq(&fields.notes),
            invoices::updated_at.eq(epoch(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Remove a line (its track links go with it, freeing the tracks).
pub fn delete_line(conn: &mut Conn, invoice_id: i32, line_id: i32) -> Result<(), ToolError> {
    diesel::delete(
        invoice_tracks::table
            .filter(invoice_tracks::invoice_id.eq(invoice_id))
            .filter(invoice_tracks::line_id.eq(line_id)),
    )
    .execute(conn)?;
    diesel::delete(
        invoice_lines::table
            .filter(invoice_lines::invoice_id.eq(invoice_id))
            .filter(invoice_lines::id.eq(line_id)),
    )
    .execute(conn)?;
    Ok(())
}

/// Take tracks off a draft: their links are deleted, so they are free.
pub fn unlink_tracks(conn: &mut Conn, invoice_id: i32, track_ids: &[i32]) -> Result<(), ToolError> {
    for chunk in chunks(track_ids) {
        diesel::delete(
            invoice_tracks::table
                .filter(invoice_tracks::invoice_id.eq(invoice_id))
                .filter(invoice_tracks::track_id.eq_any(chunk)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// Set a line's quantity and amount (after some of its tracks left it).
pub fn set_line(
    conn: &mut Conn,
    invoice_id: i32,
    line_id: i32,
    quantity: Decimal,
    amount: Decimal,
) -> Result<(), ToolError> {
    diesel::update(
        invoice_lines::table
            .filter(invoice_lines::invoice_id.eq(invoice_id))
            .filter(invoice_lines::id.eq(line_id)),
    )
    .set((
        invoice_lines::quantity.eq(quantity.to_string()),
        invoice_lines::amount.eq(amount.to_string()),
    ))
    .execute(conn)?;
    Ok(())
}

/// Delete a draft with its lines, freeing its tracks. Sent, paid and void
/// invoices are never deleted: the caller checks, and the filter here makes sure.
pub fn delete_draft(conn: &mut Conn, user_id: i32, id: i32) -> Result<(), ToolError> {
    let owned = mine(user_id, id).filter(invoices::status.eq(Status::Draft.name()));
    let found: Option<i32> = owned.select(invoices::id).first(conn).optional()?;
    let Some(id) = found else {
        return Err(ToolError::not_found(
            "draft invoice",
            format!("with id {id}"),
        ));
    };
    diesel::delete(invoice_tracks::table.filter(invoice_tracks::invoice_id.eq(id)))
        .execute(conn)?;
    diesel::delete(invoice_lines::table.filter(invoice_lines::invoice_id.eq(id))).execute(conn)?;
    diesel::delete(mine(user_id, id)).execute(conn)?;
    Ok(())
}

/// Hand out the next number of the user's gapless sequence. Call inside the
/// write transaction that uses it, so a failure gives the number back.
pub fn next_seq(conn: &mut Conn, user_id: i32) -> Result<i64, ToolError> {
    let seq: i32 = diesel::update(user_settings::table.find(user_id))
        .set(user_settings::invoice_last_seq.eq(user_settings::invoice_last_seq + 1))
        .returning(user_settings::invoice_last_seq)
        .get_result(conn)?;
    Ok(i64::from(seq))
}

/// Freeze a draft as sent with its number and dates.
pub fn mark_sent(
    conn: &mut Conn,
    user_id: i32,
    id: i32,
    number: &str,
    issue_date: &str,
    due_date: &str,
    now: Timestamp,
) -> Result<(), ToolError> {
    let updated =
        diesel::update(mine(user_id, id).filter(invoices::status.eq(Status::Draft.name())))
            .set((
                invoices::status.eq(Status::Sent.name()),
                invoices::number.eq(number),
                invoices::issue_date.eq(issue_date),
                invoices::due_date.eq(due_date),
                invoices::sent_at.eq(epoch(now)),
                invoices::updated_at.eq(epoch(now)),
            ))
            .execute(conn)
            .map_err(|e| {
                conflict(
                    e,
                    &format!("another invoice already has the number {number}"),
                    "the invoice_number_format setting must give each number once: include {SEQ}",
                )
            })?;
    if updated == 0 {
        return Err(ToolError::not_found(
            "draft invoice",
            format!("with id {id}"),
        ));
    }
    Ok(())
}

/// Record the payment date of a sent (or paid) invoice.
pub fn mark_paid(
    conn: &mut Conn,
    user_id: i32,
    id: i32,
    paid_on: &str,
    now: Timestamp,
) -> Result<(), ToolError> {
    diesel::update(
        mine(user_id, id).filter(
            invoices::status
                .eq(Status::Sent.name())
                .or(invoices::status.eq(Status::Paid.name())),
        ),
    )
    .set((
        invoices::status.eq(Status::Paid.name()),
        invoices::paid_on.eq(paid_on),
        invoices::updated_at.eq(epoch(now)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Void a sent or paid invoice: it keeps its number, its tracks are freed.
pub fn mark_void(conn: &mut Conn, user_id: i32, id: i32, now: Timestamp) -> Result<(), ToolError> {
    let updated = diesel::update(
        mine(user_id, id).filter(
            invoices::status
                .eq(Status::Sent.name())
                .or(invoices::status.eq(Status::Paid.name())),
        ),
    )
    .set((
        invoices::status.eq(Status::Void.name()),
        invoices::voided_at.eq(epoch(now)),
        invoices::updated_at.eq(epoch(now)),
    ))
    .execute(conn)?;
    if updated > 0 {
        diesel::update(invoice_tracks::table.filter(invoice_tracks::invoice_id.eq(id)))
            .set(invoice_tracks::active.eq(false))
            .execute(conn)?;
    }
    Ok(())
}

// ---------------------------------------------------------------- lists

/// Which invoices `list` returns.
#[derive(Clone, Debug, Default)]
pub struct InvoiceFilter {
    pub status: Option<Status>,
    pub client_id: Option<i32>,
    /// Issue dates `[from, to)` (ISO, inclusive–exclusive); either may be open.
    pub issued: Option<(Option<String>, Option<String>)>,
    /// For drafts without an issue date: created in this range.
    pub created: Option<Range>,
}

type Scoped = invoices::BoxedQuery<'static, crate::db::Backend>;

fn filtered(user_id: i32, filter: &InvoiceFilter) -> Scoped {
    let mut query = invoices::table
        .filter(invoices::user_id.eq(user_id))
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(invoices::status.eq(status.name()));
    }
    if let Some(client) = filter.client_id {
        query = query.filter(invoices::client_id.eq(client));
    }
    if let (Some((from, to)), Some(created)) = (&filter.issued, filter.created) {
        let from = from.clone().unwrap_or_default();
        // "9" sorts after every ISO date.
        let to = to.clone().unwrap_or_else(|| "9".to_owned());
        query = query.filter(
            invoices::issue_date
                .ge(from)
                .and(invoices::issue_date.lt(to))
                .or(invoices::issue_date.is_null().and(
                    invoices::created_at
                        .ge(epoch(created.from))
                        .and(invoices::created_at.lt(epoch(created.to))),
                )),
        );
    }
    query
}

/// A row of the list.
#[derive(Clone, Debug)]
pub struct Summary {
    pub id: i32,
    pub client: Named,
    pub number: Option<String>,
    pub status: Status,
    pub currency: String,
    pub issue_date: Option<String>,
    pub due_date: Option<String>,
    pub total: Decimal,
    pub created_at: Timestamp,
}

/// What a whole filtered set adds up to: `(currency, status, total)` per invoice.
pub struct Page {
    pub invoices: Vec<Summary>,
    pub more: bool,
    pub all: Vec<(String, Status, Decimal)>,
}

/// A page of the filtered invoices, newest first, after the keyset `after`
/// (`(created_at, id)` of the previous page's last invoice).
pub fn list(
    conn: &mut Conn,
    user_id: i32,
    filter: &InvoiceFilter,
    limit: i64,
    after: Option<(i64, i32)>,
) -> Result<Page, ToolError> {
    let all: Vec<(String, String, String)> = filtered(user_id, filter)
        .select((invoices::currency, invoices::status, invoices::total))
        .load(conn)?;
    let mut query = filtered(user_id, filter);
    if let Some((created, id)) = after {
        query = query.filter(
            invoices::created_at
                .lt(created)
                .or(invoices::created_at.eq(created).and(invoices::id.lt(id))),
        );
    }
    type Row = (
        i32,
        i32,
        Option<String>,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        i64,
    );
    let mut rows: Vec<Row> = query
        .order((invoices::created_at.desc(), invoices::id.desc()))
        .limit(limit + 1)
        .select((
            invoices::id,
            invoices::client_id,
            invoices::number,
            invoices::status,
            invoices::currency,
            invoices::issue_date,
            invoices::due_date,
            invoices::total,
            invoices::created_at,
        ))
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let client_ids: Vec<i32> = rows.iter().map(|r| r.1).collect();
    let mut names: HashMap<i32, String> = HashMap::new();
    for chunk in chunks(&client_ids) {
        names.extend(
            clients::table
                .filter(clients::user_id.eq(user_id))
                .filter(clients::id.eq_any(chunk))
                .select((clients::id, clients::name))
                .load::<(i32, String)>(conn)?,
        );
    }
    let invoices = rows
        .into_iter()
        .map(
            |(id, client_id, number, status, currency, issue_date, due_date, total, created)| {
                Summary {
                    id,
                    client: Named {
                        id: client_id,
                        name: names.get(&client_id).cloned().unwrap_or_default(),
                    },
                    number,
                    status: status_of(&status),
                    currency,
                    issue_date,
                    due_date,
                    total: decimal(&total),
                    created_at: instant(created),
                }
            },
        )
        .collect();
    Ok(Page {
        invoices,
        more,
        all: all
            .into_iter()
            .map(|(currency, status, total)| (currency, status_of(&status), decimal(&total)))
            .collect(),
    })
}

/// Settings writes for tests (in production `update_settings` owns them).
#[cfg(feature = "testing")]
pub mod testing {
    use super::*;
    use crate::names;
    use crate::rounding::Rounding;

    /// Set the user's rounding setting.
    pub fn set_rounding(conn: &mut Conn, user_id: i32, rounding: Rounding) -> QueryResult<()> {
        diesel::update(user_settings::table.find(user_id))
            .set((
                user_settings::rounding_mode.eq(names::name(rounding.mode)),
                user_settings::rounding_minutes.eq(rounding.minutes as i32),
                user_settings::rounding_scope.eq(names::name(rounding.scope)),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Set the user's invoice number format.
    pub fn set_number_format(conn: &mut Conn, user_id: i32, format: &str) -> QueryResult<()> {
        diesel::update(user_settings::table.find(user_id))
            .set(user_settings::invoice_number_format.eq(format))
            .execute(conn)?;
        Ok(())
    }

    /// Set a client's payment terms and address details.
    pub fn set_client_details(
        conn: &mut Conn,
        user_id: i32,
        client_id: i32,
        payment_terms_days: i32,
        email: Option<&str>,
        vat_id: Option<&str>,
    ) -> QueryResult<()> {
        diesel::update(
            clients::table
                .filter(clients::user_id.eq(user_id))
                .filter(clients::id.eq(client_id)),
        )
        .set((
            clients::payment_terms_days.eq(payment_terms_days),
            clients::email.eq(email),
            clients::vat_id.eq(vat_id),
        ))
        .execute(conn)?;
        Ok(())
    }
}
