//! Invoices (pro tier): previewed and generated from billable tracks, or
//! typed in by hand (`draft`); edited while drafts, numbered when sent, then
//! paid or voided (`lifecycle`); listed, read and exported as CSV (`read`).
//! One client and one currency each. The arithmetic is `crate::billing`'s.

mod draft;
mod lifecycle;
mod read;

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Serialize;

use crate::billing::{GroupBy, Status, Totals, quantity_seconds};
use crate::db::Conn;
use crate::db::invoices::{self as store, ClientInfo, Invoice};
use crate::reference::Named;
use crate::settings::Settings;
use crate::time::{When, format_duration, today, when};
use crate::{ErrorCode, ToolError, money, names};

#[derive(Debug, Serialize, JsonSchema)]
pub struct LineOut {
    /// What the line bills.
    pub description: String,
    /// Hours with 2 decimals, after the rounding setting, for a line made
    /// from tracks; the quantity as typed for a manual line.
    pub quantity: String,
    /// The quantity as `h:mm:ss` for a line made from tracks; `null` for a manual line.
    pub duration: Option<String>,
    /// Price per hour (or per unit), a decimal string.
    pub unit_price: String,
    /// quantity × unit price, rounded half-up to the currency's minor unit.
    pub amount: String,
    /// The project, when all of the line's tracks belong to one.
    pub project: Option<Named>,
    /// The tracks this line bills; empty for a manual line.
    pub track_ids: Vec<i32>,
}

/// Money of an invoice, in its currency, as decimal strings.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Amounts {
    /// Sum of the rounded line amounts.
    pub subtotal: String,
    /// Discount in percent of the subtotal.
    pub discount_percent: String,
    /// The discount, rounded half-up.
    pub discount_amount: String,
    /// Tax in percent of the subtotal less the discount.
    pub tax_percent: String,
    /// The tax, rounded half-up.
    pub tax_amount: String,
    /// subtotal − discount + tax.
    pub total: String,
}

impl Amounts {
    pub(super) fn new(totals: Totals, discount: Decimal, tax: Decimal, currency: &str) -> Amounts {
        Amounts {
            subtotal: money::format(totals.subtotal, currency),
            discount_percent: discount.normalize().to_string(),
            discount_amount: money::format(totals.discount_amount, currency),
            tax_percent: tax.normalize().to_string(),
            tax_amount: money::format(totals.tax_amount, currency),
            total: money::format(totals.total, currency),
        }
    }
}

/// The client an invoice is addressed to.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ClientOut {
    pub id: i32,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub vat_id: Option<String>,
    /// Days from the issue date to the due date.
    pub payment_terms_days: i32,
}

impl From<&ClientInfo> for ClientOut {
    fn from(c: &ClientInfo) -> ClientOut {
        ClientOut {
            id: c.id,
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            address: c.address.clone(),
            vat_id: c.vat_id.clone(),
            payment_terms_days: c.payment_terms_days,
        }
    }
}

/// First and last day (inclusive) of the work billed, in the user's time zone.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Period {
    /// `YYYY-MM-DD`.
    pub from: String,
    /// `YYYY-MM-DD`, inclusive.
    pub to: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct InvoiceOut {
    pub id: i32,
    /// Given when sent, from the user's gapless sequence; `null` for a draft.
    pub number: Option<String>,
    pub status: Status,
    pub client: ClientOut,
    /// ISO 4217 code of every amount on the invoice.
    pub currency: String,
    /// `YYYY-MM-DD`; a draft has one only if set with update_invoice.
    pub issue_date: Option<String>,
    /// `YYYY-MM-DD`; set when sent (issue date + the client's payment terms) unless given.
    pub due_date: Option<String>,
    /// Sent, not paid, and past its due date (in the user's time zone).
    pub overdue: bool,
    /// The work billed, for an invoice generated from tracks.
    pub period: Option<Period>,
    /// How the tracks were grouped into lines; `null` for a manual invoice.
    pub group_by: Option<GroupBy>,
    pub lines: Vec<LineOut>,
    /// How many tracks it bills (a void invoice still lists the ones it billed).
    pub track_count: i64,
    #[serde(flatten)]
    pub amounts: Amounts,
    pub notes: Option<String>,
    pub sent_at: Option<When>,
    /// `YYYY-MM-DD`, once paid.
    pub paid_on: Option<String>,
    pub voided_at: Option<When>,
    pub created_at: When,
}

pub(super) fn line_out(
    description: &str,
    quantity: Decimal,
    unit_price: Decimal,
    amount: Decimal,
    project: Option<Named>,
    track_ids: Vec<i32>,
    currency: &str,
) -> LineOut {
    let tracked = !track_ids.is_empty();
    LineOut {
        description: description.to_owned(),
        quantity: quantity.to_string(),
        duration: tracked.then(|| format_duration(quantity_seconds(quantity))),
        unit_price: money::price(unit_price, currency),
        amount: money::format(amount, currency),
        project,
        track_ids,
    }
}

pub(super) fn invoice_out(inv: &Invoice, settings: &Settings, now: Timestamp) -> InvoiceOut {
    let tz = &settings.time_zone;
    let today = today(tz, now).to_string();
    InvoiceOut {
        id: inv.id,
        number: inv.number.clone(),
        status: inv.status,
        client: ClientOut::from(&inv.client),
        currency: inv.currency.clone(),
        issue_date: inv.issue_date.clone(),
        due_date: inv.due_date.clone(),
        overdue: inv.status == Status::Sent && inv.due_date.as_ref().is_some_and(|d| *d < today),
        period: inv
            .period_from
            .clone()
            .zip(inv.period_to.clone())
            .map(|(from, to)| Period { from, to }),
        group_by: inv.grouping.as_deref().and_then(names::parse),
        lines: inv
            .lines
            .iter()
            .map(|l| {
                line_out(
                    &l.description,
                    l.quantity,
                    l.unit_price,
                    l.amount,
                    l.project.clone(),
                    l.track_ids.clone(),
                    &inv.currency,
                )
            })
            .collect(),
        track_count: inv.track_count,
        amounts: Amounts::new(
            Totals {
                subtotal: inv.subtotal,
                discount_amount: inv.discount_amount,
                tax_amount: inv.tax_amount,
                total: inv.total,
            },
            inv.discount_percent,
            inv.tax_percent,
            &inv.currency,
        ),
        notes: inv.notes.clone(),
        sent_at: inv.sent_at.map(|t| when(t, tz)),
        paid_on: inv.paid_on.clone(),
        voided_at: inv.voided_at.map(|t| when(t, tz)),
        created_at: when(inv.created_at, tz),
    }
}

pub(super) fn frozen(inv: &Invoice, action: &str) -> ToolError {
    let name = inv
        .number
        .clone()
        .unwrap_or_else(|| format!("with id {}", inv.id));
    let hint = if inv.status == Status::Void {
        "a void invoice is final; generate or create a new one"
    } else {
        "only drafts change; void it with set_invoice_status (which frees its tracks) and make a new one"
    };
    ToolError::new(
        ErrorCode::InvoiceFrozen,
        format!(
            "invoice {name} is {}: it cannot be {action}",
            inv.status.name()
        ),
    )
    .hint(hint)
    .detail("invoice_id", inv.id)
    .detail("status", inv.status)
}

pub(super) fn ensure_draft(inv: &Invoice, action: &str) -> Result<(), ToolError> {
    if inv.status == Status::Draft {
        Ok(())
    } else {
        Err(frozen(inv, action))
    }
}

/// A due date on or after the issue date.
pub(super) fn check_due(issue: Option<Date>, due: Option<Date>) -> Result<(), ToolError> {
    if let (Some(issue), Some(due)) = (issue, due)
        && due < issue
    {
        return Err(ToolError::invalid(format!(
            "the due date {due} is before the issue date {issue}"
        )));
    }
    Ok(())
}

/// The invoice an idempotency key made, unless it has since been deleted.
pub(super) fn replayed_invoice(
    conn: &mut Conn,
    user_id: i32,
    id: i32,
) -> Result<Invoice, ToolError> {
    store::get(conn, user_id, id).map_err(|err| {
        if err.code == ErrorCode::NotFound {
            ToolError::not_found("invoice", format!("with id {id}"))
                .hint("the invoice made with this idempotency_key was deleted; use a new key")
        } else {
            err
        }
    })
}
