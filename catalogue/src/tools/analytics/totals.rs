//! `get_time_totals`: hours and amounts per calendar bucket.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Counting, Sums, Totals, resolve_filter, totals};
use crate::db::reports;
use crate::db::tracks::{Span, TrackFilter};
use crate::reference::Ref;
use crate::reports::{
    self as counting, Acc, Bucket, BucketTally, GroupKey, Part, SplitBy, report_range,
};
use crate::rounding::Rounding;
use crate::settings::Settings;
use jiff::ToSpan;
use jiff::civil::Date;

use crate::time::{PeriodName, ResolvedRange, When, when};
use crate::{Ctx, ToolError, tool};

/// Tracks read per page when the per-day totals cannot answer.
const PAGE: i64 = 5_000;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetTimeTotals {
    /// Named period; or `from`/`to`.
    /// Default: `this_week`.
    pub period: Option<PeriodName>,
    /// Start of the range.
    pub from: Option<String>,
    /// End, exclusive; default end of today.
    pub to: Option<String>,
    /// Bucket size; default the smallest giving at most 31 buckets.
    pub bucket: Option<Bucket>,
    /// Split each bucket.
    pub split_by: Option<SplitBy>,
    /// Divide tracks crossing a bucket edge.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub split_at_midnight: bool,
    /// Only this project.
    pub project: Option<Ref>,
    /// Only this client's projects.
    pub client: Option<Ref>,
    /// Only tracks with this tag.
    pub tag: Option<Ref>,
    /// Only billable or non-billable tracks.
    pub billable: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GroupTotals {
    /// The project, client or tag id; absent for the "(no …)" groups and
    /// for billable groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i32>,
    /// Its name, or "(no project)", "(no client)", "(no tag)", "billable",
    /// "not billable".
    pub name: String,
    #[serde(flatten)]
    pub totals: Totals,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BucketTotals {
    /// The bucket in the user's date format: a day, "first – last day" of a
    /// week, "November 2026", "2026".
    pub label: String,
    /// Its first calendar day, `YYYY-MM-DD`.
    pub start_date: String,
    /// Start, inclusive (the range's start if that is later).
    pub from: When,
    /// End, exclusive (the range's end if that is earlier).
    pub to: When,
    #[serde(flatten)]
    pub totals: Totals,
    /// True when a running timer counts here, up to now.
    pub running: bool,
    /// Per group, largest first, when `split_by` is given; groups without
    /// time here are left out.
    pub groups: Vec<GroupTotals>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TimeTotals {
    /// The range covered.
    pub range: ResolvedRange,
    /// The bucket used (chosen when not given).
    pub bucket: Bucket,
    pub split_by: Option<SplitBy>,
    pub split_at_midnight: bool,
    /// The rounding applied (the user's setting).
    pub rounding: Rounding,
    /// The whole range: the sum of the buckets.
    pub total: Totals,
    /// The whole range per group, largest first (empty without `split_by`).
    pub groups: Vec<GroupTotals>,
    /// Every bucket of the range in order, empty ones included.
    pub buckets: Vec<BucketTotals>,
    /// Running timers counted up to now.
    pub running_track_ids: Vec<i32>,
}

/// Groups, largest (rounded) first.
fn group_list(groups: &BTreeMap<GroupKey, Acc>, settings: &Settings) -> Vec<GroupTotals> {
    let mut list: Vec<(&GroupKey, &Acc)> = groups.iter().collect();
    list.sort_by(|a, b| b.1.rounded.cmp(&a.1.rounded).then_with(|| a.0.cmp(b.0)));
    list.into_iter()
        .map(|((id, name), acc)| GroupTotals {
            id: *id,
            name: name.clone(),
            totals: totals(acc, settings),
        })
        .collect()
}

/// A bucket's label in the user's date format.
fn label(bucket: Bucket, start: Date, settings: &Settings) -> String {
    let format = settings.date_display();
    match bucket {
        Bucket::Day => format.format(start),
        Bucket::Week => {
            let last = start.checked_add(6.days()).unwrap_or(start);
            format!("{} – {}", format.format(start), format.format(last))
        }
        Bucket::Month => start.strftime("%B %Y").to_string(),
        Bucket::Year => start.year().to_string(),
    }
}

/// Hours and billable amounts per currency in buckets (day to year,
/// zero-filled), optionally split and filtered. Range: `period` or `from`/`to`
/// (`to` alone is refused), default `this_week`; at most 366 buckets.
/// A track counts in the bucket it starts in unless
/// `split_at_midnight`, and in each of its tags; running timers up to now. With
/// rounding scope `total`, groups may not add up.
#[tool(
    title = "Get time totals",
    read_only,
    idempotent,
    scope = "tracks:read"
)]
async fn get_time_totals(ctx: &Ctx, args: GetTimeTotals) -> Result<TimeTotals, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let (range, period) = report_range(
        args.period,
        args.from.as_deref(),
        args.to.as_deref(),
        PeriodName::ThisWeek,
        settings.calendar(),
        now,
    )?;
    let (bucket, slots) = counting::choose_slots(range, args.bucket, settings.calendar())?;
    // The per-day totals hold whole tracks by the day they start, without
    // tags: a split at midnight or by tag, or a tag filter, reads the tracks.
    let by_day =
        !args.split_at_midnight && args.split_by != Some(SplitBy::Tag) && args.tag.is_none();
    let read_settings = settings.clone();
    let rounding = settings.rounding;
    let split_by = args.split_by;
    let read_slots = slots.clone();
    let tallies = ctx
        .run(move |conn, user| {
            let slots = read_slots;
            let mut tallies: Vec<BucketTally> =
                slots.iter().map(|_| BucketTally::default()).collect();
            let mut feed = |per_slot: Vec<Vec<Part>>| {
                for (tally, parts) in tallies.iter_mut().zip(per_slot) {
                    for part in &parts {
                        tally.push(part, split_by);
                    }
                }
            };
            let filter = TrackFilter {
                billable: args.billable,
                ..TrackFilter::default()
            };
            let filter = resolve_filter(
                conn,
                user.id,
                args.project.as_ref(),
                args.client.as_ref(),
                args.tag.as_ref(),
                filter,
            )?;
            if by_day {
                let starts: Vec<Date> = slots.iter().map(|s| s.start_date).collect();
                let sums = match bucket {
                    Bucket::Day => Sums::ByDay,
                    Bucket::Week | Bucket::Month | Bucket::Year => Sums::From(&starts),
                };
                let counting = Counting::by_day(
                    conn,
                    user.id,
                    &read_settings,
                    Some(range),
                    &filter,
                    now,
                    sums,
                )?;
                let mut per_slot =
                    counting::distribute(&counting.items, &slots, false, now, rounding);
                counting::distribute_days(&mut per_slot, &slots, counting.day_parts());
                feed(per_slot);
            } else {
                // Page by page, so memory holds one page and the tallies,
                // however long the range.
                let span = if args.split_at_midnight {
                    Span::Overlaps(range)
                } else {
                    Span::Starts(range)
                };
                let filter = TrackFilter {
                    span: Some(span),
                    ..filter
                };
                let mut after = None;
                loop {
                    let page = reports::items(conn, user.id, &filter, now, after, Some(PAGE))?;
                    after = page.last().map(|i| (i.started_at.as_second(), i.id));
                    feed(counting::distribute(
                        &page,
                        &slots,
                        args.split_at_midnight,
                        now,
                        rounding,
                    ));
                    if (page.len() as i64) < PAGE {
                        break;
                    }
                }
            }
            Ok(tallies)
        })
        .await?;

    let tz = &settings.time_zone;
    let mut total = Acc::default();
    let mut all_groups: BTreeMap<GroupKey, Acc> = BTreeMap::new();
    let mut buckets = Vec::with_capacity(slots.len());
    for (slot, tally) in slots.iter().zip(tallies) {
        let acc = tally.all.finish(rounding);
        total.add(&acc);
        let groups: BTreeMap<GroupKey, Acc> = tally
            .groups
            .into_iter()
            .map(|(key, tally)| (key, tally.finish(rounding)))
            .collect();
        for (key, acc) in &groups {
            all_groups.entry(key.clone()).or_default().add(acc);
        }
        buckets.push(BucketTotals {
            label: label(bucket, slot.start_date, &settings),
            start_date: slot.start_date.to_string(),
            from: when(slot.range.from, tz),
            to: when(slot.range.to, tz),
            totals: totals(&acc, &settings),
            running: !acc.running.is_empty(),
            groups: group_list(&groups, &settings),
        });
    }
    Ok(TimeTotals {
        range: range.resolved(period, tz),
        bucket,
        split_by: args.split_by,
        split_at_midnight: args.split_at_midnight,
        rounding,
        total: totals(&total, &settings),
        groups: group_list(&all_groups, &settings),
        buckets,
        running_track_ids: total.running.iter().copied().collect(),
    })
}
