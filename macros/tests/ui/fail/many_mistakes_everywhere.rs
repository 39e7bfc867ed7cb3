use catalogue::{Ctx, ToolError, tool};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Args {
    text: String,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Out {
    text: String,
}

#[tool(title = "Echo", tier = "gold", scope = "tracks:read")]
fn echo<T>(_ctx: &Ctx, args: Args, extra: T) -> Result<Out, ToolError> {
    let _ = extra;
    Ok(Out { text: args.text })
}
fn main() {}
