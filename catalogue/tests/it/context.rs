//! `get_context` and the registry as a whole.

use catalogue::testing::TestApp;
use catalogue::{CallError, registry};
use serde_json::json;

#[tokio::test]
async fn context_tells_zone_now_today_tier_timers_and_defaults() {
    let app = TestApp::new();
    let ada = app.user_in("ada@example.com", "Pacific/Auckland");
    app.ok(&ada, "start_timer", json!({"description": "running"}))
        .await;
    let ctx = app.ok(&ada, "get_context", json!({})).await;
    assert_eq!(ctx["user"]["email"], "ada@example.com");
    assert_eq!(ctx["user"]["tier"], "free");
    assert_eq!(ctx["time_zone"], "Pacific/Auckland");
    // 14:30 UTC on the 25th is 03:30 on the 26th in Auckland (NZDT, +13).
    assert_eq!(ctx["now"]["local"], "2026-11-26T03:30:00+13:00");
    assert_eq!(ctx["today"], "2026-11-26");
    assert_eq!(ctx["running_timers"][0]["description"], "running");
    assert_eq!(ctx["defaults"]["currency"], "EUR");
    assert_eq!(ctx["defaults"]["max_active_timers"], 1);
    assert_eq!(ctx["defaults"]["overlap_policy"], "warn");
    // A client may send no arguments at all; unknown ones are refused.
    app.ok(&ada, "get_context", json!(null)).await;
    assert!(matches!(
        app.call(&ada, "get_context", json!({"x": 1})).await,
        Err(CallError::InvalidParams(_))
    ));
}

#[test]
fn every_tool_is_described_honestly_with_object_rooted_schemas() {
    let tools = registry();
    assert!(tools.len() >= 11);
    for tool in tools {
        assert!(
            !tool.description.is_empty() && !tool.title.is_empty(),
            "{}",
            tool.name
        );
        assert!(!(tool.read_only && tool.destructive), "{}", tool.name);
        let input = (tool.input_schema)();
        assert_eq!(
            input["type"], "object",
            "{}: input schema must be object-rooted",
            tool.name
        );
        let output = (tool.output_schema)();
        assert_eq!(
            output["type"], "object",
            "{}: output schema must be object-rooted",
            tool.name
        );
        let text = format!("{input}{output}");
        assert!(!text.contains("$ref"), "{}: schemas are inlined", tool.name);
        assert!(
            !text.contains(r#""type":["#),
            "{}: nullable types are anyOf",
            tool.name
        );
        if input["properties"].as_object().is_none_or(|p| p.is_empty()) {
            assert_eq!(input["additionalProperties"], false, "{}", tool.name);
        }
    }
}
