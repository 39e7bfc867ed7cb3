//! Worked examples: one scripted session on a fresh database with a fixed
//! clock that calls every tool at least once. The snapshot crate locks their
//! results; the reference docs show them. Behind the `testing` feature.

use serde_json::{Value, json};

use crate::testing::TestApp;

/// One call of the session and what it returned (a domain error's body, if any).
#[derive(Debug, Clone)]
pub struct Example {
    pub tool: &'static str,
    pub args: Value,
    pub result: Value,
    pub is_error: bool,
}

/// The calls, in order. The first call of each tool is its worked example.
fn script() -> Vec<(&'static str, Value, i64)> {
    // (tool, arguments, seconds the clock moves on before the call)
    vec![
        ("get_context", json!({}), 0),
        (
            "log_track",
            json!({"description": "Wireframes", "project": "Website redesign", "tags": ["design"], "start": "09:00", "end": "11:00"}),
            0,
        ),
        (
            "start_timer",
            json!({"description": "Landing page copy", "project": "Website redesign"}),
            0,
        ),
        ("list_active_timers", json!({}), 1800),
        (
            "switch_timer",
            json!({"description": "Client call", "project": "Website redesign", "tags": ["meeting"]}),
            600,
        ),
        (
            "stop_timer",
            json!({"description": "Client call: scope of phase 2"}),
            2700,
        ),
        ("continue_track", json!({"id": 1}), 300),
        ("stop_timer", json!({}), 1200),
        (
            "log_track",
            json!({"description": "Invoice prep", "start": "yesterday", "duration": "45m"}),
            0,
        ),
        ("list_tracks", json!({"period": "this_week", "limit": 2}), 0),
        ("get_track", json!({"id": 1}), 0),
        (
            "update_track",
            json!({"id": 5, "description": "Invoice prep (October)", "tags": ["admin"]}),
            0,
        ),
        ("delete_track", json!({"id": 5, "dry_run": true}), 0),
        ("stop_timer", json!({}), 0),
    ]
}

/// Run the session: a Berlin user with a billable project and some tags.
pub async fn run() -> Vec<Example> {
    let mut app = TestApp::new();
    let user = app.user_in("ada@example.com", "Europe/Berlin");
    app.project(&user, "Website redesign", true, Some("95"), Some("EUR"));
    for tag in ["design", "meeting", "admin"] {
        app.tag(&user, tag);
    }
    let mut out = Vec::new();
    for (tool, args, wait) in script() {
        app.advance(wait);
        let (result, is_error) = match app.call(&user, tool, args.clone()).await {
            Ok(value) => (value, false),
            Err(crate::CallError::Tool(err)) => {
                (serde_json::to_value(err).expect("serialisable"), true)
            }
            Err(err) => panic!("worked example {tool}({args}) is not valid: {err}"),
        };
        out.push(Example {
            tool,
            args,
            result,
            is_error,
        });
    }
    out
}
