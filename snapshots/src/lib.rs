//! Test-only crate: every insta snapshot of the workspace lives in `tests/snapshots/`.
