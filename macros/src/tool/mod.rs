//! `#[tool]`: parse (attributes and signature, spans kept) → checks → expand.

mod attrs;
mod ctxt;
mod expand;
mod signature;

use proc_macro2::{TokenStream, TokenTree};

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            // The item is emitted as written: its own errors, if any, are the
            // compiler's to report.
            let mut out = not_a_fn(&item).to_compile_error();
            out.extend(item);
            return out;
        }
    };
    let cx = ctxt::Ctxt::new();
    let attrs = attrs::ToolAttrs::parse(&cx, attr);
    let sig = signature::ToolSignature::parse(&cx, &func);
    match cx.check() {
        // On error the function is still emitted untouched and nothing is
        // registered: the user sees their mistakes, not a cascade from them.
        Err(errors) => {
            // A function with `self` sits in an `impl`, where the checks'
            // unnamed consts are not allowed: its error is enough.
            let checks = match func.sig.receiver() {
                None => expand::name_checks(&attrs),
                Some(_) => TokenStream::new(),
            };
            quote::quote! { #errors #func #checks }
        }
        Ok(()) => expand::expand(&func, &attrs, &sig.expect("no errors means a signature")),
    }
}

/// The error for `#[tool]` on something other than a function, at the head
/// of that item (`struct Echo`, `pub const ECHO`), not across all of it.
fn not_a_fn(item: &TokenStream) -> syn::Error {
    let (head, kinds) = item_head(item);
    let message = if kinds.iter().any(|k| k == "fn") {
        // A function without a body, such as one declared in a trait.
        "#[tool] goes on an `async fn` with a body".to_owned()
    } else if let Some(kind) = kinds.first() {
        format!("#[tool] goes on an `async fn`, not on a `{kind}`")
    } else {
        "#[tool] goes on an `async fn`".to_owned()
    };
    if head.is_empty() {
        syn::Error::new_spanned(item, message)
    } else {
        syn::Error::new_spanned(head, message)
    }
}

/// An item's tokens after its attributes, through visibility and keywords to
/// its name; and the keywords that say what kind of item it is.
fn item_head(item: &TokenStream) -> (TokenStream, Vec<String>) {
    const MODIFIERS: &[&str] = &["pub", "crate", "unsafe", "async", "extern", "auto", "mut"];
    const KINDS: &[&str] = &[
        "fn",
        "struct",
        "enum",
        "union",
        "const",
        "static",
        "type",
        "trait",
        "impl",
        "mod",
        "use",
        "macro_rules",
    ];
    let tokens: Vec<TokenTree> = item.clone().into_iter().collect();
    // Outer attributes and doc comments: `#` and a bracketed group.
    let mut start = 0;
    while let [TokenTree::Punct(p), TokenTree::Group(_), ..] = &tokens[start..]
        && p.as_char() == '#'
    {
        start += 2;
    }
    let mut end = start;
    let mut kinds = Vec::new();
    while let Some(tt) = tokens.get(end) {
        end += 1;
        match tt {
            TokenTree::Ident(ident) if MODIFIERS.contains(&ident.to_string().as_str()) => {}
            TokenTree::Ident(ident) if KINDS.contains(&ident.to_string().as_str()) => {
                kinds.push(ident.to_string());
            }
            // `pub(crate)`
            TokenTree::Group(_) if matches!(&tokens[end - 2], TokenTree::Ident(i) if i == "pub") => {
            }
            _ => break,
        }
    }
    (tokens[start..end].iter().cloned().collect(), kinds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn the_head_of_an_item() {
        let cases = [
            (
                quote!(
                    #[doc = "x"]
                    struct Echo {
                        a: u8,
                    }
                ),
                "struct Echo",
                "struct",
            ),
            (
                quote!(
                    pub(crate) const X: u8 = 1;
                ),
                "pub (crate) const X",
                "const",
            ),
            (quote!(impl Echo {}), "impl Echo", "impl"),
            (
                quote!(
                    async fn no_body(&self);
                ),
                "async fn no_body",
                "fn",
            ),
            (
                quote!(
                    #[a]
                    #[b]
                    pub unsafe trait T {}
                ),
                "pub unsafe trait T",
                "trait",
            ),
        ];
        for (item, head, kind) in cases {
            let (tokens, kinds) = item_head(&item);
            assert_eq!(tokens.to_string(), head, "{item}");
            assert_eq!(kinds, [kind], "{item}");
        }
    }
}
