// Tools whose names are also names the expansion uses inside (locals, the
// generated handler) or a raw identifier: each still calls itself.

use catalogue::{Ctx, ToolError, find_tool, tool};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Args {
    n: u8,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Out {
    n: u8,
}

/// Named like the generated handler.
#[tool(title = "Handler", scope = "tracks:read")]
async fn handler(_ctx: &Ctx, args: Args) -> Result<Out, ToolError> {
    Ok(Out { n: args.n })
}

/// Named like the arguments.
#[tool(title = "Args", scope = "tracks:read")]
async fn args(_ctx: &Ctx, args: Args) -> Result<Out, ToolError> {
    Ok(Out { n: args.n })
}

/// Named like the context.
#[tool(title = "Ctx", scope = "tracks:read")]
async fn ctx(ctx: &Ctx) -> Result<Out, ToolError> {
    let _ = ctx;
    Ok(Out { n: 0 })
}

/// Named like the result.
#[tool(title = "Returned", scope = "tracks:read")]
async fn returned(_ctx: &Ctx) -> Result<Out, ToolError> {
    Ok(Out { n: 0 })
}

/// A raw identifier: the tool is named `type`.
#[tool(title = "Type", scope = "tracks:read")]
async fn r#type(_ctx: &Ctx) -> Result<Out, ToolError> {
    Ok(Out { n: 0 })
}

fn main() {
    for name in ["handler", "args", "ctx", "returned", "type"] {
        assert!(find_tool(name).is_some(), "`{name}` is registered");
    }
    assert!(find_tool("r#type").is_none());
}
