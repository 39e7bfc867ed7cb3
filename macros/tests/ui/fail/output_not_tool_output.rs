use catalogue::{Ctx, ToolError, tool};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Args {
    text: String,
}

// Neither `Serialize` nor `JsonSchema`.
struct Out {
    text: String,
}

// `Serialize` but not `JsonSchema`.
#[derive(serde::Serialize)]
struct SerializeOnly {
    text: String,
}

/// Echo the text back.
#[tool(title = "Echo", scope = "tracks:read")]
async fn echo(_ctx: &Ctx, args: Args) -> Result<Out, ToolError> {
    Ok(Out { text: args.text })
}

/// Echo the text back.
#[tool(title = "Echo", scope = "tracks:read")]
async fn echo_serialize_only(_ctx: &Ctx, args: Args) -> Result<SerializeOnly, ToolError> {
    Ok(SerializeOnly { text: args.text })
}

fn main() {}
