//! One snapshot per tool manifest, driven by the registry, plus an index of
//! every tool name. A tool whose manifest changes fails here until the new
//! snapshot is reviewed (`cargo insta review`); a removed tool's snapshot is
//! caught by `no_snapshot_outlives_its_tool`.

use catalogue::registry;

#[test]
fn every_tool_manifest() {
    let _dir = crate::snapshots_by_module();
    for tool in registry() {
        insta::assert_json_snapshot!(
            format!("manifests__manifest__{}", tool.name),
            tool.manifest()
        );
    }
}

#[test]
fn index_of_all_tools() {
    let index: Vec<String> = registry()
        .iter()
        .map(|t| format!("{} [{}] {} — {}", t.name, t.area(), t.tier, t.title))
        .collect();
    let _dir = crate::snapshots_by_module();
    insta::assert_json_snapshot!("manifests__index", index);
}

#[test]
fn no_snapshot_outlives_its_tool() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let known: Vec<String> = registry().iter().map(|t| t.name.to_owned()).collect();
    for entry in std::fs::read_dir(dir).expect("snapshot dir") {
        let file = entry
            .expect("entry")
            .file_name()
            .into_string()
            .expect("utf-8");
        for prefix in ["manifests__manifest__", "examples__example__"] {
            if let Some(tool) = file
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(".snap"))
            {
                assert!(
                    known.iter().any(|k| k == tool),
                    "{file} is for a tool that no longer exists: delete it"
                );
            }
        }
    }
}
