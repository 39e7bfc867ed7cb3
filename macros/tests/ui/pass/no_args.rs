// A tool that takes only the context: its input schema is an empty object
// that refuses every property.

use catalogue::{Ctx, ToolError, find_tool, tool};

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Pong {
    ok: bool,
}

/// Answer with `ok: true`.
#[tool(title = "Ping", read_only, idempotent, scope = "tracks:read")]
async fn ping(_ctx: &Ctx) -> Result<Pong, ToolError> {
    Ok(Pong { ok: true })
}

fn main() {
    let def = find_tool("ping").expect("`ping` is registered");
    assert_eq!(def.description, "Answer with `ok: true`.");
    let input = (def.input_schema)();
    assert_eq!(input["type"], "object");
    assert_eq!(input["additionalProperties"], false);
    assert!(input.get("required").is_none());
    assert_eq!((def.output_schema)()["properties"]["ok"]["type"], "boolean");
}
