//! Invoices (pro tier): previewed and generated from billable tracks, or
//! typed in by hand; edited while drafts, numbered when sent, then paid or
//! voided; exported as CSV. One client and one currency each.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rust_decimal::{Decimal, RoundingStrategy};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::db::invoices::{
    self as store, BillableTrack, ClientInfo, DraftFields, Invoice, InvoiceFilter, NewInvoice,
    NewLine, Scope, Status, Totals,
};
use crate::db::settings::Settings;
use crate::db::{self, Conn};
use crate::reference::{Named, Ref};
use crate::rounding::Rounding;
use crate::time::{
    PeriodName, Range, ResolvedRange, When, format_duration, resolve_range, start_of_day, when,
};
use crate::{Ctx, ErrorCode, ToolError, invoice_number, money, pagination, tool};

// ---------------------------------------------------------------- shapes

/// How tracks become invoice lines. Tracks at different hourly rates never
/// share a line: a group with two rates becomes two lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One line per track: its description and date.
    Track,
    /// One line per project (the default).
    #[default]
    Project,
    /// One line per day in the user's time zone, listing what was done.
    Day,
    /// One line per distinct description.
    Description,
}

impl GroupBy {
    fn as_str(self) -> &'static str {
        match self {
            GroupBy::Track => "track",
            GroupBy::Project => "project",
            GroupBy::Day => "day",
            GroupBy::Description => "description",
        }
    }

    fn parse(text: &str) -> Option<GroupBy> {
        [
            GroupBy::Track,
            GroupBy::Project,
            GroupBy::Day,
            GroupBy::Description,
        ]
        .into_iter()
        .find(|g| g.as_str() == text)
    }
}

/// A line typed in by hand.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualLine {
    /// What is billed, e.g. "Hosting, December".
    pub description: String,
    /// How many (hours or units): a positive decimal string such as "1" or "2.5".
    pub quantity: String,
    /// Price of one, a decimal string such as "500.00" (not negative), in the invoice's currency.
    pub unit_price: String,
}

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
    fn new(totals: Totals, discount: Decimal, tax: Decimal, currency: &str) -> Amounts {
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

fn line_out(
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
        unit_price: price(unit_price, currency),
        amount: money::format(amount, currency),
        project,
        track_ids,
    }
}

fn invoice_out(inv: &Invoice, settings: &Settings, now: Timestamp) -> InvoiceOut {
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
        group_by: inv.grouping.as_deref().and_then(GroupBy::parse),
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
        amounts: Amounts {
            subtotal: money::format(inv.subtotal, &inv.currency),
            discount_percent: inv.discount_percent.normalize().to_string(),
            discount_amount: money::format(inv.discount_amount, &inv.currency),
            tax_percent: inv.tax_percent.normalize().to_string(),
            tax_amount: money::format(inv.tax_amount, &inv.currency),
            total: money::format(inv.total, &inv.currency),
        },
        notes: inv.notes.clone(),
        sent_at: inv.sent_at.map(|t| when(t, tz)),
        paid_on: inv.paid_on.clone(),
        voided_at: inv.voided_at.map(|t| when(t, tz)),
        created_at: when(inv.created_at, tz),
    }
}

// ---------------------------------------------------------------- arithmetic

/// A price with at least the currency's minor digits, never rounded: the
/// stored rate is what the amount is computed with.
fn price(value: Decimal, currency: &str) -> String {
    let mut value = value.normalize();
    if value.scale() < money::minor_units(currency) {
        value.rescale(money::minor_units(currency));
    }
    value.to_string()
}

/// Seconds as hours with two decimals, rounded half-up.
fn hours(seconds: i64) -> Decimal {
    let mut h = (Decimal::from(seconds) / Decimal::from(3600))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    h.rescale(2);
    h
}

fn quantity_seconds(quantity: Decimal) -> i64 {
    i64::try_from((quantity * Decimal::from(3600)).round()).unwrap_or(0)
}

/// The totals of rounded line amounts: discount on the subtotal, tax on
/// what is left, each rounded half-up to the minor unit.
fn totals(
    amounts: impl IntoIterator<Item = Decimal>,
    discount_percent: Decimal,
    tax_percent: Decimal,
    currency: &str,
) -> Totals {
    let hundred = Decimal::from(100);
    let subtotal = money::round(amounts.into_iter().sum(), currency);
    let discount_amount = money::round(subtotal * discount_percent / hundred, currency);
    let tax_amount = money::round(
        (subtotal - discount_amount) * tax_percent / hundred,
        currency,
    );
    Totals {
        subtotal,
        discount_amount,
        tax_amount,
        total: money::round(subtotal - discount_amount + tax_amount, currency),
    }
}

fn parse_percent(text: Option<&str>, field: &str) -> Result<Decimal, ToolError> {
    let Some(text) = text else {
        return Ok(Decimal::ZERO);
    };
    let value: Decimal = text.trim().parse().map_err(|_| {
        ToolError::invalid(format!("{field} {text:?} is not a decimal number")).hint(format!(
            "write {field} as a decimal string, e.g. \"19\" or \"7.5\""
        ))
    })?;
    if value.is_sign_negative() || value > Decimal::from(100) {
        return Err(ToolError::invalid(format!(
            "{field} must be between 0 and 100, not {text}"
        )));
    }
    Ok(value.normalize())
}

/// Checked manual lines, ready to insert.
fn manual_lines(lines: &[ManualLine], currency: &str) -> Result<Vec<NewLine>, ToolError> {
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let at = |msg: String| ToolError::invalid(format!("line {}: {msg}", i + 1));
            let description = line.description.trim();
            if description.is_empty() {
                return Err(at("the description is empty".into()));
            }
            let quantity: Decimal = line.quantity.trim().parse().map_err(|_| {
                at(format!(
                    "quantity {:?} is not a decimal number",
                    line.quantity
                ))
                .hint("write quantities as decimal strings, e.g. \"2.5\"")
            })?;
            if quantity <= Decimal::ZERO {
                return Err(at("the quantity must be more than zero".into()));
            }
            let unit_price = money::parse_rate(&line.unit_price).map_err(|e| at(e.message))?;
            let mut quantity = quantity.normalize();
            if quantity.scale() < 2 {
                quantity.rescale(2);
            }
            Ok(NewLine {
                description: description.to_owned(),
                quantity,
                unit_price,
                amount: money::round(quantity * unit_price, currency),
                project_id: None,
                track_ids: Vec::new(),
            })
        })
        .collect()
}

// ---------------------------------------------------------------- dates

fn today(tz: &TimeZone, now: Timestamp) -> Date {
    now.to_zoned(tz.clone()).date()
}

/// A calendar date: `YYYY-MM-DD`, `today` or `yesterday` in the user's zone.
fn parse_date(text: &str, field: &str, tz: &TimeZone, now: Timestamp) -> Result<Date, ToolError> {
    let text = text.trim();
    let today = today(tz, now);
    match text.to_ascii_lowercase().as_str() {
        "today" => return Ok(today),
        "yesterday" => {
            return today
                .yesterday()
                .map_err(|e| ToolError::invalid(e.to_string()));
        }
        _ => {}
    }
    text.parse::<Date>().map_err(|_| {
        ToolError::invalid(format!("{field} {text:?} is not a date"))
            .hint("write dates as YYYY-MM-DD, or `today` / `yesterday`")
    })
}

fn local_date(ts: Timestamp, tz: &TimeZone) -> Date {
    ts.to_zoned(tz.clone()).date()
}

fn add_days(date: Date, days: i32) -> Result<Date, ToolError> {
    date.checked_add(jiff::Span::new().days(i64::from(days)))
        .map_err(|e| ToolError::invalid(e.to_string()))
}

/// The first day whose start lies in `[from, to)`, and the first after it
/// that does not: how a range of instants selects calendar dates.
fn day_bounds(range: Range, tz: &TimeZone) -> Result<(Option<String>, Option<String>), ToolError> {
    let first_day_from = |ts: Timestamp| -> Result<String, ToolError> {
        let date = local_date(ts, tz);
        let date = if start_of_day(date, tz)? < ts {
            date.tomorrow()
                .map_err(|e| ToolError::invalid(e.to_string()))?
        } else {
            date
        };
        Ok(date.to_string())
    };
    let from = (range.from != Timestamp::MIN)
        .then(|| first_day_from(range.from))
        .transpose()?;
    let to = (range.to != Timestamp::MAX)
        .then(|| first_day_from(range.to))
        .transpose()?;
    Ok((from, to))
}

// ---------------------------------------------------------------- errors

fn frozen(inv: &Invoice, action: &str) -> ToolError {
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
            inv.status.as_str()
        ),
    )
    .hint(hint)
    .detail("invoice_id", inv.id)
    .detail("status", inv.status)
}

fn ensure_draft(inv: &Invoice, action: &str) -> Result<(), ToolError> {
    if inv.status == Status::Draft {
        Ok(())
    } else {
        Err(frozen(inv, action))
    }
}

/// Run `work` in a write transaction; with `dry_run`, roll it back and
/// return what it would have returned.
fn write_or_preview<T>(
    conn: &mut Conn,
    dry_run: bool,
    work: impl FnOnce(&mut Conn) -> Result<T, ToolError>,
) -> Result<T, ToolError> {
    enum Abort<T> {
        Preview(T),
        Failed(ToolError),
    }
    impl<T> From<diesel::result::Error> for Abort<T> {
        fn from(err: diesel::result::Error) -> Self {
            Abort::Failed(err.into())
        }
    }
    let outcome = db::write(conn, |conn| match work(conn) {
        Ok(value) if dry_run => Err(Abort::Preview(value)),
        Ok(value) => Ok(value),
        Err(err) => Err(Abort::Failed(err)),
    });
    match outcome {
        Ok(value) | Err(Abort::Preview(value)) => Ok(value),
        Err(Abort::Failed(err)) => Err(err),
    }
}

// ---------------------------------------------------------------- planning

/// What `preview_invoice` and `generate_invoice` are asked.
struct Request {
    client: Option<Ref>,
    project: Option<Ref>,
    range: Range,
    group_by: GroupBy,
    currency: Option<String>,
    tax_percent: Decimal,
    discount_percent: Decimal,
}

/// Tracks in the period that the invoice leaves out, by reason.
#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct Skipped {
    /// Running timers: stop them to bill them.
    pub running: usize,
    /// Tracks that are not billable.
    pub not_billable: usize,
    /// Tracks already on a draft, sent or paid invoice.
    pub already_invoiced: usize,
    /// Billable tracks in another currency than this invoice's.
    pub other_currency: usize,
}

/// A draft as it would be generated.
struct Plan {
    client: ClientInfo,
    currency: String,
    lines: Vec<(NewLine, Option<Named>)>,
    totals: Totals,
    period: Period,
    skipped: Skipped,
    warnings: Vec<String>,
    track_count: usize,
}

fn plan(
    conn: &mut Conn,
    user_id: i32,
    settings: &Settings,
    req: &Request,
) -> Result<Plan, ToolError> {
    let (client, scope, whose) = match (&req.client, &req.project) {
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
    let tracks = store::tracks_in(conn, user_id, scope, req.range)?;
    let mut skipped = Skipped::default();
    let mut open: Vec<&BillableTrack> = Vec::new();
    for track in &tracks {
        if track.ended_at.is_none() {
            skipped.running += 1;
        } else if !track.billable {
            skipped.not_billable += 1;
        } else if track.invoiced {
            skipped.already_invoiced += 1;
        } else {
            open.push(track);
        }
    }
    let currency = match &req.currency {
        Some(code) => money::parse_currency(code)?,
        None => {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for track in &open {
                *counts.entry(track.currency.as_str()).or_default() += 1;
            }
            match counts.len() {
                0 => client
                    .currency
                    .clone()
                    .unwrap_or_else(|| settings.default_currency.clone()),
                1 => counts
                    .keys()
                    .next()
                    .map(|c| (*c).to_owned())
                    .unwrap_or_default(),
                _ => {
                    let listed: Vec<String> = counts
                        .iter()
                        .map(|(c, n)| format!("{c} ({n} tracks)"))
                        .collect();
                    return Err(ToolError::invalid(format!(
                        "the unbilled tracks of {whose} are in several currencies: {}; an invoice has one currency",
                        listed.join(", ")
                    ))
                    .hint("call again with `currency` set to one of them, once per currency")
                    .detail(
                        "currencies",
                        counts
                            .iter()
                            .map(|(c, n)| serde_json::json!({"currency": c, "tracks": n}))
                            .collect::<Vec<_>>(),
                    ));
                }
            }
        }
    };
    let (billed, other): (Vec<&BillableTrack>, Vec<&BillableTrack>) =
        open.into_iter().partition(|t| t.currency == currency);
    skipped.other_currency = other.len();
    if billed.is_empty() {
        return Err(ToolError::invalid(format!(
            "nothing to invoice: no unbilled, billable, stopped tracks of {whose} in {currency} start in this period"
        ))
        .hint("widen the period, stop running timers, or check the tracks' billable flag with list_tracks")
        .detail("skipped", &skipped));
    }
    let tz = &settings.time_zone;
    let lines = group(&billed, req.group_by, settings.rounding, tz, &currency);
    let totals = totals(
        lines.iter().map(|(l, _)| l.amount),
        req.discount_percent,
        req.tax_percent,
        &currency,
    );
    let first = billed
        .iter()
        .map(|t| t.started_at)
        .min()
        .unwrap_or(req.range.from);
    let last = billed
        .iter()
        .map(|t| t.started_at)
        .max()
        .unwrap_or(req.range.from);
    let from = if req.range.from == Timestamp::MIN {
        local_date(first, tz)
    } else {
        local_date(req.range.from, tz)
    };
    let to = if req.range.to == Timestamp::MAX {
        local_date(last, tz)
    } else {
        local_date(
            req.range
                .to
                .checked_sub(jiff::SignedDuration::from_secs(1))
                .unwrap_or(req.range.to),
            tz,
        )
    };
    let mut warnings = Vec::new();
    let unrated = billed.iter().filter(|t| t.hourly_rate.is_none()).count();
    if unrated > 0 {
        warnings.push(format!(
            "{unrated} track(s) have no hourly rate and are billed at 0: set a rate on them (update_track) or on their project or client"
        ));
    }
    if skipped.running > 0 {
        warnings.push(format!(
            "{} running timer(s) in the period are left out: stop them to bill them",
            skipped.running
        ));
    }
    Ok(Plan {
        client,
        currency,
        lines,
        totals,
        period: Period {
            from: from.to_string(),
            to: to.to_string(),
        },
        skipped,
        warnings,
        track_count: billed.len(),
    })
}

/// Group tracks into lines, in the order their first track started; a
/// group's tracks at different rates make separate lines.
fn group(
    tracks: &[&BillableTrack],
    group_by: GroupBy,
    rounding: Rounding,
    tz: &TimeZone,
    currency: &str,
) -> Vec<(NewLine, Option<Named>)> {
    let date = |t: &BillableTrack| local_date(t.started_at, tz).to_string();
    let mut order: Vec<(String, Option<Decimal>)> = Vec::new();
    let mut groups: HashMap<(String, Option<Decimal>), Vec<&BillableTrack>> = HashMap::new();
    for track in tracks {
        let key = match group_by {
            GroupBy::Track => track.id.to_string(),
            GroupBy::Project => track
                .project
                .as_ref()
                .map(|p| p.id)
                .unwrap_or(0)
                .to_string(),
            GroupBy::Day => date(track),
            GroupBy::Description => track.description.trim().to_owned(),
        };
        let key = (key, track.hourly_rate.map(|r| r.normalize()));
        groups
            .entry(key.clone())
            .or_insert_with(|| {
                order.push(key);
                Vec::new()
            })
            .push(track);
    }
    order
        .into_iter()
        .map(|key| {
            let members = &groups[&key];
            let first = members[0];
            let project = first.project.clone().filter(|p| {
                members
                    .iter()
                    .all(|t| t.project.as_ref().map(|q| q.id) == Some(p.id))
            });
            let description = match group_by {
                GroupBy::Track => {
                    let what = match first.description.trim() {
                        "" => first
                            .project
                            .as_ref()
                            .map(|p| p.name.clone())
                            .unwrap_or_else(|| "Work".to_owned()),
                        text => text.to_owned(),
                    };
                    format!("{what} ({})", date(first))
                }
                GroupBy::Project => project
                    .as_ref()
                    .map(|p| p.name.clone())
                    .unwrap_or_else(|| "Work".to_owned()),
                GroupBy::Day => {
                    let mut seen = HashSet::new();
                    let what: Vec<&str> = members
                        .iter()
                        .map(|t| t.description.trim())
                        .filter(|d| !d.is_empty() && seen.insert(*d))
                        .collect();
                    if what.is_empty() {
                        date(first)
                    } else {
                        format!("{}: {}", date(first), what.join("; "))
                    }
                }
                GroupBy::Description => match first.description.trim() {
                    "" => "(no description)".to_owned(),
                    text => text.to_owned(),
                },
            };
            let quantity = hours(rounding.total(members.iter().map(|t| t.seconds())));
            let unit_price = key.1.unwrap_or_default();
            (
                NewLine {
                    description,
                    quantity,
                    unit_price,
                    amount: money::round(quantity * unit_price, currency),
                    project_id: project.as_ref().map(|p| p.id),
                    track_ids: members.iter().map(|t| t.id).collect(),
                },
                project,
            )
        })
        .collect()
}

/// `from`/`to` of a request: a period is required, so nothing is billed by accident.
fn required_range(
    period: Option<PeriodName>,
    from: Option<&str>,
    to: Option<&str>,
    settings: &Settings,
    now: Timestamp,
) -> Result<Range, ToolError> {
    resolve_range(period, from, to, settings, now)?.ok_or_else(|| {
        ToolError::invalid("give a `period`, or `from` and/or `to`")
            .hint("e.g. period: last_month; or to: \"now\" to bill everything unbilled so far")
    })
}

// ---------------------------------------------------------------- preview

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewInvoice {
    /// The client to bill (id or exact name): the tracks of all its projects.
    /// Give `client` or `project`.
    pub client: Option<Ref>,
    /// One project to bill (id or exact name); the invoice goes to its client.
    pub project: Option<Ref>,
    /// A named period in the user's time zone: the tracks that start in it.
    /// Or use `from`/`to`.
    pub period: Option<PeriodName>,
    /// Tracks starting at or after this time (formats as in log_track).
    pub from: Option<String>,
    /// Tracks starting before this time; `"now"` bills everything so far.
    pub to: Option<String>,
    /// How tracks become lines: `track`, `project` (default), `day` or `description`.
    #[serde(default)]
    pub group_by: GroupBy,
    /// Bill only the tracks in this ISO 4217 currency; needed when the
    /// unbilled tracks come in several.
    pub currency: Option<String>,
    /// Tax in percent of the subtotal less the discount, a decimal string
    /// such as "19" (default 0).
    pub tax_percent: Option<String>,
    /// Discount in percent of the subtotal, a decimal string such as "5" (default 0).
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

/// Show what `generate_invoice` would make with the same arguments, without
/// creating or locking anything: the lines, totals, the tracks left out and
/// why, and warnings. Errors as in generate_invoice: several currencies
/// without `currency` is `invalid_argument` listing them; nothing billable is
/// `invalid_argument` with the skipped counts.
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
    let range = required_range(
        args.period,
        args.from.as_deref(),
        args.to.as_deref(),
        &settings,
        now,
    )?;
    let tax_percent = parse_percent(args.tax_percent.as_deref(), "tax_percent")?;
    let discount_percent = parse_percent(args.discount_percent.as_deref(), "discount_percent")?;
    let req = Request {
        client: args.client,
        project: args.project,
        range,
        group_by: args.group_by,
        currency: args.currency,
        tax_percent,
        discount_percent,
    };
    let (plan, settings) = ctx
        .run(move |conn, user| Ok((plan(conn, user.id, &settings, &req)?, settings)))
        .await?;
    let currency = plan.currency.clone();
    Ok(InvoicePreview {
        client: ClientOut::from(&plan.client),
        range: range.resolved(args.period, &settings.time_zone),
        period: plan.period,
        group_by: args.group_by,
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
        amounts: Amounts::new(plan.totals, discount_percent, tax_percent, &currency),
        currency,
        skipped: plan.skipped,
        warnings: plan.warnings,
    })
}

// ---------------------------------------------------------------- generate

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateInvoice {
    /// The client to bill (id or exact name): the tracks of all its projects.
    /// Give `client` or `project`.
    pub client: Option<Ref>,
    /// One project to bill (id or exact name); the invoice goes to its client.
    pub project: Option<Ref>,
    /// A named period in the user's time zone: the tracks that start in it.
    /// Or use `from`/`to`.
    pub period: Option<PeriodName>,
    /// Tracks starting at or after this time (formats as in log_track).
    pub from: Option<String>,
    /// Tracks starting before this time; `"now"` bills everything so far.
    pub to: Option<String>,
    /// How tracks become lines: `track`, `project` (default), `day` or `description`.
    #[serde(default)]
    pub group_by: GroupBy,
    /// Bill only the tracks in this ISO 4217 currency; needed when the
    /// unbilled tracks come in several.
    pub currency: Option<String>,
    /// Tax in percent of the subtotal less the discount, a decimal string
    /// such as "19" (default 0).
    pub tax_percent: Option<String>,
    /// Discount in percent of the subtotal, a decimal string such as "5" (default 0).
    pub discount_percent: Option<String>,
    /// Free text printed on the invoice.
    pub notes: Option<String>,
    /// Repeating a call with the same key returns the first invoice instead of making another.
    pub idempotency_key: Option<String>,
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

/// Create a draft invoice from the unbilled, billable, stopped tracks of a
/// client (all its projects) or of one project that start in the period (a
/// named `period`, or `from`/`to`; one is required, `to: "now"` bills
/// everything unbilled so far), and lock those tracks: they cannot be edited or deleted (`track_invoiced`)
/// until the draft is deleted, the tracks are removed from it, or the sent
/// invoice is voided. Lines follow `group_by`; each line's quantity is hours
/// after the user's rounding setting (scope `track` rounds each track, `total`
/// each line's sum), with 2 decimals, and the invoice keeps it if the setting
/// changes later; its unit price is the tracks' stored hourly rate (tracks at
/// different rates get separate lines; a track without a rate is billed at 0,
/// with a warning); its amount is quantity × unit price rounded half-up to the
/// currency's minor unit. Total = sum of lines − discount + tax. Running
/// timers, non-billable and already invoiced tracks are left out and counted
/// in `skipped`. One currency per invoice: tracks in several currencies
/// without `currency` is `invalid_argument` listing them. Nothing to bill is
/// `invalid_argument`. A project without a client cannot be invoiced. Tracks
/// invoiced by a concurrent call are a `conflict`. Repeating a call with the
/// same `idempotency_key` returns the first invoice. Call preview_invoice
/// first to check.
#[tool(
    title = "Generate an invoice from tracks",
    tier = "pro",
    scope = "invoices"
)]
async fn generate_invoice(ctx: &Ctx, args: GenerateInvoice) -> Result<InvoiceGenerated, ToolError> {
    const TOOL: &str = "generate_invoice";
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let range = required_range(
        args.period,
        args.from.as_deref(),
        args.to.as_deref(),
        &settings,
        now,
    )?;
    let req = Request {
        client: args.client,
        project: args.project,
        range,
        group_by: args.group_by,
        currency: args.currency,
        tax_percent: parse_percent(args.tax_percent.as_deref(), "tax_percent")?,
        discount_percent: parse_percent(args.discount_percent.as_deref(), "discount_percent")?,
    };
    let notes = args
        .notes
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    let key = args.idempotency_key;
    let resolved = range.resolved(args.period, &settings.time_zone);
    // Progress in three steps (select and group the tracks, save, done): the
    // slow part over many tracks is the first.
    let progress = ctx.clone();
    ctx.run(move |conn, user| {
        db::write(conn, |conn| {
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
            let plan = plan(conn, user.id, &settings, &req)?;
            let new = NewInvoice {
                client_id: plan.client.id,
                currency: plan.currency.clone(),
                issue_date: None,
                due_date: None,
                period_from: Some(plan.period.from.clone()),
                period_to: Some(plan.period.to.clone()),
                grouping: Some(req.group_by.as_str().to_owned()),
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

/// The invoice an idempotency key made, unless it has since been deleted.
fn replayed_invoice(conn: &mut Conn, user_id: i32, id: i32) -> Result<Invoice, ToolError> {
    store::get(conn, user_id, id).map_err(|err| {
        if err.code == ErrorCode::NotFound {
            ToolError::not_found("invoice", format!("with id {id}"))
                .hint("the invoice made with this idempotency_key was deleted; use a new key")
        } else {
            err
        }
    })
}

// ---------------------------------------------------------------- create

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvoice {
    /// The client to bill (id or exact name).
    pub client: Ref,
    /// ISO 4217 code; default the client's currency, else the user's default currency.
    pub currency: Option<String>,
    /// The lines, at least one.
    pub lines: Vec<ManualLine>,
    /// Tax in percent of the subtotal less the discount, a decimal string
    /// such as "19" (default 0).
    pub tax_percent: Option<String>,
    /// Discount in percent of the subtotal, a decimal string such as "5" (default 0).
    pub discount_percent: Option<String>,
    /// Issue date (`YYYY-MM-DD`, `today`); default: the day it is sent.
    pub issue_date: Option<String>,
    /// Due date (`YYYY-MM-DD`); default: the issue date plus the client's payment terms.
    pub due_date: Option<String>,
    /// Free text printed on the invoice.
    pub notes: Option<String>,
    /// Repeating a call with the same key returns the first invoice instead of making another.
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct InvoiceCreated {
    /// The new draft.
    pub invoice: InvoiceOut,
    /// True when an earlier call with the same `idempotency_key` made this invoice.
    pub replayed: bool,
}

/// Create a draft invoice with lines typed in (a fixed fee, expenses):
/// description, quantity and unit price each; amounts are quantity × unit
/// price rounded half-up to the currency's minor unit. It bills no tracks
/// (use generate_invoice for tracked time). An unknown client is `not_found`,
/// a name matching several is `ambiguous`; no lines, an empty description, a
/// quantity of zero or less, a negative price or a due date before the issue
/// date are `invalid_argument`.
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
        db::write(conn, |conn| {
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

fn check_due(issue: Option<Date>, due: Option<Date>) -> Result<(), ToolError> {
    if let (Some(issue), Some(due)) = (issue, due)
        && due < issue
    {
        return Err(ToolError::invalid(format!(
            "the due date {due} is before the issue date {issue}"
        )));
    }
    Ok(())
}

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
    /// Only invoices in this state: `draft`, `sent`, `paid` or `void`.
    pub status: Option<StatusFilter>,
    /// Only this client's invoices (id or exact name).
    pub client: Option<Ref>,
    /// Only invoices issued in this named period (drafts without an issue
    /// date: created in it). Or use `from`/`to`.
    pub period: Option<PeriodName>,
    /// Issued on or after this day.
    pub from: Option<String>,
    /// Issued before this day.
    pub to: Option<String>,
    /// Invoices per page, 1–200 (default 50).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
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

/// List invoices, newest first, filtered by status, client and the period
/// they were issued in (a draft without an issue date counts by the day it
/// was created). Totals per currency cover the whole filtered set, not only
/// this page, and leave void invoices out; amounts in different currencies
/// are never added together. Page on with `next_cursor`. An unknown client is
/// `not_found`.
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
        &settings,
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
        entry.1[slot] += *total;
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
                    total: money::format(draft + outstanding + paid, &currency),
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

/// One invoice by id, in any state: its client's details, lines (with the
/// tracks each bills), track count, totals, dates and status. Another user's
/// id, like a missing one, is `not_found`.
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

// ---------------------------------------------------------------- update

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInvoice {
    /// The draft to change.
    pub id: i32,
    /// New notes; `null` removes them.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<String>")]
    pub notes: Option<Option<String>>,
    /// Issue date to send it with (`YYYY-MM-DD`, `today`); `null`: the day it is sent.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<String>")]
    pub issue_date: Option<Option<String>>,
    /// Due date (`YYYY-MM-DD`); `null`: the issue date plus the client's payment terms.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<String>")]
    pub due_date: Option<Option<String>>,
    /// New tax percent, a decimal string such as "19".
    pub tax_percent: Option<String>,
    /// New discount percent, a decimal string such as "5".
    pub discount_percent: Option<String>,
    /// Replace all manual lines (lines not made from tracks) with these;
    /// `[]` removes them. Lines made from tracks stay.
    pub lines: Option<Vec<ManualLine>>,
    /// Tracks to take off the draft, freeing them for another invoice.
    #[serde(default)]
    pub remove_track_ids: Vec<i32>,
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

/// Change a draft: notes, issue and due dates, tax and discount percent,
/// its manual lines (replaced as a whole), and remove tracks from it, which
/// frees them. The lines those tracks were on are recomputed from the tracks
/// left, with the current rounding setting (other lines keep their
/// quantities); a line left without tracks is removed. Totals are recomputed.
/// A sent, paid or void invoice is `invoice_frozen`; a track that is not on
/// this invoice is `not_found`.
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
    let issue = date(&args.issue_date, "issue_date")?;
    let due = date(&args.due_date, "due_date")?;
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
        db::write(conn, |conn| {
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
                notes: match &args.notes {
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
    /// Issue date (`YYYY-MM-DD`, `today`, `yesterday`); default the draft's,
    /// else today in the user's time zone.
    pub issue_date: Option<String>,
    /// Due date (`YYYY-MM-DD`); default the draft's, else the issue date plus
    /// the client's payment terms.
    pub due_date: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct InvoiceSent {
    /// The invoice, now numbered and frozen.
    pub invoice: InvoiceOut,
}

/// Mark a draft as sent: it gets the next number of the user's gapless
/// sequence (one counter per user, never reset), formatted by the
/// `invoice_number_format` setting (default `INV-{YYYY}-{SEQ:4}`; `{YYYY}`,
/// `{YY}` and `{MM}` come from the issue date), an issue date (default
/// today in the user's time zone) and a due date (default issue date + the
/// client's payment terms). From then on it is frozen: no edits, never
/// deleted; void it instead. An invoice that is not a draft is
/// `invoice_frozen`; one without lines, or a due date before the issue date,
/// is `invalid_argument`.
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
        db::write(conn, |conn| {
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
    /// `paid` or `void`.
    pub status: NewStatus,
    /// With `paid`: the day it was paid (`YYYY-MM-DD`, `today`,
    /// `yesterday`); default today in the user's time zone.
    pub paid_on: Option<String>,
    /// Show the invoice as it would be, and change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Move a sent invoice on: `paid` records the payment date (calling it again
/// corrects the date); `void` cancels a sent or paid invoice for good: it
/// keeps its number (the sequence has no gaps) and frees its tracks, so they
/// can be edited and invoiced again. Voiding a void invoice changes nothing.
/// A draft cannot be paid or voided (`invalid_argument`: send it first, or
/// delete it); a void invoice cannot be paid (`invoice_frozen`). A payment
/// date before the issue date is `invalid_argument`. With `dry_run: true`,
/// returns the invoice as it would be and changes nothing.
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
        write_or_preview(conn, args.dry_run, |conn| {
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
    /// Show what would be deleted and freed, and delete nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Delete a draft invoice for good, freeing its tracks (they can be edited
/// and invoiced again). Sent, paid and void invoices are never deleted
/// (`invoice_frozen`): void a sent one with set_invoice_status instead. With
/// `dry_run: true`, returns the draft and the tracks it would free, and
/// changes nothing.
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
        write_or_preview(conn, args.dry_run, |conn| {
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

/// Export an invoice's lines as CSV (RFC 4180, UTF-8, header row), one row
/// per line: invoice number, issue date, client, description, duration as
/// `hh:mm:ss` and quantity as decimal hours (for lines made from tracks;
/// a manual line has an empty duration and its quantity in units), unit price,
/// amount and currency. Drafts export too, with empty number and date. Returns
/// the CSV text with a file name and the row count.
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
            &price(line.unit_price, &inv.currency),
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
