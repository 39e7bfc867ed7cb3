//! List limits and opaque keyset cursors (SPEC §2: limit default 50, at most 200).

use crate::ToolError;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

pub fn limit(requested: Option<u32>) -> Result<i64, ToolError> {
    match requested.unwrap_or(DEFAULT_LIMIT) {
        0 => Err(ToolError::invalid("limit must be at least 1")),
        n if n > MAX_LIMIT => Err(ToolError::invalid(format!("limit is at most {MAX_LIMIT}"))
            .hint("page through the rest with next_cursor")),
        n => Ok(i64::from(n)),
    }
}

/// A cursor naming the last item of a page by `(sort key, id)`.
pub fn encode(key: i64, id: i32) -> String {
    format!("k{key}.{id}")
}

pub fn decode(cursor: &str) -> Result<(i64, i32), ToolError> {
    cursor
        .strip_prefix('k')
        .and_then(|rest| rest.split_once('.'))
        .and_then(|(key, id)| Some((key.parse().ok()?, id.parse().ok()?)))
        .ok_or_else(|| {
            ToolError::invalid("invalid cursor")
                .hint("pass next_cursor exactly as a previous page returned it")
        })
}

/// A cursor whose item has gone since the page was read.
pub fn stale_cursor() -> ToolError {
    ToolError::invalid("the cursor's item no longer exists").hint("list again without a cursor")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(
            decode(&encode(1_764_000_000, 42)).unwrap(),
            (1_764_000_000, 42)
        );
        assert_eq!(decode(&encode(-5, 1)).unwrap(), (-5, 1));
        for bad in ["", "k", "k1", "x1.2", "k1.x", "k.2"] {
            assert!(decode(bad).is_err(), "{bad}");
        }
        assert_eq!(limit(None).unwrap(), 50);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(201)).is_err());
        assert_eq!(limit(Some(200)).unwrap(), 200);
    }
}
