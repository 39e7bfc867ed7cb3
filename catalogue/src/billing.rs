//! Billing (SPEC §3, invoices): which tracks an invoice bills and how they
//! become lines, the line and invoice arithmetic, and the invoice's states.
//! Pure: `db::invoices` loads and stores what this computes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::reference::Named;
use crate::rounding::Rounding;
use crate::time::{Range, hours, local_date};
use crate::{ToolError, money, names};

/// Where an invoice is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Editable and deletable; its tracks are locked already.
    Draft,
    /// Numbered and frozen.
    Sent,
    /// Frozen, with the date it was paid.
    Paid,
    /// Cancelled: keeps its number, its tracks are free again.
    Void,
}

impl Status {
    /// The stored and shown name (`draft`, `sent`, …).
    pub fn name(self) -> &'static str {
        names::name(self)
    }
}

/// How tracks become invoice lines. Tracks at different hourly rates never
/// share a line: a group with two rates becomes two lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// Per track.
    Track,
    /// Per project (the default).
    #[default]
    Project,
    /// Per day.
    Day,
    /// Per distinct description.
    Description,
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

/// A track that could be billed, with whether a live invoice holds it.
#[derive(Clone, Debug)]
pub struct BillableTrack {
    pub id: i32,
    /// Shared by the tracks of one project: an invoice may read 200,000
    /// tracks of a few projects.
    pub project: Option<Arc<Named>>,
    pub description: String,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub billable: bool,
    pub hourly_rate: Option<Decimal>,
    pub currency: String,
    /// On a draft, sent or paid invoice.
    pub invoiced: bool,
}

impl BillableTrack {
    pub fn seconds(&self) -> i64 {
        self.ended_at
            .map(|end| (end.as_second() - self.started_at.as_second()).max(0))
            .unwrap_or(0)
    }
}

/// An invoice's line to insert.
#[derive(Clone, Debug)]
pub struct NewLine {
    pub description: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub amount: Decimal,
    pub project_id: Option<i32>,
    /// The tracks it bills; empty for a manual line.
    pub track_ids: Vec<i32>,
}

/// Totals as computed by the caller, rounded to the currency's minor unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: Decimal,
    pub discount_amount: Decimal,
    pub tax_amount: Decimal,
    pub total: Decimal,
}

/// A line's quantity in hours, back in whole seconds.
pub fn quantity_seconds(quantity: Decimal) -> i64 {
    quantity
        .checked_mul(Decimal::from(3600))
        .and_then(|seconds| i64::try_from(seconds.round()).ok())
        .unwrap_or(0)
}

/// The totals of rounded line amounts: discount on the subtotal, tax on
/// what is left, each rounded half-up to the minor unit.
pub fn totals(
    amounts: impl IntoIterator<Item = Decimal>,
    discount_percent: Decimal,
    tax_percent: Decimal,
    currency: &str,
) -> Totals {
    // Checked: amounts within the input bounds never come near the limits
    // of `Decimal`; beyond them the figures saturate rather than panic.
    let hundred = Decimal::from(100);
    let share = |of: Decimal, percent: Decimal| {
        of.checked_mul(percent)
            .map_or(Decimal::MAX, |part| part / hundred)
    };
    let subtotal = money::round(
        amounts.into_iter().fold(Decimal::ZERO, money::add),
        currency,
    );
    let discount_amount = money::round(share(subtotal, discount_percent), currency);
    let taxed = money::add(subtotal, -discount_amount);
    let tax_amount = money::round(share(taxed, tax_percent), currency);
    Totals {
        subtotal,
        discount_amount,
        tax_amount,
        total: money::round(money::add(taxed, tax_amount), currency),
    }
}

/// Decimal places a percentage may have.
pub const PERCENT_DECIMALS: u32 = 4;

/// A percentage given as text: 0–100 with at most [`PERCENT_DECIMALS`]
/// decimals, absent is 0.
pub fn parse_percent(text: Option<&str>, field: &str) -> Result<Decimal, ToolError> {
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
    money::bounded(value, field, Decimal::from(100), PERCENT_DECIMALS)
}

/// Checked manual lines, ready to insert.
pub fn manual_lines(lines: &[ManualLine], currency: &str) -> Result<Vec<NewLine>, ToolError> {
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
            let quantity = money::bounded(
                quantity,
                "quantity",
                Decimal::from(money::MAX_QUANTITY),
                money::MAX_DECIMALS,
            )
            .map_err(|e| at(e.message))?;
            let unit_price =
                money::parse_price(&line.unit_price, "unit_price").map_err(|e| at(e.message))?;
            let mut quantity = quantity;
            if quantity.scale() < 2 {
                quantity.rescale(2);
            }
            Ok(NewLine {
                description: description.to_owned(),
                quantity,
                unit_price,
                // Both bounded: at most 10^12, never an overflow.
                amount: money::round(quantity * unit_price, currency),
                project_id: None,
                track_ids: Vec::new(),
            })
        })
        .collect()
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

/// What a generated invoice is asked, once its range is resolved.
#[derive(Clone, Debug)]
pub struct Request {
    pub range: Range,
    pub group_by: GroupBy,
    /// Bill only the tracks in this currency.
    pub currency: Option<String>,
    pub tax_percent: Decimal,
    pub discount_percent: Decimal,
}

/// A draft as it would be generated.
#[derive(Debug)]
pub struct Plan {
    pub currency: String,
    pub lines: Vec<(NewLine, Option<Named>)>,
    pub totals: Totals,
    /// First and last day (inclusive) of the work billed.
    pub period: (Date, Date),
    pub skipped: Skipped,
    pub warnings: Vec<String>,
    pub track_count: usize,
}

/// The invoice `req` makes of `tracks` (every track of the client or project
/// that starts in the range, whatever its state). `whose` names the client or
/// project in messages; `fallback_currency` is the invoice's currency when no
/// track is billable (the client's, else the user's default).
pub fn plan(
    tracks: &[BillableTrack],
    req: &Request,
    whose: &str,
    fallback_currency: &str,
    rounding: Rounding,
    tz: &TimeZone,
) -> Result<Plan, ToolError> {
    let mut skipped = Skipped::default();
    let mut open: Vec<&BillableTrack> = Vec::new();
    for track in tracks {
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
                0 => fallback_currency.to_owned(),
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
    let lines = group(&billed, req.group_by, rounding, tz, &currency);
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
        currency,
        lines,
        totals,
        period: (from, to),
        skipped,
        warnings,
        track_count: billed.len(),
    })
}

/// Group tracks into lines, in the order their first track started; a
/// group's tracks at different rates make separate lines.
pub fn group(
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
            let project = first
                .project
                .as_deref()
                .filter(|p| {
                    members
                        .iter()
                        .all(|t| t.project.as_ref().map(|q| q.id) == Some(p.id))
                })
                .cloned();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use crate::rounding::{RoundingMode, RoundingScope};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn track(
        id: i32,
        project: Option<(i32, &str)>,
        description: &str,
        start: &str,
        minutes: i64,
    ) -> BillableTrack {
        let started_at = ts(start);
        BillableTrack {
            id,
            project: project.map(|(id, name)| {
                Arc::new(Named {
                    id,
                    name: name.into(),
                })
            }),
            description: description.into(),
            started_at,
            ended_at: Some(started_at + jiff::SignedDuration::from_mins(minutes)),
            billable: true,
            hourly_rate: Some(d("100")),
            currency: "EUR".into(),
            invoiced: false,
        }
    }

    fn request(group_by: GroupBy) -> Request {
        Request {
            range: Range {
                from: ts("2026-10-01T00:00:00Z"),
                to: ts("2026-11-01T00:00:00Z"),
            },
            group_by,
            currency: None,
            tax_percent: d("19"),
            discount_percent: d("10"),
        }
    }

    #[test]
    fn names_are_serdes() {
        assert_eq!(Status::Void.name(), "void");
        assert_eq!(names::parse::<Status>("paid"), Some(Status::Paid));
        assert_eq!(names::name(GroupBy::Description), "description");
    }

    #[test]
    fn discount_comes_off_the_subtotal_and_tax_goes_on_what_is_left() {
        let t = totals([d("100.00"), d("50.005")], d("10"), d("19"), "EUR");
        assert_eq!(t.subtotal, d("150.01"));
        assert_eq!(t.discount_amount, d("15.00"));
        assert_eq!(t.tax_amount, d("25.65"));
        assert_eq!(t.total, d("160.66"));
        assert_eq!(quantity_seconds(d("1.50")), 5400);
    }

    #[test]
    fn percents_and_manual_lines_are_checked() {
        assert_eq!(parse_percent(None, "tax_percent").unwrap(), Decimal::ZERO);
        assert_eq!(
            parse_percent(Some(" 7.50 "), "tax_percent").unwrap(),
            d("7.5")
        );
        for bad in ["-1", "100.01", "ten"] {
            let err = parse_percent(Some(bad), "tax_percent").unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidArgument, "{bad}");
        }
        let line = |description: &str, quantity: &str, unit_price: &str| ManualLine {
            description: description.into(),
            quantity: quantity.into(),
            unit_price: unit_price.into(),
        };
        let lines = manual_lines(&[line(" Hosting ", "3", "9.999")], "EUR").unwrap();
        assert_eq!(lines[0].description, "Hosting");
        assert_eq!(lines[0].quantity.to_string(), "3.00");
        assert_eq!(lines[0].amount, d("30.00"));
        for (bad, why) in [
            (line("", "1", "1"), "line 1: the description is empty"),
            (
                line("x", "0", "1"),
                "line 1: the quantity must be more than zero",
            ),
            (line("x", "1", "-1"), "line 1: a rate cannot be negative"),
        ] {
            assert_eq!(manual_lines(&[bad], "EUR").unwrap_err().message, why);
        }
    }

    #[test]
    fn quantities_prices_and_percents_are_bounded() {
        let line = |quantity: &str, unit_price: &str| ManualLine {
            description: "x".into(),
            quantity: quantity.into(),
            unit_price: unit_price.into(),
        };
        let max = "79228162514264337593543950335";
        for (bad, field) in [
            (line(max, "1"), "quantity"),
            (line("1000000.5", "1"), "quantity"),
            (line("0.0000001", "1"), "quantity"),
            (line("1", max), "unit_price"),
            (line("1", "0.0000000000000000000000000001"), "unit_price"),
        ] {
            let err = manual_lines(&[bad], "EUR").unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidArgument);
            assert!(
                err.message.starts_with(&format!("line 1: {field} ")),
                "{err:?}"
            );
        }
        let biggest = manual_lines(&[line("1000000", "1000000")], "KWD").unwrap();
        assert_eq!(biggest[0].amount, d("1000000000000.000"));
        let err = parse_percent(Some("7.00001"), "tax_percent").unwrap_err();
        assert!(
            err.message
                .contains("tax_percent has more than 4 decimal places"),
            "{err:?}"
        );
    }

    #[test]
    fn totals_never_panic() {
        let t = totals([Decimal::MAX, Decimal::MAX], d("10"), d("100"), "EUR");
        assert_eq!(t.subtotal.trunc(), Decimal::MAX.trunc());
        assert_eq!(quantity_seconds(Decimal::MAX), 0);
    }

    #[test]
    fn lines_follow_the_grouping_and_never_mix_rates() {
        let utc = TimeZone::UTC;
        let mut other_rate = track(3, Some((1, "Web")), "Review", "2026-10-02T09:00:00Z", 30);
        other_rate.hourly_rate = Some(d("80"));
        let tracks = [
            track(1, Some((1, "Web")), "Design", "2026-10-01T09:00:00Z", 60),
            track(2, Some((1, "Web")), "Design", "2026-10-01T11:00:00Z", 20),
            other_rate,
            track(4, Some((2, "API")), "", "2026-10-02T13:00:00Z", 45),
        ];
        let refs: Vec<&BillableTrack> = tracks.iter().collect();
        let up = Rounding {
            mode: RoundingMode::Up,
            minutes: 15,
            scope: RoundingScope::Track,
        };
        let by_project = group(&refs, GroupBy::Project, up, &utc, "EUR");
        let described: Vec<(&str, String, Vec<i32>)> = by_project
            .iter()
            .map(|(l, _)| {
                (
                    l.description.as_str(),
                    l.quantity.to_string(),
                    l.track_ids.clone(),
                )
            })
            .collect();
        assert_eq!(
            described,
            [
                ("Web", "1.50".to_owned(), vec![1, 2]),
                ("Web", "0.50".to_owned(), vec![3]),
                ("API", "0.75".to_owned(), vec![4]),
            ]
        );
        assert_eq!(by_project[0].0.amount, d("150.00"));
        let by_day = group(&refs, GroupBy::Day, Rounding::NONE, &utc, "EUR");
        assert_eq!(by_day[0].0.description, "2026-10-01: Design");
        assert_eq!(by_day[2].0.description, "2026-10-02");
        let by_track = group(&refs, GroupBy::Track, Rounding::NONE, &utc, "EUR");
        assert_eq!(by_track[3].0.description, "API (2026-10-02)");
        assert_eq!(
            by_track[3].1,
            Some(Named {
                id: 2,
                name: "API".into()
            })
        );
    }

    #[test]
    fn a_plan_counts_what_it_leaves_out() {
        let utc = TimeZone::UTC;
        let mut running = track(5, None, "", "2026-10-03T09:00:00Z", 0);
        running.ended_at = None;
        let mut unbillable = track(6, None, "", "2026-10-03T10:00:00Z", 60);
        unbillable.billable = false;
        let mut dollars = track(7, None, "", "2026-10-03T11:00:00Z", 60);
        dollars.currency = "USD".into();
        let mut unrated = track(8, Some((1, "Web")), "", "2026-10-04T09:00:00Z", 60);
        unrated.hourly_rate = None;
        let tracks = [
            track(1, Some((1, "Web")), "", "2026-10-01T09:00:00Z", 60),
            running,
            unbillable,
            dollars,
            unrated,
        ];
        let req = request(GroupBy::Project);
        let err = plan(
            &tracks,
            &req,
            "client \"Acme\"",
            "EUR",
            Rounding::NONE,
            &utc,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument);
        assert_eq!(err.details["currencies"].as_array().unwrap().len(), 2);
        let req = Request {
            currency: Some("eur".into()),
            ..req
        };
        let plan = plan(
            &tracks,
            &req,
            "client \"Acme\"",
            "EUR",
            Rounding::NONE,
            &utc,
        )
        .unwrap();
        assert_eq!(plan.currency, "EUR");
        assert_eq!(plan.track_count, 2);
        assert_eq!(
            (
                plan.skipped.running,
                plan.skipped.not_billable,
                plan.skipped.other_currency
            ),
            (1, 1, 1)
        );
        assert_eq!(plan.warnings.len(), 2);
        assert_eq!(plan.totals.subtotal, d("100.00"));
        assert_eq!(plan.totals.total, d("107.10"));
        assert_eq!(
            plan.period,
            (Date::constant(2026, 10, 1), Date::constant(2026, 10, 31))
        );
    }

    #[test]
    fn nothing_to_bill_is_an_error_with_the_counts() {
        let mut done = track(1, None, "", "2026-10-01T09:00:00Z", 60);
        done.invoiced = true;
        let err = plan(
            &[done],
            &request(GroupBy::Track),
            "project \"Web\"",
            "EUR",
            Rounding::NONE,
            &TimeZone::UTC,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument);
        assert_eq!(err.details["skipped"]["already_invoiced"], 1);
    }
}
