//! Reading invoices: the list with its totals per currency, one invoice,
//! and its CSV export.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{InvoiceOut, invoice_out};
use crate::billing::{Status, quantity_seconds};
use crate::db::invoices::{self as store, Invoice, InvoiceFilter};
use crate::reference::{Named, Ref};
use crate::time::{PeriodName, ResolvedRange, day_bounds, resolve_range, today};
use crate::{Ctx, ToolError, money, pagination, tool};

// ---------------------------------------------------------------- list

/// Which invoices to list, by status.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    Draft,
    Sent,
    Paid,
    Void,
}

impl From<StatusFilter> for Status {
    fn from(s: StatusFilter) -> Status {
        match s {
            StatusFilter::Draft => Status::Draft,
            StatusFilter::Sent => Status::Sent,
            StatusFilter::Paid => Status::Paid,
            StatusFilter::Void => Status::Void,
        }
    }
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListInvoices {
    /// Only invoices in this state.
    pub status: Option<StatusFilter>,
    /// Only this client's.
    pub client: Option<Ref>,
    /// Issued in this period; or `from`/`to`.
    pub period: Option<PeriodName>,
    /// Issued on or after this day.
    pub from: Option<String>,
    /// Issued before this day.
    pub to: Option<String>,
    /// Invoices per page, 1–200 (default 50).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// From the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct InvoiceSummary {
    pub id: i32,
    /// `null` for a draft.
    pub number: Option<String>,
    pub status: Status,
    pub client: Named,
    pub currency: String,
    pub issue_date: Option<String>,
    pub due_date: Option<String>,
    /// Sent, not paid, and past its due date.
    pub overdue: bool,
    /// Decimal string in `currency`.
    pub total: String,
}

/// What the filtered invoices add up to in one currency (void ones left out).
#[derive(Debug, Serialize, JsonSchema)]
pub struct CurrencyTotal {
    pub currency: String,
    /// Invoices in this currency that are not void.
    pub invoices: usize,
    /// Total of the drafts.
    pub draft: String,
    /// Total of the sent, unpaid invoices.
    pub outstanding: String,
    /// Total of the paid invoices.
    pub paid: String,
    /// draft + outstanding + paid.
    pub total: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct InvoiceList {
    /// Newest first.
    pub invoices: Vec<InvoiceSummary>,
    /// All invoices matching the filters, on every page, void ones included.
    pub total_count: i64,
    /// Totals per currency over every page; never summed across currencies.
    pub totals: Vec<CurrencyTotal>,
    /// The range of issue dates used, when a period or `from`/`to` was given.
    pub range: Option<ResolvedRange>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Invoices, newest first, by status, client and issue period (undated drafts
/// by creation day). Per-currency totals cover the filtered set, void excluded.
#[tool(
    title = "List invoices",
    read_only,
    idempotent,
    tier = "pro",
    scope = "invoices"
)]
async fn list_invoices(ctx: &Ctx, args: ListInvoices) -> Result<InvoiceList, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let limit = pagination::limit(args.limit)?;
    let after = args.cursor.as_deref().map(pagination::decode).transpose()?;
    let range = resolve_range(
        args.period,
        args.from.as_deref(),
        args.to.as_deref(),
        settings.calendar(),
        now,
    )?;
    let mut filter = InvoiceFilter {
        status: args.status.map(Status::from),
        ..InvoiceFilter::default()
    };
    if let Some(range) = range {
        filter.issued = Some(day_bounds(range, &settings.time_zone)?);
        filter.created = Some(range);
    }
    let (page, settings) = ctx
        .run(move |conn, user| {
            if let Some(client) = &args.client {
                filter.client_id = Some(store::resolve_client(conn, user.id, client)?.id);
            }
            Ok((store::list(conn, user.id, &filter, limit, after)?, settings))
        })
        .await?;
    let today = today(&settings.time_zone, now).to_string();
    let mut sums: BTreeMap<String, (usize, [Decimal; 3])> = BTreeMap::new();
    for (currency, status, total) in &page.all {
        let slot = match status {
            Status::Draft => 0,
            Status::Sent => 1,
            Status::Paid => 2,
            Status::Void => continue,
        };
        let entry = sums.entry(currency.clone()).or_default();
        entry.0 += 1;
        entry.1[slot] = money::add(entry.1[slot], *total);
    }
    let next_cursor = if page.more {
        page.invoices
            .last()
            .map(|i| pagination::encode(i.created_at.as_second(), i.id))
    } else {
        None
    };
    Ok(InvoiceList {
        total_count: page.all.len() as i64,
        invoices: page
            .invoices
            .into_iter()
            .map(|i| InvoiceSummary {
                overdue: i.status == Status::Sent
                    && i.due_date.as_ref().is_some_and(|d| *d < today),
                total: money::format(i.total, &i.currency),
                id: i.id,
                number: i.number,
                status: i.status,
                client: i.client,
                currency: i.currency,
                issue_date: i.issue_date,
                due_date: i.due_date,
            })
            .collect(),
        totals: sums
            .into_iter()
            .map(
                |(currency, (invoices, [draft, outstanding, paid]))| CurrencyTotal {
                    invoices,
                    draft: money::format(draft, &currency),
                    outstanding: money::format(outstanding, &currency),
                    paid: money::format(paid, &currency),
                    total: money::format(
                        money::add(money::add(draft, outstanding), paid),
                        &currency,
                    ),
                    currency,
                },
            )
            .collect(),
        range: range.map(|r| r.resolved(args.period, &settings.time_zone)),
        next_cursor,
    })
}

// ---------------------------------------------------------------- get

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceId {
    /// The invoice's id.
    pub id: i32,
}

/// One invoice in any state: client details, lines with the tracks each bills,
/// totals, dates, status.
#[tool(
    title = "Get an invoice",
    read_only,
    idempotent,
    tier = "pro",
    scope = "invoices"
)]
async fn get_invoice(ctx: &Ctx, InvoiceId { id }: InvoiceId) -> Result<InvoiceOut, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let invoice = ctx
        .run(move |conn, user| store::get(conn, user.id, id))
        .await?;
    Ok(invoice_out(&invoice, &settings, now))
}

// ---------------------------------------------------------------- csv

#[derive(Debug, Serialize, JsonSchema)]
pub struct InvoiceCsv {
    /// A file name for it, from the invoice number (`invoice-draft-<id>.csv` for a draft).
    pub filename: String,
    /// `text/csv; charset=utf-8`.
    pub content_type: String,
    /// Data rows (one per line), the header not counted.
    pub rows: usize,
    /// The file: RFC 4180 (CRLF line ends, quoted where needed), UTF-8,
    /// with a header row.
    pub csv: String,
}

/// The CSV header of an invoice export.
pub const CSV_HEADER: [&str; 9] = [
    "invoice_number",
    "issue_date",
    "client",
    "description",
    "duration",
    "quantity",
    "unit_price",
    "amount",
    "currency",
];

/// An invoice's lines as CSV (RFC 4180, header row). Drafts export with empty
/// number and date.
#[tool(
    title = "Export an invoice as CSV",
    read_only,
    idempotent,
    tier = "pro",
    scope = "invoices"
)]
async fn export_invoice_csv(
    ctx: &Ctx,
    InvoiceId { id }: InvoiceId,
) -> Result<InvoiceCsv, ToolError> {
    let inv = ctx
        .run(move |conn, user| store::get(conn, user.id, id))
        .await?;
    let csv = invoice_csv(&inv)?;
    let filename = match &inv.number {
        Some(number) => {
            let safe: String = number
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            format!("invoice-{safe}.csv")
        }
        None => format!("invoice-draft-{}.csv", inv.id),
    };
    Ok(InvoiceCsv {
        filename,
        content_type: "text/csv; charset=utf-8".to_owned(),
        rows: inv.lines.len(),
        csv,
    })
}

fn invoice_csv(inv: &Invoice) -> Result<String, ToolError> {
    let failed = |e: csv::Error| ToolError::internal(format!("csv: {e}"));
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(CSV_HEADER).map_err(failed)?;
    for line in &inv.lines {
        let duration = if line.tracked() {
            let secs = quantity_seconds(line.quantity);
            format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
        } else {
            String::new()
        };
        out.write_record([
            inv.number.as_deref().unwrap_or_default(),
            inv.issue_date.as_deref().unwrap_or_default(),
            &inv.client.name,
            &line.description,
            &duration,
            &line.quantity.to_string(),
            &money::price(line.unit_price, &inv.currency),
            &money::format(line.amount, &inv.currency),
            &inv.currency,
        ])
        .map_err(failed)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| ToolError::internal(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ToolError::internal(format!("csv: {e}")))
}
