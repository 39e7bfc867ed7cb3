// A tool with arguments: the registered ToolDef carries the fn's name, the
// title, the doc comment and schemas derived from the argument and result types.

use catalogue::{Tier, find_tool};

mod timers {
    use catalogue::{Ctx, ToolError, tool};

    #[derive(serde::Deserialize, schemars::JsonSchema)]
    pub struct Args {
        /// What to echo.
        pub text: String,
        pub times: Option<u32>,
    }

    #[derive(serde::Serialize, schemars::JsonSchema)]
    pub struct Out {
        pub text: String,
    }

    /// Echo the text back.
    #[tool(title = "Echo", scope = "tracks:read")]
    pub async fn echo(_ctx: &Ctx, args: Args) -> Result<Out, ToolError> {
        let times = args.times.unwrap_or(1) as usize;
        Ok(Out {
            text: args.text.repeat(times),
        })
    }
}

fn main() {
    let def = find_tool("echo").expect("`echo` is registered");
    assert_eq!(def.name, "echo");
    assert_eq!(def.title, "Echo");
    assert_eq!(def.description, "Echo the text back.");
    // No annotations given: every hint is false, the tier is the lowest, and
    // the area is the module the tool is declared in.
    assert!(!def.read_only && !def.destructive && !def.idempotent);
    assert_eq!(def.tier, Tier::Free);
    assert_eq!(def.area, None);
    assert_eq!(def.area(), "timers");
    assert!(def.module.ends_with("::timers"), "{}", def.module);

    let input = (def.input_schema)();
    assert_eq!(input["type"], "object");
    assert_eq!(input["properties"]["text"]["type"], "string");
    assert_eq!(input["properties"]["text"]["description"], "What to echo.");
    assert!(input["properties"]["times"].is_object());
    assert_eq!(input["required"], serde_json::json!(["text"]));

    let output = (def.output_schema)();
    assert_eq!(output["properties"]["text"]["type"], "string");
}
