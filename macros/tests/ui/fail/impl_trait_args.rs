use catalogue::{Ctx, ToolError, ToolInput, tool};

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Out {
    text: String,
}

/// Echo the text back.
#[tool(title = "Echo", scope = "tracks:read")]
async fn echo(_ctx: &Ctx, _args: impl ToolInput) -> Result<Out, ToolError> {
    Ok(Out {
        text: String::new(),
    })
}

fn main() {}
