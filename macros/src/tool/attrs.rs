//! The arguments of `#[tool(...)]`.

use proc_macro2::{Span, TokenStream};
use syn::LitStr;
use syn::meta::ParseNestedMeta;

use super::ctxt::Ctxt;

pub const TIERS: &[&str] = &["free", "pro", "business"];

#[derive(Default)]
pub struct ToolAttrs {
    pub title: Option<LitStr>,
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    /// The tier's name, already checked against `TIERS`.
    pub tier: Option<LitStr>,
    pub area: Option<LitStr>,
}

impl ToolAttrs {
    pub fn parse(cx: &Ctxt, attr: TokenStream) -> ToolAttrs {
        let mut out = ToolAttrs::default();
        let mut seen: Vec<String> = Vec::new();
        let mut destructive_path = None;
        let parser = syn::meta::parser(|meta| {
            let Some(key) = meta.path.get_ident().map(ToString::to_string) else {
                cx.error_spanned_by(&meta.path, "expected an attribute name such as `title`");
                return skip_value(&meta);
            };
            if seen.contains(&key) {
                // Reported at the second occurrence, the one to delete.
                cx.error_spanned_by(&meta.path, format!("duplicate #[tool] attribute `{key}`"));
                return skip_value(&meta);
            }
            seen.push(key.clone());
            match key.as_str() {
                "title" => out.title = string_value(cx, &meta, &key)?,
                "area" => {
                    out.area = string_value(cx, &meta, &key)?;
                    if let Some(area) = &out.area
                        && !is_snake_case(&area.value())
                    {
                        cx.error_spanned_by(area, "`area` must be snake_case, like `timers`");
                    }
                }
                "tier" => {
                    out.tier = string_value(cx, &meta, &key)?;
                    if let Some(tier) = &out.tier
                        && !TIERS.contains(&tier.value().as_str())
                    {
                        cx.error_spanned_by(
                            tier,
                            format!(
                                "unknown tier {:?}; expected one of: {}",
                                tier.value(),
                                TIERS.join(", ")
                            ),
                        );
                    }
                }
                "read_only" => out.read_only = flag(cx, &meta, &key)?,
                "destructive" => {
                    out.destructive = flag(cx, &meta, &key)?;
                    destructive_path = Some(meta.path.clone());
                }
                "idempotent" => out.idempotent = flag(cx, &meta, &key)?,
                _ => {
                    cx.error_spanned_by(
                        &meta.path,
                        format!(
                            "unknown #[tool] attribute `{key}`; expected one of: \
                             title, read_only, destructive, idempotent, tier, area"
                        ),
                    );
                    return skip_value(&meta);
                }
            }
            Ok(())
        });
        if let Err(err) = syn::parse::Parser::parse2(parser, attr) {
            cx.syn_error(err);
        }
        if let Some(path) = destructive_path.filter(|_| out.read_only && out.destructive) {
            cx.error_spanned_by(path, "a tool cannot be both `read_only` and `destructive`");
        }
        if out.title.is_none() {
            cx.syn_error(syn::Error::new(
                Span::call_site(),
                "#[tool] needs a `title = \"…\"`: the short human name clients show",
            ));
        }
        out
    }
}

fn string_value(cx: &Ctxt, meta: &ParseNestedMeta, key: &str) -> syn::Result<Option<LitStr>> {
    if !meta.input.peek(syn::Token![=]) {
        cx.error_spanned_by(
            &meta.path,
            format!("`{key}` takes a value: `{key} = \"…\"`"),
        );
        return Ok(None);
    }
    let lit: LitStr = meta.value()?.parse()?;
    if lit.value().trim().is_empty() {
        cx.error_spanned_by(&lit, format!("`{key}` must not be empty"));
        return Ok(None);
    }
    Ok(Some(lit))
}

fn flag(cx: &Ctxt, meta: &ParseNestedMeta, key: &str) -> syn::Result<bool> {
    if meta.input.peek(syn::Token![=]) {
        cx.error_spanned_by(
            &meta.path,
            format!("`{key}` is a flag and takes no value: write `{key}`"),
        );
        skip_value(meta)?;
        return Ok(false);
    }
    Ok(true)
}

/// Consume `= <expr>` after a rejected key, so parsing goes on to the next one.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    }
    Ok(())
}

fn is_snake_case(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
