use catalogue::{Ctx, tool};

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
async fn echo(_ctx: &Ctx, args: Args) -> Result<Out, String> {
    Ok(Out { text: args.text })
}
fn main() {}
