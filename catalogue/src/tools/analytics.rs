//! Analytics: time totals by day, week, month or year; top projects; budget
//! status; and tracks as CSV. Rounding (the user's setting) is applied to
//! reported figures only, never to stored times.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::db::reports::{self, Budget, BudgetPeriod, Item};
use crate::db::settings::{self as user_settings, Settings, WeekStart};
use crate::db::tracks::{Span, TrackFilter};
use crate::db::{self, Conn};
use crate::reference::{Named, Ref};
use crate::rounding::{Rounding, RoundingMode, RoundingScope};
use crate::time::{PeriodName, Range, ResolvedRange, period_range, resolve_range, start_of_day};
use crate::{Ctx, ToolError, money, pagination, tool};

/// The most buckets one `get_time_totals` answer holds.
pub const MAX_BUCKETS: usize = 100;
/// Without an explicit bucket, the smallest that gives at most this many.
pub const DEFAULT_BUCKETS: usize = 31;
/// Rows one `export_tracks_csv` call returns by default, and at most.
pub const CSV_DEFAULT_ROWS: u32 = 200;
pub const CSV_MAX_ROWS: u32 = 1000;

// ---------------------------------------------------------------------------
// Shared pieces

/// An amount of money in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Amount {
    /// ISO 4217 code.
    pub currency: String,
    /// Decimal string with the currency's minor digits, e.g. "120.00".
    pub amount: String,
}

/// Time and money of a set of tracks, rounded by the user's setting.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Totals {
    /// Seconds tracked, exactly (running timers up to now).
    pub seconds: i64,
    /// Seconds after rounding; equal to `seconds` when rounding is off.
    pub rounded_seconds: i64,
    /// `rounded_seconds` as decimal hours with two decimals, e.g. "7.50".
    pub hours: String,
    /// `rounded_seconds` in the user's duration format.
    pub duration: String,
    /// What the billable tracks with a rate are worth, from the rounded time,
    /// one entry per currency (never summed across currencies).
    pub amounts: Vec<Amount>,
    /// How many tracks count here.
    pub track_count: usize,
}

/// A part of a track counted in a report.
#[derive(Clone, Copy)]
struct Piece<'a> {
    item: &'a Item,
    seconds: i64,
}

/// Figures being added up.
#[derive(Clone, Debug, Default)]
struct Acc {
    seconds: i64,
    rounded: i64,
    amounts: BTreeMap<String, Decimal>,
    tracks: BTreeSet<i32>,
    running: BTreeSet<i32>,
}

impl Acc {
    /// One rounded group: scope `track` rounds each piece, `total` the sum.
    /// Money follows the rounded time: per piece (scope `track`, or no
    /// rounding), else per rate within the group.
    fn of(pieces: &[Piece], rounding: Rounding) -> Acc {
        let mut acc = Acc {
            seconds: pieces.iter().map(|p| p.seconds).sum(),
            rounded: rounding.total(pieces.iter().map(|p| p.seconds)),
            ..Acc::default()
        };
        let priced = pieces
            .iter()
            .filter_map(|p| Some((p, p.item.hourly_rate.filter(|_| p.item.billable)?)));
        if rounding.mode == RoundingMode::None || rounding.scope == RoundingScope::Track {
            for (piece, rate) in priced {
                let currency = &piece.item.currency;
                *acc.amounts.entry(currency.clone()).or_default() +=
                    money::amount_for(rate, rounding.round(piece.seconds), currency);
            }
        } else {
            let mut by_rate: BTreeMap<(String, Decimal), i64> = BTreeMap::new();
            for (piece, rate) in priced {
                *by_rate
                    .entry((piece.item.currency.clone(), rate.normalize()))
                    .or_default() += piece.seconds;
            }
            for ((currency, rate), seconds) in by_rate {
                *acc.amounts.entry(currency.clone()).or_default() +=
                    money::amount_for(rate, rounding.round(seconds), &currency);
            }
        }
        for piece in pieces {
            acc.tracks.insert(piece.item.id);
            if piece.item.running() {
                acc.running.insert(piece.item.id);
            }
        }
        acc
    }

    /// Add figures already rounded.
    fn add(&mut self, other: &Acc) {
        self.seconds += other.seconds;
        self.rounded += other.rounded;
        for (currency, amount) in &other.amounts {
            *self.amounts.entry(currency.clone()).or_default() += amount;
        }
        self.tracks.extend(&other.tracks);
        self.running.extend(&other.running);
    }

    fn amount_in(&self, currency: &str) -> Decimal {
        self.amounts.get(currency).copied().unwrap_or_default()
    }

    fn totals(&self, settings: &Settings) -> Totals {
        Totals {
            seconds: self.seconds,
            rounded_seconds: self.rounded,
            hours: user_settings::hours(self.rounded),
            duration: settings.duration_display().format(self.rounded),
            amounts: amounts(&self.amounts),
            track_count: self.tracks.len(),
        }
    }
}

fn amounts(by_currency: &BTreeMap<String, Decimal>) -> Vec<Amount> {
    by_currency
        .iter()
        .map(|(currency, amount)| Amount {
            currency: currency.clone(),
            amount: money::format(*amount, currency),
        })
        .collect()
}

fn whole(items: &[Item], now: Timestamp) -> Vec<Piece<'_>> {
    items
        .iter()
        .map(|item| Piece {
            item,
            seconds: item.seconds(now),
        })
        .collect()
}

/// The range a report covers: the period, or `from`/`to` (`to` defaults to
/// the end of today); `default` when neither is given.
fn report_range(
    period: Option<PeriodName>,
    from: Option<&str>,
    to: Option<&str>,
    default: PeriodName,
    settings: &Settings,
    now: Timestamp,
) -> Result<(Range, Option<PeriodName>), ToolError> {
    let tz = &settings.time_zone;
    if period.is_none() && from.is_none() && to.is_none() {
        let range = period_range(default, settings.week_start, tz, now)?;
        return Ok((range, Some(default)));
    }
    let Some(range) = resolve_range(period, from, to, settings, now)? else {
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

/// Project, client and tag references resolved to a filter.
fn resolve_filter(
    conn: &mut Conn,
    user_id: i32,
    project: Option<&Ref>,
    client: Option<&Ref>,
    tag: Option<&Ref>,
    mut filter: TrackFilter,
) -> Result<TrackFilter, ToolError> {
    if let Some(project) = project {
        filter.project_id = Some(db::projects::resolve(conn, user_id, project)?.id);
    }
    if let Some(client) = client {
        filter.client_id = Some(db::clients::resolve(conn, user_id, client)?);
    }
    if let Some(tag) = tag {
        filter.tag_id =
            Some(db::tags::resolve_all(conn, user_id, std::slice::from_ref(tag))?[0].id);
    }
    Ok(filter)
}

fn running_ids(items: &[Item]) -> Vec<i32> {
    items.iter().filter(|i| i.running()).map(|i| i.id).collect()
}

fn percent(part: Decimal, whole: Decimal) -> Option<f64> {
    if whole.is_zero() {
        return None;
    }
    let value = (part * Decimal::from(100) / whole).round_dp(1);
    value.to_string().parse().ok()
}

// ---------------------------------------------------------------------------
// get_time_totals

/// The calendar unit of a bucket, cut in the user's time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// Calendar days, midnight to midnight (23 or 25 hours on DST changes).
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
    /// Each tag; a track with two tags counts in both.
    Tag,
    /// Billable or not.
    Billable,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetTimeTotals {
    /// A named period in the user's time zone; or use `from`/`to`.
    /// Default: `this_week`.
    pub period: Option<PeriodName>,
    /// Start of the range (same time formats as log_track).
    pub from: Option<String>,
    /// End of the range, exclusive; default the end of today.
    pub to: Option<String>,
    /// `day`, `week`, `month` or `year`. Default: the smallest that gives at
    /// most 31 buckets.
    pub bucket: Option<Bucket>,
    /// Split each bucket by `project`, `client`, `tag` or `billable`.
    pub split_by: Option<SplitBy>,
    /// Divide a track that crosses midnight (or a bucket's edge) between the
    /// buckets it touches. Default false: a track counts whole in the bucket
    /// it starts in.
    #[serde(default)]
    pub split_at_midnight: bool,
    /// Only this project (id or exact name).
    pub project: Option<Ref>,
    /// Only the projects of this client (id or exact name).
    pub client: Option<Ref>,
    /// Only tracks with this tag (id or exact name).
    pub tag: Option<Ref>,
    /// Only billable (true) or non-billable (false) tracks.
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
    pub from: crate::time::When,
    /// End, exclusive (the range's end if that is earlier).
    pub to: crate::time::When,
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

/// One bucket of the range.
struct Slot {
    start_date: Date,
    range: Range,
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
fn slots(
    range: Range,
    bucket: Bucket,
    settings: &Settings,
    cap: usize,
) -> Result<Option<Vec<Slot>>, ToolError> {
    let tz = &settings.time_zone;
    let first = range.from.to_zoned(tz.clone()).date();
    let mut date = unit_start(bucket, first, settings.week_start)?;
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

/// The groups a track counts in, as `(id, name)`.
fn groups_of(item: &Item, split: SplitBy) -> Vec<(Option<i32>, String)> {
    let named = |n: &Option<Named>, none: &str| {
        vec![match n {
            Some(n) => (Some(n.id), n.name.clone()),
            None => (None, none.to_owned()),
        }]
    };
    match split {
        SplitBy::Project => named(&item.project, "(no project)"),
        SplitBy::Client => named(&item.client, "(no client)"),
        SplitBy::Tag if item.tags.is_empty() => vec![(None, "(no tag)".to_owned())],
        SplitBy::Tag => item
            .tags
            .iter()
            .map(|t| (Some(t.id), t.name.clone()))
            .collect(),
        SplitBy::Billable => vec![(
            None,
            if item.billable {
                "billable"
            } else {
                "not billable"
            }
            .to_owned(),
        )],
    }
}

type GroupKey = (Option<i32>, String);

fn group_list(groups: &BTreeMap<GroupKey, Acc>, settings: &Settings) -> Vec<GroupTotals> {
    let mut list: Vec<(&GroupKey, &Acc)> = groups.iter().collect();
    list.sort_by(|a, b| b.1.rounded.cmp(&a.1.rounded).then_with(|| a.0.cmp(b.0)));
    list.into_iter()
        .map(|((id, name), acc)| GroupTotals {
            id: *id,
            name: name.clone(),
            totals: acc.totals(settings),
        })
        .collect()
}

/// Hours (and billable amounts per currency) for a period, in buckets of a
/// day, week, month or year cut in the user's time zone: DST-aware (a day
/// can have 23 or 25 hours), weeks start on the user's `week_start`, and
/// every bucket of the range is listed, empty ones with zeros. Optionally
/// split by project, client, tag or billable, and filtered by project,
/// client, tag or billable.
///
/// The range is `period`, or `from`/`to` (`to` defaults to the end of
/// today; `to` alone is refused); with neither, `this_week`. It is echoed
/// back. Without `bucket`, the smallest of day, week, month, year that gives
/// at most 31 buckets is used; more than 100 buckets is `invalid_argument`
/// (use a larger bucket).
///
/// A track counts whole in the bucket it starts in; with
/// `split_at_midnight: true` its time is divided between the buckets it
/// touches, and only its time inside the range counts. Running timers count
/// up to now and are listed in `running_track_ids` (their bucket has
/// `running: true`).
///
/// Rounding (the user's setting, echoed in `rounding`) applies to reported
/// figures only: scope `track` rounds each track (each part, when split at
/// midnight), scope `total` rounds each bucket's total and each group's total
/// within it. Group figures are rounded on their own, so under scope `total`
/// they may not add up exactly to the bucket; a track with two tags counts in
/// both tag groups. The range total is the sum of the rounded buckets.
/// Amounts come from the rounded time, per currency, never summed across
/// currencies; tracks that are not billable or have no rate have none.
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
        &settings,
        now,
    )?;
    let (bucket, slots) = match args.bucket {
        Some(bucket) => match slots(range, bucket, &settings, MAX_BUCKETS)? {
            Some(slots) => (bucket, slots),
            None => {
                return Err(ToolError::invalid(format!(
                    "more than {MAX_BUCKETS} {bucket:?} buckets in this range"
                ))
                .hint("use a larger bucket (week, month or year) or a shorter range")
                .detail("max_buckets", MAX_BUCKETS));
            }
        },
        None => {
            let mut chosen = None;
            for bucket in [Bucket::Day, Bucket::Week, Bucket::Month, Bucket::Year] {
                let cap = if bucket == Bucket::Year {
                    MAX_BUCKETS
                } else {
                    DEFAULT_BUCKETS
                };
                if let Some(slots) = slots(range, bucket, &settings, cap)? {
                    chosen = Some((bucket, slots));
                    break;
                }
            }
            chosen.ok_or_else(|| {
                ToolError::invalid(format!("the range spans more than {MAX_BUCKETS} years"))
            })?
        }
    };
    let span = if args.split_at_midnight {
        Span::Overlaps(range)
    } else {
        Span::Starts(range)
    };
    let items = ctx
        .run(move |conn, user| {
            let filter = TrackFilter {
                span: Some(span),
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
            reports::items(conn, user.id, &filter, now, None, None)
        })
        .await?;

    // Each track's pieces, per bucket.
    let mut per_slot: Vec<Vec<Piece>> = slots.iter().map(|_| Vec::new()).collect();
    for item in &items {
        if args.split_at_midnight {
            let (start, end) = (item.started_at, item.end(now));
            let first = slots.partition_point(|s| s.range.to <= start);
            for (slot, pieces) in slots.iter().zip(per_slot.iter_mut()).skip(first) {
                if slot.range.from >= end {
                    break;
                }
                let seconds =
                    end.min(slot.range.to).as_second() - start.max(slot.range.from).as_second();
                if seconds > 0 {
                    pieces.push(Piece { item, seconds });
                }
            }
        } else {
            let at = slots
                .partition_point(|s| s.range.to <= item.started_at)
                .min(slots.len() - 1);
            per_slot[at].push(Piece {
                item,
                seconds: item.seconds(now),
            });
        }
    }

    let rounding = settings.rounding;
    let tz = &settings.time_zone;
    let mut total = Acc::default();
    let mut all_groups: BTreeMap<GroupKey, Acc> = BTreeMap::new();
    let mut buckets = Vec::with_capacity(slots.len());
    for (slot, pieces) in slots.iter().zip(&per_slot) {
        let acc = Acc::of(pieces, rounding);
        total.add(&acc);
        let mut groups: BTreeMap<GroupKey, Vec<Piece>> = BTreeMap::new();
        if let Some(split) = args.split_by {
            for piece in pieces {
                for key in groups_of(piece.item, split) {
                    groups.entry(key).or_default().push(*piece);
                }
            }
        }
        let groups: BTreeMap<GroupKey, Acc> = groups
            .into_iter()
            .map(|(key, pieces)| (key, Acc::of(&pieces, rounding)))
            .collect();
        for (key, acc) in &groups {
            all_groups.entry(key.clone()).or_default().add(acc);
        }
        buckets.push(BucketTotals {
            label: label(bucket, slot.start_date, &settings),
            start_date: slot.start_date.to_string(),
            from: crate::time::when(slot.range.from, tz),
            to: crate::time::when(slot.range.to, tz),
            totals: acc.totals(&settings),
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
        total: total.totals(&settings),
        groups: group_list(&all_groups, &settings),
        buckets,
        running_track_ids: total.running.iter().copied().collect(),
    })
}

// ---------------------------------------------------------------------------
// get_top_projects

/// What projects are ranked by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RankBy {
    /// Rounded hours (the default).
    #[default]
    Hours,
    /// Billable amount in one currency.
    Amount,
}

/// Where the ranked currency came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CurrencySource {
    /// The `currency` argument.
    Requested,
    /// The user's `default_currency` setting.
    Default,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetTopProjects {
    /// A named period in the user's time zone; or use `from`/`to`.
    /// Default: `this_month`.
    pub period: Option<PeriodName>,
    /// Start of the range (same time formats as log_track).
    pub from: Option<String>,
    /// End of the range, exclusive; default the end of today.
    pub to: Option<String>,
    /// `hours` (default) or `amount`.
    #[serde(default)]
    pub by: RankBy,
    /// With `by: amount`: the ISO 4217 currency to rank in. Default: the
    /// user's default currency.
    pub currency: Option<String>,
    /// How many projects, 1–200 (default 10).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RankedProject {
    /// 1 for the top project.
    pub rank: usize,
    pub project: Named,
    /// The project's client, if any.
    pub client: Option<Named>,
    #[serde(flatten)]
    pub totals: Totals,
    /// Its share of all rounded time in the range, in percent (one decimal).
    pub share_percent: f64,
    /// With `by: amount`: its amount in the ranked currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ranked_amount: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TopProjects {
    /// The range covered.
    pub range: ResolvedRange,
    pub by: RankBy,
    /// With `by: amount`: the currency ranked in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// With `by: amount`: whether `currency` was requested or is the user's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency_source: Option<CurrencySource>,
    /// The rounding applied (each project's tracks, or its total, by scope).
    pub rounding: Rounding,
    /// Best first.
    pub projects: Vec<RankedProject>,
    /// Projects that qualified for the ranking, before `limit`.
    pub ranked_count: usize,
    /// Time tracked without a project (not ranked).
    pub without_project: Totals,
    /// All time in the range: every project plus `without_project`.
    pub total: Totals,
    /// With `by: amount`: other currencies with amounts, which were not ranked.
    pub other_currencies: Vec<String>,
    /// Running timers counted up to now.
    pub running_track_ids: Vec<i32>,
}

/// The projects with the most time (or money) in a period, best first.
/// `by: hours` ranks by rounded hours; `by: amount` ranks by billable amount
/// in one currency: `currency` if given, else the user's default currency
/// (`currency_source` says which). Amounts are never converted: projects
/// with no amount in that currency are left out of an amount ranking, and
/// `other_currencies` lists the currencies that were not ranked. Ties go to
/// more hours, then the name.
///
/// The range is `period`, or `from`/`to` (`to` defaults to the end of
/// today); with neither, `this_month`. It is echoed back. Tracks count in
/// the period they start in; running timers count up to now. Rounding (the
/// user's setting) is applied per project: to each track (scope `track`) or
/// to the project's total (scope `total`). Time without a project is shown
/// apart in `without_project`; `share_percent` is of all rounded time.
#[tool(
    title = "Get top projects",
    read_only,
    idempotent,
    scope = "tracks:read"
)]
async fn get_top_projects(ctx: &Ctx, args: GetTopProjects) -> Result<TopProjects, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let limit = match args.limit.unwrap_or(10) {
        0 => return Err(ToolError::invalid("limit must be at least 1")),
        n if n > pagination::MAX_LIMIT => {
            return Err(ToolError::invalid(format!(
                "limit is at most {}",
                pagination::MAX_LIMIT
            )));
        }
        n => n as usize,
    };
    let requested = args
        .currency
        .as_deref()
        .map(money::parse_currency)
        .transpose()?;
    if requested.is_some() && args.by == RankBy::Hours {
        return Err(ToolError::invalid("`currency` is only for `by: amount`")
            .hint("hours are ranked across currencies; pass by: amount to rank by money"));
    }
    let (range, period) = report_range(
        args.period,
        args.from.as_deref(),
        args.to.as_deref(),
        PeriodName::ThisMonth,
        &settings,
        now,
    )?;
    let items = ctx
        .run(move |conn, user| {
            let filter = TrackFilter {
                span: Some(Span::Starts(range)),
                ..TrackFilter::default()
            };
            reports::items(conn, user.id, &filter, now, None, None)
        })
        .await?;
    let rounding = settings.rounding;
    let pieces = whole(&items, now);
    let mut by_project: BTreeMap<i32, (Named, Option<Named>, Vec<Piece>)> = BTreeMap::new();
    let mut loose = Vec::new();
    for piece in &pieces {
        match &piece.item.project {
            Some(p) => by_project
                .entry(p.id)
                .or_insert_with(|| (p.clone(), piece.item.client.clone(), Vec::new()))
                .2
                .push(*piece),
            None => loose.push(*piece),
        }
    }
    let without = Acc::of(&loose, rounding);
    let mut total = without.clone();
    let mut ranked: Vec<(Named, Option<Named>, Acc)> = by_project
        .into_values()
        .map(|(project, client, pieces)| {
            let acc = Acc::of(&pieces, rounding);
            total.add(&acc);
            (project, client, acc)
        })
        .collect();
    let (currency, source) = match args.by {
        RankBy::Hours => (None, None),
        RankBy::Amount => match requested {
            Some(c) => (Some(c), Some(CurrencySource::Requested)),
            None => (
                Some(settings.default_currency.clone()),
                Some(CurrencySource::Default),
            ),
        },
    };
    if let Some(currency) = &currency {
        ranked.retain(|(_, _, acc)| acc.amount_in(currency) > Decimal::ZERO);
        ranked.sort_by(|a, b| {
            b.2.amount_in(currency)
                .cmp(&a.2.amount_in(currency))
                .then(b.2.rounded.cmp(&a.2.rounded))
                .then_with(|| a.0.name.cmp(&b.0.name))
        });
    } else {
        ranked.sort_by(|a, b| {
            b.2.rounded
                .cmp(&a.2.rounded)
                .then_with(|| a.0.name.cmp(&b.0.name))
        });
    }
    let other_currencies = match &currency {
        Some(c) => total.amounts.keys().filter(|k| *k != c).cloned().collect(),
        None => Vec::new(),
    };
    let ranked_count = ranked.len();
    let all_time = Decimal::from(total.rounded);
    Ok(TopProjects {
        range: range.resolved(period, &settings.time_zone),
        by: args.by,
        currency_source: source,
        rounding,
        projects: ranked
            .into_iter()
            .take(limit)
            .enumerate()
            .map(|(i, (project, client, acc))| RankedProject {
                rank: i + 1,
                project,
                client,
                share_percent: percent(Decimal::from(acc.rounded), all_time).unwrap_or(0.0),
                ranked_amount: currency
                    .as_ref()
                    .map(|c| money::format(acc.amount_in(c), c)),
                totals: acc.totals(&settings),
            })
            .collect(),
        currency,
        ranked_count,
        without_project: without.totals(&settings),
        total: total.totals(&settings),
        other_currencies,
        running_track_ids: running_ids(&items),
    })
}

// ---------------------------------------------------------------------------
// get_budget_status

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetBudgetStatus {
    /// One project (id or exact name). Default: every project with a budget
    /// that is not archived.
    pub project: Option<Ref>,
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

#[derive(Debug, Serialize, JsonSchema)]
pub struct HoursBudget {
    /// Budgeted hours, decimal string.
    pub budget: String,
    /// Hours used (rounded), decimal string.
    pub used: String,
    /// Hours left; negative when exceeded.
    pub remaining: String,
    /// Used as a percentage of the budget (one decimal); `null` for a zero budget.
    pub percent: Option<f64>,
    pub status: BudgetState,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AmountBudget {
    /// The budget's currency: the project's, else its client's, else the user's default.
    pub currency: String,
    /// Budgeted amount, decimal string.
    pub budget: String,
    /// Billable amount used in `currency` (from rounded time).
    pub used: String,
    /// Amount left; negative when exceeded.
    pub remaining: String,
    /// Used as a percentage of the budget (one decimal); `null` for a zero budget.
    pub percent: Option<f64>,
    pub status: BudgetState,
    /// Billable amounts of the project's tracks in other currencies; not
    /// counted against the budget.
    pub other_currencies: Vec<Amount>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectBudget {
    pub project: Named,
    pub client: Option<Named>,
    /// `total`: all of the project's time; `monthly`: the current calendar month.
    pub period: BudgetPeriod,
    /// The month counted, for a monthly budget; absent for `total`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<ResolvedRange>,
    /// The warning threshold in percent.
    pub alert_percent: u32,
    /// The worst of the hours and amount statuses.
    pub status: BudgetState,
    /// The hours budget, if one is set.
    pub hours: Option<HoursBudget>,
    /// The amount budget, if one is set.
    pub amount: Option<AmountBudget>,
    /// True when a running timer counts, up to now.
    pub running: bool,
    pub running_track_ids: Vec<i32>,
    /// True for an archived project (only when asked for by name or id).
    pub archived: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BudgetReport {
    /// Worst status first (exceeded, warning, ok), then by name.
    pub projects: Vec<ProjectBudget>,
    /// The rounding applied (the user's setting).
    pub rounding: Rounding,
    /// Set when no project has a budget.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn state(used: Decimal, budget: Decimal, alert_percent: u32) -> BudgetState {
    if used > budget {
        BudgetState::Exceeded
    } else if used * Decimal::from(100) >= budget * Decimal::from(alert_percent) && !used.is_zero()
    {
        BudgetState::Warning
    } else {
        BudgetState::Ok
    }
}

fn fixed(value: Decimal, dp: u32) -> String {
    let mut v =
        value.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    v.rescale(dp);
    v.to_string()
}

fn budget_status(
    budget: &Budget,
    items: &[Item],
    range: Option<ResolvedRange>,
    settings: &Settings,
    now: Timestamp,
) -> ProjectBudget {
    let acc = Acc::of(&whole(items, now), settings.rounding);
    let alert = budget.alert_percent;
    let hours = budget.hours.map(|limit| {
        let used = Decimal::from(acc.rounded) / Decimal::from(3600);
        HoursBudget {
            budget: fixed(limit, 2),
            used: fixed(used, 2),
            remaining: fixed(limit - used, 2),
            percent: percent(used, limit),
            status: state(used, limit, alert),
        }
    });
    let currency = budget
        .currency
        .clone()
        .unwrap_or_else(|| settings.default_currency.clone());
    let amount = budget.amount.map(|limit| {
        let used = acc.amount_in(&currency);
        AmountBudget {
            budget: money::format(limit, &currency),
            used: money::format(used, &currency),
            remaining: money::format(limit - used, &currency),
            percent: percent(used, limit),
            status: state(used, limit, alert),
            other_currencies: amounts(&acc.amounts)
                .into_iter()
                .filter(|a| a.currency != currency)
                .collect(),
            currency: currency.clone(),
        }
    });
    let status = [
        hours.as_ref().map(|h| h.status),
        amount.as_ref().map(|a| a.status),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(BudgetState::Ok);
    ProjectBudget {
        project: budget.project.clone(),
        client: budget.client.clone(),
        period: budget.period,
        range,
        alert_percent: alert,
        status,
        hours,
        amount,
        running: !acc.running.is_empty(),
        running_track_ids: acc.running.iter().copied().collect(),
        archived: budget.archived,
    }
}

/// How a project's budget stands: for an hours and/or amount budget, what is
/// used, what remains (negative once exceeded), the percentage, and a status
/// `ok`, `warning` (at or past the project's alert threshold, 80 % unless
/// set otherwise) or `exceeded` (over 100 %); `status` is the worse of the
/// two. A `total` budget counts all of the project's time; a `monthly` one
/// the current calendar month in the user's time zone (tracks count in the
/// month they start in), echoed in `range`.
///
/// Hours are rounded by the user's rounding setting, amounts come from the
/// rounded time of billable tracks in the budget's currency (the project's,
/// else its client's, else the user's default); amounts in other currencies
/// are listed apart, never converted. Running timers count up to now and
/// are flagged. Budgets never block tracking.
///
/// Without `project`: every project that is not archived and has a budget,
/// worst first (an empty list with a `note` when none has one). A project
/// named explicitly without any budget is `invalid_argument` (give it one
/// with update_project); an unknown one `not_found`, several matches `ambiguous`.
/// Needs the pro tier.
#[tool(
    title = "Get budget status",
    read_only,
    idempotent,
    tier = "pro",
    scope = "tracks:read"
)]
async fn get_budget_status(ctx: &Ctx, args: GetBudgetStatus) -> Result<BudgetReport, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let tz = settings.time_zone.clone();
    let month = period_range(PeriodName::ThisMonth, settings.week_start, &tz, now)?;
    let rows = ctx
        .run(move |conn, user| {
            let project_id = args
                .project
                .as_ref()
                .map(|p| db::projects::resolve(conn, user.id, p).map(|p| p.id))
                .transpose()?;
            let budgets = reports::budgets(conn, user.id, project_id)?;
            if let (Some(_), Some(budget)) = (project_id, budgets.first())
                && !budget.is_set()
            {
                return Err(ToolError::invalid(format!(
                    "project {:?} has no budget",
                    budget.project.name
                ))
                .hint("give it one with update_project (`budget`: hours and/or amount)"));
            }
            let mut rows = Vec::with_capacity(budgets.len());
            for budget in budgets {
                let range = (budget.period == BudgetPeriod::Monthly).then_some(month);
                let filter = TrackFilter {
                    span: range.map(Span::Starts),
                    project_id: Some(budget.project.id),
                    ..TrackFilter::default()
                };
                let items = reports::items(conn, user.id, &filter, now, None, None)?;
                rows.push((budget, range, items));
            }
            Ok(rows)
        })
        .await?;
    let mut projects: Vec<ProjectBudget> = rows
        .iter()
        .map(|(budget, range, items)| {
            let echo = range.map(|r| r.resolved(Some(PeriodName::ThisMonth), &tz));
            budget_status(budget, items, echo, &settings, now)
        })
        .collect();
    projects.sort_by(|a, b| {
        b.status
            .cmp(&a.status)
            .then_with(|| a.project.name.cmp(&b.project.name))
    });
    let note = projects.is_empty().then(|| {
        "no project has a budget; give one with update_project (`budget`: hours and/or amount)"
            .to_owned()
    });
    Ok(BudgetReport {
        projects,
        rounding: settings.rounding,
        note,
    })
}

// ---------------------------------------------------------------------------
// export_tracks_csv

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportTracksCsv {
    /// A named period in the user's time zone; or use `from`/`to`. Default:
    /// every track.
    pub period: Option<PeriodName>,
    /// Tracks starting at or after this time.
    pub from: Option<String>,
    /// Tracks starting before this time; default the end of today.
    pub to: Option<String>,
    /// Only this project (id or exact name).
    pub project: Option<Ref>,
    /// Only the projects of this client (id or exact name).
    pub client: Option<Ref>,
    /// Only tracks without a project.
    #[serde(default)]
    pub without_project: bool,
    /// Only tracks with this tag (id or exact name).
    pub tag: Option<Ref>,
    /// Only billable (true) or non-billable (false) tracks.
    pub billable: Option<bool>,
    /// Case-insensitive text to find in descriptions.
    pub search: Option<String>,
    /// Rows per call, 1–1000 (default 200).
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous call, for the next rows.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TracksCsv {
    /// A file name for the CSV.
    pub filename: String,
    /// `text/csv; charset=utf-8`.
    pub content_type: String,
    /// The CSV text: RFC 4180, CRLF line ends, a header row.
    pub csv: String,
    /// Data rows in `csv` (the header not counted).
    pub row_count: usize,
    /// Stopped tracks matching the filters, on every page.
    pub total_rows: i64,
    /// True when more rows remain than this call returned.
    pub capped: bool,
    /// Pass as `cursor` for the next rows; absent on the last page.
    pub next_cursor: Option<String>,
    /// Running timers matching the filters, left out of the CSV.
    pub running_excluded: i64,
    /// The range used, when a period or `from`/`to` was given.
    pub range: Option<ResolvedRange>,
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 13] = [
    "date",
    "start",
    "end",
    "duration",
    "hours",
    "project",
    "client",
    "tags",
    "description",
    "billable",
    "rate",
    "amount",
    "currency",
];

fn csv_text(items: &[Item], settings: &Settings) -> Result<String, ToolError> {
    let fail = |e: csv::Error| ToolError::internal(format!("csv: {e}"));
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(CSV_COLUMNS).map_err(fail)?;
    let tz = &settings.time_zone;
    for item in items {
        let end = item.end(item.started_at);
        let seconds = item.seconds(item.started_at);
        let date = item.started_at.to_zoned(tz.clone()).date();
        let rate = item.hourly_rate.map(|r| money::format(r, &item.currency));
        let amount = item.hourly_rate.filter(|_| item.billable).map(|r| {
            money::format(
                money::amount_for(r, seconds, &item.currency),
                &item.currency,
            )
        });
        let tags: Vec<&str> = item.tags.iter().map(|t| t.name.as_str()).collect();
        out.write_record([
            settings.date_display().format(date),
            crate::time::when(item.started_at, tz).local,
            crate::time::when(end, tz).local,
            format!(
                "{:02}:{:02}:{:02}",
                seconds / 3600,
                seconds / 60 % 60,
                seconds % 60
            ),
            user_settings::hours(seconds),
            item.project
                .as_ref()
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            item.client
                .as_ref()
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            tags.join(", "),
            item.description.clone(),
            if item.billable { "yes" } else { "no" }.to_owned(),
            rate.unwrap_or_default(),
            amount.unwrap_or_default(),
            item.currency.clone(),
        ])
        .map_err(fail)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| ToolError::internal(format!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ToolError::internal(format!("csv: {e}")))
}

fn csv_filename(range: Option<Range>, settings: &Settings) -> String {
    let Some(range) = range else {
        return "tracks.csv".to_owned();
    };
    let tz = &settings.time_zone;
    let first = range.from.to_zoned(tz.clone()).date();
    let last_instant = range
        .to
        .checked_sub(jiff::SignedDuration::from_secs(1))
        .unwrap_or(range.to);
    let last = last_instant.to_zoned(tz.clone()).date().max(first);
    if first == last {
        format!("tracks_{first}.csv")
    } else {
        format!("tracks_{first}_to_{last}.csv")
    }
}

/// Stopped tracks as CSV (RFC 4180, UTF-8, CRLF line ends, a header row),
/// oldest first, filtered like list_tracks (period or `from`/`to`, project,
/// client, tag, billable, without project, text). Columns: `date` (the day
/// the track starts, in the user's time zone and date format), `start` and
/// `end` (RFC 3339 in the user's zone), `duration` (`hh:mm:ss`), `hours`
/// (decimal, two places), `project`, `client`, `tags` (comma-separated),
/// `description`, `billable` (yes/no), `rate`, `amount` (billable tracks
/// with a rate) and `currency`. Durations and amounts are exact, not
/// rounded: use get_time_totals for rounded figures.
///
/// Running timers are left out, since their end is not known yet:
/// `running_excluded` says how many matched; stop them first to include
/// them. One call returns at most `limit` rows (default 200, at most 1000);
/// when more remain, `capped` is true and `next_cursor` gives the next rows
/// (each page has its own header row). `total_rows` counts every page. The
/// CSV text, a file name and the resolved range come in the result.
#[tool(
    title = "Export tracks as CSV",
    read_only,
    idempotent,
    scope = "tracks:read"
)]
async fn export_tracks_csv(ctx: &Ctx, args: ExportTracksCsv) -> Result<TracksCsv, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let limit = match args.limit.unwrap_or(CSV_DEFAULT_ROWS) {
        0 => return Err(ToolError::invalid("limit must be at least 1")),
        n if n > CSV_MAX_ROWS => {
            return Err(
                ToolError::invalid(format!("limit is at most {CSV_MAX_ROWS} rows"))
                    .hint("page through the rest with next_cursor"),
            );
        }
        n => i64::from(n),
    };
    let after = args.cursor.as_deref().map(pagination::decode).transpose()?;
    if args.without_project && (args.project.is_some() || args.client.is_some()) {
        return Err(ToolError::invalid(
            "give `project` or `client`, or `without_project`, not both",
        ));
    }
    let range = if args.period.is_none() && args.from.is_none() && args.to.is_none() {
        None
    } else {
        Some(report_range(
            args.period,
            args.from.as_deref(),
            args.to.as_deref(),
            PeriodName::ThisMonth,
            &settings,
            now,
        )?)
    };
    let span = range.map(|(r, _)| Span::Starts(r));
    let (items, total_rows, running_excluded) = ctx
        .run(move |conn, user| {
            let filter = TrackFilter {
                span,
                no_project: args.without_project,
                billable: args.billable,
                search: args.search.filter(|s| !s.trim().is_empty()),
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
            let stopped = TrackFilter {
                running: Some(false),
                ..filter.clone()
            };
            let running = TrackFilter {
                running: Some(true),
                ..filter
            };
            let items = reports::items(conn, user.id, &stopped, now, after, Some(limit + 1))?;
            Ok((
                items,
                reports::count(conn, user.id, &stopped, now)?,
                reports::count(conn, user.id, &running, now)?,
            ))
        })
        .await?;
    let mut items = items;
    let capped = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = if capped {
        items
            .last()
            .map(|i| pagination::encode(i.started_at.as_second(), i.id))
    } else {
        None
    };
    ctx.progress(0, Some(items.len() as u64), "writing CSV rows");
    let csv = csv_text(&items, &settings)?;
    ctx.progress(items.len() as u64, Some(items.len() as u64), "CSV written");
    Ok(TracksCsv {
        filename: csv_filename(range.map(|(r, _)| r), &settings),
        content_type: "text/csv; charset=utf-8".to_owned(),
        csv,
        row_count: items.len(),
        total_rows,
        capped,
        next_cursor,
        running_excluded,
        range: range.map(|(r, period)| r.resolved(period, &settings.time_zone)),
    })
}
