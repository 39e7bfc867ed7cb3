// Every attribute, and what each sets on the registered ToolDef.

use catalogue::Scope;
use catalogue::{Ctx, Tier, ToolError, find_tool, tool};

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Done {
    done: bool,
}

/// Delete everything, again and again.
#[tool(title = "Wipe", destructive, idempotent, tier = "pro", area = "x", scope = "tracks:write")]
async fn wipe(_ctx: &Ctx) -> Result<Done, ToolError> {
    Ok(Done { done: true })
}

/// Look, and only look.
#[tool(read_only, scope = "invoices", tier = "business", title = "Look", area = "reports_2")]
async fn look(_ctx: &Ctx) -> Result<Done, ToolError> {
    Ok(Done { done: false })
}

/// Free for everyone, said explicitly.
#[tool(title = "Free", tier = "free", scope = "admin")]
async fn free(_ctx: &Ctx) -> Result<Done, ToolError> {
    Ok(Done { done: true })
}

fn main() {
    let wipe = find_tool("wipe").expect("`wipe` is registered");
    assert_eq!(wipe.title, "Wipe");
    assert!(!wipe.read_only && wipe.destructive && wipe.idempotent);
    assert_eq!(wipe.tier, Tier::Pro);
    assert_eq!(wipe.area, Some("x"));
    assert_eq!(wipe.area(), "x");
    assert_eq!(wipe.scope, Scope::TracksWrite);

    let look = find_tool("look").expect("`look` is registered");
    assert_eq!(look.title, "Look");
    assert!(look.read_only && !look.destructive && !look.idempotent);
    assert_eq!(look.tier, Tier::Business);
    assert_eq!(look.area(), "reports_2");
    assert_eq!(look.scope, Scope::Invoices);

    let free = find_tool("free").expect("`free` is registered");
    assert_eq!(free.tier, Tier::Free);
    assert_eq!(free.scope, Scope::Admin);
    assert!(!free.read_only && !free.destructive && !free.idempotent);
}
