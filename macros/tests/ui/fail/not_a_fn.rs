use catalogue::tool;

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
struct Echo {
    text: String,
}

#[tool(title = "Echo", scope = "tracks:read")]
const ECHO: &str = "echo";
fn main() {}
