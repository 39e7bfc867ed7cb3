//! What a model is sent for the whole server: each tool's name, title,
//! description and input schema (output schemas stay with the client). In
//! tokens, estimated as characters / 4. Printed on every run
//! (`cargo test -p snapshots --test it tools_list_size -- --nocapture`).

use catalogue::registry;

/// Issue 10's target. Phase 3 (12,579) dropped the type descriptions
/// repeated inside described properties' `anyOf` branches, flattened nested
/// `anyOf`s and shortened the domain enums' meanings; phase 4 (11,993)
/// tightened the tool and property descriptions (conventions SPEC states once,
/// such as "id or exact name", are no longer repeated) and stopped writing
/// "Default: false." on optional flags. The size may only shrink.
const CEILING_TOKENS: usize = 12_000;

/// Characters / 4 over every tool's model-facing parts, as `tools/list`
/// serves them.
fn model_facing_tokens() -> usize {
    let chars: usize = registry()
        .iter()
        .map(|tool| {
            let manifest = tool.manifest();
            let text = |key: &str| manifest[key].as_str().unwrap_or("").chars().count();
            text("name")
                + text("title")
                + text("description")
                + manifest["inputSchema"].to_string().chars().count()
        })
        .sum();
    chars.div_ceil(4)
}

#[test]
fn the_model_facing_size_of_tools_list_stays_under_its_ceiling() {
    let tokens = model_facing_tokens();
    eprintln!(
        "tools/list, model-facing (name + title + description + inputSchema of {} tools): \
         {tokens} tokens (characters / 4); ceiling {CEILING_TOKENS}",
        registry().len()
    );
    assert!(
        tokens <= CEILING_TOKENS,
        "the tool list grew to {tokens} tokens, over the ceiling of {CEILING_TOKENS}: \
         shorten descriptions rather than raise it"
    );
    // Not a vacuous measure: the whole catalogue is in it.
    assert!(tokens > 1_000 * registry().len() / 10, "{tokens}");
}
