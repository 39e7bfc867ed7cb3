//! Test-only crate: every insta snapshot of the workspace lives in
//! `tests/snapshots/`; the tests that take them are one binary, `tests/it/`.
