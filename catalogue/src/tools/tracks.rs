//! Tracks: time entries, logged after the fact or left by a stopped timer;
//! changed one by one or in bulk, and reviewed a day or a week at a time.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::db;
use crate::db::settings::Settings;
use crate::db::tracks::{self, NewTrack, Span, Track, TrackFields, TrackFilter};
use crate::reference::{Named, Ref};
use crate::time::{
    DurationInput, PeriodName, Range, ResolvedRange, When, format_duration, parse_instant,
    period_range, resolve_range, start_of_day, when,
};
use crate::tools::timers::fields_of;
use crate::tracking::{self, Billing, TrackOut};
use crate::{Ctx, ErrorCode, ToolError, money, pagination, tool};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogTrack {
    /// What the time was spent on.
    #[serde(default)]
    pub description: String,
    /// Project id or exact name (case-insensitive).
    pub project: Option<Ref>,
    /// Tag ids or exact names.
    #[serde(default)]
    pub tags: Vec<Ref>,
    /// When the work started: RFC 3339 with offset, `YYYY-MM-DD HH:MM`,
    /// `HH:MM` (today), `today` or `yesterday`, in the user's time zone.
    pub start: String,
    /// When it ended (same formats). Give `end` or `duration`, not both.
    pub end: Option<String>,
    /// How long it lasted: seconds, "1h30m", "90m" or decimal hours "1.5".
    pub duration: Option<DurationInput>,
    /// Default: the project's billable flag, else the user's default.
    pub billable: Option<bool>,
    /// Rate per hour for this track only, a decimal string such as "95.00".
    pub hourly_rate: Option<String>,
    /// Needed for a track longer than 24 hours.
    #[serde(default)]
    pub confirm: bool,
    /// Repeating a call with the same key returns the first track instead of logging it twice.
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TrackSaved {
    pub track: TrackOut,
    /// Other tracks this one overlaps (overlap policy `warn`).
    pub overlapping_track_ids: Vec<i32>,
    /// True when an earlier call with the same `idempotency_key` logged this track.
    pub replayed: bool,
}

/// Log time already spent: a `start` and either an `end` or a `duration`.
/// The end must be after the start (no zero-length tracks); over 24 hours
/// needs `confirm: true`. Rate and currency are fixed when saved (track →
/// project → client → user default). Overlaps follow the user's overlap
/// policy: `warn` (default) saves and lists the overlapping ids, `reject`
/// answers `overlap`. Unknown project or tag names are `not_found`; a name
/// matching several is `ambiguous` with the candidates.
#[tool(title = "Log time", scope = "tracks:write")]
async fn log_track(ctx: &Ctx, args: LogTrack) -> Result<TrackSaved, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let tz = settings.time_zone.clone();
    let start = parse_instant(&args.start, &tz, now)?;
    let end = match (&args.end, &args.duration) {
        (Some(end), None) => parse_instant(end, &tz, now)?,
        (None, Some(duration)) => start
            .checked_add(jiff::SignedDuration::from_secs(duration.seconds()?))
            .map_err(|_| ToolError::invalid("the track would end beyond the supported range"))?,
        (Some(_), Some(_)) => return Err(ToolError::invalid("give `end` or `duration`, not both")),
        (None, None) => {
            return Err(ToolError::invalid("give `end` or `duration`")
                .hint("to track time from now on, use start_timer instead"));
        }
    };
    tracking::check_span(start, end, args.confirm)?;
    ctx.run(move |conn, user| {
        db::write(conn, |conn| {
            if let Some(key) = &args.idempotency_key
                && let Some(track) = tracks::by_idempotency_key(conn, user.id, key)?
            {
                let track = TrackOut::new(&track, &settings, now);
                return Ok(TrackSaved {
                    track,
                    overlapping_track_ids: Vec::new(),
                    replayed: true,
                });
            }
            let billing = Billing {
                project: args.project,
                tags: args.tags,
                billable: args.billable,
                hourly_rate: args.hourly_rate,
            };
            let resolved = tracking::resolve(conn, user.id, &settings, &billing)?;
            let overlapping =
                tracking::overlaps(conn, user.id, &settings, (start, Some(end)), &[], now)?;
            let new = NewTrack {
                description: args.description.trim().to_owned(),
                project_id: resolved.project_id,
                tag_ids: resolved.tag_ids,
                started_at: start,
                ended_at: Some(end),
                billable: resolved.billable,
                hourly_rate: resolved.hourly_rate,
                currency: resolved.currency,
                idempotency_key: args.idempotency_key,
            };
            let id = tracks::insert(conn, user.id, &new, now)?;
            let track = TrackOut::new(&tracks::get(conn, user.id, id)?, &settings, now);
            Ok(TrackSaved {
                track,
                overlapping_track_ids: overlapping,
                replayed: false,
            })
        })
    })
    .await
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTracks {
    /// A named period in the user's time zone; or use `from`/`to`.
    pub period: Option<PeriodName>,
    /// Tracks starting at or after this time.
    pub from: Option<String>,
    /// Tracks starting before this time.
    pub to: Option<String>,
    /// Only this project (id or exact name).
    pub project: Option<Ref>,
    /// Only tracks without a project.
    #[serde(default)]
    pub without_project: bool,
    /// Only tracks with this tag (id or exact name).
    pub tag: Option<Ref>,
    /// Only billable (true) or non-billable (false) tracks.
    pub billable: Option<bool>,
    /// Only running timers (true) or stopped tracks (false).
    pub running: Option<bool>,
    /// Case-insensitive text to find in descriptions.
    pub search: Option<String>,
    /// Tracks per page, 1–200 (default 50).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TrackList {
    /// Newest first.
    pub tracks: Vec<TrackOut>,
    /// All tracks matching the filters, on every page.
    pub total_count: i64,
    /// Their total time in seconds (running timers up to now).
    pub total_seconds: i64,
    /// The same as `h:mm:ss`.
    pub total_duration: String,
    /// The time range used, when a period or `from`/`to` was given.
    pub range: Option<ResolvedRange>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// List tracks, newest first, filtered by period (or `from`/`to`), project,
/// tag, billable, running state or text. A track belongs to the day it
/// starts. Totals cover the whole filtered set, not only this page; page on
/// with `next_cursor`. The resolved range is echoed back.
#[tool(title = "List tracks", read_only, idempotent, scope = "tracks:read")]
async fn list_tracks(ctx: &Ctx, args: ListTracks) -> Result<TrackList, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let limit = pagination::limit(args.limit)?;
    let after = args.cursor.as_deref().map(pagination::decode).transpose()?;
    let selection = TrackSelection {
        period: args.period,
        from: args.from,
        to: args.to,
        project: args.project,
        without_project: args.without_project,
        tag: args.tag,
        billable: args.billable,
        running: args.running,
        search: args.search,
    };
    let range = selection.range(&settings, now)?;
    let (page, settings) = ctx
        .run(move |conn, user| {
            let filter = selection.filter(conn, user.id, range)?;
            Ok((
                tracks::list(conn, user.id, &filter, limit, after, now)?,
                settings,
            ))
        })
        .await?;
    let next_cursor = if page.more {
        page.tracks
            .last()
            .map(|t| pagination::encode(t.started_at.as_second(), t.id))
    } else {
        None
    };
    Ok(TrackList {
        tracks: TrackOut::all(&page.tracks, &settings, now),
        total_count: page.total_count,
        total_seconds: page.total_seconds,
        total_duration: format_duration(page.total_seconds),
        range: range.map(|r| r.resolved(args.period, &settings.time_zone)),
        next_cursor,
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackId {
    /// The track's id.
    pub id: i32,
}

/// One track by id, running or stopped. Another user's id, like a missing
/// one, is `not_found`.
#[tool(title = "Get a track", read_only, idempotent, scope = "tracks:read")]
async fn get_track(ctx: &Ctx, TrackId { id }: TrackId) -> Result<TrackOut, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let track = ctx
        .run(move |conn, user| tracks::get(conn, user.id, id))
        .await?;
    Ok(TrackOut::new(&track, &settings, now))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTrack {
    /// The track to change.
    pub id: i32,
    /// New description.
    pub description: Option<String>,
    /// New project (id or exact name); `null` removes the project.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<Ref>")]
    pub project: Option<Option<Ref>>,
    /// Replace all tags (ids or exact names); `[]` removes them.
    pub tags: Option<Vec<Ref>>,
    /// New start (same formats as log_track).
    pub start: Option<String>,
    /// New end; only for stopped tracks (stop a running one with stop_timer).
    pub end: Option<String>,
    pub billable: Option<bool>,
    /// Rate per hour override, a decimal string; `null` goes back to the
    /// project's, client's or user's rate.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<String>")]
    pub hourly_rate: Option<Option<String>>,
    /// Needed when the track would last over 24 hours.
    #[serde(default)]
    pub confirm: bool,
}

/// Change a track: only the fields given change. A new project re-resolves
/// rate and currency unless `hourly_rate` is given. New times must keep the
/// end after the start; over 24 hours needs `confirm: true`; overlaps follow
/// the overlap policy. A running timer's start can change, not its end. A
/// track on a sent, paid or draft invoice cannot change (`track_invoiced`).
#[tool(title = "Update a track", idempotent, scope = "tracks:write")]
async fn update_track(ctx: &Ctx, args: UpdateTrack) -> Result<TrackSaved, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let tz = settings.time_zone.clone();
    let new_start = args
        .start
        .as_deref()
        .map(|s| parse_instant(s, &tz, now))
        .transpose()?;
    let new_end = args
        .end
        .as_deref()
        .map(|s| parse_instant(s, &tz, now))
        .transpose()?;
    ctx.run(move |conn, user| {
        db::write(conn, |conn| {
            let track = tracks::get(conn, user.id, args.id)?;
            tracks::ensure_not_invoiced(conn, user.id, &[track.id])?;
            let mut fields = fields_of(&track);
            if let Some(description) = args.description {
                fields.description = description.trim().to_owned();
            }
            if let Some(tags) = &args.tags {
                fields.tag_ids = db::tags::resolve_all(conn, user.id, tags)?
                    .iter()
                    .map(|t| t.id)
                    .collect();
            }
            if let Some(billable) = args.billable {
                fields.billable = billable;
            }
            if let Some(billing) = rebilling(
                track.project.as_ref().map(|p| p.id),
                fields.billable,
                args.project.as_ref(),
                args.billable,
                args.hourly_rate.as_ref(),
            ) {
                let resolved = tracking::resolve(conn, user.id, &settings, &billing)?;
                fields.project_id = resolved.project_id;
                fields.billable = resolved.billable;
                fields.hourly_rate = resolved.hourly_rate;
                fields.currency = resolved.currency;
            }
            if let Some(start) = new_start {
                fields.started_at = start;
            }
            if let Some(end) = new_end {
                if track.ended_at.is_none() {
                    return Err(ToolError::invalid("this track is a running timer")
                        .hint("stop it with stop_timer (which takes an end time)"));
                }
                fields.ended_at = Some(end);
            }
            match fields.ended_at {
                Some(end) => tracking::check_span(fields.started_at, end, args.confirm)?,
                None => tracking::check_not_future(fields.started_at, now)?,
            }
            let times_changed = new_start.is_some() || new_end.is_some();
            let overlapping = if times_changed {
                tracking::overlaps(
                    conn,
                    user.id,
                    &settings,
                    (fields.started_at, fields.ended_at),
                    &[track.id],
                    now,
                )?
            } else {
                Vec::new()
            };
            tracks::update(conn, user.id, track.id, &fields, now)?;
            let track = TrackOut::new(&tracks::get(conn, user.id, track.id)?, &settings, now);
            Ok(TrackSaved {
                track,
                overlapping_track_ids: overlapping,
                replayed: false,
            })
        })
    })
    .await
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteTrack {
    /// The track to delete.
    pub id: i32,
    /// Show what would be deleted, and delete nothing.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TrackDeleted {
    /// The track as it was.
    pub track: TrackOut,
    /// True when nothing was deleted (`dry_run`).
    pub dry_run: bool,
}

/// Delete a track for good (running timers too). With `dry_run: true`,
/// returns the track that would be deleted and changes nothing. A track on an
/// invoice that is not void cannot be deleted (`track_invoiced`).
#[tool(
    title = "Delete a track",
    destructive,
    idempotent,
    scope = "tracks:write"
)]
async fn delete_track(ctx: &Ctx, args: DeleteTrack) -> Result<TrackDeleted, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let track = ctx
        .run(move |conn, user| {
            db::write(conn, |conn| {
                let track = tracks::get(conn, user.id, args.id)?;
                tracks::ensure_not_invoiced(conn, user.id, &[track.id])?;
                if !args.dry_run {
                    tracks::delete(conn, user.id, track.id)?;
                }
                Ok(track)
            })
        })
        .await?;
    Ok(TrackDeleted {
        track: TrackOut::new(&track, &settings, now),
        dry_run: args.dry_run,
    })
}

/// Which tracks a list or a bulk change covers: the filters of list_tracks.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackSelection {
    /// Tracks starting in this named period, in the user's time zone; or use `from`/`to`.
    pub period: Option<PeriodName>,
    /// Tracks starting at or after this time.
    pub from: Option<String>,
    /// Tracks starting before this time.
    pub to: Option<String>,
    /// Only this project (id or exact name).
    pub project: Option<Ref>,
    /// Only tracks without a project.
    #[serde(default)]
    pub without_project: bool,
    /// Only tracks with this tag (id or exact name).
    pub tag: Option<Ref>,
    /// Only billable (true) or non-billable (false) tracks.
    pub billable: Option<bool>,
    /// Only running timers (true) or stopped tracks (false).
    pub running: Option<bool>,
    /// Case-insensitive text to find in descriptions.
    pub search: Option<String>,
}

impl TrackSelection {
    /// The time range, checked before any database work.
    fn range(&self, settings: &Settings, now: Timestamp) -> Result<Option<Range>, ToolError> {
        if self.without_project && self.project.is_some() {
            return Err(ToolError::invalid(
                "give `project` or `without_project`, not both",
            ));
        }
        resolve_range(
            self.period,
            self.from.as_deref(),
            self.to.as_deref(),
            settings,
            now,
        )
    }

    fn search(&self) -> Option<&str> {
        self.search.as_deref().filter(|s| !s.trim().is_empty())
    }

    /// True when no filter is set: the selection would be every track.
    fn is_everything(&self) -> bool {
        self.period.is_none()
            && self.from.is_none()
            && self.to.is_none()
            && self.project.is_none()
            && !self.without_project
            && self.tag.is_none()
            && self.billable.is_none()
            && self.running.is_none()
            && self.search().is_none()
    }

    /// The data-layer filter, with the project and tag resolved for the user.
    fn filter(
        &self,
        conn: &mut db::Conn,
        user_id: i32,
        range: Option<Range>,
    ) -> Result<TrackFilter, ToolError> {
        let mut filter = TrackFilter {
            span: range.map(Span::Starts),
            no_project: self.without_project,
            billable: self.billable,
            running: self.running,
            search: self.search().map(str::to_owned),
            ..TrackFilter::default()
        };
        if let Some(project) = &self.project {
            filter.project_id = Some(db::projects::resolve(conn, user_id, project)?.id);
        }
        if let Some(tag) = &self.tag {
            filter.tag_id =
                Some(db::tags::resolve_all(conn, user_id, std::slice::from_ref(tag))?[0].id);
        }
        Ok(filter)
    }
}

/// The billing to re-resolve when a change touches a track's project or its
/// rate override, or `None` when it touches neither. A new project brings its
/// own billable flag unless one is given and drops the track's old rate
/// override; a new rate alone keeps the track's (possibly just changed)
/// billable flag. update_track and bulk_update_tracks share this rule.
fn rebilling(
    current_project: Option<i32>,
    billable_now: bool,
    project: Option<&Option<Ref>>,
    billable: Option<bool>,
    hourly_rate: Option<&Option<String>>,
) -> Option<Billing> {
    if project.is_none() && hourly_rate.is_none() {
        return None;
    }
    Some(Billing {
        project: match project {
            Some(project) => project.clone(),
            None => current_project.map(Ref::Id),
        },
        tags: Vec::new(),
        billable: if project.is_some() {
            billable
        } else {
            Some(billable_now)
        },
        hourly_rate: hourly_rate.cloned().flatten(),
    })
}

/// Most tracks one `bulk_update_tracks` call may select.
pub const MAX_BULK_TRACKS: usize = 500;
/// Most tracks whose changes a bulk result details (the id lists are complete).
pub const MAX_BULK_DETAILS: usize = 100;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackChanges {
    /// New description for every selected track (`""` clears it).
    pub description: Option<String>,
    /// New project (id or exact name), which re-resolves billable flag, rate
    /// and currency as update_track does; `null` removes the project. Tracks
    /// already on it keep their billing.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<Ref>")]
    pub project: Option<Option<Ref>>,
    /// Tags to add (ids or exact names); a track's other tags stay.
    #[serde(default)]
    pub add_tags: Vec<Ref>,
    /// Tags to take off (ids or exact names); a track without one is left as it is.
    #[serde(default)]
    pub remove_tags: Vec<Ref>,
    /// Billable (true) or not (false).
    pub billable: Option<bool>,
    /// Rate per hour override, a decimal string in each track's own currency;
    /// `null` goes back to the project's, client's or user's rate.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schemars(with = "Option<String>")]
    pub hourly_rate: Option<Option<String>>,
}

impl TrackChanges {
    fn is_empty(&self) -> bool {
        self.description.is_none()
            && self.project.is_none()
            && self.add_tags.is_empty()
            && self.remove_tags.is_empty()
            && self.billable.is_none()
            && self.hourly_rate.is_none()
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkUpdateTracks {
    /// The tracks to change, by id (at most 500). Give `ids` or `filter`, not both.
    pub ids: Option<Vec<i32>>,
    /// The tracks to change, selected as list_tracks does (at least one filter;
    /// at most 500 tracks may match). Running timers match too unless
    /// `running: false`.
    pub filter: Option<TrackSelection>,
    /// What to change; fields left out stay as they are.
    pub set: TrackChanges,
    /// Leave out tracks on a non-void invoice (listed in
    /// `skipped_invoiced_track_ids`) instead of refusing the whole call.
    #[serde(default)]
    pub skip_invoiced: bool,
    /// Show exactly what would change, and change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// A field's value before and after.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Change<T> {
    pub from: T,
    pub to: T,
}

fn change<T: PartialEq>(from: T, to: T) -> Option<Change<T>> {
    (from != to).then_some(Change { from, to })
}

/// How one track changes: only the fields that change are present.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TrackChange {
    pub id: i32,
    /// The track's description before the change, to name it.
    pub description: String,
    pub start: When,
    /// True for a running timer.
    pub running: bool,
    /// The description, before and after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_description: Option<Change<String>>,
    /// The project, before and after (`null`: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<Change<Option<Named>>>,
    /// Tags the track gains.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags_added: Vec<Named>,
    /// Tags it loses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags_removed: Vec<Named>,
    /// The billable flag, before and after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billable: Option<Change<bool>>,
    /// The rate per hour, before and after (decimal strings; `null`: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hourly_rate: Option<Change<Option<String>>>,
    /// The currency, before and after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<Change<String>>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BulkUpdated {
    /// True when nothing was written.
    pub dry_run: bool,
    /// Tracks the `ids` or `filter` selected.
    pub matched_count: usize,
    /// Tracks changed (with `dry_run`: that would change).
    pub changed_count: usize,
    /// Their ids, earliest first.
    pub changed_track_ids: Vec<i32>,
    /// Selected tracks already as asked, left alone.
    pub unchanged_track_ids: Vec<i32>,
    /// Tracks on a non-void invoice left out because of `skip_invoiced`.
    pub skipped_invoiced_track_ids: Vec<i32>,
    /// How each changed track changes, earliest first; the first 100 only
    /// (see `changes_truncated`), the id lists above are complete.
    pub changes: Vec<TrackChange>,
    /// True when more tracks changed than `changes` details.
    pub changes_truncated: bool,
    /// The time range the filter used, when it had a period or `from`/`to`.
    pub range: Option<ResolvedRange>,
}

/// Change many tracks at once: select them by `ids` or by `filter` (the
/// filters of list_tracks; at least one), and `set` any of description,
/// project (`null` removes it), tags to add or remove, billable, and the
/// hourly rate override. A new project or rate re-resolves billable flag,
/// rate and currency as update_track does; tracks already on the new project
/// keep their billing. Times never change. Running timers are included
/// (filter with `running: false` to leave them out). Selected tracks already
/// as asked are left alone and listed as unchanged. Everything happens in one
/// transaction: all or nothing. One call may select at most 500 tracks
/// (`invalid_argument` with `matched`; narrow the filter or split the ids).
/// An id that is not one of the user's tracks is `not_found` (listed in
/// `track_ids`); so is a project or tag name that matches nothing, and one
/// that matches several is `ambiguous` with the candidates. If a track that would change is on a draft, sent or paid
/// invoice the whole call fails with `track_invoiced` listing them, unless
/// `skip_invoiced: true` leaves them out. `dry_run: true` returns exactly
/// what would change and writes nothing; errors are the same as for the real
/// call. The result details the first 100 changed tracks; the id lists are
/// always complete.
#[tool(
    title = "Update many tracks",
    destructive,
    idempotent,
    scope = "tracks:write"
)]
async fn bulk_update_tracks(ctx: &Ctx, args: BulkUpdateTracks) -> Result<BulkUpdated, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let BulkUpdateTracks {
        ids,
        filter,
        set,
        skip_invoiced,
        dry_run,
    } = args;
    if set.is_empty() {
        return Err(ToolError::invalid("`set` changes nothing")
            .hint("set at least one of description, project, add_tags, remove_tags, billable or hourly_rate"));
    }
    if let Some(Some(rate)) = &set.hourly_rate {
        money::parse_rate(rate)?;
    }
    let (range, period) = match (&ids, &filter) {
        (Some(_), Some(_)) => {
            return Err(ToolError::invalid("give `ids` or `filter`, not both"));
        }
        (None, None) => {
            return Err(ToolError::invalid("give the tracks to change")
                .hint("pass `ids`, or a `filter` such as {\"period\": \"this_week\", \"without_project\": true}"));
        }
        (Some(ids), None) => {
            if ids.is_empty() {
                return Err(ToolError::invalid("`ids` is empty"));
            }
            (None, None)
        }
        (None, Some(selection)) => {
            if selection.is_everything() {
                return Err(
                    ToolError::invalid("an empty filter would select every track").hint(
                        "give at least one filter, e.g. a period, a project or without_project",
                    ),
                );
            }
            (selection.range(&settings, now)?, selection.period)
        }
    };
    let ids = ids.map(|mut ids| {
        ids.sort_unstable();
        ids.dedup();
        ids
    });
    if ids.as_ref().is_some_and(|ids| ids.len() > MAX_BULK_TRACKS) {
        return Err(too_many(ids.as_ref().map_or(0, Vec::len) as i64));
    }
    let tz = settings.time_zone.clone();
    let mut out = ctx
        .run(move |conn, user| {
            db::write(conn, |conn| {
                // References first: a bad one fails before anything is read.
                let target = match &set.project {
                    Some(Some(project)) => {
                        Some(Some(db::projects::resolve(conn, user.id, project)?))
                    }
                    Some(None) => Some(None),
                    None => None,
                };
                let add = db::tags::resolve_all(conn, user.id, &set.add_tags)?;
                let remove = db::tags::resolve_all(conn, user.id, &set.remove_tags)?;
                if let Some(both) = add.iter().find(|t| remove.iter().any(|r| r.id == t.id)) {
                    return Err(ToolError::invalid(format!(
                        "tag {:?} is both added and removed",
                        both.name
                    )));
                }
                let selected = match (&ids, &filter) {
                    (Some(ids), _) => {
                        let found = tracks::by_ids(conn, user.id, ids)?;
                        let missing: Vec<i32> = ids
                            .iter()
                            .copied()
                            .filter(|id| !found.iter().any(|t| t.id == *id))
                            .collect();
                        if !missing.is_empty() {
                            let list = missing
                                .iter()
                                .map(i32::to_string)
                                .collect::<Vec<_>>()
                                .join(", ");
                            return Err(ToolError::not_found("track", format!("with id {list}"))
                                .hint("list_tracks shows the ids of your tracks; nothing was changed")
                                .detail("track_ids", &missing));
                        }
                        found
                    }
                    (None, Some(selection)) => {
                        let filter = selection.filter(conn, user.id, range)?;
                        let matched = tracks::count(conn, user.id, &filter, now)?;
                        if matched > MAX_BULK_TRACKS as i64 {
                            return Err(too_many(matched));
                        }
                        tracks::matching(conn, user.id, &filter, now)?
                    }
                    (None, None) => Vec::new(),
                };

                let target_id = target.as_ref().map(|t| t.as_ref().map(|p| p.id));
                let mut billed: HashMap<(Option<i32>, Option<bool>), tracking::Resolved> =
                    HashMap::new();
                let mut planned: Vec<(TrackFields, TrackChange)> = Vec::new();
                let mut unchanged = Vec::new();
                for track in &selected {
                    let old = fields_of(track);
                    let mut fields = old.clone();
                    if let Some(description) = &set.description {
                        fields.description = description.trim().to_owned();
                    }
                    fields.tag_ids.retain(|id| !remove.iter().any(|t| t.id == *id));
                    for tag in &add {
                        if !fields.tag_ids.contains(&tag.id) {
                            fields.tag_ids.push(tag.id);
                        }
                    }
                    if let Some(billable) = set.billable {
                        fields.billable = billable;
                    }
                    // Already on the new project: not a project change.
                    let project = target_id
                        .filter(|id| *id != old.project_id)
                        .map(|id| id.map(Ref::Id));
                    if let Some(billing) = rebilling(
                        old.project_id,
                        fields.billable,
                        project.as_ref(),
                        set.billable,
                        set.hourly_rate.as_ref(),
                    ) {
                        let key = (
                            billing.project.as_ref().and_then(|p| match p {
                                Ref::Id(id) => Some(*id),
                                Ref::Name(_) => None,
                            }),
                            billing.billable,
                        );
                        let resolved = match billed.entry(key) {
                            Entry::Occupied(entry) => entry.into_mut(),
                            Entry::Vacant(entry) => entry.insert(tracking::resolve(
                                conn, user.id, &settings, &billing,
                            )?),
                        };
                        fields.project_id = resolved.project_id;
                        fields.billable = resolved.billable;
                        fields.hourly_rate = resolved.hourly_rate;
                        fields.currency.clone_from(&resolved.currency);
                    }
                    let new_project = if fields.project_id == old.project_id {
                        track.project.clone()
                    } else {
                        target.as_ref().and_then(|t| {
                            t.as_ref().map(|p| Named {
                                id: p.id,
                                name: p.name.clone(),
                            })
                        })
                    };
                    let rate = |r: Option<Decimal>, currency: &str| {
                        r.map(|r| money::format(r, currency))
                    };
                    let planned_change = TrackChange {
                        id: track.id,
                        description: track.description.clone(),
                        start: when(track.started_at, &settings.time_zone),
                        running: track.ended_at.is_none(),
                        new_description: change(
                            old.description.clone(),
                            fields.description.clone(),
                        ),
                        project: change(track.project.clone(), new_project),
                        tags_added: add
                            .iter()
                            .filter(|t| !old.tag_ids.contains(&t.id))
                            .cloned()
                            .collect(),
                        tags_removed: track
                            .tags
                            .iter()
                            .filter(|t| !fields.tag_ids.contains(&t.id))
                            .cloned()
                            .collect(),
                        billable: change(old.billable, fields.billable),
                        hourly_rate: change(
                            rate(old.hourly_rate, &old.currency),
                            rate(fields.hourly_rate, &fields.currency),
                        ),
                        currency: change(old.currency.clone(), fields.currency.clone()),
                    };
                    let changes_something = planned_change.new_description.is_some()
                        || planned_change.project.is_some()
                        || !planned_change.tags_added.is_empty()
                        || !planned_change.tags_removed.is_empty()
                        || planned_change.billable.is_some()
                        || planned_change.hourly_rate.is_some()
                        || planned_change.currency.is_some();
                    if changes_something {
                        planned.push((fields, planned_change));
                    } else {
                        unchanged.push(track.id);
                    }
                }

                let changing: Vec<i32> = planned.iter().map(|(_, c)| c.id).collect();
                let mut skipped = Vec::new();
                if skip_invoiced {
                    skipped = tracks::invoiced(conn, user.id, &changing)?
                        .into_iter()
                        .map(|(track, _)| track)
                        .collect();
                    skipped.dedup();
                    planned.retain(|(_, c)| !skipped.contains(&c.id));
                } else {
                    tracks::ensure_not_invoiced(conn, user.id, &changing).map_err(|err| {
                        if err.code == ErrorCode::TrackInvoiced {
                            err.hint("leave them out with skip_invoiced: true (or by ids), or free them by voiding the invoice (set_invoice_status) or deleting its draft; nothing was changed")
                        } else {
                            err
                        }
                    })?;
                }
                if !dry_run {
                    for (fields, c) in &planned {
                        tracks::update(conn, user.id, c.id, fields, now)?;
                    }
                }
                let changed_track_ids: Vec<i32> = planned.iter().map(|(_, c)| c.id).collect();
                let changes_truncated = planned.len() > MAX_BULK_DETAILS;
                Ok(BulkUpdated {
                    dry_run,
                    matched_count: selected.len(),
                    changed_count: changed_track_ids.len(),
                    changed_track_ids,
                    unchanged_track_ids: unchanged,
                    skipped_invoiced_track_ids: skipped,
                    changes: planned
                        .into_iter()
                        .take(MAX_BULK_DETAILS)
                        .map(|(_, c)| c)
                        .collect(),
                    changes_truncated,
                    range: None,
                })
            })
        })
        .await?;
    out.range = range.map(|r| r.resolved(period, &tz));
    Ok(out)
}

fn too_many(matched: i64) -> ToolError {
    ToolError::invalid(format!(
        "{matched} tracks selected; one call may change at most {MAX_BULK_TRACKS}"
    ))
    .hint("narrow the filter (a shorter period, a project) or split the ids into batches")
    .detail("matched", matched)
    .detail("limit", MAX_BULK_TRACKS)
}

/// The periods a timesheet review covers: a day or a week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewPeriod {
    Today,
    Yesterday,
    ThisWeek,
    LastWeek,
}

impl From<ReviewPeriod> for PeriodName {
    fn from(period: ReviewPeriod) -> PeriodName {
        match period {
            ReviewPeriod::Today => PeriodName::Today,
            ReviewPeriod::Yesterday => PeriodName::Yesterday,
            ReviewPeriod::ThisWeek => PeriodName::ThisWeek,
            ReviewPeriod::LastWeek => PeriodName::LastWeek,
        }
    }
}

/// Gaps shorter than this are breaks too short to mention.
const DEFAULT_MIN_GAP_SECONDS: i64 = 15 * 60;
/// Tracks longer than this are flagged.
const DEFAULT_LONG_TRACK_SECONDS: i64 = 8 * 3600;
/// Most items each finding of a review lists (its count and total cover all).
pub const MAX_REVIEW_ITEMS: usize = 50;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewTimesheet {
    /// One day: `YYYY-MM-DD`, `today` or `yesterday`, in the user's time zone.
    pub date: Option<String>,
    /// The week (starting on the user's `week_start`) that contains this day:
    /// `YYYY-MM-DD`, `today` or `yesterday`.
    pub week_of: Option<String>,
    /// today, yesterday, this_week or last_week. Give one of `date`,
    /// `week_of` or `period`; none means today.
    pub period: Option<ReviewPeriod>,
    /// Report gaps between tracks longer than this; default 15m. Seconds,
    /// "1h30m", "90m" or decimal hours "0.25".
    pub min_gap: Option<DurationInput>,
    /// Flag tracks longer than this; default 8h. Same formats as `min_gap`.
    pub long_track: Option<DurationInput>,
}

/// A track named in a finding.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TrackRef {
    pub id: i32,
    pub description: String,
}

impl TrackRef {
    fn of(track: &Track) -> TrackRef {
        TrackRef {
            id: track.id,
            description: track.description.clone(),
        }
    }
}

/// One day of the timesheet, zero-filled when nothing was tracked.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DaySheet {
    /// `YYYY-MM-DD` in the user's time zone.
    pub date: String,
    /// Monday, Tuesday, …
    pub weekday: String,
    /// Tracks starting on this day.
    pub track_count: usize,
    /// Their time in seconds (running timers up to now).
    pub total_seconds: i64,
    /// The same as `h:mm:ss`.
    pub total_duration: String,
    /// Of it, billable tracks' seconds.
    pub billable_seconds: i64,
    /// Of it, non-billable tracks' seconds.
    pub non_billable_seconds: i64,
    /// When the first track started; `null` on an empty day.
    pub first_start: Option<When>,
    /// When the last one ended (a running timer: `null`); `null` on an empty day.
    pub last_end: Option<When>,
}

/// Untracked time between two tracks of one day.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Gap {
    /// The day, `YYYY-MM-DD`.
    pub date: String,
    /// When the gap begins: where the day's earlier tracks reach.
    pub from: When,
    /// When it ends: the next track's start.
    pub to: When,
    /// Its length.
    pub seconds: i64,
    /// The same as `h:mm:ss`.
    pub duration: String,
    /// The track that ended when the gap began.
    pub after: TrackRef,
    /// The track that started when it ended.
    pub before: TrackRef,
}

/// Two tracks covering the same time.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Overlap {
    /// The one that starts first.
    pub first: TrackRef,
    /// The one that starts later (or at the same time).
    pub second: TrackRef,
    /// Start of the shared time.
    pub from: When,
    /// End of the shared time (a running timer reaches up to now).
    pub to: When,
    /// Its length.
    pub seconds: i64,
    /// The same as `h:mm:ss`.
    pub duration: String,
}

/// One kind of finding: how many, their total time, and the first 50 items,
/// earliest first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Findings<T> {
    /// All of them, even beyond the items listed.
    pub count: usize,
    /// Their total time in seconds (gap or overlap lengths; track durations).
    pub total_seconds: i64,
    /// At most 50, earliest first.
    pub items: Vec<T>,
}

impl<T> Findings<T> {
    fn new(all: Vec<(i64, T)>) -> Findings<T> {
        Findings {
            count: all.len(),
            total_seconds: all.iter().map(|(seconds, _)| seconds).sum(),
            items: all
                .into_iter()
                .take(MAX_REVIEW_ITEMS)
                .map(|(_, item)| item)
                .collect(),
        }
    }
}

/// The thresholds a review used.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReviewThresholds {
    /// Gaps longer than this are reported.
    pub min_gap_seconds: i64,
    /// Tracks longer than this are flagged.
    pub long_track_seconds: i64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Timesheet {
    /// The day or week reviewed.
    pub range: ResolvedRange,
    /// Every day of the range, zero-filled.
    pub days: Vec<DaySheet>,
    /// Tracks starting in the range.
    pub track_count: usize,
    /// Their time in seconds (running timers up to now).
    pub total_seconds: i64,
    /// The same as `h:mm:ss`.
    pub total_duration: String,
    /// Of it, billable tracks' seconds.
    pub billable_seconds: i64,
    /// The same as `h:mm:ss`.
    pub billable_duration: String,
    /// Of it, non-billable tracks' seconds.
    pub non_billable_seconds: i64,
    /// The same as `h:mm:ss`.
    pub non_billable_duration: String,
    /// Gaps longer than `min_gap` between a day's first start and last end.
    pub gaps: Findings<Gap>,
    /// Pairs of tracks that overlap, at least one of them starting in the range.
    pub overlaps: Findings<Overlap>,
    /// Tracks longer than `long_track` (running timers up to now).
    pub long_tracks: Findings<TrackOut>,
    /// Timers still running that started before the end of the range.
    pub running_timers: Findings<TrackOut>,
    /// Tracks without a project.
    pub without_project: Findings<TrackOut>,
    pub thresholds: ReviewThresholds,
}

/// A day as an assistant writes it: `YYYY-MM-DD`, `today`, `yesterday`, or
/// any time `parse_instant` reads (its local date).
fn parse_day(text: &str, tz: &TimeZone, now: Timestamp) -> Result<Date, ToolError> {
    if let Ok(date) = text.trim().parse::<Date>() {
        return Ok(date);
    }
    parse_instant(text, tz, now)
        .map(|ts| ts.to_zoned(tz.clone()).date())
        .map_err(|_| {
            ToolError::invalid(format!("cannot read {text:?} as a day"))
                .hint("use YYYY-MM-DD, today or yesterday")
        })
}

/// Review a day or a week of the timesheet in the user's time zone: per-day
/// totals (every day listed, zero-filled; a day is 23 or 25 hours long when
/// the clocks change), billable and non-billable totals, and what needs a
/// look: gaps longer than `min_gap` (default 15m) between a day's first start
/// and last end, overlapping pairs, tracks longer than `long_track` (default
/// 8h), running timers, and tracks without a project. Give `date` (a day),
/// `week_of` (the week containing that day, starting on the user's
/// `week_start`) or `period` (today, yesterday, this_week, last_week); none
/// means today. A track belongs to the day it starts; running timers count up
/// to now. Durations are exact seconds (rounding settings apply to reports and
/// invoices, not here). A timer still running from before the range is listed
/// under `running_timers`, and a track reaching in from before the range
/// shows up in `overlaps`, but neither counts in the totals. Each finding
/// lists at most 50 items, with the count and total time of all. The
/// resolved range is echoed back.
#[tool(
    title = "Review a timesheet",
    read_only,
    idempotent,
    scope = "tracks:read"
)]
async fn review_timesheet(ctx: &Ctx, args: ReviewTimesheet) -> Result<Timesheet, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let tz = settings.time_zone.clone();
    let week_start = settings.week_start;
    let min_gap = args
        .min_gap
        .as_ref()
        .map(DurationInput::seconds)
        .transpose()?
        .unwrap_or(DEFAULT_MIN_GAP_SECONDS);
    let long_track = args
        .long_track
        .as_ref()
        .map(DurationInput::seconds)
        .transpose()?
        .unwrap_or(DEFAULT_LONG_TRACK_SECONDS);
    let on_day = |text: &str| parse_day(text, &tz, now).and_then(|d| start_of_day(d, &tz));
    let (range, period) = match (&args.date, &args.week_of, args.period) {
        (None, None, None) => (
            period_range(PeriodName::Today, week_start, &tz, now)?,
            Some(PeriodName::Today),
        ),
        (Some(date), None, None) => (
            period_range(PeriodName::Today, week_start, &tz, on_day(date)?)?,
            None,
        ),
        (None, Some(day), None) => (
            period_range(PeriodName::ThisWeek, week_start, &tz, on_day(day)?)?,
            None,
        ),
        (None, None, Some(period)) => {
            let period = PeriodName::from(period);
            (period_range(period, week_start, &tz, now)?, Some(period))
        }
        _ => {
            return Err(ToolError::invalid(
                "give one of `date`, `week_of` or `period`",
            ));
        }
    };
    let (tracks, settings) = ctx
        .run(move |conn, user| Ok((tracks::spanning(conn, user.id, range, now)?, settings)))
        .await?;

    let end_of = |t: &Track| t.ended_at.unwrap_or(now).max(t.started_at);
    let seconds = |t: &Track| t.seconds(now);
    let day_of = |ts: Timestamp| ts.to_zoned(tz.clone()).date();
    let starts_in = |t: &Track| t.started_at >= range.from && t.started_at < range.to;
    let inside: Vec<&Track> = tracks.iter().filter(|t| starts_in(t)).collect();
    let out = |t: &Track| TrackOut::new(t, &settings, now);

    let mut days = Vec::new();
    let mut gaps = Vec::new();
    let mut date = day_of(range.from);
    let last = day_of(range.to);
    while date < last {
        let of_day: Vec<&Track> = inside
            .iter()
            .copied()
            .filter(|t| day_of(t.started_at) == date)
            .collect();
        let total: i64 = of_day.iter().map(|t| seconds(t)).sum();
        let billable: i64 = of_day
            .iter()
            .filter(|t| t.billable)
            .map(|t| seconds(t))
            .sum();
        // Walk the day's tracks by start; `covered` is how far they reach.
        let mut covered: Option<(Timestamp, &Track)> = None;
        for track in &of_day {
            if let Some((until, after)) = covered {
                let gap = track.started_at.as_second() - until.as_second();
                if gap > min_gap {
                    gaps.push((
                        gap,
                        Gap {
                            date: date.to_string(),
                            from: when(until, &tz),
                            to: when(track.started_at, &tz),
                            seconds: gap,
                            duration: format_duration(gap),
                            after: TrackRef::of(after),
                            before: TrackRef::of(track),
                        },
                    ));
                }
            }
            if covered.is_none_or(|(until, _)| end_of(track) > until) {
                covered = Some((end_of(track), track));
            }
        }
        let last_end = if of_day.iter().any(|t| t.ended_at.is_none()) {
            None
        } else {
            of_day.iter().filter_map(|t| t.ended_at).max()
        };
        days.push(DaySheet {
            date: date.to_string(),
            weekday: date.strftime("%A").to_string(),
            track_count: of_day.len(),
            total_seconds: total,
            total_duration: format_duration(total),
            billable_seconds: billable,
            non_billable_seconds: total - billable,
            first_start: of_day.first().map(|t| when(t.started_at, &tz)),
            last_end: last_end.map(|end| when(end, &tz)),
        });
        date = date
            .tomorrow()
            .map_err(|e| ToolError::invalid(e.to_string()))?;
    }

    // Sorted by start, a track can only overlap the ones after it that start
    // before it ends.
    let mut overlaps = Vec::new();
    for (i, first) in tracks.iter().enumerate() {
        for second in &tracks[i + 1..] {
            if second.started_at >= end_of(first) {
                break;
            }
            if !starts_in(first) && !starts_in(second) {
                continue;
            }
            let to = end_of(first).min(end_of(second));
            let shared = to.as_second() - second.started_at.as_second();
            if shared > 0 {
                overlaps.push((
                    shared,
                    Overlap {
                        first: TrackRef::of(first),
                        second: TrackRef::of(second),
                        from: when(second.started_at, &tz),
                        to: when(to, &tz),
                        seconds: shared,
                        duration: format_duration(shared),
                    },
                ));
            }
        }
    }

    let total: i64 = inside.iter().map(|t| seconds(t)).sum();
    let billable: i64 = inside
        .iter()
        .filter(|t| t.billable)
        .map(|t| seconds(t))
        .sum();
    let flagged = |keep: &dyn Fn(&Track) -> bool, from: &[&Track]| {
        Findings::new(
            from.iter()
                .filter(|t| keep(t))
                .map(|t| (seconds(t), out(t)))
                .collect(),
        )
    };
    let all: Vec<&Track> = tracks.iter().collect();
    Ok(Timesheet {
        range: range.resolved(period, &tz),
        days,
        track_count: inside.len(),
        total_seconds: total,
        total_duration: format_duration(total),
        billable_seconds: billable,
        billable_duration: format_duration(billable),
        non_billable_seconds: total - billable,
        non_billable_duration: format_duration(total - billable),
        gaps: Findings::new(gaps),
        overlaps: Findings::new(overlaps),
        long_tracks: flagged(&|t| seconds(t) > long_track, &inside),
        running_timers: flagged(&|t| t.ended_at.is_none(), &all),
        without_project: flagged(&|t| t.project.is_none(), &inside),
        thresholds: ReviewThresholds {
            min_gap_seconds: min_gap,
            long_track_seconds: long_track,
        },
    })
}
