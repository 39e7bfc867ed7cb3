//! What a model is sent for the whole server: each tool's name, title,
//! description and input schema (output schemas stay with the client). In
//! tokens, estimated as characters / 4. Printed on every run
//! (`cargo test -p snapshots --test it tools_list_size -- --nocapture`).

use catalogue::registry;

/// The measured figure (12,579 after issue 10's phase 3 dropped the type
/// descriptions repeated inside described properties' `anyOf` branches and
/// items, flattened nested `anyOf`s, and shortened the domain enums'
/// meanings) plus 100 tokens of headroom; the size may only shrink. Issue
/// 10's target is 12,000: what is left is mostly structure (each optional
/// property's `{"type": "null"}` branch, `additionalProperties: false`, the
/// period enums) and the tool descriptions' edge cases.
const CEILING_TOKENS: usize = 12_679;

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
