//! The tool reference site, generated from the registry.
//!
//! `cargo run -p docs-gen -- write` regenerates `docs/`; `check` (also run by
//! this crate's tests) fails when the committed site differs from what the
//! registry and the worked examples produce now. The output holds no dates
//! and no machine paths, so the same code gives the same bytes anywhere.

mod html;
mod pages;
mod schema;

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// The committed site: `docs/` at the workspace root.
pub fn docs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("docs-gen sits in the workspace")
        .join("docs")
}

/// The command that regenerates the site, for messages.
pub const WRITE_COMMAND: &str = "cargo run -p docs-gen -- write";

/// Every file of the site: its path under `docs/` (with `/`) and its content.
pub fn generate() -> BTreeMap<String, String> {
    let examples = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(catalogue::examples::run());
    pages::site(&examples)
}

/// Writes the site into `dir`, removing files the site no longer has.
/// Returns the paths that changed.
pub fn write(dir: &Path) -> io::Result<Vec<String>> {
    let site = generate();
    let mut changed = Vec::new();
    for stale in existing(dir)?.difference(&site.keys().cloned().collect()) {
        std::fs::remove_file(dir.join(stale))?;
        changed.push(stale.clone());
    }
    for (path, content) in &site {
        let file = dir.join(path);
        if std::fs::read_to_string(&file).ok().as_deref() == Some(content.as_str()) {
            continue;
        }
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&file, content)?;
        changed.push(path.clone());
    }
    remove_empty_dirs(dir)?;
    Ok(changed)
}

/// What differs between `dir` and the site as generated now: files that are
/// missing, different or left over. Empty when the site is up to date.
pub fn check(dir: &Path) -> io::Result<Vec<String>> {
    let site = generate();
    let on_disk = existing(dir)?;
    let mut problems = Vec::new();
    for (path, content) in &site {
        match std::fs::read_to_string(dir.join(path)) {
            Err(_) => problems.push(format!("missing: {path}")),
            Ok(old) if old != *content => {
                let line = old
                    .lines()
                    .zip(content.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| old.lines().count().min(content.lines().count()))
                    + 1;
                problems.push(format!("differs: {path} (from line {line})"));
            }
            Ok(_) => {}
        }
    }
    for path in on_disk {
        if !site.contains_key(&path) {
            problems.push(format!("left over: {path}"));
        }
    }
    Ok(problems)
}

/// The files under `dir`, as site paths.
fn existing(dir: &Path) -> io::Result<std::collections::BTreeSet<String>> {
    let mut out = std::collections::BTreeSet::new();
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).expect("under dir");
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.insert(parts.join("/"));
            }
        }
    }
    Ok(out)
}

fn remove_empty_dirs(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            remove_empty_dirs(&path)?;
            if std::fs::read_dir(&path)?.next().is_none() {
                std::fs::remove_dir(&path)?;
            }
        }
    }
    Ok(())
}
