// A tool declared inside a function body, as a test might: it still calls
// the function beside it and is registered like any other.

use catalogue::find_tool;

fn main() {
    use catalogue::{Ctx, ToolError, tool};

    #[derive(serde::Serialize, schemars::JsonSchema)]
    struct Pong {
        ok: bool,
    }

    /// Answer with `ok: true`.
    #[tool(title = "Local ping", scope = "tracks:read")]
    async fn local_ping(_ctx: &Ctx) -> Result<Pong, ToolError> {
        Ok(Pong { ok: true })
    }

    let def = find_tool("local_ping").expect("`local_ping` is registered");
    assert_eq!(def.title, "Local ping");
    assert_eq!((def.output_schema)()["properties"]["ok"]["type"], "boolean");
}
