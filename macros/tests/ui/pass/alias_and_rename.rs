// Schemas come through traits, never from type names: an alias or a renamed
// import advertises exactly the schema of the type it stands for.

use catalogue::{Ctx, ToolError, find_tool, tool};

mod types {
    #[derive(serde::Deserialize, schemars::JsonSchema)]
    pub struct Args {
        pub text: String,
        pub count: u8,
    }

    #[derive(serde::Serialize, schemars::JsonSchema)]
    pub struct Out {
        pub text: String,
        pub length: usize,
    }
}

use types::{Args, Out};
// Names a schema-by-name lookup would trip over.
use types::Args as Parameters;
use types::Out as Json;
type ArgsAlias = types::Args;
type OutAlias = Out;
type Returned = Result<OutAlias, ToolError>;

fn out(args: Args) -> Out {
    Out {
        length: args.text.len() * args.count as usize,
        text: args.text,
    }
}

/// With the original names.
#[tool(title = "Original", scope = "tracks:read")]
async fn original(_ctx: &Ctx, args: Args) -> Result<Out, ToolError> {
    Ok(out(args))
}

/// Through aliases.
#[tool(title = "Aliased", scope = "tracks:read")]
async fn aliased(_ctx: &Ctx, args: ArgsAlias) -> Returned {
    Ok(out(args))
}

/// Through renamed imports.
#[tool(title = "Renamed", scope = "tracks:read")]
async fn renamed(_ctx: &Ctx, args: Parameters) -> Result<Json, ToolError> {
    Ok(out(args))
}

/// Through a path.
#[tool(title = "Path", scope = "tracks:read")]
async fn by_path(
    _ctx: &Ctx,
    args: crate::types::Args,
) -> ::core::result::Result<self::types::Out, ToolError> {
    Ok(out(args))
}

fn main() {
    let original = find_tool("original").expect("`original` is registered");
    let input = (original.input_schema)();
    let output = (original.output_schema)();
    assert_eq!(input["properties"]["count"]["type"], "integer");
    assert_eq!(output["properties"]["length"]["type"], "integer");
    for name in ["aliased", "renamed", "by_path"] {
        let def = find_tool(name).unwrap_or_else(|| panic!("`{name}` is registered"));
        assert_eq!((def.input_schema)(), input, "input schema of `{name}`");
        assert_eq!((def.output_schema)(), output, "output schema of `{name}`");
    }
}
