//! Tags: labels on tracks ("meeting", "design"), with their usage.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::db::tags::{self, Tag};
use crate::db::{self, idempotency, write_or_preview};
use crate::fields::{valid_color, valid_name};
use crate::reference::Ref;
use crate::time::format_duration;
use crate::{Ctx, ToolError, pagination, patch, tool};

/// A tag as every tool returns it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct TagOut {
    pub id: i32,
    pub name: String,
    /// `#RRGGBB`, or `null`.
    pub color: Option<String>,
    /// Tracks that carry it.
    pub track_count: i64,
    /// Their time in seconds; running timers count up to now.
    pub total_seconds: i64,
    /// The same as `h:mm:ss`.
    pub total_duration: String,
}

impl From<Tag> for TagOut {
    fn from(tag: Tag) -> TagOut {
        TagOut {
            id: tag.id,
            name: tag.name,
            color: tag.color,
            track_count: tag.track_count,
            total_seconds: tag.seconds,
            total_duration: format_duration(tag.seconds),
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTag {
    /// Unique name.
    pub name: String,
    /// Colour as `#RRGGBB`.
    pub color: Option<String>,
    /// A repeated key returns the first result.
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct TagSaved {
    pub tag: TagOut,
    /// True when an earlier call with the same `idempotency_key` created it;
    /// the tag is then shown as that call returned it.
    pub replayed: bool,
}

/// Create a tag. A taken name (any case) is a `conflict`; the error names the
/// existing tag, usable instead.
#[tool(title = "Create a tag", scope = "tracks:write")]
async fn create_tag(ctx: &Ctx, args: CreateTag) -> Result<TagSaved, ToolError> {
    let now = ctx.now();
    let name = valid_name("tag", &args.name)?;
    let color = valid_color(args.color)?;
    let key = args.idempotency_key;
    ctx.run(move |conn, user| {
        db::write(conn, db::Lock::User(user.id), |conn| {
            if let Some(key) = &key
                && let Some(mut saved) =
                    idempotency::replay::<TagSaved>(conn, user.id, "create_tag", key)?
            {
                saved.replayed = true;
                return Ok(saved);
            }
            tags::ensure_name_free(conn, user.id, &name, None)?;
            let id = tags::insert(conn, user.id, &name, color.as_deref(), now)?;
            let saved = TagSaved {
                tag: tags::find(conn, user.id, &Ref::Id(id), now)?.into(),
                replayed: false,
            };
            if let Some(key) = &key {
                idempotency::record(conn, user.id, "create_tag", key, &saved, now)?;
            }
            Ok(saved)
        })
    })
    .await
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTags {
    /// Text in the name.
    pub search: Option<String>,
    /// Tags per page, 1–200 (default 50).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// From the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TagList {
    /// By name (case-insensitive).
    pub tags: Vec<TagOut>,
    /// All tags matching `search`, on every page.
    pub total_count: i64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Tags by name with track count and total time (running timers up to now).
#[tool(title = "List tags", read_only, idempotent, scope = "tracks:read")]
async fn list_tags(ctx: &Ctx, args: ListTags) -> Result<TagList, ToolError> {
    let now = ctx.now();
    let limit = pagination::limit(args.limit)?;
    let after = args
        .cursor
        .as_deref()
        .map(pagination::decode)
        .transpose()?
        .map(|(_, id)| id);
    let search = args.search.filter(|s| !s.trim().is_empty());
    let page = ctx
        .run(move |conn, user| tags::list(conn, user.id, search.as_deref(), limit, after, now))
        .await?;
    let next_cursor = if page.more {
        page.tags
            .last()
            .map(|t| pagination::encode(i64::from(t.id), t.id))
    } else {
        None
    };
    Ok(TagList {
        tags: page.tags.into_iter().map(TagOut::from).collect(),
        total_count: page.total_count,
        next_cursor,
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTag {
    /// The tag.
    pub tag: Ref,
    /// New name.
    pub name: Option<String>,
    /// New colour as `#RRGGBB`.
    pub color: Option<String>,
    /// Fields to clear: `color` removes the colour.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<Vec<UpdateTagClear>>")]
    pub clear: Vec<UpdateTagClear>,
}

// A field `UpdateTag` can clear.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpdateTagClear {
    Color,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TagUpdated {
    /// The tag as saved.
    pub tag: TagOut,
}

/// Rename or recolour a tag (`null` = leave as is; `clear: ["color"]` removes
/// the colour). A taken name is a `conflict`.
#[tool(title = "Update a tag", idempotent, scope = "tracks:write")]
async fn update_tag(ctx: &Ctx, args: UpdateTag) -> Result<TagUpdated, ToolError> {
    let now = ctx.now();
    let name = args
        .name
        .as_deref()
        .map(|n| valid_name("tag", n))
        .transpose()?;
    let color = patch::field(args.color, &args.clear, UpdateTagClear::Color)?
        .map(valid_color)
        .transpose()?;
    ctx.run(move |conn, user| {
        db::write(conn, db::Lock::User(user.id), |conn| {
            let tag = tags::find(conn, user.id, &args.tag, now)?;
            let name = match name {
                Some(name) => {
                    tags::ensure_name_free(conn, user.id, &name, Some(tag.id))?;
                    name
                }
                None => tag.name.clone(),
            };
            let color = color.unwrap_or(tag.color);
            tags::update(conn, user.id, tag.id, &name, color.as_deref())?;
            Ok(TagUpdated {
                tag: tags::find(conn, user.id, &Ref::Id(tag.id), now)?.into(),
            })
        })
    })
    .await
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteTag {
    /// The tag.
    pub tag: Ref,
    /// Only show how many tracks carry it.
    #[serde(default, deserialize_with = "crate::patch::or_default")]
    #[schemars(with = "Option<bool>")]
    pub dry_run: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TagDeleted {
    /// The tag as it was, with its usage.
    pub tag: TagOut,
    /// Tracks it was removed from (or would be, with `dry_run`); the tracks themselves stay.
    pub detached_from_tracks: i64,
    /// True when nothing was deleted (`dry_run`).
    pub dry_run: bool,
}

/// Delete a tag: it is removed from every track (the tracks stay, invoiced ones
/// too).
#[tool(
    title = "Delete a tag",
    destructive,
    idempotent,
    scope = "tracks:write"
)]
async fn delete_tag(ctx: &Ctx, args: DeleteTag) -> Result<TagDeleted, ToolError> {
    let now = ctx.now();
    ctx.run(move |conn, user| {
        write_or_preview(conn, user.id, args.dry_run, |conn| {
            let tag = tags::find(conn, user.id, &args.tag, now)?;
            let detached = tags::delete(conn, user.id, tag.id)?;
            Ok(TagDeleted {
                tag: tag.into(),
                detached_from_tracks: detached as i64,
                dry_run: args.dry_run,
            })
        })
    })
    .await
}
