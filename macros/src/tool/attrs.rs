//! The arguments of `#[tool(...)]`.

use proc_macro2::{Ident, Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::{LitStr, Path};

use super::ctxt::Ctxt;

const KEYS: &str = "title, read_only, destructive, idempotent, tier, area, scope";

#[derive(Default)]
pub struct ToolAttrs {
    pub title: Option<LitStr>,
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    /// The tier's name, already checked to name a variant (see
    /// [`variant`]); whether `catalogue::Tier` has it is the compiler's check.
    pub tier: Option<LitStr>,
    pub area: Option<LitStr>,
    /// The OAuth scope's name, checked like `tier` (against
    /// `catalogue::Scope`).
    pub scope: Option<LitStr>,
}

impl ToolAttrs {
    pub fn parse(cx: &Ctxt, attr: TokenStream) -> ToolAttrs {
        let mut out = ToolAttrs::default();
        // Every key written, even a rejected one: a key written wrongly is
        // reported for what it is, never again as missing or duplicated.
        let mut seen: Vec<(String, Path)> = Vec::new();
        let parser = syn::meta::parser(|meta| {
            let Some(key) = meta.path.get_ident().map(ToString::to_string) else {
                cx.error_spanned_by(
                    &meta.path,
                    format!("expected one of the #[tool] attributes: {KEYS}"),
                );
                return skip_value(&meta);
            };
            if seen.iter().any(|(k, _)| *k == key) {
                // Reported at the second occurrence, the one to delete.
                cx.error_spanned_by(&meta.path, format!("duplicate #[tool] attribute `{key}`"));
                return skip_value(&meta);
            }
            seen.push((key.clone(), meta.path.clone()));
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
                "tier" => out.tier = variant_value(cx, &meta, &key, "pro")?,
                "scope" => out.scope = variant_value(cx, &meta, &key, "tracks:read")?,
                "read_only" => out.read_only = flag(cx, &meta, &key)?,
                "destructive" => out.destructive = flag(cx, &meta, &key)?,
                "idempotent" => out.idempotent = flag(cx, &meta, &key)?,
                _ => {
                    cx.error_spanned_by(
                        &meta.path,
                        format!("unknown #[tool] attribute `{key}`; expected one of: {KEYS}"),
                    );
                    return skip_value(&meta);
                }
            }
            Ok(())
        });
        // A syntax error stops the parse: what follows it is unknown, so no
        // attribute is then reported missing.
        let complete = match syn::parse::Parser::parse2(parser, attr) {
            Ok(()) => true,
            Err(err) => {
                cx.syn_error(err);
                false
            }
        };
        if out.read_only && out.destructive {
            // At whichever of the two comes second.
            let second = seen
                .iter()
                .rfind(|(k, _)| k == "read_only" || k == "destructive")
                .map(|(_, path)| path)
                .expect("both were seen");
            cx.error_spanned_by(
                second,
                "a tool cannot be both `read_only` and `destructive`",
            );
        }
        if complete && !seen.iter().any(|(k, _)| k == "title") {
            cx.syn_error(syn::Error::new(
                Span::call_site(),
                "#[tool] needs a `title = \"…\"`: the short human name clients show",
            ));
        }
        if complete && !seen.iter().any(|(k, _)| k == "scope") {
            cx.syn_error(syn::Error::new(
                Span::call_site(),
                "#[tool] needs a `scope = \"…\"`: the OAuth scope a token needs to call it, \
                 like `scope = \"tracks:read\"`",
            ));
        }
        out
    }
}

/// `key = "…"`: the string, or `None` after reporting what is wrong with it.
fn string_value(cx: &Ctxt, meta: &ParseNestedMeta, key: &str) -> syn::Result<Option<LitStr>> {
    if !meta.input.peek(syn::Token![=]) {
        cx.error_spanned_by(
            &meta.path,
            format!("`{key}` takes a value: `{key} = \"…\"`"),
        );
        return Ok(None);
    }
    let lit = match meta.value()?.parse()? {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => lit,
        other => {
            cx.error_spanned_by(other, format!("`{key}` takes a string: `{key} = \"…\"`"));
            return Ok(None);
        }
    };
    if lit.value().trim().is_empty() {
        cx.error_spanned_by(&lit, format!("`{key}` must not be empty"));
        return Ok(None);
    }
    Ok(Some(lit))
}

/// `key = "…"` naming an enum variant: lowercase words joined by `:`
/// (`"tracks:read"` is `TracksRead`). Only the spelling is checked here; the
/// expansion names `catalogue`'s variant at the literal, so a name the enum
/// lacks fails to compile there, and no list of names is copied into the macro.
fn variant_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta,
    key: &str,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    let Some(lit) = string_value(cx, meta, key)? else {
        return Ok(None);
    };
    if variant_name(&lit.value()).is_none() {
        cx.error_spanned_by(
            &lit,
            format!(
                "`{key}` is written in lowercase words joined by `:`, like `{key} = {example:?}`"
            ),
        );
        return Ok(None);
    }
    Ok(Some(lit))
}

/// The variant a checked `tier` or `scope` literal names, spanned at it.
pub fn variant(lit: &LitStr) -> Ident {
    let name = variant_name(&lit.value()).expect("checked when parsed");
    Ident::new(&name, lit.span())
}

/// `"tracks:read"` → `TracksRead`: each `:`-separated word of `[a-z][a-z0-9]*`
/// capitalised. Capitals mark where the words were, so each variant has one
/// spelling; `catalogue` checks that its serde names are those spellings.
fn variant_name(value: &str) -> Option<String> {
    let mut name = String::new();
    for word in value.split(':') {
        let mut chars = word.chars();
        let first = chars.next().filter(char::is_ascii_lowercase)?;
        if !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
            return None;
        }
        name.push(first.to_ascii_uppercase());
        name.push_str(&word[1..]);
    }
    Some(name)
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
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    /// The messages `#[tool(…)]` arguments produce, in order.
    fn errors(attr: TokenStream) -> Vec<String> {
        let cx = Ctxt::new();
        ToolAttrs::parse(&cx, attr);
        match cx.check() {
            Ok(()) => Vec::new(),
            Err(tokens) => tokens
                .into_iter()
                .filter_map(|tt| match tt {
                    // `::core::compile_error! { "message" }`
                    proc_macro2::TokenTree::Group(g) => Some(g.stream().to_string()),
                    _ => None,
                })
                .collect(),
        }
    }

    #[test]
    fn snake_case_areas() {
        for ok in ["timers", "reports_2", "a"] {
            assert!(is_snake_case(ok), "{ok:?}");
        }
        for bad in ["", "Timers", "time-tracking", "2fa", "_x", "timers "] {
            assert!(!is_snake_case(bad), "{bad:?}");
        }
    }

    #[test]
    fn variant_names() {
        for (value, name) in [
            ("pro", "Pro"),
            ("tracks:read", "TracksRead"),
            ("a1:b", "A1B"),
        ] {
            assert_eq!(variant_name(value).as_deref(), Some(name), "{value:?}");
        }
        for bad in [
            "",
            "Pro",
            "tracks_read",
            "tracks read",
            "tracks:",
            ":read",
            "2fa",
            "é",
        ] {
            assert_eq!(variant_name(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_missing_scope_is_reported() {
        assert_eq!(errors(quote!(title = "T")).len(), 1);
        assert!(errors(quote!(title = "T", scope = "admin")).is_empty());
    }

    #[test]
    fn values_are_read() {
        let cx = Ctxt::new();
        let attrs = ToolAttrs::parse(
            &cx,
            quote!(
                title = "T",
                destructive,
                idempotent,
                tier = "pro",
                area = "x",
                scope = "invoices"
            ),
        );
        cx.check().expect("no errors");
        assert_eq!(attrs.title.map(|t| t.value()).as_deref(), Some("T"));
        assert!(!attrs.read_only && attrs.destructive && attrs.idempotent);
        assert_eq!(attrs.tier.map(|t| t.value()).as_deref(), Some("pro"));
        assert_eq!(attrs.area.map(|t| t.value()).as_deref(), Some("x"));
        assert_eq!(attrs.scope.map(|t| t.value()).as_deref(), Some("invoices"));
    }

    #[test]
    fn a_title_written_wrongly_is_not_also_missing() {
        for attr in [
            quote!(title, scope = "admin"),
            quote!(title = "", scope = "admin"),
            quote!(title = Echo, scope = "admin"),
            quote!(title = 1, scope = "admin"),
        ] {
            assert_eq!(errors(attr.clone()).len(), 1, "{attr}");
        }
        // After a syntax error nothing is known about what follows.
        assert_eq!(errors(quote!(read_only title = "T")).len(), 1);
        // Nothing written: neither a title nor a scope.
        assert_eq!(errors(quote!()).len(), 2);
    }
}
