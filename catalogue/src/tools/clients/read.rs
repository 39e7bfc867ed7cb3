//! Reading clients: the filtered list, and one with its projects and what is unbilled.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::db::clients::{self, ClientFilter};
use crate::fields::ArchiveFilter;
use crate::reference::Ref;
use crate::time::{format_duration, hours};
use crate::{Ctx, ToolError, money, pagination, tool};

use super::ClientOut;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListClients {
    /// Which to list.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<ArchiveFilter>")]
    pub status: ArchiveFilter,
    /// Text in the name.
    pub search: Option<String>,
    /// Clients per page, 1–200 (default 50).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// From the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ClientListed {
    #[serde(flatten)]
    pub client: ClientOut,
    /// Its projects that are not archived.
    pub project_count: i64,
    /// Its archived projects.
    pub archived_project_count: i64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ClientList {
    /// By name (case-insensitive).
    pub clients: Vec<ClientListed>,
    /// All clients matching the filters, on every page.
    pub total_count: i64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Clients by name with contact details, billing defaults and project count.
#[tool(title = "List clients", read_only, idempotent, scope = "tracks:read")]
async fn list_clients(ctx: &Ctx, args: ListClients) -> Result<ClientList, ToolError> {
    let settings = ctx.settings().await?;
    let limit = pagination::limit(args.limit)?;
    let after = args
        .cursor
        .as_deref()
        .map(pagination::decode)
        .transpose()?
        .map(|(_, id)| id);
    let filter = ClientFilter {
        archive: args.status,
        search: args.search.filter(|s| !s.trim().is_empty()),
    };
    let page = ctx
        .run(move |conn, user| clients::list(conn, user.id, &filter, limit, after))
        .await?;
    let next_cursor = if page.more {
        page.clients
            .last()
            .map(|(c, _)| pagination::encode(i64::from(c.id), c.id))
    } else {
        None
    };
    Ok(ClientList {
        clients: page
            .clients
            .iter()
            .map(|(client, counts)| ClientListed {
                client: ClientOut::new(client, &settings),
                project_count: counts.active,
                archived_project_count: counts.archived,
            })
            .collect(),
        total_count: page.total_count,
        next_cursor,
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetClient {
    /// The client.
    pub client: Ref,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ClientProject {
    pub id: i32,
    pub name: String,
    pub billable: bool,
    pub archived: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct UnbilledOut {
    /// ISO 4217 code of these tracks.
    pub currency: String,
    /// Stopped billable tracks on no invoice (or only on void ones).
    pub track_count: i64,
    /// Their exact time in seconds (no rounding setting applied).
    pub seconds: i64,
    /// The same as `h:mm:ss`.
    pub duration: String,
    /// The same in decimal hours, two places.
    pub hours: String,
    /// What they are worth: each track's amount rounded to the minor unit, summed.
    pub amount: String,
    /// Billable tracks without any rate: counted in the time, worth nothing here.
    pub tracks_without_rate: i64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ClientDetail {
    #[serde(flatten)]
    pub client: ClientOut,
    /// Its projects by name, archived ones included.
    pub projects: Vec<ClientProject>,
    /// Unbilled billable work per currency, ready for an invoice; empty when there is none.
    pub unbilled: Vec<UnbilledOut>,
    /// Its invoices, void ones included.
    pub invoice_count: i64,
}

/// One client with its projects, unbilled billable work per currency and
/// invoice count.
#[tool(title = "Get a client", read_only, idempotent, scope = "tracks:read")]
async fn get_client(ctx: &Ctx, GetClient { client }: GetClient) -> Result<ClientDetail, ToolError> {
    let settings = ctx.settings().await?;
    let (client, projects, unbilled, invoice_count) = ctx
        .run(move |conn, user| {
            let client = clients::find(conn, user.id, &client)?;
            let projects = clients::projects_of(conn, user.id, client.id)?;
            let unbilled = clients::unbilled(conn, user.id, client.id)?;
            let invoices = clients::invoice_count(conn, user.id, client.id)?;
            Ok((client, projects, unbilled, invoices))
        })
        .await?;
    Ok(ClientDetail {
        client: ClientOut::new(&client, &settings),
        projects: projects
            .into_iter()
            .map(|p| ClientProject {
                id: p.id,
                name: p.name,
                billable: p.billable,
                archived: p.archived,
            })
            .collect(),
        unbilled: unbilled
            .into_iter()
            .map(|(currency, u)| UnbilledOut {
                track_count: u.track_count,
                seconds: u.seconds,
                duration: format_duration(u.seconds),
                hours: hours(u.seconds).to_string(),
                amount: money::format(u.amount, &currency),
                tracks_without_rate: u.tracks_without_rate,
                currency,
            })
            .collect(),
        invoice_count,
    })
}
