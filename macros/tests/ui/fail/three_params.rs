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
async fn echo(_ctx: &Ctx, args: Args, loud: bool) -> Result<Out, ToolError> {
    Ok(Out {
        text: if loud {
            args.text.to_uppercase()
        } else {
            args.text
        },
    })
}
fn main() {}
