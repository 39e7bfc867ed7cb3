//! The rules every tool that writes a track shares (SPEC §3): the track and
//! its fields, billing as asked and as resolved at save time (the lookup is
//! `db::tracks::resolve_billing`, the overlap check `db::tracks::overlaps`),
//! the future-start and 24-hour guards, how a bulk change plans each track,
//! and how a track reads in a result.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Serialize;

use crate::reference::{Named, Ref};
use crate::settings::Settings;
use crate::time::{When, format_duration, when};
use crate::{ToolError, money};

/// A track as a timesheet review reads it: what it checks, without its
/// description, tags or names (read only for the tracks a review lists).
#[derive(Clone, Debug, PartialEq)]
pub struct Brief {
    pub id: i32,
    pub started_at: Timestamp,
    /// `None` while the timer runs.
    pub ended_at: Option<Timestamp>,
    pub billable: bool,
    pub has_project: bool,
}

impl Brief {
    /// Where it ends; a running one reaches up to `now`.
    pub fn end(&self, now: Timestamp) -> Timestamp {
        self.ended_at.unwrap_or(now).max(self.started_at)
    }

    /// Seconds tracked; a running track counts up to `now`.
    pub fn seconds(&self, now: Timestamp) -> i64 {
        self.end(now).as_second() - self.started_at.as_second()
    }
}

/// A start may be this far in the future (clock skew between assistant and server).
pub const FUTURE_SKEW_SECONDS: i64 = 60;
/// A track longer than this is most likely a forgotten timer.
pub const LONG_TRACK_SECONDS: i64 = 24 * 3600;

#[derive(Clone, Debug, PartialEq)]
pub struct Track {
    pub id: i32,
    pub description: String,
    pub project: Option<Named>,
    pub tags: Vec<Named>,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub billable: bool,
    pub hourly_rate: Option<Decimal>,
    pub currency: String,
}

impl Track {
    /// Its current fields, to change some and save them all.
    pub fn fields(&self) -> TrackFields {
        TrackFields {
            description: self.description.clone(),
            project_id: self.project.as_ref().map(|p| p.id),
            tag_ids: self.tags.iter().map(|t| t.id).collect(),
            started_at: self.started_at,
            ended_at: self.ended_at,
            billable: self.billable,
            hourly_rate: self.hourly_rate,
            currency: self.currency.clone(),
        }
    }

    /// Seconds tracked; a running track counts up to `now`.
    pub fn seconds(&self, now: Timestamp) -> i64 {
        (self.ended_at.unwrap_or(now).as_second() - self.started_at.as_second()).max(0)
    }
}

/// Every field of a track that can change; the caller has validated them.
#[derive(Clone, Debug)]
pub struct TrackFields {
    pub description: String,
    pub project_id: Option<i32>,
    pub tag_ids: Vec<i32>,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub billable: bool,
    pub hourly_rate: Option<Decimal>,
    pub currency: String,
}

/// A track as every tool returns it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct TrackOut {
    pub id: i32,
    pub description: String,
    pub project: Option<Named>,
    pub tags: Vec<Named>,
    pub start: When,
    /// `null` while the timer runs.
    pub end: Option<When>,
    pub running: bool,
    /// Seconds tracked; a running timer counts up to now.
    pub duration_seconds: i64,
    /// The same as `h:mm:ss`.
    pub duration: String,
    pub billable: bool,
    /// Rate per hour, resolved when the track was saved (decimal string).
    pub hourly_rate: Option<String>,
    /// ISO 4217 code of the rate and amount.
    pub currency: String,
    /// What the track is worth when billable with a rate, rounded half-up to
    /// the currency's minor unit (decimal string).
    pub amount: Option<String>,
}

impl TrackOut {
    pub fn new(track: &Track, settings: &Settings, now: Timestamp) -> TrackOut {
        let tz = &settings.time_zone;
        let seconds = track.seconds(now);
        TrackOut {
            id: track.id,
            description: track.description.clone(),
            project: track.project.clone(),
            tags: track.tags.clone(),
            start: when(track.started_at, tz),
            end: track.ended_at.map(|end| when(end, tz)),
            running: track.ended_at.is_none(),
            duration_seconds: seconds,
            duration: format_duration(seconds),
            billable: track.billable,
            hourly_rate: track.hourly_rate.map(|r| money::format(r, &track.currency)),
            currency: track.currency.clone(),
            amount: track.hourly_rate.filter(|_| track.billable).map(|rate| {
                money::format(
                    money::amount_for(rate, seconds, &track.currency),
                    &track.currency,
                )
            }),
        }
    }

    pub fn all(tracks: &[Track], settings: &Settings, now: Timestamp) -> Vec<TrackOut> {
        tracks
            .iter()
            .map(|t| TrackOut::new(t, settings, now))
            .collect()
    }
}

/// What the caller asked for a track's project, tags and billing.
#[derive(Clone, Debug, Default)]
pub struct Billing {
    pub project: Option<Ref>,
    pub tags: Vec<Ref>,
    pub billable: Option<bool>,
    pub hourly_rate: Option<String>,
}

/// Project, tags, billable flag, rate and currency, resolved for saving:
/// rate track override → project → client → user default; currency project →
/// client → user default; billable as asked, else the project's, else the
/// user's default.
pub struct Resolved {
    pub project_id: Option<i32>,
    pub tag_ids: Vec<i32>,
    pub billable: bool,
    pub hourly_rate: Option<Decimal>,
    pub currency: String,
}

impl Resolved {
    /// Put the resolved billing on a track's fields.
    pub fn apply(&self, fields: &mut TrackFields) {
        fields.project_id = self.project_id;
        fields.billable = self.billable;
        fields.hourly_rate = self.hourly_rate;
        fields.currency.clone_from(&self.currency);
    }
}

/// The billing to re-resolve when a change touches a track's project or its
/// rate override, or `None` when it touches neither. A new project brings its
/// own billable flag unless one is given and drops the track's old rate
/// override; a new rate alone keeps the track's (possibly just changed)
/// billable flag. update_track and bulk_update_tracks share this rule.
pub fn rebilling(
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

/// What a bulk change sets on every track it selects, its tags resolved.
#[derive(Clone, Copy, Debug)]
pub struct Edit<'a> {
    pub description: Option<&'a str>,
    pub add_tags: &'a [Named],
    pub remove_tags: &'a [Named],
    pub billable: Option<bool>,
}

impl Edit<'_> {
    /// A track's fields with the description, tags and billable flag set
    /// (project and rate are re-resolved through [`rebilling`]).
    pub fn apply(&self, old: &TrackFields) -> TrackFields {
        let mut fields = old.clone();
        if let Some(description) = self.description {
            fields.description = description.trim().to_owned();
        }
        fields
            .tag_ids
            .retain(|id| !self.remove_tags.iter().any(|t| t.id == *id));
        for tag in self.add_tags {
            if !fields.tag_ids.contains(&tag.id) {
                fields.tag_ids.push(tag.id);
            }
        }
        if let Some(billable) = self.billable {
            fields.billable = billable;
        }
        fields
    }

    /// How `track` changes into `fields` (its project then `project`), or
    /// `None` when nothing does.
    pub fn describe(
        &self,
        track: &Track,
        fields: &TrackFields,
        project: Option<Named>,
        tz: &TimeZone,
    ) -> Option<TrackChange> {
        let old = track.fields();
        let rate = |r: Option<Decimal>, currency: &str| r.map(|r| money::format(r, currency));
        let planned = TrackChange {
            id: track.id,
            description: track.description.clone(),
            start: when(track.started_at, tz),
            running: track.ended_at.is_none(),
            new_description: change(old.description.clone(), fields.description.clone()),
            project: change(track.project.clone(), project),
            tags_added: self
                .add_tags
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
        let changes_something = planned.new_description.is_some()
            || planned.project.is_some()
            || !planned.tags_added.is_empty()
            || !planned.tags_removed.is_empty()
            || planned.billable.is_some()
            || planned.hourly_rate.is_some()
            || planned.currency.is_some();
        changes_something.then_some(planned)
    }
}

/// A field's value before and after.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Change<T> {
    pub from: T,
    pub to: T,
}

/// The change from `from` to `to`, if they differ.
pub fn change<T: PartialEq>(from: T, to: T) -> Option<Change<T>> {
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

/// Refuse a start more than a minute in the future.
pub fn check_not_future(start: Timestamp, now: Timestamp) -> Result<(), ToolError> {
    if start.as_second() > now.as_second() + FUTURE_SKEW_SECONDS {
        return Err(ToolError::invalid("a timer cannot start in the future")
            .hint("give a start time up to now, or log the time later with log_track"));
    }
    Ok(())
}

/// An end after the start, and no longer than 24 hours unless confirmed.
pub fn check_span(start: Timestamp, end: Timestamp, confirm: bool) -> Result<(), ToolError> {
    let seconds = end.as_second() - start.as_second();
    if seconds <= 0 {
        return Err(ToolError::invalid(
            "the end must be after the start (no zero-length tracks)",
        ));
    }
    if seconds > LONG_TRACK_SECONDS && !confirm {
        return Err(ToolError::invalid(format!(
            "this track would last {} (over 24 hours): probably a forgotten timer",
            format_duration(seconds)
        ))
        .hint("give the real end time, or pass confirm: true to keep it")
        .detail("needs_confirm", true)
        .detail("duration_seconds", seconds));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(id: i32, name: &str) -> Named {
        Named {
            id,
            name: name.into(),
        }
    }

    fn track() -> Track {
        Track {
            id: 3,
            description: "Design".into(),
            project: Some(named(1, "Web")),
            tags: vec![named(7, "a"), named(8, "b")],
            started_at: "2026-10-01T08:00:00Z".parse().unwrap(),
            ended_at: Some("2026-10-01T09:00:00Z".parse().unwrap()),
            billable: true,
            hourly_rate: Some("100".parse().unwrap()),
            currency: "EUR".into(),
        }
    }

    #[test]
    fn an_edit_sets_description_tags_and_billable_and_describes_itself() {
        let track = track();
        let add = [named(8, "b"), named(9, "c")];
        let remove = [named(7, "a")];
        let edit = Edit {
            description: Some("  Review "),
            add_tags: &add,
            remove_tags: &remove,
            billable: Some(false),
        };
        let fields = edit.apply(&track.fields());
        assert_eq!(fields.description, "Review");
        assert_eq!(fields.tag_ids, [8, 9]);
        assert!(!fields.billable);
        let change = edit
            .describe(&track, &fields, track.project.clone(), &TimeZone::UTC)
            .unwrap();
        assert_eq!(change.tags_added, [named(9, "c")]);
        assert_eq!(change.tags_removed, [named(7, "a")]);
        assert!(change.project.is_none() && change.hourly_rate.is_none());
        assert_eq!(
            change.billable.as_ref().map(|c| (c.from, c.to)),
            Some((true, false))
        );
        assert_eq!(change.start.utc, "2026-10-01T08:00:00Z");
    }

    #[test]
    fn an_edit_that_changes_nothing_is_no_change() {
        let track = track();
        let add = [named(7, "a")];
        let edit = Edit {
            description: Some("Design"),
            add_tags: &add,
            remove_tags: &[],
            billable: Some(true),
        };
        let fields = edit.apply(&track.fields());
        assert!(
            edit.describe(&track, &fields, track.project.clone(), &TimeZone::UTC)
                .is_none()
        );
    }

    #[test]
    fn billing_is_resolved_again_only_for_a_new_project_or_rate() {
        assert!(rebilling(Some(1), true, None, Some(false), None).is_none());
        let project = Some(Ref::Id(2));
        let moved = rebilling(Some(1), true, Some(&project), None, None).unwrap();
        assert_eq!(moved.project, Some(Ref::Id(2)));
        // A new project brings its own billable flag unless one is given.
        assert_eq!(moved.billable, None);
        let rate = Some("80".to_owned());
        let repriced = rebilling(Some(1), false, None, None, Some(&rate)).unwrap();
        assert_eq!(repriced.project, Some(Ref::Id(1)));
        assert_eq!(repriced.billable, Some(false));
        assert_eq!(repriced.hourly_rate.as_deref(), Some("80"));
        let mut fields = track().fields();
        Resolved {
            project_id: Some(2),
            tag_ids: Vec::new(),
            billable: false,
            hourly_rate: None,
            currency: "USD".into(),
        }
        .apply(&mut fields);
        assert_eq!(
            (fields.project_id, fields.billable, fields.currency.as_str()),
            (Some(2), false, "USD")
        );
        assert_eq!(fields.tag_ids, [7, 8]);
    }

    #[test]
    fn guards_refuse_future_starts_and_unconfirmed_long_tracks() {
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        let now = at("2026-10-01T12:00:00Z");
        assert!(check_not_future(at("2026-10-01T12:01:00Z"), now).is_ok());
        assert!(check_not_future(at("2026-10-01T12:01:01Z"), now).is_err());
        assert!(check_span(now, now, false).is_err());
        let long = at("2026-10-02T12:00:01Z");
        let err = check_span(now, long, false).unwrap_err();
        assert_eq!(err.details["needs_confirm"], true);
        assert!(check_span(now, long, true).is_ok());
    }
}
