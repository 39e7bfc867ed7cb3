//! The one list of tools. Every consumer (server, docs, export, snapshots)
//! iterates it; nothing else enumerates tools.

use std::sync::OnceLock;

use crate::ToolDef;

/// Every registered tool, sorted by name.
///
/// # Panics
/// If two tools share a name: a build mistake that the registry tests catch
/// before it can ship.
pub fn registry() -> &'static [&'static ToolDef] {
    static REGISTRY: OnceLock<Vec<&'static ToolDef>> = OnceLock::new();
    REGISTRY.get_or_init(
        || match sorted_unique(inventory::iter::<ToolDef>.into_iter().collect()) {
            Ok(tools) => tools,
            Err(name) => {
                panic!("two #[tool] functions are named `{name}`; tool names must be unique")
            }
        },
    )
}

pub fn find_tool(name: &str) -> Option<&'static ToolDef> {
    let tools = registry();
    tools
        .binary_search_by(|t| t.name.cmp(name))
        .ok()
        .map(|i| tools[i])
}

fn sorted_unique(mut tools: Vec<&'static ToolDef>) -> Result<Vec<&'static ToolDef>, &'static str> {
    tools.sort_by_key(|t| t.name);
    match tools.windows(2).find(|w| w[0].name == w[1].name) {
        Some(pair) => Err(pair[0].name),
        None => Ok(tools),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Tier, contract::HandlerFuture};
    use serde_json::Value;

    fn never(_: crate::Ctx, _: Value) -> HandlerFuture {
        unreachable!()
    }

    fn def(name: &'static str) -> &'static ToolDef {
        Box::leak(Box::new(ToolDef {
            name,
            title: name,
            description: name,
            area: None,
            module: "x",
            read_only: true,
            destructive: false,
            idempotent: true,
            tier: Tier::Free,
            scope: crate::scopes::Scope::Admin,
            input_schema: || Value::Null,
            output_schema: || Value::Null,
            handler: never,
        }))
    }

    #[test]
    fn duplicates_are_rejected_and_the_list_is_sorted() {
        assert_eq!(
            sorted_unique(vec![def("b"), def("a"), def("b")]).unwrap_err(),
            "b"
        );
        let names: Vec<_> = sorted_unique(vec![def("b"), def("a")])
            .unwrap()
            .iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn the_registry_is_sorted_and_lookup_finds_every_tool() {
        let tools = registry();
        assert!(tools.windows(2).all(|w| w[0].name < w[1].name));
        for tool in tools {
            assert_eq!(find_tool(tool.name).map(|t| t.name), Some(tool.name));
        }
        assert!(find_tool("no_such_tool").is_none());
    }
}
