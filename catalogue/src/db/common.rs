//! Persistence helpers every area's queries share.

use super::Conn;
use crate::{ErrorCode, ToolError};

/// A unique index that still refuses a name (two writers at once) is a `conflict` too.
pub fn unique_conflict(kind: &str, name: &str, err: diesel::result::Error) -> ToolError {
    use diesel::result::{DatabaseErrorKind, Error};
    match err {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => ToolError::new(
            ErrorCode::Conflict,
            format!("a {kind} named {:?} already exists", name.trim()),
        )
        .hint("choose another name"),
        other => other.into(),
    }
}

/// A `LIKE` pattern matching `text` anywhere, its wildcards taken literally.
pub fn contains_pattern(text: &str) -> String {
    let escaped = text
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Run `work` in a write transaction; with `dry_run`, roll it back and
/// return what it would have returned, so a preview runs the same code as
/// the real thing.
pub fn write_or_preview<T>(
    conn: &mut Conn,
    dry_run: bool,
    work: impl FnOnce(&mut Conn) -> Result<T, ToolError>,
) -> Result<T, ToolError> {
    let result = super::write(conn, |conn| {
        let out = work(conn).map_err(Stop::Failed)?;
        if dry_run {
            Err(Stop::Preview(out))
        } else {
            Ok(out)
        }
    });
    match result {
        Ok(out) | Err(Stop::Preview(out)) => Ok(out),
        Err(Stop::Failed(err)) => Err(err),
    }
}

/// Why a `write_or_preview` transaction ended without committing.
enum Stop<T> {
    Preview(T),
    Failed(ToolError),
}

impl<T> From<diesel::result::Error> for Stop<T> {
    fn from(err: diesel::result::Error) -> Self {
        Stop::Failed(err.into())
    }
}
