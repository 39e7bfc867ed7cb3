//! The `#[tool]` macro's behaviour, locked: what compiles (and what the
//! registered `ToolDef` then says, checked by each pass case's `main`), and
//! the exact messages for every mistake it catches.
//!
//! Regenerate the expected output after a deliberate change with
//! `TRYBUILD=overwrite cargo test -p teetrack-macros --test ui`, then read
//! every changed `.stderr` before committing it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
