// Arguments destructured in the parameter list, struct and tuple-struct
// patterns alike; the schema still comes from the type.

use catalogue::{Ctx, ToolError, find_tool, tool};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Args {
    text: String,
    #[serde(default)]
    shout: bool,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Wrapped(Args);

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Out {
    text: String,
}

/// Echo the text, maybe louder.
#[tool(title = "Echo", scope = "tracks:read")]
async fn echo(_: &Ctx, Args { text, shout }: Args) -> Result<Out, ToolError> {
    let text = if shout { text.to_uppercase() } else { text };
    Ok(Out { text })
}

/// Echo the wrapped text.
#[tool(title = "Echo wrapped", scope = "tracks:read")]
async fn echo_wrapped(_ctx: &Ctx, Wrapped(Args { text, .. }): Wrapped) -> Result<Out, ToolError> {
    Ok(Out { text })
}

fn main() {
    let def = find_tool("echo").expect("`echo` is registered");
    let input = (def.input_schema)();
    assert_eq!(input["properties"]["text"]["type"], "string");
    assert_eq!(input["properties"]["shout"]["type"], "boolean");
    assert_eq!(input["required"], serde_json::json!(["text"]));

    let wrapped = find_tool("echo_wrapped").expect("`echo_wrapped` is registered");
    assert_eq!((wrapped.input_schema)(), input);
}
