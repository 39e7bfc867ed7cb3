//! `get_top_projects`: projects ranked by hours or by amount in one currency.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Counting, Sums, Totals, running_ids, totals};
use crate::db::tracks::TrackFilter;
use crate::reference::Named;
use crate::reports::{Acc, Part, percent, report_range};
use crate::rounding::Rounding;
use crate::time::{PeriodName, ResolvedRange};
use crate::{Ctx, ToolError, money, pagination, tool};

// What projects are ranked by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RankBy {
    /// Rounded hours.
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
    /// Named period; or `from`/`to`.
    /// Default: `this_month`.
    pub period: Option<PeriodName>,
    /// Start of the range.
    pub from: Option<String>,
    /// End, exclusive; default end of today.
    pub to: Option<String>,
    /// Ranking.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<RankBy>")]
    pub by: RankBy,
    /// With `by: amount`: currency; default the user's.
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

/// Projects ranked by rounded hours or billable amount in one currency (others
/// in `other_currencies`). Range: `period` or `from`/`to`, default
/// `this_month`. Running timers count up to now; time without project is shown
/// apart.
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
        settings.calendar(),
        now,
    )?;
    let read_settings = settings.clone();
    let counting = ctx
        .run(move |conn, user| {
            Counting::by_day(
                conn,
                user.id,
                &read_settings,
                Some(range),
                &TrackFilter::default(),
                now,
                Sums::Whole,
            )
        })
        .await?;
    let rounding = settings.rounding;
    let parts = counting.parts(now, &settings);
    let mut by_project: BTreeMap<i32, (&Named, Option<&Named>, Vec<Part>)> = BTreeMap::new();
    let mut loose = Vec::new();
    for part in &parts {
        match part.project {
            Some(p) => by_project
                .entry(p.id)
                .or_insert_with(|| (p, part.client, Vec::new()))
                .2
                .push(*part),
            None => loose.push(*part),
        }
    }
    let without = Acc::of(&loose, rounding);
    let mut total = without.clone();
    let mut ranked: Vec<(Named, Option<Named>, Acc)> = by_project
        .into_values()
        .map(|(project, client, parts)| {
            let acc = Acc::of(&parts, rounding);
            total.add(&acc);
            (project.clone(), client.cloned(), acc)
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
                totals: totals(&acc, &settings),
            })
            .collect(),
        currency,
        ranked_count,
        without_project: totals(&without, &settings),
        total: totals(&total, &settings),
        other_currencies,
        running_track_ids: running_ids(&counting.items),
    })
}
