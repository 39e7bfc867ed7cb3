use catalogue::{Ctx, ToolError, tool};

// Neither `Deserialize` nor `JsonSchema`.
struct Args {
    text: String,
}

// `JsonSchema` but not `Deserialize`.
#[derive(schemars::JsonSchema)]
struct SchemaOnly {
    text: String,
}

// `Deserialize` but not `JsonSchema`.
#[derive(serde::Deserialize)]
struct DeserializeOnly {
    text: String,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Out {
    text: String,
}

/// Echo the text back.
#[tool(title = "Echo", scope = "tracks:read")]
async fn echo(_ctx: &Ctx, args: Args) -> Result<Out, ToolError> {
    Ok(Out { text: args.text })
}

/// Echo the text back.
#[tool(title = "Echo", scope = "tracks:read")]
async fn echo_schema_only(_ctx: &Ctx, args: SchemaOnly) -> Result<Out, ToolError> {
    Ok(Out { text: args.text })
}

/// Echo the text back.
#[tool(title = "Echo", scope = "tracks:read")]
async fn echo_deserialize_only(_ctx: &Ctx, args: DeserializeOnly) -> Result<Out, ToolError> {
    Ok(Out { text: args.text })
}

fn main() {}
