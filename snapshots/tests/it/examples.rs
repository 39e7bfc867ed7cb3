//! Worked outputs of every tool, from `catalogue::examples`, with ids and
//! instants redacted (each redaction asserts the shape of what it hides).

use std::collections::BTreeSet;

use catalogue::examples;
use catalogue::registry;
use insta::internals::Content;
use serde_json::json;

fn id(value: Content, _path: insta::internals::ContentPath<'_>) -> String {
    assert!(
        value
            .as_i64()
            .or(value.as_u64().map(|v| v as i64))
            .is_some_and(|v| v > 0),
        "an id: {value:?}"
    );
    "[id]".into()
}

fn instant(value: Content, _path: insta::internals::ContentPath<'_>) -> String {
    let text = value.as_str().expect("an instant is a string");
    assert!(
        text.parse::<jiff::Timestamp>().is_ok(),
        "RFC 3339 with offset: {text}"
    );
    "[instant]".into()
}

#[tokio::test]
async fn worked_output_of_every_tool() {
    let examples = examples::run().await;
    let mut seen = BTreeSet::new();
    let _dir = crate::snapshots_by_module();
    for example in &examples {
        if !seen.insert(example.tool) {
            continue;
        }
        let body = json!({"arguments": example.args, "is_error": example.is_error, "result": example.result});
        insta::assert_json_snapshot!(format!("examples__example__{}", example.tool), body, {
            ".result.**.id" => insta::dynamic_redaction(id),
            ".result.**.local" => insta::dynamic_redaction(instant),
            ".result.**.utc" => insta::dynamic_redaction(instant),
        });
    }
    let all: BTreeSet<&str> = registry().iter().map(|t| t.name).collect();
    let missing: Vec<_> = all.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "give these tools a worked example in catalogue/src/examples/: {missing:?}"
    );
}
