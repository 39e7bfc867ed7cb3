use catalogue::{Ctx, ToolError, tool};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Args {
    text: String,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Out {
    text: String,
}

/// Echo the text back, holding something that is not `Send` across an await.
#[tool(title = "Echo", scope = "tracks:read")]
async fn echo(_ctx: &Ctx, args: Args) -> Result<Out, ToolError> {
    let shared = std::rc::Rc::new(args.text);
    std::future::ready(()).await;
    Ok(Out {
        text: (*shared).clone(),
    })
}
fn main() {}
