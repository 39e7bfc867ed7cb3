//! `bulk_update_tracks`: one change to many tracks, planned per track by
//! `crate::tracking::Edit`, written in one transaction.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::db;
use crate::db::tracks::{self, TrackFields};
use crate::reference::{Named, Ref};
use crate::time::ResolvedRange;
use crate::tracking::{self, TrackChange};
use crate::{Ctx, ErrorCode, ToolError, money, patch, tool};

use super::TrackSelection;
/// Most tracks one `bulk_update_tracks` call may select.
pub const MAX_BULK_TRACKS: usize = 50_000;
/// Most tracks whose changes a bulk result details (the id lists are complete).
pub const MAX_BULK_DETAILS: usize = 100;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackChanges {
    /// New description.
    pub description: Option<String>,
    /// New project; tracks already on it keep their billing.
    pub project: Option<Ref>,
    /// Tags to add.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<Vec<Ref>>")]
    pub add_tags: Vec<Ref>,
    /// Tags to remove.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<Vec<Ref>>")]
    pub remove_tags: Vec<Ref>,
    /// Billable (true) or not (false).
    pub billable: Option<bool>,
    /// Hourly rate (decimal).
    pub hourly_rate: Option<String>,
    /// Fields to clear; the rate falls back to the project's, client's or user's.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<Vec<TrackChangesClear>>")]
    pub clear: Vec<TrackChangesClear>,
}

// A field `bulk_update_tracks` can clear.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrackChangesClear {
    Project,
    HourlyRate,
}

impl TrackChanges {
    fn is_empty(&self) -> bool {
        self.description.is_none()
            && self.project.is_none()
            && self.add_tags.is_empty()
            && self.remove_tags.is_empty()
            && self.billable.is_none()
            && self.hourly_rate.is_none()
            && self.clear.is_empty()
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkUpdateTracks {
    /// Track ids; or `filter`.
    pub ids: Option<Vec<i32>>,
    /// The tracks to change, as list_tracks selects them.
    pub filter: Option<TrackSelection>,
    /// What to change.
    pub set: TrackChanges,
    /// Skip invoiced tracks (in `skipped_invoiced_track_ids`) instead of failing.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub skip_invoiced: bool,
    /// Preview; change nothing.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub dry_run: bool,
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

/// Change many tracks at once (all or nothing), by `ids` or `filter` (as
/// list_tracks; over 50,000 is `invalid_argument` with `matched`). Billing
/// re-resolves as in update_track; times never change; running timers match
/// unless `running: false`. An invoiced track fails the call (`track_invoiced`)
/// unless `skip_invoiced`. `dry_run` previews (first 100 detailed).
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
        mut set,
        skip_invoiced,
        dry_run,
    } = args;
    if set.is_empty() {
        return Err(ToolError::invalid("`set` changes nothing")
            .hint("set at least one of description, project, add_tags, remove_tags, billable, hourly_rate or clear"));
    }
    let set_project = patch::field(set.project.take(), &set.clear, TrackChangesClear::Project)?;
    let set_rate = patch::field(
        set.hourly_rate.take(),
        &set.clear,
        TrackChangesClear::HourlyRate,
    )?;
    if let Some(Some(rate)) = &set_rate {
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
            db::write(conn, db::Lock::User(user.id), |conn| {
                // References first: a bad one fails before anything is read.
                let target = match &set_project {
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
                        let known: HashSet<i32> = found.iter().map(|t| t.id).collect();
                        let missing: Vec<i32> = ids
                            .iter()
                            .copied()
                            .filter(|id| !known.contains(id))
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
                let edit = tracking::Edit {
                    description: set.description.as_deref(),
                    add_tags: &add,
                    remove_tags: &remove,
                    billable: set.billable,
                };
                for track in &selected {
                    let old = track.fields();
                    let mut fields = edit.apply(&old);
                    // Already on the new project: not a project change.
                    let project = target_id
                        .filter(|id| *id != old.project_id)
                        .map(|id| id.map(Ref::Id));
                    if let Some(billing) = tracking::rebilling(
                        old.project_id,
                        fields.billable,
                        project.as_ref(),
                        set.billable,
                        set_rate.as_ref(),
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
                            Entry::Vacant(entry) => entry.insert(tracks::resolve_billing(
                                conn, user.id, &settings, &billing,
                            )?),
                        };
                        resolved.apply(&mut fields);
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
                    match edit.describe(track, &fields, new_project, &settings.time_zone) {
                        Some(change) => planned.push((fields, change)),
                        None => unchanged.push(track.id),
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
                    let skip: HashSet<i32> = skipped.iter().copied().collect();
                    planned.retain(|(_, c)| !skip.contains(&c.id));
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
                    let changes: Vec<(i32, &TrackFields)> =
                        planned.iter().map(|(fields, c)| (c.id, fields)).collect();
                    tracks::update_all(conn, user.id, &changes, now)?;
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
