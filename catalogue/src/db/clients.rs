//! Clients: contact, billing defaults, archive.

use diesel::prelude::*;

use super::{Conn, epoch};
use crate::ToolError;
use crate::schema::clients;

/// Create a client with its billing defaults (the data layer's entry point).
pub fn create(
    conn: &mut Conn,
    user_id: i32,
    name: &str,
    currency: Option<&str>,
    hourly_rate: Option<rust_decimal::Decimal>,
    now: jiff::Timestamp,
) -> Result<i32, ToolError> {
    let id = diesel::insert_into(clients::table)
        .values((
            clients::user_id.eq(user_id),
            clients::name.eq(name.trim()),
            clients::currency.eq(currency),
            clients::hourly_rate.eq(hourly_rate.map(|r| r.to_string())),
            clients::created_at.eq(epoch(now)),
        ))
        .returning(clients::id)
        .get_result(conn)?;
    Ok(id)
}
