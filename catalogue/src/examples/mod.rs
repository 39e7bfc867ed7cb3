//! Worked examples: one scripted session on a fresh database with a fixed
//! clock that calls every tool at least once. The snapshot crate locks their
//! results; the reference docs show them. Behind the `testing` feature.
//!
//! Each area contributes its steps in its own module; the session runs the
//! areas in the order of [`AREAS`], so a later area may use what an earlier
//! one created. Refer to things by name where possible: ids depend on order.

mod analytics;
mod invoices;
mod projects;
mod tracks;

use serde_json::Value;

use crate::testing::TestApp;

/// One call of the session.
pub struct Step {
    pub tool: &'static str,
    pub args: Value,
    /// Seconds the clock moves on before the call.
    pub wait: i64,
}

pub fn step(tool: &'static str, args: Value) -> Step {
    Step {
        tool,
        args,
        wait: 0,
    }
}

pub fn step_after(wait: i64, tool: &'static str, args: Value) -> Step {
    Step { tool, args, wait }
}

/// The areas' steps, in session order.
const AREAS: &[fn() -> Vec<Step>] = &[
    projects::steps,
    tracks::steps,
    invoices::steps,
    analytics::steps,
];

/// One call of the session and what it returned (a domain error's body, if any).
#[derive(Debug, Clone)]
pub struct Example {
    pub tool: &'static str,
    pub args: Value,
    pub result: Value,
    pub is_error: bool,
}

/// Run the session as Ada, in Berlin, on the pro tier (so every tool shows
/// its real work), who has a billable project "Website redesign" (95.00 EUR
/// an hour) and the tags design, meeting, admin.
/// The first call of each tool is its worked example.
pub async fn run() -> Vec<Example> {
    let mut app = TestApp::new();
    app.user_in("ada@example.com", "Europe/Berlin");
    let user = crate::db::users::set_tier(
        &mut app.db.conn().expect("conn"),
        "ada@example.com",
        crate::Tier::Pro,
    )
    .expect("tier");
    app.project(&user, "Website redesign", true, Some("95"), Some("EUR"));
    for tag in ["design", "meeting", "admin"] {
        app.tag(&user, tag);
    }
    let mut out = Vec::new();
    for Step { tool, args, wait } in AREAS.iter().flat_map(|area| area()) {
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
