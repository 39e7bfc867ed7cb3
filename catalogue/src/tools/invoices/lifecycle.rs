//! A draft's changes, then its life once sent: numbered, paid or voided,
//! and deleted while still a draft.

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{InvoiceOut, check_due, ensure_draft, frozen, invoice_out};
use crate::billing::{ManualLine, Status, manual_lines, parse_percent, totals};
use crate::db::invoices::{self as store, DraftFields};
use crate::db::{self, write_or_preview};
use crate::time::{add_days, hours, parse_date, today};
use crate::{Ctx, ToolError, invoice_number, money, patch, tool};

// ---------------------------------------------------------------- update

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInvoice {
    /// The draft to change.
    pub id: i32,
    /// New notes.
    pub notes: Option<String>,
    /// Issue date.
    pub issue_date: Option<String>,
    /// Due date (`YYYY-MM-DD`).
    pub due_date: Option<String>,
    /// Tax percent (decimal).
    pub tax_percent: Option<String>,
    /// Discount percent (decimal).
    pub discount_percent: Option<String>,
    /// Replace the manual (not tracked) lines; `[]` removes them.
    pub lines: Option<Vec<ManualLine>>,
    /// Tracks to take off the draft.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<Vec<i32>>")]
    pub remove_track_ids: Vec<i32>,
    /// Fields to clear: issue date becomes the sending day; due date follows payment terms.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<Vec<UpdateInvoiceClear>>")]
    pub clear: Vec<UpdateInvoiceClear>,
}

// A field `UpdateInvoice` can clear.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpdateInvoiceClear {
    Notes,
    IssueDate,
    DueDate,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct InvoiceChanged {
    /// The invoice after the change (as it would be, with `dry_run`).
    pub invoice: InvoiceOut,
    /// Tracks this call freed: they can be edited and invoiced again.
    pub freed_track_ids: Vec<i32>,
    /// True when nothing was changed (`dry_run`).
    pub dry_run: bool,
}

/// Change a draft (`null` = leave as is; `clear` resets notes or dates).
/// `lines` replaces the manual lines; `remove_track_ids` frees tracks and
/// recomputes their lines. Not a draft: `invoice_frozen`; a track not on it:
/// `not_found`.
#[tool(
    title = "Update a draft invoice",
    idempotent,
    tier = "pro",
    scope = "invoices"
)]
async fn update_invoice(ctx: &Ctx, args: UpdateInvoice) -> Result<InvoiceChanged, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let tz = settings.time_zone.clone();
    let date =
        |d: &Option<Option<String>>, field: &str| -> Result<Option<Option<Date>>, ToolError> {
            d.as_ref()
                .map(|d| {
                    d.as_deref()
                        .map(|d| parse_date(d, field, &tz, now))
                        .transpose()
                })
                .transpose()
        };
    let issue = patch::field(args.issue_date, &args.clear, UpdateInvoiceClear::IssueDate)?;
    let due = patch::field(args.due_date, &args.clear, UpdateInvoiceClear::DueDate)?;
    let notes = patch::field(args.notes, &args.clear, UpdateInvoiceClear::Notes)?;
    let issue = date(&issue, "issue_date")?;
    let due = date(&due, "due_date")?;
    let tax = args
        .tax_percent
        .as_deref()
        .map(|t| parse_percent(Some(t), "tax_percent"))
        .transpose()?;
    let discount = args
        .discount_percent
        .as_deref()
        .map(|d| parse_percent(Some(d), "discount_percent"))
        .transpose()?;
    ctx.run(move |conn, user| {
        db::write(conn, db::Lock::User(user.id), |conn| {
            let inv = store::get(conn, user.id, args.id)?;
            ensure_draft(&inv, "changed")?;
            let stored = |d: &Option<String>| d.as_deref().and_then(|d| d.parse::<Date>().ok());
            let issue = issue.unwrap_or_else(|| stored(&inv.issue_date));
            let due = due.unwrap_or_else(|| stored(&inv.due_date));
            check_due(issue, due)?;
            let manual = args
                .lines
                .as_ref()
                .map(|lines| manual_lines(lines, &inv.currency))
                .transpose()?;

            let on_invoice: HashMap<i32, i32> = inv
                .lines
                .iter()
                .flat_map(|l| l.track_ids.iter().map(move |t| (*t, l.id)))
                .collect();
            let mut freed: Vec<i32> = args.remove_track_ids.clone();
            freed.sort_unstable();
            freed.dedup();
            if let Some(stranger) = freed.iter().find(|t| !on_invoice.contains_key(t)) {
                return Err(ToolError::not_found(
                    "track on this invoice",
                    format!("with id {stranger}"),
                )
                .hint("get_invoice lists each line's track_ids"));
            }
            if !freed.is_empty() {
                store::unlink_tracks(conn, inv.id, &freed)?;
                let touched: HashSet<i32> = freed.iter().map(|t| on_invoice[t]).collect();
                for line in inv.lines.iter().filter(|l| touched.contains(&l.id)) {
                    let left = store::line_tracks(conn, user.id, line.id)?;
                    if left.is_empty() {
                        store::delete_line(conn, inv.id, line.id)?;
                    } else {
                        let quantity =
                            hours(settings.rounding.total(left.iter().map(|t| t.seconds())));
                        let amount = money::round(quantity * line.unit_price, &inv.currency);
                        store::set_line(conn, inv.id, line.id, quantity, amount)?;
                    }
                }
            }
            if let Some(manual) = manual {
                for line in inv.lines.iter().filter(|l| !l.tracked()) {
                    store::delete_line(conn, inv.id, line.id)?;
                }
                store::add_lines(conn, inv.id, &manual)?;
            }
            let fields = DraftFields {
                issue_date: issue.map(|d| d.to_string()),
                due_date: due.map(|d| d.to_string()),
                tax_percent: tax.unwrap_or(inv.tax_percent),
                discount_percent: discount.unwrap_or(inv.discount_percent),
                notes: match &notes {
                    Some(notes) => notes
                        .as_deref()
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .map(str::to_owned),
                    None => inv.notes.clone(),
                },
            };
            store::update_draft(conn, user.id, inv.id, &fields, now)?;
            let changed = store::get(conn, user.id, inv.id)?;
            let sums = totals(
                changed.lines.iter().map(|l| l.amount),
                fields.discount_percent,
                fields.tax_percent,
                &changed.currency,
            );
            store::set_totals(conn, user.id, inv.id, sums, now)?;
            let changed = store::get(conn, user.id, inv.id)?;
            Ok(InvoiceChanged {
                invoice: invoice_out(&changed, &settings, now),
                freed_track_ids: freed,
                dry_run: false,
            })
        })
    })
    .await
}

// ---------------------------------------------------------------- send

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkInvoiceSent {
    /// The draft to send.
    pub id: i32,
    /// Issue date; default the draft's, else today.
    pub issue_date: Option<String>,
    /// Due date; default the draft's, else by payment terms.
    pub due_date: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct InvoiceSent {
    /// The invoice, now numbered and frozen.
    pub invoice: InvoiceOut,
}

/// Send a draft: it gets the next gapless number (`invoice_number_format`), an
/// issue date (default today) and a due date (default by payment terms), then
/// is frozen (void to change). A non-draft is `invoice_frozen`; no lines or a
/// due date before the issue date: `invalid_argument`.
#[tool(
    title = "Mark an invoice as sent",
    idempotent,
    tier = "pro",
    scope = "invoices"
)]
async fn mark_invoice_sent(ctx: &Ctx, args: MarkInvoiceSent) -> Result<InvoiceSent, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let tz = settings.time_zone.clone();
    let issue_arg = args
        .issue_date
        .as_deref()
        .map(|d| parse_date(d, "issue_date", &tz, now))
        .transpose()?;
    let due_arg = args
        .due_date
        .as_deref()
        .map(|d| parse_date(d, "due_date", &tz, now))
        .transpose()?;
    ctx.run(move |conn, user| {
        db::write(conn, db::Lock::User(user.id), |conn| {
            let inv = store::get(conn, user.id, args.id)?;
            ensure_draft(&inv, "sent again")?;
            if inv.lines.is_empty() {
                return Err(
                    ToolError::invalid("an invoice without lines cannot be sent")
                        .hint("add lines with update_invoice, or delete the draft"),
                );
            }
            let stored = |d: &Option<String>| d.as_deref().and_then(|d| d.parse::<Date>().ok());
            let issue = issue_arg
                .or_else(|| stored(&inv.issue_date))
                .unwrap_or_else(|| today(&tz, now));
            let due = match due_arg.or_else(|| stored(&inv.due_date)) {
                Some(due) => due,
                None => add_days(issue, inv.client.payment_terms_days)?,
            };
            check_due(Some(issue), Some(due))?;
            invoice_number::validate(&settings.invoice_number_format)?;
            let seq = store::next_seq(conn, user.id)?;
            let number = invoice_number::format(&settings.invoice_number_format, seq, issue);
            store::mark_sent(
                conn,
                user.id,
                inv.id,
                &number,
                &issue.to_string(),
                &due.to_string(),
                now,
            )?;
            let sent = store::get(conn, user.id, inv.id)?;
            Ok(InvoiceSent {
                invoice: invoice_out(&sent, &settings, now),
            })
        })
    })
    .await
}

// ---------------------------------------------------------------- status

/// The state to move a sent invoice to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NewStatus {
    /// Paid on `paid_on`.
    Paid,
    /// Cancelled: keeps its number, frees its tracks. Final.
    Void,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetInvoiceStatus {
    /// The sent (or paid) invoice.
    pub id: i32,
    /// New status.
    pub status: NewStatus,
    /// With `paid`: the day paid (`YYYY-MM-DD`); default today.
    pub paid_on: Option<String>,
    /// Only show the result.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub dry_run: bool,
}

/// Mark a sent invoice `paid` (again to correct the date) or `void` (final;
/// keeps its number, frees its tracks). A draft, or a payment date before the
/// issue date, is `invalid_argument`; paying a void one is `invoice_frozen`.
#[tool(
    title = "Set an invoice's status",
    destructive,
    idempotent,
    tier = "pro",
    scope = "invoices"
)]
async fn set_invoice_status(
    ctx: &Ctx,
    args: SetInvoiceStatus,
) -> Result<InvoiceChanged, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let tz = settings.time_zone.clone();
    let paid_on = match (args.status, &args.paid_on) {
        (NewStatus::Void, Some(_)) => {
            return Err(ToolError::invalid("`paid_on` goes with status `paid` only"));
        }
        (NewStatus::Void, None) => None,
        (NewStatus::Paid, given) => Some(match given {
            Some(d) => parse_date(d, "paid_on", &tz, now)?,
            None => today(&tz, now),
        }),
    };
    ctx.run(move |conn, user| {
        write_or_preview(conn, user.id, args.dry_run, |conn| {
            let inv = store::get(conn, user.id, args.id)?;
            let mut freed = Vec::new();
            match (inv.status, args.status) {
                (Status::Draft, _) => {
                    return Err(ToolError::invalid(format!(
                        "invoice {} is a draft: only a sent invoice can be paid or voided",
                        inv.id
                    ))
                    .hint("send it with mark_invoice_sent first, or delete the draft with delete_invoice"));
                }
                (Status::Void, NewStatus::Void) => {}
                (Status::Void, NewStatus::Paid) => return Err(frozen(&inv, "paid")),
                (Status::Sent | Status::Paid, NewStatus::Paid) => {
                    let paid_on = paid_on.unwrap_or_else(|| today(&tz, now));
                    let issued = inv.issue_date.as_deref().and_then(|d| d.parse::<Date>().ok());
                    if issued.is_some_and(|issued| paid_on < issued) {
                        return Err(ToolError::invalid(format!(
                            "the payment date {paid_on} is before the issue date {}",
                            inv.issue_date.as_deref().unwrap_or_default()
                        )));
                    }
                    store::mark_paid(conn, user.id, inv.id, &paid_on.to_string(), now)?;
                }
                (Status::Sent | Status::Paid, NewStatus::Void) => {
                    freed = inv.lines.iter().flat_map(|l| l.track_ids.clone()).collect();
                    freed.sort_unstable();
                    store::mark_void(conn, user.id, inv.id, now)?;
                }
            }
            let changed = store::get(conn, user.id, inv.id)?;
            Ok(InvoiceChanged {
                invoice: invoice_out(&changed, &settings, now),
                freed_track_ids: freed,
                dry_run: args.dry_run,
            })
        })
    })
    .await
}

// ---------------------------------------------------------------- delete

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteInvoice {
    /// The draft to delete.
    pub id: i32,
    /// Preview; delete nothing.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub dry_run: bool,
}

/// Delete a draft for good, freeing its tracks. Others are `invoice_frozen`:
/// void a sent one with set_invoice_status.
#[tool(
    title = "Delete a draft invoice",
    destructive,
    idempotent,
    tier = "pro",
    scope = "invoices"
)]
async fn delete_invoice(ctx: &Ctx, args: DeleteInvoice) -> Result<InvoiceChanged, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    ctx.run(move |conn, user| {
        write_or_preview(conn, user.id, args.dry_run, |conn| {
            let inv = store::get(conn, user.id, args.id)?;
            ensure_draft(&inv, "deleted")?;
            let mut freed: Vec<i32> = inv.lines.iter().flat_map(|l| l.track_ids.clone()).collect();
            freed.sort_unstable();
            store::delete_draft(conn, user.id, inv.id)?;
            Ok(InvoiceChanged {
                invoice: invoice_out(&inv, &settings, now),
                freed_track_ids: freed,
                dry_run: args.dry_run,
            })
        })
    })
    .await
}
