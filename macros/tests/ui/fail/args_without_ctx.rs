use catalogue::{ToolError, tool};

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
async fn echo(args: Args) -> Result<Out, ToolError> {
    Ok(Out { text: args.text })
}
fn main() {}
