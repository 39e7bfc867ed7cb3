//! Reading projects: the filtered list, and one with what it has tracked.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::db::clients;
use crate::db::projects::{self, ProjectFilter};
use crate::fields::ArchiveFilter;
use crate::reference::Ref;
use crate::{Ctx, ToolError, pagination, tool};

use super::ProjectOut;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListProjects {
    /// Which to list.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<ArchiveFilter>")]
    pub status: ArchiveFilter,
    /// Only this client's.
    pub client: Option<Ref>,
    /// Only projects without a client.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub without_client: bool,
    /// Text in name or description.
    pub search: Option<String>,
    /// Add `spent` per project.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub include_spent: bool,
    /// Projects per page, 1–200 (default 50).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// From the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectList {
    /// By name (case-insensitive).
    pub projects: Vec<ProjectOut>,
    /// All projects matching the filters, on every page.
    pub total_count: i64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Projects by name with client, billing defaults, budget and (`include_spent`)
/// exact time and billable amount per currency.
#[tool(title = "List projects", read_only, idempotent, scope = "tracks:read")]
async fn list_projects(ctx: &Ctx, args: ListProjects) -> Result<ProjectList, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let limit = pagination::limit(args.limit)?;
    let after = args
        .cursor
        .as_deref()
        .map(pagination::decode)
        .transpose()?
        .map(|(_, id)| id);
    if args.without_client && args.client.is_some() {
        return Err(ToolError::invalid(
            "give `client` or `without_client`, not both",
        ));
    }
    let (page, spent) = ctx
        .run(move |conn, user| {
            let filter = ProjectFilter {
                archive: args.status,
                client_id: args
                    .client
                    .as_ref()
                    .map(|c| clients::resolve(conn, user.id, c))
                    .transpose()?,
                no_client: args.without_client,
                search: args.search.filter(|s| !s.trim().is_empty()),
            };
            let page = projects::list(conn, user.id, &filter, limit, after)?;
            let spent = if args.include_spent {
                let ids: Vec<i32> = page.projects.iter().map(|p| p.id).collect();
                Some(projects::spent(conn, user.id, &ids, now)?)
            } else {
                None
            };
            Ok((page, spent))
        })
        .await?;
    let next_cursor = if page.more {
        page.projects
            .last()
            .map(|p| pagination::encode(i64::from(p.id), p.id))
    } else {
        None
    };
    Ok(ProjectList {
        projects: page
            .projects
            .iter()
            .map(|p| {
                let spent = spent.as_ref().and_then(|s| s.get(&p.id));
                ProjectOut::new(p, &settings, spent)
            })
            .collect(),
        total_count: page.total_count,
        next_cursor,
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetProject {
    /// The project.
    pub project: Ref,
}

/// One project with client, billing defaults (`new_tracks`: what new tracks
/// get, and from where), budget and `spent` (exact time, billable amount per
/// currency).
#[tool(title = "Get a project", read_only, idempotent, scope = "tracks:read")]
async fn get_project(
    ctx: &Ctx,
    GetProject { project }: GetProject,
) -> Result<ProjectOut, ToolError> {
    let settings = ctx.settings().await?;
    let now = ctx.now();
    let (project, spent) = ctx
        .run(move |conn, user| {
            let project = projects::find(conn, user.id, &project)?;
            let spent = projects::spent(conn, user.id, &[project.id], now)?
                .remove(&project.id)
                .unwrap_or_default();
            Ok((project, spent))
        })
        .await?;
    Ok(ProjectOut::new(&project, &settings, Some(&spent)))
}
