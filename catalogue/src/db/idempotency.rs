//! Replays for creates called again with the same `idempotency_key`: the
//! first result is stored and returned again, nothing is created twice.

use diesel::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Conn, epoch};
use crate::ToolError;
use crate::schema::idempotency_keys;

/// The stored result of an earlier `tool` call with `key`, if any.
pub fn replay<T: DeserializeOwned>(
    conn: &mut Conn,
    user_id: i32,
    tool: &str,
    key: &str,
) -> Result<Option<T>, ToolError> {
    let stored: Option<String> = idempotency_keys::table
        .find((user_id, tool, key))
        .select(idempotency_keys::response)
        .first(conn)
        .optional()?;
    stored
        .map(|text| {
            serde_json::from_str(&text)
                .map_err(|e| ToolError::internal(format!("stored replay unreadable: {e}")))
        })
        .transpose()
}

/// Remember `response` for `key`; call inside the same transaction as the create.
pub fn record<T: Serialize>(
    conn: &mut Conn,
    user_id: i32,
    tool: &str,
    key: &str,
    response: &T,
    now: jiff::Timestamp,
) -> Result<(), ToolError> {
    let text = serde_json::to_string(response).map_err(|e| ToolError::internal(e.to_string()))?;
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::tool.eq(tool),
            idempotency_keys::key.eq(key),
            idempotency_keys::response.eq(text),
            idempotency_keys::created_at.eq(epoch(now)),
        ))
        .execute(conn)?;
    Ok(())
}
