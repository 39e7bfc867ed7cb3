//! Persistence helpers every area's queries share.

use super::Conn;
use crate::{ErrorCode, ToolError};

// SQL's lower(): ASCII-only case folding on both engines (PostgreSQL's
// columns are COLLATE "C"), so case-insensitive names and orders agree.
diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

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
    user_id: i32,
    dry_run: bool,
    work: impl FnOnce(&mut Conn) -> Result<T, ToolError>,
) -> Result<T, ToolError> {
    let result = super::write(conn, super::Lock::User(user_id), |conn| {
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

/// Most values one statement binds for a caller-sized list. SQLite refuses a
/// statement past 32,766 bound values ("too many SQL variables"); PostgreSQL
/// past 65,535. A third of SQLite's bound leaves room for a statement's other
/// parameters, and a list this long costs its rows, not its statements.
pub const CHUNK: usize = 10_000;

/// `items` in slices an `IN (…)` list may bind: every `eq_any` over a list
/// whose length the caller chooses goes through here.
pub fn chunks<T>(items: &[T]) -> std::slice::Chunks<'_, T> {
    items.chunks(CHUNK)
}

/// `rows` in slices a multi-row `INSERT` may bind when each row binds
/// `columns` values: every multi-row insert goes through here.
pub fn insert_chunks<T>(rows: &[T], columns: usize) -> std::slice::Chunks<'_, T> {
    rows.chunks((CHUNK / columns.max(1)).max(1))
}

#[cfg(test)]
mod chunk_tests {
    use super::*;

    #[test]
    fn chunks_stay_under_the_bound_value_limit() {
        let ids: Vec<i32> = (0..40_001).collect();
        let sizes: Vec<usize> = chunks(&ids).map(<[i32]>::len).collect();
        assert_eq!(sizes, vec![CHUNK, CHUNK, CHUNK, CHUNK, 1]);
        let rows: Vec<i32> = (0..9_000).collect();
        let per_insert: Vec<usize> = insert_chunks(&rows, 4).map(<[i32]>::len).collect();
        assert_eq!(per_insert, vec![2_500, 2_500, 2_500, 1_500]);
        assert!(per_insert.iter().all(|n| n * 4 <= 32_766));
        assert_eq!(
            insert_chunks(&rows, 0).next().map(<[i32]>::len),
            Some(9_000)
        );
    }
}
