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
#[tool(read_only = yes, destructive, tier = "gold", area = "Echo", colour = "red", destructive)]
async fn echo(_ctx: &Ctx, args: Args) -> Result<Out, ToolError> {
    Ok(Out { text: args.text })
}
fn main() {}
