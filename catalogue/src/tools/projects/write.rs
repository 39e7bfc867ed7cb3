//! Writing projects: create, update (repricing unbilled tracks), delete.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    BudgetInput, MAX_REPRICED_LISTED, ProjectOut, check_project_limit, new_track_billing,
    require_budgets,
};
use crate::db::projects::{self, ProjectFields};
use crate::db::{self, clients, idempotency, write_or_preview};
use crate::fields::{optional_text, valid_color, valid_name};
use crate::money::{Amount, amounts};
use crate::project::{Budget, TracksAction};
use crate::reference::Ref;
use crate::settings::Settings;
use crate::time::{When, when};
use crate::{Ctx, ToolError, money, patch, tool};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    /// Unique name.
    pub name: String,
    /// The client.
    pub client: Option<Ref>,
    /// Colour as `#RRGGBB`.
    pub color: Option<String>,
    /// Default: true with a client or rate, else the user's.
    pub billable: Option<bool>,
    /// Hourly rate (decimal); default the client's, else the user's.
    pub hourly_rate: Option<String>,
    /// ISO 4217 code; default the client's, else the user's.
    pub currency: Option<String>,
    /// What the project is about.
    pub description: Option<String>,
    /// A budget (pro tier).
    pub budget: Option<BudgetInput>,
    /// A repeated key returns the first result.
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ProjectSaved {
    pub project: ProjectOut,
    /// True when an earlier call with the same `idempotency_key` created it;
    /// the project is then shown as that call returned it.
    pub replayed: bool,
}

/// Create a project, optionally for a client, with billing defaults and a
/// budget (pro tier, else `tier_required`). A taken name (archived included,
/// any case) is a `conflict`; the free tier allows 5 unarchived projects
/// (`limit_reached`).
#[tool(title = "Create a project", scope = "tracks:write")]
async fn create_project(ctx: &Ctx, args: CreateProject) -> Result<ProjectSaved, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let name = valid_name("project", &args.name)?;
    let color = valid_color(args.color)?;
    let hourly_rate = args
        .hourly_rate
        .as_deref()
        .map(money::parse_rate)
        .transpose()?;
    let currency = args
        .currency
        .as_deref()
        .map(money::parse_currency)
        .transpose()?;
    let budget = args
        .budget
        .map(|b| b.apply(Budget::default()))
        .transpose()?;
    let key = args.idempotency_key;
    ctx.run(move |conn, user| {
        db::write(conn, db::Lock::User(user.id), |conn| {
            if let Some(key) = &key
                && let Some(mut saved) =
                    idempotency::replay::<ProjectSaved>(conn, user.id, "create_project", key)?
            {
                saved.replayed = true;
                return Ok(saved);
            }
            let client_id = args
                .client
                .as_ref()
                .map(|c| clients::resolve(conn, user.id, c))
                .transpose()?;
            projects::ensure_name_free(conn, user.id, &name, None)?;
            if budget.is_some() {
                require_budgets(user.tier)?;
            }
            check_project_limit(conn, user.id, user.tier)?;
            let fields = ProjectFields {
                billable: args.billable.unwrap_or(
                    client_id.is_some() || hourly_rate.is_some() || settings.default_billable,
                ),
                name,
                client_id,
                color,
                description: optional_text(args.description),
                hourly_rate,
                currency,
                archived_at: None,
                budget: budget.unwrap_or_default(),
            };
            let id = projects::create(conn, user.id, &fields, now)?;
            let saved = ProjectSaved {
                project: ProjectOut::new(&projects::get(conn, user.id, id)?, &settings, None),
                replayed: false,
            };
            if let Some(key) = &key {
                idempotency::record(conn, user.id, "create_project", key, &saved, now)?;
            }
            Ok(saved)
        })
    })
    .await
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProject {
    /// The project.
    pub project: Ref,
    /// New name.
    pub name: Option<String>,
    /// New client.
    pub client: Option<Ref>,
    /// Colour as `#RRGGBB`.
    pub color: Option<String>,
    /// Billable by default for new tracks.
    pub billable: Option<bool>,
    /// Hourly rate (decimal).
    pub hourly_rate: Option<String>,
    /// ISO 4217 code.
    pub currency: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// Budget parts to change (pro tier).
    pub budget: Option<BudgetInput>,
    /// Archive (true) or restore (false).
    pub archived: Option<bool>,
    /// Re-rate its unbilled tracks like new ones.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub reprice_unbilled: bool,
    /// Preview; change nothing.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub dry_run: bool,
    /// Fields to clear; rate and currency fall back to the client's, else the user's.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<Vec<UpdateProjectClear>>")]
    pub clear: Vec<UpdateProjectClear>,
}

// A field `UpdateProject` can clear.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpdateProjectClear {
    Client,
    Color,
    HourlyRate,
    Currency,
    Description,
    Budget,
    #[serde(rename = "budget.hours")]
    BudgetHours,
    #[serde(rename = "budget.amount")]
    BudgetAmount,
}

/// A track's rate, currency and amount.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TrackRate {
    /// Rate per hour (decimal string), or `null`.
    pub hourly_rate: Option<String>,
    /// ISO 4217 code.
    pub currency: String,
    /// What the track is worth, when billable with a rate (decimal string).
    pub amount: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RepricedTrack {
    pub track_id: i32,
    pub description: String,
    pub start: When,
    pub billable: bool,
    pub before: TrackRate,
    pub after: TrackRate,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Repriced {
    /// The project's unbilled tracks (on no invoice, or only void ones),
    /// running timers included.
    pub unbilled_tracks: i64,
    /// Those whose rate or currency changed (or would, with `dry_run`).
    pub changed_count: i64,
    /// Tracks on an invoice that is not void: left as they are.
    pub invoiced_tracks_skipped: i64,
    /// The changed tracks, oldest first; at most 100 are listed.
    pub tracks: Vec<RepricedTrack>,
    /// The changed billable tracks' amounts before, per currency.
    pub amount_before: Vec<Amount>,
    /// Their amounts after, per currency.
    pub amount_after: Vec<Amount>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectUpdated {
    /// The project as saved (or as it would be, with `dry_run`).
    pub project: ProjectOut,
    /// The fields whose value changed.
    pub changed: Vec<String>,
    /// With `reprice_unbilled: true`: the tracks re-rated.
    pub repriced: Option<Repriced>,
    /// What the change means for tracks, when anything.
    pub notes: Vec<String>,
    /// True when nothing was changed (`dry_run`).
    pub dry_run: bool,
}

/// Change a project (`null` = leave as is; `clear` lists fields to clear). New
/// rate, currency or client apply to new tracks only (`notes` counts differing
/// unbilled ones) unless `reprice_unbilled` (re-rated ones in `repriced`).
/// Restoring counts against the free tier's 5 projects (`limit_reached`). A
/// budget needs pro (`tier_required`). A taken name is a `conflict`.
#[tool(
    title = "Update a project",
    destructive,
    idempotent,
    scope = "tracks:write"
)]
async fn update_project(ctx: &Ctx, args: UpdateProject) -> Result<ProjectUpdated, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let name = args
        .name
        .as_deref()
        .map(|n| valid_name("project", n))
        .transpose()?;
    let clear = &args.clear;
    let client = patch::field(args.client, clear, UpdateProjectClear::Client)?;
    let color = patch::field(args.color, clear, UpdateProjectClear::Color)?;
    let hourly_rate = patch::field(args.hourly_rate, clear, UpdateProjectClear::HourlyRate)?;
    let currency = patch::field(args.currency, clear, UpdateProjectClear::Currency)?;
    let description = patch::field(args.description, clear, UpdateProjectClear::Description)?;
    let budget = match patch::field(args.budget, clear, UpdateProjectClear::Budget)? {
        Some(None) => Some(None),
        given => {
            let mut input = given.flatten();
            let hours = patch::field(
                input.as_mut().and_then(|b| b.hours.take()),
                clear,
                UpdateProjectClear::BudgetHours,
            )?;
            let amount = patch::field(
                input.as_mut().and_then(|b| b.amount.take()),
                clear,
                UpdateProjectClear::BudgetAmount,
            )?;
            match (input, hours.is_some() || amount.is_some()) {
                (None, false) => None,
                (input, _) => Some(Some((input.unwrap_or_default(), hours, amount))),
            }
        }
    };
    let color = color.map(valid_color).transpose()?;
    let hourly_rate = hourly_rate
        .map(|r| r.as_deref().map(money::parse_rate).transpose())
        .transpose()?;
    let currency = currency
        .map(|c| c.as_deref().map(money::parse_currency).transpose())
        .transpose()?;
    let dry_run = args.dry_run;
    ctx.run(move |conn, user| {
        write_or_preview(conn, user.id, dry_run, |conn| {
            let before = projects::find(conn, user.id, &args.project)?;
            let mut f = before.fields();
            if let Some(name) = name {
                projects::ensure_name_free(conn, user.id, &name, Some(before.id))?;
                f.name = name;
            }
            if let Some(client) = &client {
                f.client_id = client
                    .as_ref()
                    .map(|c| clients::resolve(conn, user.id, c))
                    .transpose()?;
            }
            if let Some(color) = color {
                f.color = color;
            }
            if let Some(billable) = args.billable {
                f.billable = billable;
            }
            if let Some(rate) = hourly_rate {
                f.hourly_rate = rate;
            }
            if let Some(currency) = currency {
                f.currency = currency;
            }
            if let Some(description) = description {
                f.description = optional_text(description);
            }
            match budget {
                None => {}
                Some(None) => f.budget = Budget::default(),
                Some(Some((input, hours, amount))) => {
                    f.budget = input.apply_patch(f.budget, hours, amount)?;
                    require_budgets(user.tier)?;
                }
            }
            let mut notes = Vec::new();
            match args.archived {
                Some(true) if f.archived_at.is_none() => {
                    f.archived_at = Some(now);
                    notes.push(
                        "Archived: list_projects leaves it out unless status is archived or all; its tracks stay.".to_owned(),
                    );
                }
                Some(false) if f.archived_at.is_some() => {
                    check_project_limit(conn, user.id, user.tier)?;
                    f.archived_at = None;
                }
                _ => {}
            }
            projects::update(conn, user.id, before.id, &f)?;
            let after = projects::get(conn, user.id, before.id)?;
            let (rate, _, currency, _) = new_track_billing(&after, &settings);
            let (old_rate, _, old_currency, _) = new_track_billing(&before, &settings);
            let repriced = if args.reprice_unbilled {
                Some(reprice(conn, user.id, after.id, rate, &currency, now, &settings)?)
            } else {
                if rate != old_rate || currency != old_currency {
                    let (unbilled, _) = projects::unbilled_tracks(conn, user.id, after.id)?;
                    let differ = unbilled
                        .iter()
                        .filter(|t| t.hourly_rate != rate || t.currency != currency)
                        .count();
                    notes.push(format!(
                        "New tracks get the new rate and currency; {differ} unbilled track(s) keep \
                         their old ones. Call again with reprice_unbilled: true to re-rate them \
                         (dry_run: true previews it)."
                    ));
                }
                None
            };
            Ok(ProjectUpdated {
                changed: changed_fields(&before.fields(), &after.fields()),
                project: ProjectOut::new(&after, &settings, None),
                repriced,
                notes,
                dry_run,
            })
        })
    })
    .await
}

fn changed_fields(a: &ProjectFields, b: &ProjectFields) -> Vec<String> {
    let pairs = [
        ("name", a.name != b.name),
        ("client", a.client_id != b.client_id),
        ("color", a.color != b.color),
        ("description", a.description != b.description),
        ("billable", a.billable != b.billable),
        ("hourly_rate", a.hourly_rate != b.hourly_rate),
        ("currency", a.currency != b.currency),
        ("budget", a.budget != b.budget),
        (
            "archived",
            a.archived_at.is_some() != b.archived_at.is_some(),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, changed)| *changed)
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// Give the project's unbilled tracks `rate` and `currency`.
fn reprice(
    conn: &mut db::Conn,
    user_id: i32,
    project_id: i32,
    rate: Option<Decimal>,
    currency: &str,
    now: Timestamp,
    settings: &Settings,
) -> Result<Repriced, ToolError> {
    let (unbilled, invoiced) = projects::unbilled_tracks(conn, user_id, project_id)?;
    let amount = |billable: bool, rate: Option<Decimal>, seconds: i64, currency: &str| {
        rate.filter(|_| billable)
            .map(|r| money::amount_for(r, seconds, currency))
    };
    let mut before_totals: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut after_totals: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut tracks = Vec::new();
    let mut changed_count = 0;
    for track in &unbilled {
        if track.hourly_rate == rate && track.currency == currency {
            continue;
        }
        changed_count += 1;
        projects::set_track_rate(conn, user_id, track.id, rate, currency, now)?;
        let seconds =
            (track.ended_at.unwrap_or(now).as_second() - track.started_at.as_second()).max(0);
        let old = amount(track.billable, track.hourly_rate, seconds, &track.currency);
        let new = amount(track.billable, rate, seconds, currency);
        if let Some(old) = old {
            let sum = before_totals.entry(track.currency.clone()).or_default();
            *sum = money::add(*sum, old);
        }
        if let Some(new) = new {
            let sum = after_totals.entry(currency.to_owned()).or_default();
            *sum = money::add(*sum, new);
        }
        if tracks.len() < MAX_REPRICED_LISTED {
            tracks.push(RepricedTrack {
                track_id: track.id,
                description: track.description.clone(),
                start: when(track.started_at, &settings.time_zone),
                billable: track.billable,
                before: TrackRate {
                    hourly_rate: track.hourly_rate.map(|r| money::price(r, &track.currency)),
                    currency: track.currency.clone(),
                    amount: old.map(|a| money::format(a, &track.currency)),
                },
                after: TrackRate {
                    hourly_rate: rate.map(|r| money::price(r, currency)),
                    currency: currency.to_owned(),
                    amount: new.map(|a| money::format(a, currency)),
                },
            });
        }
    }
    Ok(Repriced {
        unbilled_tracks: unbilled.len() as i64,
        changed_count,
        invoiced_tracks_skipped: invoiced as i64,
        tracks,
        amount_before: amounts(&before_totals),
        amount_after: amounts(&after_totals),
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteProject {
    /// The project.
    pub project: Ref,
    /// What happens to its tracks; required when it has any.
    pub tracks: Option<TracksAction>,
    /// Preview; delete nothing.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub dry_run: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectDeleted {
    /// The project as it was.
    pub project: ProjectOut,
    /// Its tracks, running timers included.
    pub track_count: i64,
    /// What happens to them, as asked.
    pub tracks: Option<TracksAction>,
    /// Tracks deleted (or that would be, with `dry_run`).
    pub tracks_deleted: i64,
    /// Tracks left without a project (or that would be, with `dry_run`).
    pub tracks_unassigned: i64,
    /// True when the project is deleted, or would be with `dry_run`.
    pub deleted: bool,
    /// What happened, in a sentence.
    pub message: String,
    /// True when nothing was changed (`dry_run`).
    pub dry_run: bool,
}

/// Delete a project for good; `tracks` says what happens to its tracks. A track
/// on a non-void invoice makes it `track_invoiced` (archive instead). `dry_run`
/// shows the counts.
#[tool(
    title = "Delete a project",
    destructive,
    idempotent,
    scope = "tracks:write"
)]
async fn delete_project(ctx: &Ctx, args: DeleteProject) -> Result<ProjectDeleted, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    ctx.run(move |conn, user| {
        write_or_preview(conn, user.id, args.dry_run, |conn| {
            let project = projects::find(conn, user.id, &args.project)?;
            projects::ensure_no_invoiced_tracks(conn, user.id, project.id).map_err(|err| {
                let count = err.details.get("track_ids").and_then(|ids| ids.as_array()).map_or(0, Vec::len);
                ToolError {
                    message: format!(
                        "project {:?} has {count} track(s) on an invoice that is not void, so it cannot be deleted",
                        project.name
                    ),
                    hint: Some(
                        "archive it instead with update_project (archived: true), or void or delete those invoices first"
                            .to_owned(),
                    ),
                    ..err
                }
            })?;
            let track_count = projects::track_count(conn, user.id, project.id)?;
            let out = ProjectOut::new(&project, &settings, None);
            let name = &project.name;
            if track_count > 0 && args.tracks.is_none() {
                let message = format!(
                    "project {name:?} has {track_count} track(s): pass tracks: \"unassign\" to keep them without a project, or \"delete\" to delete them too"
                );
                if !args.dry_run {
                    return Err(ToolError::invalid(message)
                        .hint("pass tracks: \"unassign\" or \"delete\" (dry_run: true previews)")
                        .detail("track_count", track_count));
                }
                return Ok(ProjectDeleted {
                    project: out,
                    track_count,
                    tracks: None,
                    tracks_deleted: 0,
                    tracks_unassigned: 0,
                    deleted: false,
                    message,
                    dry_run: true,
                });
            }
            let action = args.tracks.filter(|_| track_count > 0);
            let affected = projects::delete(conn, user.id, project.id, action, now)? as i64;
            let (deleted, unassigned) = match action {
                Some(TracksAction::Delete) => (affected, 0),
                Some(TracksAction::Unassign) => (0, affected),
                None => (0, 0),
            };
            let verb = if args.dry_run { "would be" } else { "was" };
            let message = match action {
                Some(TracksAction::Delete) => format!(
                    "project {name:?} {verb} deleted with its {deleted} track(s)"
                ),
                Some(TracksAction::Unassign) => format!(
                    "project {name:?} {verb} deleted; its {unassigned} track(s) {} without a project",
                    if args.dry_run { "would stay" } else { "stay" }
                ),
                None => format!("project {name:?} {verb} deleted; it had no tracks"),
            };
            Ok(ProjectDeleted {
                project: out,
                track_count,
                tracks: args.tracks,
                tracks_deleted: deleted,
                tracks_unassigned: unassigned,
                deleted: true,
                message,
                dry_run: args.dry_run,
            })
        })
    })
    .await
}
