//! The layering of `catalogue/src`, checked as a newcomer would with grep:
//! tools → db → domain, never back. A domain module uses neither `crate::db`
//! nor `crate::tools`; `db` never uses `crate::tools`; no tool imports from
//! another tool's module.

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// `path`'s lines that name `pattern` outside comments.
fn uses(path: &Path, pattern: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("read source")
        .lines()
        .filter(|line| !line.trim_start().starts_with("//") && line.contains(pattern))
        .map(|line| format!("{}: {}", path.display(), line.trim()))
        .collect()
}

#[test]
fn domain_modules_use_neither_the_data_layer_nor_the_tools() {
    const DOMAIN: &[&str] = &[
        "billing.rs",
        "day_totals.rs",
        "fields.rs",
        "invoice_number.rs",
        "money.rs",
        "names.rs",
        "pagination.rs",
        "project.rs",
        "reference.rs",
        "reports.rs",
        "rounding.rs",
        "settings.rs",
        "time.rs",
        "tracking.rs",
    ];
    let mut found = Vec::new();
    for file in DOMAIN {
        let path = src().join(file);
        assert!(
            path.exists(),
            "{} is gone: update this list",
            path.display()
        );
        for pattern in ["crate::db", "crate::tools", "crate::schema", "diesel"] {
            found.extend(uses(&path, pattern));
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_data_layer_never_uses_the_tools() {
    let found: Vec<String> = sources(&src().join("db"))
        .iter()
        .flat_map(|path| uses(path, "crate::tools"))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn no_tool_imports_from_another_tool() {
    let found: Vec<String> = sources(&src().join("tools"))
        .iter()
        .flat_map(|path| uses(path, "crate::tools::"))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}
