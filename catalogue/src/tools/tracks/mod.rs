//! Tracks: time entries, logged after the fact or left by a stopped timer
//! (`edit`), listed (`list`), changed in bulk (`bulk`), and reviewed a day or
//! a week at a time (`review`). The rules they share are `crate::tracking`'s.

mod bulk;
mod edit;
mod list;
mod review;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::ToolError;
use crate::db;
use crate::db::tracks::{Span, TrackFilter};
use crate::reference::Ref;
use crate::settings::Settings;
use crate::time::{PeriodName, Range, resolve_range};

/// Which tracks a list or a bulk change covers: the filters of list_tracks.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackSelection {
    /// Tracks starting in this period; or `from`/`to`.
    pub period: Option<PeriodName>,
    /// Tracks starting at or after this.
    pub from: Option<String>,
    /// Tracks starting before this.
    pub to: Option<String>,
    /// Only this project.
    pub project: Option<Ref>,
    /// Only tracks without project.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub without_project: bool,
    /// Only tracks with this tag.
    pub tag: Option<Ref>,
    /// Only billable or non-billable tracks.
    pub billable: Option<bool>,
    /// Only running (true) or stopped (false).
    pub running: Option<bool>,
    /// Text in the description.
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
            settings.calendar(),
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
