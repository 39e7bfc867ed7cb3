//! Reports (SPEC §3, analytics): tracks counted into calendar buckets cut in
//! the user's time zone, split by project, client, tag or billable, with the
//! rounding setting applied to the figures only; budget states. Pure:
//! `db::reports` reads the tracks, the analytics tools shape the answers.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::reference::Named;
use crate::rounding::{Rounding, RoundingMode, RoundingScope};
use crate::time::{PeriodName, Range, WeekStart, period_range, resolve_range, start_of_day};
use crate::{ToolError, money};

/// The most buckets one `get_time_totals` answer holds.
pub const MAX_BUCKETS: usize = 366;
/// Without an explicit bucket, the smallest that gives at most this many.
pub const DEFAULT_BUCKETS: usize = 31;

/// A track as reports read it.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub id: i32,
    pub description: String,
    pub project: Option<Named>,
    pub client: Option<Named>,
    /// By name.
    pub tags: Vec<Named>,
    pub started_at: Timestamp,
    /// `None` while the timer runs.
    pub ended_at: Option<Timestamp>,
    pub billable: bool,
    pub hourly_rate: Option<Decimal>,
    pub currency: String,
}

impl Item {
    /// Where the track ends; a running one reaches up to `now`.
    pub fn end(&self, now: Timestamp) -> Timestamp {
        self.ended_at.unwrap_or(now).max(self.started_at)
    }

    /// Seconds tracked; a running track counts up to `now`.
    pub fn seconds(&self, now: Timestamp) -> i64 {
        self.end(now).as_second() - self.started_at.as_second()
    }

    pub fn running(&self) -> bool {
        self.ended_at.is_none()
    }
}

/// What a report counts as one: a piece of one track (read from `tracks`), or
/// the stopped tracks of one day that share project, billable, currency and
/// rate (a row of the per-day totals, `crate::day_totals`). Names borrow
/// from the tracks read or from the caller's table of project names.
#[derive(Clone, Copy, Debug)]
pub struct Part<'a> {
    pub project: Option<&'a Named>,
    pub client: Option<&'a Named>,
    /// By name; only a single track's (rollups are not split by tag).
    pub tags: &'a [Named],
    pub billable: bool,
    pub currency: &'a str,
    pub hourly_rate: Option<Decimal>,
    pub tracks: Counted,
    /// Exact seconds counted here.
    pub seconds: i64,
    /// Each track's seconds rounded by the user's rounding, summed.
    pub rounded: i64,
    /// Each billable track with a rate priced from its rounded seconds and
    /// rounded to the minor unit, summed.
    pub amount: Decimal,
}

/// The tracks a [`Part`] stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// One track, which may be running.
    Track { id: i32, running: bool },
    /// A number of stopped tracks, each counted only here.
    Stopped(i64),
}

impl<'a> Part<'a> {
    /// `seconds` of `item`, priced as the per-track computation does.
    pub fn of(item: &'a Item, seconds: i64, rounding: Rounding) -> Part<'a> {
        let rounded = rounding.round(seconds);
        let amount = match item.hourly_rate {
            Some(rate) if item.billable => money::amount_for(rate, rounded, &item.currency),
            _ => Decimal::ZERO,
        };
        Part {
            project: item.project.as_ref(),
            client: item.client.as_ref(),
            tags: &item.tags,
            billable: item.billable,
            currency: &item.currency,
            hourly_rate: item.hourly_rate,
            tracks: Counted::Track {
                id: item.id,
                running: item.running(),
            },
            seconds,
            rounded,
            amount,
        }
    }

    /// The rate its billable time is priced at; `None`: it earns nothing.
    fn priced_at(&self) -> Option<Decimal> {
        self.hourly_rate.filter(|_| self.billable)
    }
}

/// Figures being added up.
#[derive(Clone, Debug, Default)]
pub struct Acc {
    /// Exact seconds.
    pub seconds: i64,
    /// Seconds after rounding.
    pub rounded: i64,
    /// What the billable time with a rate is worth, per currency.
    pub amounts: BTreeMap<String, Decimal>,
    /// The single tracks counted (a track split over two buckets is one).
    pub tracks: BTreeSet<i32>,
    /// Stopped tracks counted through the per-day totals, each only once.
    pub stopped: i64,
    /// The running timers counted, up to now.
    pub running: BTreeSet<i32>,
}

/// A group's parts being added up, to be rounded once all are in
/// ([`Tally::finish`]): parts can arrive in pages, so a report over a long
/// history never holds all its tracks at once.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    seconds: i64,
    /// Each track rounded, summed (scope `track`).
    rounded: i64,
    /// Each priced track's amount, summed per currency (scope `track`).
    amounts: BTreeMap<String, Decimal>,
    /// Exact priced seconds per currency and rate (scope `total`).
    by_rate: BTreeMap<(String, Decimal), i64>,
    tracks: BTreeSet<i32>,
    stopped: i64,
    running: BTreeSet<i32>,
}

impl Tally {
    pub fn push(&mut self, part: &Part) {
        self.seconds += part.seconds;
        self.rounded += part.rounded;
        if let Some(rate) = part.priced_at() {
            let sum = self.amounts.entry(part.currency.to_owned()).or_default();
            *sum = money::add(*sum, part.amount);
            *self
                .by_rate
                .entry((part.currency.to_owned(), rate.normalize()))
                .or_default() += part.seconds;
        }
        match part.tracks {
            Counted::Track { id, running } => {
                self.tracks.insert(id);
                if running {
                    self.running.insert(id);
                }
            }
            Counted::Stopped(n) => self.stopped += n,
        }
    }

    /// The group rounded: scope `track` rounds each track, `total` the sum.
    /// Money follows the rounded time: per track (scope `track`, or no
    /// rounding), else per rate within the group.
    pub fn finish(self, rounding: Rounding) -> Acc {
        let per_track =
            rounding.mode == RoundingMode::None || rounding.scope == RoundingScope::Track;
        let (rounded, amounts) = if per_track {
            (self.rounded, self.amounts)
        } else {
            let mut amounts: BTreeMap<String, Decimal> = BTreeMap::new();
            for ((currency, rate), seconds) in self.by_rate {
                let amount = money::amount_for(rate, rounding.round(seconds), &currency);
                let sum = amounts.entry(currency).or_default();
                *sum = money::add(*sum, amount);
            }
            (rounding.round(self.seconds), amounts)
        };
        Acc {
            seconds: self.seconds,
            rounded,
            amounts,
            tracks: self.tracks,
            stopped: self.stopped,
            running: self.running,
        }
    }
}

impl Acc {
    /// One rounded group of `parts` (see [`Tally::finish`]).
    pub fn of(parts: &[Part], rounding: Rounding) -> Acc {
        let mut tally = Tally::default();
        for part in parts {
            tally.push(part);
        }
        tally.finish(rounding)
    }

    /// How many tracks count here.
    pub fn track_count(&self) -> usize {
        self.tracks.len() + usize::try_from(self.stopped).unwrap_or(0)
    }

    /// Add figures already rounded.
    pub fn add(&mut self, other: &Acc) {
        self.seconds += other.seconds;
        self.rounded += other.rounded;
        for (currency, amount) in &other.amounts {
            let sum = self.amounts.entry(currency.clone()).or_default();
            *sum = money::add(*sum, *amount);
        }
        self.tracks.extend(&other.tracks);
        self.stopped += other.stopped;
        self.running.extend(&other.running);
    }

    pub fn amount_in(&self, currency: &str) -> Decimal {
        self.amounts.get(currency).copied().unwrap_or_default()
    }
}

/// Each track whole.
pub fn whole(items: &[Item], now: Timestamp, rounding: Rounding) -> Vec<Part<'_>> {
    items
        .iter()
        .map(|item| Part::of(item, item.seconds(now), rounding))
        .collect()
}

/// The range a report covers: the period, or `from`/`to` (`to` defaults to
/// the end of today); `default` when neither is given.
pub fn report_range(
    period: Option<PeriodName>,
    from: Option<&str>,
    to: Option<&str>,
    default: PeriodName,
    (tz, week_start): (&TimeZone, WeekStart),
    now: Timestamp,
) -> Result<(Range, Option<PeriodName>), ToolError> {
    if period.is_none() && from.is_none() && to.is_none() {
        let range = period_range(default, week_start, tz, now)?;
        return Ok((range, Some(default)));
    }
    let Some(range) = resolve_range(period, from, to, (tz, week_start), now)? else {
        return Err(ToolError::invalid("give a period or from/to"));
    };
    if range.from == Timestamp::MIN {
        return Err(ToolError::invalid("give `from` as well as `to`")
            .hint("or a period such as this_month or last_week"));
    }
    let to = if range.to == Timestamp::MAX {
        let today = now.to_zoned(tz.clone()).date();
        let tomorrow = today
            .tomorrow()
            .map_err(|e| ToolError::invalid(e.to_string()))?;
        start_of_day(tomorrow, tz)?
    } else {
        range.to
    };
    if to <= range.from {
        return Err(ToolError::invalid(
            "`from` is after the end of today; nothing can be reported",
        )
        .hint("give `to` as well, or a past `from`"));
    }
    Ok((
        Range {
            from: range.from,
            to,
        },
        period,
    ))
}

/// `part` in percent of `whole`, to one decimal; `None` of nothing.
pub fn percent(part: Decimal, whole: Decimal) -> Option<f64> {
    if whole.is_zero() {
        return None;
    }
    let value = part
        .checked_mul(Decimal::from(100))?
        .checked_div(whole)?
        .round_dp(1);
    value.to_string().parse().ok()
}

/// The calendar unit of a bucket, cut in the user's time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// Calendar days.
    Day,
    /// Seven days from the user's `week_start`.
    Week,
    /// Calendar months.
    Month,
    /// Calendar years.
    Year,
}

/// What to split each bucket by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SplitBy {
    /// The track's project.
    Project,
    /// The client of the track's project.
    Client,
    /// Each tag (a track counts in each of its tags).
    Tag,
    /// Billable or not.
    Billable,
}

/// One bucket of the range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// Its first calendar day.
    pub start_date: Date,
    /// Its instants, cut to the report's range.
    pub range: Range,
}

fn unit_start(bucket: Bucket, date: Date, week_start: WeekStart) -> Result<Date, ToolError> {
    let err = |e: jiff::Error| ToolError::invalid(e.to_string());
    Ok(match bucket {
        Bucket::Day => date,
        Bucket::Week => {
            let back = match week_start {
                WeekStart::Monday => date.weekday().to_monday_zero_offset(),
                WeekStart::Sunday => date.weekday().to_sunday_zero_offset(),
            };
            date.checked_sub(i64::from(back).days()).map_err(err)?
        }
        Bucket::Month => date.first_of_month(),
        Bucket::Year => date.first_of_year(),
    })
}

fn unit_after(bucket: Bucket, date: Date) -> Result<Date, ToolError> {
    let span = match bucket {
        Bucket::Day => 1.day(),
        Bucket::Week => 1.week(),
        Bucket::Month => 1.month(),
        Bucket::Year => 1.year(),
    };
    date.checked_add(span)
        .map_err(|e| ToolError::invalid(e.to_string()))
}

/// The buckets of `range`, or `None` when there would be more than `cap`.
pub fn slots(
    range: Range,
    bucket: Bucket,
    (tz, week_start): (&TimeZone, WeekStart),
    cap: usize,
) -> Result<Option<Vec<Slot>>, ToolError> {
    let first = range.from.to_zoned(tz.clone()).date();
    let mut date = unit_start(bucket, first, week_start)?;
    let mut out = Vec::new();
    loop {
        let next = unit_after(bucket, date)?;
        let end = start_of_day(next, tz)?;
        if out.len() == cap {
            return Ok(None);
        }
        out.push(Slot {
            start_date: date,
            range: Range {
                from: start_of_day(date, tz)?.max(range.from),
                to: end.min(range.to),
            },
        });
        if end >= range.to {
            return Ok(Some(out));
        }
        date = next;
    }
}

/// The buckets of `range`: of `bucket`, or without one the smallest of day,
/// week, month and year that gives at most [`DEFAULT_BUCKETS`]; more than
/// [`MAX_BUCKETS`] is `invalid_argument`.
pub fn choose_slots(
    range: Range,
    bucket: Option<Bucket>,
    calendar: (&TimeZone, WeekStart),
) -> Result<(Bucket, Vec<Slot>), ToolError> {
    match bucket {
        Some(bucket) => match slots(range, bucket, calendar, MAX_BUCKETS)? {
            Some(slots) => Ok((bucket, slots)),
            None => Err(ToolError::invalid(format!(
                "more than {MAX_BUCKETS} {bucket:?} buckets in this range"
            ))
            .hint("use a larger bucket (week, month or year) or a shorter range")
            .detail("max_buckets", MAX_BUCKETS)),
        },
        None => {
            for bucket in [Bucket::Day, Bucket::Week, Bucket::Month, Bucket::Year] {
                let cap = if bucket == Bucket::Year {
                    MAX_BUCKETS
                } else {
                    DEFAULT_BUCKETS
                };
                if let Some(slots) = slots(range, bucket, calendar, cap)? {
                    return Ok((bucket, slots));
                }
            }
            Err(ToolError::invalid(format!(
                "the range spans more than {MAX_BUCKETS} years"
            )))
        }
    }
}

/// Each track's part, per slot: whole in the slot it starts in, or with
/// `split_at_midnight` divided between the slots it touches (only its time
/// inside them counts, each piece rounded on its own).
pub fn distribute<'a>(
    items: &'a [Item],
    slots: &[Slot],
    split_at_midnight: bool,
    now: Timestamp,
    rounding: Rounding,
) -> Vec<Vec<Part<'a>>> {
    let mut per_slot: Vec<Vec<Part>> = slots.iter().map(|_| Vec::new()).collect();
    if slots.is_empty() {
        return per_slot;
    }
    for item in items {
        if split_at_midnight {
            let (start, end) = (item.started_at, item.end(now));
            let first = slots.partition_point(|s| s.range.to <= start);
            for (slot, parts) in slots.iter().zip(per_slot.iter_mut()).skip(first) {
                if slot.range.from >= end {
                    break;
                }
                let seconds =
                    end.min(slot.range.to).as_second() - start.max(slot.range.from).as_second();
                if seconds > 0 {
                    parts.push(Part::of(item, seconds, rounding));
                }
            }
        } else {
            let at = slots
                .partition_point(|s| s.range.to <= item.started_at)
                .min(slots.len() - 1);
            per_slot[at].push(Part::of(item, item.seconds(now), rounding));
        }
    }
    per_slot
}

/// Per-day parts (rows of the per-day totals) added to the slots their day
/// falls in; days outside every slot are dropped.
pub fn distribute_days<'a>(
    per_slot: &mut [Vec<Part<'a>>],
    slots: &[Slot],
    days: impl IntoIterator<Item = (Date, Part<'a>)>,
) {
    for (day, part) in days {
        let after = slots.partition_point(|s| s.start_date <= day);
        if let Some(at) = after.checked_sub(1)
            && let Some(parts) = per_slot.get_mut(at)
        {
            parts.push(part);
        }
    }
}

/// The groups a part counts in, as `(id, name)`.
pub fn groups_of(part: &Part, split: SplitBy) -> Vec<(Option<i32>, String)> {
    let named = |n: Option<&Named>, none: &str| {
        vec![match n {
            Some(n) => (Some(n.id), n.name.clone()),
            None => (None, none.to_owned()),
        }]
    };
    match split {
        SplitBy::Project => named(part.project, "(no project)"),
        SplitBy::Client => named(part.client, "(no client)"),
        SplitBy::Tag if part.tags.is_empty() => vec![(None, "(no tag)".to_owned())],
        SplitBy::Tag => part
            .tags
            .iter()
            .map(|t| (Some(t.id), t.name.clone()))
            .collect(),
        SplitBy::Billable => vec![(
            None,
            if part.billable {
                "billable"
            } else {
                "not billable"
            }
            .to_owned(),
        )],
    }
}

/// A group: its id (none for the "(no …)" and billable groups) and name.
pub type GroupKey = (Option<i32>, String);

/// One bucket being added up: all its parts, and each group's when split
/// (a track with two tags counts in both).
#[derive(Clone, Debug, Default)]
pub struct BucketTally {
    pub all: Tally,
    pub groups: BTreeMap<GroupKey, Tally>,
}

impl BucketTally {
    pub fn push(&mut self, part: &Part, split: Option<SplitBy>) {
        self.all.push(part);
        if let Some(split) = split {
            for key in groups_of(part, split) {
                self.groups.entry(key).or_default().push(part);
            }
        }
    }
}

/// The whole calendar days inside `range` in `tz`, as the first day and the
/// day after the last, with the instants they span; `None` when the range
/// holds no whole day. The per-day totals answer for these days, the tracks
/// themselves for the rest of the range.
pub fn whole_days(range: Range, tz: &TimeZone) -> Result<Option<(Date, Date, Range)>, ToolError> {
    let err = |e: jiff::Error| ToolError::invalid(e.to_string());
    // An open end (`Timestamp::MIN`/`MAX`, a list's `from` alone) has no
    // calendar day to cut at: the whole days stop at the years 1900 and
    // 2900, and the caller reads the tracks beyond them (none, in practice).
    let (lowest, highest) = (
        Timestamp::from_second(-2_208_988_800).unwrap_or(Timestamp::MIN),
        Timestamp::from_second(29_348_006_400).unwrap_or(Timestamp::MAX),
    );
    let (from, to) = (range.from.max(lowest), range.to.min(highest));
    let mut first = from.to_zoned(tz.clone()).date();
    if start_of_day(first, tz)? < from {
        first = first.tomorrow().map_err(err)?;
    }
    // The day after the last whole one: the day `to` falls in, which ends
    // after `to` unless `to` is its very start.
    let end = to.to_zoned(tz.clone()).date();
    if end <= first {
        return Ok(None);
    }
    Ok(Some((
        first,
        end,
        Range {
            from: start_of_day(first, tz)?,
            to: start_of_day(end, tz)?,
        },
    )))
}

/// Whether a budget counts all of a project's time or each calendar month's,
/// as `get_budget_status` reports it (its own wording, apart from
/// [`crate::project::BudgetPeriod`]'s, is what its schema has always said).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BudgetPeriod {
    /// All tracked time, ever.
    Total,
    /// The current calendar month in the user's time zone.
    Monthly,
}

/// How a budget stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BudgetState {
    /// Below the alert threshold.
    Ok,
    /// At or past the alert threshold, not past the budget.
    Warning,
    /// Past the budget (over 100 %).
    Exceeded,
}

/// Where `used` stands against `budget` with an alert at `alert_percent`.
pub fn state(used: Decimal, budget: Decimal, alert_percent: u32) -> BudgetState {
    if used > budget {
        BudgetState::Exceeded
    } else if !used.is_zero()
        && match (
            used.checked_mul(Decimal::from(100)),
            budget.checked_mul(Decimal::from(alert_percent)),
        ) {
            (Some(used), Some(alert)) => used >= alert,
            // Too large to compare as percentages: past any threshold.
            (None, _) => true,
            (Some(_), None) => false,
        }
    {
        BudgetState::Warning
    } else {
        BudgetState::Ok
    }
}

/// `value` with exactly `dp` decimals, rounded half-up.
pub fn fixed(value: Decimal, dp: u32) -> String {
    let mut v =
        value.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    v.rescale(dp);
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").unwrap()
    }

    fn item(id: i32, start: &str, end: Option<&str>, rate: Option<&str>) -> Item {
        Item {
            id,
            description: String::new(),
            project: Some(Named {
                id: 1,
                name: "Web".into(),
            }),
            client: None,
            tags: vec![
                Named {
                    id: 7,
                    name: "a".into(),
                },
                Named {
                    id: 8,
                    name: "b".into(),
                },
            ],
            started_at: ts(start),
            ended_at: end.map(ts),
            billable: true,
            hourly_rate: rate.map(|r| r.parse().unwrap()),
            currency: "EUR".into(),
        }
    }

    fn up(scope: RoundingScope) -> Rounding {
        Rounding {
            mode: RoundingMode::Up,
            minutes: 15,
            scope,
        }
    }

    #[test]
    fn money_follows_the_rounded_time() {
        let items = [
            item(
                1,
                "2026-10-01T08:00:00Z",
                Some("2026-10-01T08:05:00Z"),
                Some("60"),
            ),
            item(
                2,
                "2026-10-01T09:00:00Z",
                Some("2026-10-01T09:05:00Z"),
                Some("60"),
            ),
        ];
        let now = ts("2026-10-02T00:00:00Z");
        let pieces = whole(&items, now, up(RoundingScope::Track));
        let per_track = Acc::of(&pieces, up(RoundingScope::Track));
        assert_eq!((per_track.seconds, per_track.rounded), (600, 1800));
        assert_eq!(per_track.amount_in("EUR"), "30.00".parse().unwrap());
        let per_total = Acc::of(&pieces, up(RoundingScope::Total));
        assert_eq!(per_total.rounded, 900);
        assert_eq!(per_total.amount_in("EUR"), "15.00".parse().unwrap());
        let mut sum = per_track.clone();
        sum.add(&per_total);
        assert_eq!(sum.rounded, 2700);
        assert_eq!(sum.track_count(), 2);
    }

    #[test]
    fn buckets_are_cut_in_the_users_zone_and_capped() {
        let tz = berlin();
        // October 2026 in Berlin, with its 25-hour day.
        let range = Range {
            from: ts("2026-09-30T22:00:00Z"),
            to: ts("2026-10-31T23:00:00Z"),
        };
        let (bucket, slots) = choose_slots(range, None, (&tz, WeekStart::Monday)).unwrap();
        assert_eq!(bucket, Bucket::Day);
        assert_eq!(slots.len(), 31);
        let dst = &slots[24];
        assert_eq!(dst.start_date, Date::constant(2026, 10, 25));
        assert_eq!(
            dst.range.to.as_second() - dst.range.from.as_second(),
            25 * 3600
        );
        let (_, weeks) = choose_slots(range, Some(Bucket::Week), (&tz, WeekStart::Sunday)).unwrap();
        assert_eq!(weeks[0].start_date, Date::constant(2026, 9, 27));
        assert_eq!(weeks[0].range.from, range.from);
        let long = Range {
            from: ts("2020-01-01T00:00:00Z"),
            to: ts("2026-01-01T00:00:00Z"),
        };
        let err =
            choose_slots(long, Some(Bucket::Day), (&TimeZone::UTC, WeekStart::Monday)).unwrap_err();
        assert_eq!(err.details["max_buckets"], MAX_BUCKETS);
        let (bucket, years) =
            choose_slots(long, None, (&TimeZone::UTC, WeekStart::Monday)).unwrap();
        assert_eq!((bucket, years.len()), (Bucket::Year, 6));
    }

    #[test]
    fn a_track_across_midnight_is_split_only_when_asked() {
        let tz = TimeZone::UTC;
        let range = Range {
            from: ts("2026-10-01T00:00:00Z"),
            to: ts("2026-10-03T00:00:00Z"),
        };
        let (_, slots) = choose_slots(range, Some(Bucket::Day), (&tz, WeekStart::Monday)).unwrap();
        let now = ts("2026-10-05T00:00:00Z");
        let items = [item(
            1,
            "2026-10-01T23:00:00Z",
            Some("2026-10-02T01:30:00Z"),
            None,
        )];
        let whole = distribute(&items, &slots, false, now, Rounding::NONE);
        assert_eq!(whole[0][0].seconds, 9000);
        assert!(whole[1].is_empty());
        let split = distribute(&items, &slots, true, now, Rounding::NONE);
        assert_eq!(split[0][0].seconds, 3600);
        assert_eq!(split[1][0].seconds, 5400);
    }

    #[test]
    fn a_track_counts_in_each_of_its_groups() {
        let items = [item(
            1,
            "2026-10-01T08:00:00Z",
            Some("2026-10-01T09:00:00Z"),
            None,
        )];
        let now = ts("2026-10-02T00:00:00Z");
        let pieces = whole(&items, now, Rounding::NONE);
        let split = |by: SplitBy| {
            let mut tally = BucketTally::default();
            for piece in &pieces {
                tally.push(piece, Some(by));
            }
            tally.groups
        };
        let by_tag = split(SplitBy::Tag);
        assert_eq!(by_tag.len(), 2);
        assert!(
            by_tag
                .into_values()
                .all(|t| t.finish(Rounding::NONE).seconds == 3600)
        );
        let by_client = split(SplitBy::Client);
        assert!(by_client.contains_key(&(None, "(no client)".to_owned())));
        let by_billable = split(SplitBy::Billable);
        assert!(by_billable.contains_key(&(None, "billable".to_owned())));
    }

    #[test]
    fn budgets_warn_at_the_alert_and_exceed_past_the_limit() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(state(d("0"), d("10"), 0), BudgetState::Ok);
        assert_eq!(state(d("7.9"), d("10"), 80), BudgetState::Ok);
        assert_eq!(state(d("8"), d("10"), 80), BudgetState::Warning);
        assert_eq!(state(d("10"), d("10"), 80), BudgetState::Warning);
        assert_eq!(state(d("10.01"), d("10"), 80), BudgetState::Exceeded);
        // Figures too large to take percentages of: no panic.
        assert_eq!(state(Decimal::MAX, Decimal::MAX, 80), BudgetState::Warning);
        assert_eq!(state(d("1"), Decimal::MAX, u32::MAX), BudgetState::Ok);
        assert_eq!(fixed(d("1.005"), 2), "1.01");
        assert_eq!(fixed(d("2"), 2), "2.00");
        assert_eq!(percent(d("1"), d("3")), Some(33.3));
        assert_eq!(percent(d("1"), d("0")), None);
        // Out of range: no percentage rather than a panic.
        assert_eq!(percent(d("1"), d("0.0000000000000000000000000001")), None);
        assert_eq!(percent(Decimal::MAX, d("1")), None);
    }

    #[test]
    fn whole_days_are_the_local_days_inside_the_range() {
        let tz = berlin();
        // 10:17 on the 10th to 15:41 on the 13th, Berlin: the 11th and 12th.
        let range = Range {
            from: ts("2026-02-10T09:17:00Z"),
            to: ts("2026-02-13T14:41:00Z"),
        };
        let (first, end, core) = whole_days(range, &tz).unwrap().unwrap();
        assert_eq!(
            (first, end),
            (Date::constant(2026, 2, 11), Date::constant(2026, 2, 13))
        );
        assert_eq!(core.from, ts("2026-02-10T23:00:00Z"));
        assert_eq!(core.to, ts("2026-02-12T23:00:00Z"));
        // Starting at midnight: that day is whole.
        let exact = Range {
            from: ts("2026-02-10T23:00:00Z"),
            to: ts("2026-02-11T23:00:00Z"),
        };
        let (first, end, _) = whole_days(exact, &tz).unwrap().unwrap();
        assert_eq!(
            (first, end),
            (Date::constant(2026, 2, 11), Date::constant(2026, 2, 12))
        );
        // Within one day: none.
        let short = Range {
            from: ts("2026-02-10T09:00:00Z"),
            to: ts("2026-02-10T12:00:00Z"),
        };
        assert_eq!(whole_days(short, &tz).unwrap(), None);
        // Open ends are cut at 1900 and 2900, not refused.
        let open = Range {
            from: Timestamp::MIN,
            to: Timestamp::MAX,
        };
        let (first, end, _) = whole_days(open, &tz).unwrap().unwrap();
        assert_eq!((first.year(), end.year()), (1900, 2900));
    }

    #[test]
    fn a_report_range_defaults_and_ends_today() {
        let tz = berlin();
        let now = ts("2026-11-25T14:30:00Z");
        let (range, period) = report_range(
            None,
            None,
            None,
            PeriodName::ThisMonth,
            (&tz, WeekStart::Monday),
            now,
        )
        .unwrap();
        assert_eq!(period, Some(PeriodName::ThisMonth));
        assert_eq!(range.from, ts("2026-10-31T23:00:00Z"));
        let (range, _) = report_range(
            None,
            Some("2026-11-20"),
            None,
            PeriodName::ThisMonth,
            (&tz, WeekStart::Monday),
            now,
        )
        .unwrap();
        assert_eq!(range.to, ts("2026-11-25T23:00:00Z"));
        for (from, to) in [(None, Some("2026-11-20")), (Some("2026-11-27"), None)] {
            assert!(
                report_range(
                    None,
                    from,
                    to,
                    PeriodName::ThisMonth,
                    (&tz, WeekStart::Monday),
                    now
                )
                .is_err()
            );
        }
    }
}
