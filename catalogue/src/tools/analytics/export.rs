//! `export_tracks_csv`: tracks as CSV rows, paged.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Counting, Sums, resolve_filter};
use crate::db::reports;
use crate::db::tracks::{Span, TrackFilter};
use crate::reference::Ref;
use crate::reports::{Item, report_range};
use crate::settings::Settings;
use crate::time::{PeriodName, Range, ResolvedRange, hours, when};
use crate::{Ctx, ToolError, money, pagination, tool};

/// Rows one `export_tracks_csv` call returns by default, and at most.
pub const CSV_DEFAULT_ROWS: u32 = 200;
pub const CSV_MAX_ROWS: u32 = 1000;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportTracksCsv {
    /// Named period; or `from`/`to`. Default:
    /// every track.
    pub period: Option<PeriodName>,
    /// Tracks starting at or after this.
    pub from: Option<String>,
    /// Tracks starting before this.
    pub to: Option<String>,
    /// Only this project.
    pub project: Option<Ref>,
    /// Only this client's projects.
    pub client: Option<Ref>,
    /// Only tracks without project.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub without_project: bool,
    /// Only tracks with this tag.
    pub tag: Option<Ref>,
    /// Only billable or non-billable tracks.
    pub billable: Option<bool>,
    /// Text in the description.
    pub search: Option<String>,
    /// Rows per call, 1–1000 (default 200).
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// From the previous call.
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
            when(item.started_at, tz).local,
            when(end, tz).local,
            format!(
                "{:02}:{:02}:{:02}",
                seconds / 3600,
                seconds / 60 % 60,
                seconds % 60
            ),
            hours(seconds).to_string(),
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

/// Stopped tracks as CSV (RFC 4180, header row), oldest first, filtered like
/// list_tracks, unrounded. Running timers are left out (counted in
/// `running_excluded`). Over `limit` rows: `capped`, page on with
/// `next_cursor`.
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
            settings.calendar(),
            now,
        )?)
    };
    let span = range.map(|(r, _)| Span::Starts(r));
    let read_settings = settings.clone();
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
            let items = reports::items(conn, user.id, &stopped, now, after, Some(limit + 1))?;
            // The counts cover every page: from the per-day totals where
            // they can answer (they know no tag, text or "no project").
            let (total, running) =
                if filter.tag_id.is_none() && filter.search.is_none() && !filter.no_project {
                    let range = filter.span.map(|span| match span {
                        Span::Starts(range) | Span::Overlaps(range) => range,
                    });
                    let by_day = TrackFilter {
                        span: None,
                        ..filter
                    };
                    let counting = Counting::by_day(
                        conn,
                        user.id,
                        &read_settings,
                        range,
                        &by_day,
                        now,
                        Sums::Whole,
                    )?;
                    counting.counts()
                } else {
                    let running = TrackFilter {
                        running: Some(true),
                        ..filter
                    };
                    (
                        reports::count(conn, user.id, &stopped, now)?,
                        reports::count(conn, user.id, &running, now)?,
                    )
                };
            Ok((items, total, running))
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
