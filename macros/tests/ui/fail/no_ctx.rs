use catalogue::{ToolError, tool};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Args {
    text: String,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Out {
    text: String,
}

/// Say hello.
#[tool(title = "Hello", scope = "tracks:read")]
async fn hello() -> Result<Out, ToolError> {
    Ok(Out {
        text: "hello".into(),
    })
}
fn main() {}
