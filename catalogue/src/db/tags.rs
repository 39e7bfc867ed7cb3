//! Tags, as tracks reference them. (Their own tools come with the catalogue issue.)

use diesel::prelude::*;

use super::{Conn, epoch};
use crate::ToolError;
use crate::reference::{self, Named, Ref};
use crate::schema::tags;

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

pub fn create(
    conn: &mut Conn,
    user_id: i32,
    name: &str,
    now: jiff::Timestamp,
) -> Result<i32, ToolError> {
    let id = diesel::insert_into(tags::table)
        .values((
            tags::user_id.eq(user_id),
            tags::name.eq(name.trim()),
            tags::created_at.eq(epoch(now)),
        ))
        .returning(tags::id)
        .get_result(conn)?;
    Ok(id)
}
