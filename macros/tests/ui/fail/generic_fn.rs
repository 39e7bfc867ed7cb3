use catalogue::{Ctx, ToolError, tool};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Args {
    text: String,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Out {
    text: String,
}

/// Echo the text back.
#[tool(title = "Echo", scope = "tracks:read")]
async fn echo<T: Into<String>>(_ctx: &Ctx, args: Args) -> Result<Out, ToolError> {
    Ok(Out { text: args.text })
}

/// Echo the text back, with only a where clause.
#[tool(title = "Echo", scope = "tracks:read")]
async fn echo_where(_ctx: &Ctx, args: Args) -> Result<Out, ToolError>
where
    Args: Send,
{
    Ok(Out { text: args.text })
}
fn main() {}
