// The description is the doc comment: `///` lines and raw `#[doc = "…"]`
// attributes alike, joined with newlines, the one space after `///` removed,
// blank lines inside kept and blank lines around trimmed.

use catalogue::{Ctx, ToolError, find_tool, tool};

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Done {
    done: bool,
}

#[doc = "Raw doc attribute."]
#[tool(title = "Raw", scope = "tracks:read")]
async fn raw(_ctx: &Ctx) -> Result<Done, ToolError> {
    Ok(Done { done: true })
}

///
/// First line.
///   Indented line keeps its extra spaces.
///
/// After a blank line.
#[doc = "From an attribute."]
///Written without the space.
///
#[tool(title = "Multi-line", scope = "tracks:read")]
async fn multi_line(_ctx: &Ctx) -> Result<Done, ToolError> {
    Ok(Done { done: true })
}

/** Block comment,
over two lines. */
#[tool(title = "Block", scope = "tracks:read")]
async fn block(_ctx: &Ctx) -> Result<Done, ToolError> {
    Ok(Done { done: true })
}

fn main() {
    assert_eq!(find_tool("raw").unwrap().description, "Raw doc attribute.");
    assert_eq!(
        find_tool("multi_line").unwrap().description,
        "First line.\n  Indented line keeps its extra spaces.\n\nAfter a blank line.\n\
         From an attribute.\nWritten without the space."
    );
    assert_eq!(
        find_tool("block").unwrap().description,
        "Block comment,\nover two lines."
    );
}
