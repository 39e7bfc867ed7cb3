//! Tags: labels on tracks, and how much each is used.

use diesel::prelude::*;
use jiff::Timestamp;

use super::common::{contains_pattern, lower, unique_conflict};
use super::{Conn, epoch};
use crate::ToolError;
use crate::fields::name_taken;
use crate::pagination::stale_cursor;
use crate::reference::{self, Named, Ref};
use crate::schema::{tags, track_tags};

/// The user's tags that `references` mean, in order, without repeats.
pub fn resolve_all(
    conn: &mut Conn,
    user_id: i32,
    references: &[Ref],
) -> Result<Vec<Named>, ToolError> {
    if references.is_empty() {
        return Ok(Vec::new());
    }
    let all: Vec<(i32, String)> = tags::table
        .filter(tags::user_id.eq(user_id))
        .select((tags::id, tags::name))
        .order(tags::id)
        .load(conn)?;
    let mut out: Vec<Named> = Vec::new();
    for reference in references {
        let (id, name) = reference::resolve("tag", reference, &all, |(id, name)| (*id, name))?;
        if !out.iter().any(|t| t.id == *id) {
            out.push(Named {
                id: *id,
                name: name.clone(),
            });
        }
    }
    Ok(out)
}

/// A tag with how much it is used.
#[derive(Clone, Debug, PartialEq)]
pub struct Tag {
    pub id: i32,
    pub name: String,
    pub color: Option<String>,
    pub track_count: i64,
    /// Time of its tracks; running timers count up to now.
    pub seconds: i64,
}

/// Create a tag without a colour (the data layer's entry point).
pub fn create(conn: &mut Conn, user_id: i32, name: &str, now: Timestamp) -> Result<i32, ToolError> {
    insert(conn, user_id, name, None, now)
}

pub fn insert(
    conn: &mut Conn,
    user_id: i32,
    name: &str,
    color: Option<&str>,
    now: Timestamp,
) -> Result<i32, ToolError> {
    diesel::insert_into(tags::table)
        .values((
            tags::user_id.eq(user_id),
            tags::name.eq(name.trim()),
            tags::color.eq(color),
            tags::created_at.eq(epoch(now)),
        ))
        .returning(tags::id)
        .get_result(conn)
        .map_err(|e| unique_conflict("tag", name, e))
}

/// Rename or recolour the user's tag `id`.
pub fn update(
    conn: &mut Conn,
    user_id: i32,
    id: i32,
    name: &str,
    color: Option<&str>,
) -> Result<(), ToolError> {
    let updated = diesel::update(
        tags::table
            .filter(tags::user_id.eq(user_id))
            .filter(tags::id.eq(id)),
    )
    .set((tags::name.eq(name.trim()), tags::color.eq(color)))
    .execute(conn)
    .map_err(|e| unique_conflict("tag", name, e))?;
    if updated == 0 {
        return Err(ToolError::not_found("tag", format!("with id {id}")));
    }
    Ok(())
}

/// `conflict` when another of the user's tags already has `name`
/// (case-insensitive).
pub fn ensure_name_free(
    conn: &mut Conn,
    user_id: i32,
    name: &str,
    except: Option<i32>,
) -> Result<(), ToolError> {
    let all: Vec<(i32, String)> = tags::table
        .filter(tags::user_id.eq(user_id))
        .select((tags::id, tags::name))
        .load(conn)?;
    let wanted = name.trim().to_lowercase();
    match all
        .into_iter()
        .find(|(id, name)| Some(*id) != except && name.to_lowercase() == wanted)
    {
        None => Ok(()),
        Some((id, existing)) => {
            Err(name_taken("tag", id, &existing)
                .hint(format!("use tag {id}, or choose another name")))
        }
    }
}

type Scoped = tags::BoxedQuery<'static, crate::db::Backend>;

fn filtered(user_id: i32, search: Option<&str>) -> Scoped {
    let mut query = tags::table.filter(tags::user_id.eq(user_id)).into_boxed();
    if let Some(search) = search {
        query = query.filter(
            lower(tags::name)
                .like(contains_pattern(search))
                .escape('\\'),
        );
    }
    query
}

fn with_usage(
    conn: &mut Conn,
    user_id: i32,
    rows: Vec<(i32, String, Option<String>)>,
    now: Timestamp,
) -> QueryResult<Vec<Tag>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.0).collect();
    let usage = super::tag_totals::usage(conn, user_id, &ids, now)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, color)| {
            let (track_count, seconds) = usage.get(&id).copied().unwrap_or_default();
            Tag {
                id,
                name,
                color,
                track_count,
                seconds,
            }
        })
        .collect())
}

/// The user's tag `reference` means, with its usage.
pub fn find(
    conn: &mut Conn,
    user_id: i32,
    reference: &Ref,
    now: Timestamp,
) -> Result<Tag, ToolError> {
    let id = resolve_all(conn, user_id, std::slice::from_ref(reference))?[0].id;
    let row: (i32, String, Option<String>) = tags::table
        .filter(tags::user_id.eq(user_id))
        .filter(tags::id.eq(id))
        .select((tags::id, tags::name, tags::color))
        .first(conn)?;
    Ok(with_usage(conn, user_id, vec![row], now)?.remove(0))
}

/// A page of tags by name (case-insensitive), and the whole set's size.
pub struct Page {
    pub tags: Vec<Tag>,
    pub more: bool,
    pub total_count: i64,
}

/// Tags by name with their usage; `after` is the previous page's last tag id.
pub fn list(
    conn: &mut Conn,
    user_id: i32,
    search: Option<&str>,
    limit: i64,
    after: Option<i32>,
    now: Timestamp,
) -> Result<Page, ToolError> {
    let total_count: i64 = filtered(user_id, search).count().get_result(conn)?;
    let mut query = filtered(user_id, search);
    if let Some(after) = after {
        let key: String = tags::table
            .filter(tags::user_id.eq(user_id))
            .filter(tags::id.eq(after))
            .select(lower(tags::name))
            .first(conn)
            .optional()?
            .ok_or_else(stale_cursor)?;
        query = query.filter(
            lower(tags::name)
                .gt(key.clone())
                .or(lower(tags::name).eq(key).and(tags::id.gt(after))),
        );
    }
    let mut rows: Vec<(i32, String, Option<String>)> = query
        .order((lower(tags::name), tags::id))
        .limit(limit + 1)
        .select((tags::id, tags::name, tags::color))
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok(Page {
        tags: with_usage(conn, user_id, rows, now)?,
        more,
        total_count,
    })
}

/// Delete the user's tag, detaching it from its tracks first. Returns how
/// many tracks it was on.
pub fn delete(conn: &mut Conn, user_id: i32, id: i32) -> Result<usize, ToolError> {
    let mine = tags::table
        .filter(tags::user_id.eq(user_id))
        .filter(tags::id.eq(id));
    let exists: i64 = mine.count().get_result(conn)?;
    if exists == 0 {
        return Err(ToolError::not_found("tag", format!("with id {id}")));
    }
    let detached =
        diesel::delete(track_tags::table.filter(track_tags::tag_id.eq(id))).execute(conn)?;
    diesel::delete(mine).execute(conn)?;
    Ok(detached)
}
