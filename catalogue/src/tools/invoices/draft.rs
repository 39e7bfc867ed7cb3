//! Drafts: previewed or generated from the unbilled tracks of a client or
//! project, or created with lines typed in.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Amounts, ClientOut, InvoiceOut, LineOut, Period, check_due, invoice_out, line_out,
    replayed_invoice,
};
use crate::billing::{
    self, GroupBy, ManualLine, NewLine, Plan, Request, Skipped, manual_lines, parse_percent, totals,
};
use crate::db::invoices::{self as store, ClientInfo, NewInvoice, Scope};
use crate::db::{self, Conn};
use crate::reference::Ref;
use crate::settings::Settings;
use crate::time::{PeriodName, Range, ResolvedRange, parse_date, resolve_range};
use crate::{Ctx, ToolError, money, names, tool};

/// What `preview_invoice` and `generate_invoice` both take: whose tracks,
/// which period, and how to bill them.
struct Selection {
    client: Option<Ref>,
    project: Option<Ref>,
    period: Option<PeriodName>,
    range: Range,
    request: Request,
}

impl Selection {
    /// Check the arguments the two tools share.
    fn new(
        args: PreviewInvoice,
        settings: &Settings,
        now: Timestamp,
    ) -> Result<Selection, ToolError> {
        let range = required_range(
            args.period,
            args.from.as_deref(),
            args.to.as_deref(),
            settings,
            now,
        )?;
        let request = Request {
            range,
            group_by: args.group_by,
            currency: args.currency,
            tax_percent: parse_percent(args.tax_percent.as_deref(), "tax_percent")?,
            discount_percent: parse_percent(args.discount_percent.as_deref(), "discount_percent")?,
        };
        Ok(Selection {
            client: args.client,
            project: args.project,
            period: args.period,
            range,
            request,
        })
    }
}

/// The client a selection bills and the draft it makes.
fn plan(
    conn: &mut Conn,
    user_id: i32,
    settings: &Settings,
    selection: &Selection,
) -> Result<(ClientInfo, Plan), ToolError> {
    let (client, scope, whose) = match (&selection.client, &selection.project) {
        (Some(client), None) => {
            let client = store::resolve_client(conn, user_id, client)?;
            let whose = format!("client {:?}", client.name);
            let scope = Scope::Client(client.id);
            (client, scope, whose)
        }
        (None, Some(project)) => {
            let (project, client) = store::resolve_project(conn, user_id, project)?;
            let client = client.ok_or_else(|| {
                ToolError::invalid(format!(
                    "project {:?} has no client, and an invoice is addressed to one",
                    project.name
                ))
                .hint("give the project a client with update_project, then generate again")
            })?;
            (
                client,
                Scope::Project(project.id),
                format!("project {:?}", project.name),
            )
        }
        _ => {
            return Err(
                ToolError::invalid("give `client` or `project` (one of them)")
                    .hint("`client` bills all of the client's projects; `project` bills one"),
            );
        }
    };
    let tracks = store::tracks_in(conn, user_id, scope, selection.range)?;
    let fallback = client
        .currency
        .clone()
        .unwrap_or_else(|| settings.default_currency.clone());
    let plan = billing::plan(
        &tracks,
        &selection.request,
        &whose,
        &fallback,
        settings.rounding,
        &settings.time_zone,
    )?;
    Ok((client, plan))
}

fn period_out((from, to): (jiff::civil::Date, jiff::civil::Date)) -> Period {
    Period {
        from: from.to_string(),
        to: to.to_string(),
    }
}

/// `from`/`to` of a request: a period is required, so nothing is billed by accident.
fn required_range(
    period: Option<PeriodName>,
    from: Option<&str>,
    to: Option<&str>,
    settings: &Settings,
    now: Timestamp,
) -> Result<Range, ToolError> {
    resolve_range(period, from, to, settings.calendar(), now)?.ok_or_else(|| {
        ToolError::invalid("give a `period`, or `from` and/or `to`")
            .hint("e.g. period: last_month; or to: \"now\" to bill everything unbilled so far")
    })
}

// ---------------------------------------------------------------- preview

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewInvoice {
    /// Client to bill (all its projects); or give `project`.
    pub client: Option<Ref>,
    /// One project to bill.
    pub project: Option<Ref>,
    /// Tracks starting in this period; or `from`/`to`.
    pub period: Option<PeriodName>,
    /// Tracks starting at or after this.
    pub from: Option<String>,
    /// Tracks starting before this; `now` for all so far.
    pub to: Option<String>,
    /// How tracks become lines.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<GroupBy>")]
    pub group_by: GroupBy,
    /// Only this currency; needed when there are several.
    pub currency: Option<String>,
    /// Tax percent (decimal); default 0.
    pub tax_percent: Option<String>,
    /// Discount percent (decimal); default 0.
    pub discount_percent: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct InvoicePreview {
    pub client: ClientOut,
    /// ISO 4217 code of every amount.
    pub currency: String,
    /// The range of track starts used.
    pub range: ResolvedRange,
    /// The days of the work billed.
    pub period: Period,
    pub group_by: GroupBy,
    pub lines: Vec<LineOut>,
    /// How many tracks would be billed (and locked).
    pub track_count: usize,
    #[serde(flatten)]
    pub amounts: Amounts,
    /// Tracks of the period left out, by reason.
    pub skipped: Skipped,
    /// Things to check before generating (tracks without a rate, running timers).
    pub warnings: Vec<String>,
}

/// What generate_invoice would make with the same arguments, locking nothing:
/// lines, totals, skipped tracks and why, warnings.
#[tool(
    title = "Preview an invoice",
    read_only,
    idempotent,
    tier = "pro",
    scope = "invoices"
)]
async fn preview_invoice(ctx: &Ctx, args: PreviewInvoice) -> Result<InvoicePreview, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let selection = Selection::new(args, &settings, now)?;
    let ((client, plan), settings, selection) = ctx
        .run(move |conn, user| {
            let planned = plan(conn, user.id, &settings, &selection)?;
            Ok((planned, settings, selection))
        })
        .await?;
    let request = &selection.request;
    let currency = plan.currency.clone();
    Ok(InvoicePreview {
        client: ClientOut::from(&client),
        range: selection
            .range
            .resolved(selection.period, &settings.time_zone),
        period: period_out(plan.period),
        group_by: request.group_by,
        lines: plan
            .lines
            .into_iter()
            .map(|(l, project)| {
                line_out(
                    &l.description,
                    l.quantity,
                    l.unit_price,
                    l.amount,
                    project,
                    l.track_ids,
                    &currency,
                )
            })
            .collect(),
        track_count: plan.track_count,
        amounts: Amounts::new(
            plan.totals,
            request.discount_percent,
            request.tax_percent,
            &currency,
        ),
        currency,
        skipped: plan.skipped,
        warnings: plan.warnings,
    })
}

// ---------------------------------------------------------------- generate

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateInvoice {
    /// Client to bill (all its projects); or give `project`.
    pub client: Option<Ref>,
    /// One project to bill.
    pub project: Option<Ref>,
    /// Tracks starting in this period; or `from`/`to`.
    pub period: Option<PeriodName>,
    /// Tracks starting at or after this.
    pub from: Option<String>,
    /// Tracks starting before this; `now` for all so far.
    pub to: Option<String>,
    /// How tracks become lines.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<GroupBy>")]
    pub group_by: GroupBy,
    /// Only this currency; needed when there are several.
    pub currency: Option<String>,
    /// Tax percent (decimal); default 0.
    pub tax_percent: Option<String>,
    /// Discount percent (decimal); default 0.
    pub discount_percent: Option<String>,
    /// Printed on the invoice.
    pub notes: Option<String>,
    /// A repeated key returns the first result.
    pub idempotency_key: Option<String>,
}

impl GenerateInvoice {
    /// The arguments it shares with preview_invoice, its notes and its key.
    fn split(self) -> (PreviewInvoice, Option<String>, Option<String>) {
        let shared = PreviewInvoice {
            client: self.client,
            project: self.project,
            period: self.period,
            from: self.from,
            to: self.to,
            group_by: self.group_by,
            currency: self.currency,
            tax_percent: self.tax_percent,
            discount_percent: self.discount_percent,
        };
        (shared, self.notes, self.idempotency_key)
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct InvoiceGenerated {
    /// The new draft.
    pub invoice: InvoiceOut,
    /// The range of track starts used.
    pub range: ResolvedRange,
    /// Tracks of the period left out, by reason (all zero on a replay).
    pub skipped: Skipped,
    /// Things to check before sending (empty on a replay).
    pub warnings: Vec<String>,
    /// True when an earlier call with the same `idempotency_key` made this invoice.
    pub replayed: bool,
}

/// Draft an invoice from a client's (or one project's) unbilled, billable,
/// stopped tracks in the range (`to: "now"`: all so far), locking them
/// (`track_invoiced`) until the draft is deleted, they are removed, or it is
/// voided. Lines: rounded hours × the tracks' rate (none: 0, warned); left-out
/// tracks counted in `skipped`. Several currencies without `currency`, nothing
/// to bill, or a project without client: `invalid_argument`.
#[tool(
    title = "Generate an invoice from tracks",
    tier = "pro",
    scope = "invoices"
)]
async fn generate_invoice(ctx: &Ctx, args: GenerateInvoice) -> Result<InvoiceGenerated, ToolError> {
    const TOOL: &str = "generate_invoice";
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let (args, notes, key) = args.split();
    let selection = Selection::new(args, &settings, now)?;
    let notes = notes.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let resolved = selection
        .range
        .resolved(selection.period, &settings.time_zone);
    // Progress in three steps (select and group the tracks, save, done): the
    // slow part over many tracks is the first.
    let progress = ctx.clone();
    ctx.run(move |conn, user| {
        db::write(conn, db::Lock::User(user.id), |conn| {
            progress.progress(0, Some(3), "selecting and grouping the unbilled tracks");
            if let Some(key) = &key
                && let Some(id) = db::idempotency::replay::<i32>(conn, user.id, TOOL, key)?
            {
                let invoice = replayed_invoice(conn, user.id, id)?;
                return Ok(InvoiceGenerated {
                    invoice: invoice_out(&invoice, &settings, now),
                    range: resolved,
                    skipped: Skipped::default(),
                    warnings: Vec::new(),
                    replayed: true,
                });
            }
            let (client, plan) = plan(conn, user.id, &settings, &selection)?;
            let req = &selection.request;
            let new = NewInvoice {
                client_id: client.id,
                currency: plan.currency.clone(),
                issue_date: None,
                due_date: None,
                period_from: Some(plan.period.0.to_string()),
                period_to: Some(plan.period.1.to_string()),
                grouping: Some(names::name(req.group_by).to_owned()),
                tax_percent: req.tax_percent,
                discount_percent: req.discount_percent,
                totals: plan.totals,
                notes,
            };
            let lines: Vec<NewLine> = plan.lines.into_iter().map(|(l, _)| l).collect();
            progress.progress(
                1,
                Some(3),
                &format!("saving the draft: {} line(s)", lines.len()),
            );
            let id = store::insert(conn, user.id, &new, &lines, now)?;
            if let Some(key) = &key {
                db::idempotency::record(conn, user.id, TOOL, key, &id, now)?;
            }
            let invoice = store::get(conn, user.id, id)?;
            progress.progress(3, Some(3), "draft saved");
            Ok(InvoiceGenerated {
                invoice: invoice_out(&invoice, &settings, now),
                range: resolved,
                skipped: plan.skipped,
                warnings: plan.warnings,
                replayed: false,
            })
        })
    })
    .await
}

// ---------------------------------------------------------------- create

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvoice {
    /// The client to bill.
    pub client: Ref,
    /// ISO 4217 code; default the client's, else the user's.
    pub currency: Option<String>,
    /// The lines, at least one.
    pub lines: Vec<ManualLine>,
    /// Tax percent (decimal); default 0.
    pub tax_percent: Option<String>,
    /// Discount percent (decimal); default 0.
    pub discount_percent: Option<String>,
    /// Issue date; default the day it is sent.
    pub issue_date: Option<String>,
    /// Due date; default by payment terms.
    pub due_date: Option<String>,
    /// Printed on the invoice.
    pub notes: Option<String>,
    /// A repeated key returns the first result.
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct InvoiceCreated {
    /// The new draft.
    pub invoice: InvoiceOut,
    /// True when an earlier call with the same `idempotency_key` made this invoice.
    pub replayed: bool,
}

/// Create a draft invoice from typed-in lines; it bills no tracks (see
/// generate_invoice). Amount = quantity × unit price, rounded half-up. A due
/// date before the issue date is `invalid_argument`.
#[tool(title = "Create an invoice", tier = "pro", scope = "invoices")]
async fn create_invoice(ctx: &Ctx, args: CreateInvoice) -> Result<InvoiceCreated, ToolError> {
    const TOOL: &str = "create_invoice";
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let tz = settings.time_zone.clone();
    if args.lines.is_empty() {
        return Err(ToolError::invalid("an invoice needs at least one line")
            .hint("give lines: [{description, quantity, unit_price}]"));
    }
    let tax_percent = parse_percent(args.tax_percent.as_deref(), "tax_percent")?;
    let discount_percent = parse_percent(args.discount_percent.as_deref(), "discount_percent")?;
    let issue = args
        .issue_date
        .as_deref()
        .map(|d| parse_date(d, "issue_date", &tz, now))
        .transpose()?;
    let due = args
        .due_date
        .as_deref()
        .map(|d| parse_date(d, "due_date", &tz, now))
        .transpose()?;
    check_due(issue, due)?;
    let currency = args
        .currency
        .as_deref()
        .map(money::parse_currency)
        .transpose()?;
    ctx.run(move |conn, user| {
        db::write(conn, db::Lock::User(user.id), |conn| {
            if let Some(key) = &args.idempotency_key
                && let Some(id) = db::idempotency::replay::<i32>(conn, user.id, TOOL, key)?
            {
                let invoice = replayed_invoice(conn, user.id, id)?;
                return Ok(InvoiceCreated {
                    invoice: invoice_out(&invoice, &settings, now),
                    replayed: true,
                });
            }
            let client = store::resolve_client(conn, user.id, &args.client)?;
            let currency = currency
                .or_else(|| client.currency.clone())
                .unwrap_or_else(|| settings.default_currency.clone());
            let lines = manual_lines(&args.lines, &currency)?;
            let new = NewInvoice {
                client_id: client.id,
                totals: totals(
                    lines.iter().map(|l| l.amount),
                    discount_percent,
                    tax_percent,
                    &currency,
                ),
                currency,
                issue_date: issue.map(|d| d.to_string()),
                due_date: due.map(|d| d.to_string()),
                period_from: None,
                period_to: None,
                grouping: None,
                tax_percent,
                discount_percent,
                notes: args
                    .notes
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty()),
            };
            let id = store::insert(conn, user.id, &new, &lines, now)?;
            if let Some(key) = &args.idempotency_key {
                db::idempotency::record(conn, user.id, TOOL, key, &id, now)?;
            }
            let invoice = store::get(conn, user.id, id)?;
            Ok(InvoiceCreated {
                invoice: invoice_out(&invoice, &settings, now),
                replayed: false,
            })
        })
    })
    .await
}
