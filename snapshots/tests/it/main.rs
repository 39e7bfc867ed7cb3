//! Every snapshot test, one binary (it links SQLite and the catalogue once).

mod examples;
mod input_dialect;
mod manifests;
mod tools_list_size;

/// Keeps the snapshots where they were when each module was its own test
/// binary: in `tests/snapshots/`, named `<module>__<name>` (`manifests__…`,
/// `examples__…`), not after this binary's module path (`it__manifests__…`).
/// Merging the binaries renamed no snapshot. Each assertion's name starts
/// with its module's; the settings last as long as the guard.
fn snapshots_by_module() -> insta::internals::SettingsBindDropGuard {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind_to_scope()
}
