use catalogue::{Ctx, ToolError, tool};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Args {
    text: String,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Out {
    text: String,
}

struct Tools;

impl Tools {
    /// Echo the text back.
    #[tool(title = "Echo", scope = "tracks:read")]
    async fn echo(&self, args: Args) -> Result<Out, ToolError> {
        Ok(Out { text: args.text })
    }

    /// Echo the text back, with a context too.
    #[tool(title = "Echo", scope = "tracks:read")]
    async fn echo_ctx(self, _ctx: &Ctx, args: Args) -> Result<Out, ToolError> {
        Ok(Out { text: args.text })
    }
}
fn main() {}
