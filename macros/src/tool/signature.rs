//! What `#[tool]` reads from the function itself: name, doc comment, context,
//! argument and return types.

use std::cell::Cell;

use proc_macro2::Span;
use syn::{Attribute, FnArg, ItemFn, ReturnType, Type};

use super::ctxt::Ctxt;

pub struct ToolSignature {
    pub name: String,
    pub description: String,
    /// The type of the first parameter, which must be `&Ctx`.
    pub ctx: Type,
    /// `None` when the tool takes only the context.
    pub input: Option<Type>,
    pub output: Type,
}

impl ToolSignature {
    /// Checks everything and reports every problem; `None` if any was found.
    pub fn parse(cx: &Ctxt, func: &ItemFn) -> Option<ToolSignature> {
        let sig = &func.sig;
        let ok = Cell::new(true);
        let fail = |tokens: &dyn quote::ToTokens, msg: &str| {
            cx.error_spanned_by(tokens.to_token_stream(), msg);
            ok.set(false);
        };
        let fail_at = |span: Span, msg: &str| {
            cx.syn_error(syn::Error::new(span, msg));
            ok.set(false);
        };

        let name = sig.ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
        if !is_valid_tool_name(&name) {
            fail(
                &sig.ident,
                &format!(
                    "`{name}` cannot be a tool name: a tool name is 1 to 128 characters \
                     of A-Z, a-z, 0-9, `_`, `.` and `-`"
                ),
            );
        }
        if let Some(constness) = &sig.constness {
            fail(constness, "a #[tool] function cannot be `const`");
        }
        if sig.asyncness.is_none() {
            fail(&sig.fn_token, "a #[tool] function must be `async fn`");
        }
        if let Some(unsafety) = &sig.unsafety {
            fail(
                unsafety,
                "a #[tool] function cannot be `unsafe`: the server calls it with any JSON a client sends",
            );
        }
        if let Some(abi) = &sig.abi {
            fail(abi, "a #[tool] function cannot have an `extern` ABI");
        }
        if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
            let generics = &sig.generics;
            let where_clause = &generics.where_clause;
            fail(
                &quote::quote!(#generics #where_clause),
                "a #[tool] function cannot be generic: its schemas must be known",
            );
        }
        if let Some(variadic) = &sig.variadic {
            fail(variadic, "a #[tool] function cannot be variadic");
        }

        let description = match doc_comment(&func.attrs) {
            Err(attr) => {
                fail(
                    attr,
                    "#[tool] reads the description from doc comments written out as text; \
                     it cannot expand a macro in `#[doc = …]`",
                );
                String::new()
            }
            Ok(description) => {
                if description.is_empty() {
                    fail(
                        &sig.ident,
                        "a #[tool] function needs a doc comment: it is the description the assistant reads",
                    );
                }
                description
            }
        };

        let mut receiver = false;
        let mut typed = Vec::new();
        for arg in &sig.inputs {
            match arg {
                FnArg::Receiver(self_arg) => {
                    receiver = true;
                    fail(self_arg, "a #[tool] function cannot take `self`");
                }
                FnArg::Typed(pat) => typed.push(pat),
            }
        }
        for pat in &typed {
            if let Type::ImplTrait(ty) = &*pat.ty {
                fail(
                    ty,
                    "a #[tool] function cannot be generic: its schemas must be known; \
                     name the argument type",
                );
            }
        }
        let (ctx, input) = match typed.as_slice() {
            // With a `self`, the parameter list is reported already.
            [] if receiver => (None, None),
            [] => {
                // Reported at the empty parentheses, where the context goes.
                fail_at(
                    sig.paren_token.span.join(),
                    "a #[tool] function takes the context first: `(ctx: &Ctx)` or `(ctx: &Ctx, args: Args)`",
                );
                (None, None)
            }
            [ctx] => (Some((*ctx.ty).clone()), None),
            [ctx, args] => (Some((*ctx.ty).clone()), Some((*args.ty).clone())),
            [_, _, extra, ..] => {
                fail(
                    extra,
                    "a #[tool] function takes `(ctx: &Ctx)` or `(ctx: &Ctx, args: Args)`; \
                     put every argument in one `Args` struct",
                );
                (None, None)
            }
        };

        let output = match &sig.output {
            ReturnType::Type(_, ty) => Some((**ty).clone()),
            ReturnType::Default => {
                fail(
                    &sig.ident,
                    "a #[tool] function returns `Result<Output, ToolError>` (add `-> Result<…, ToolError>`)",
                );
                None
            }
        };
        ok.get().then(|| ToolSignature {
            name,
            description,
            ctx: ctx.expect("checked"),
            input,
            output: output.expect("checked"),
        })
    }
}

/// Whether `name` may be a tool's name: 1 to 128 of `[A-Za-z0-9_.-]`.
fn is_valid_tool_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The doc comment as one string, or the first `#[doc = …]` that is not a
/// string literal (a macro such as `include_str!` the macro cannot expand).
fn doc_comment(attrs: &[Attribute]) -> Result<String, &Attribute> {
    let mut chunks = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("doc")) {
        // `#[doc(hidden)]` and other list forms are not text.
        let syn::Meta::NameValue(nv) = &attr.meta else {
            continue;
        };
        match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => chunks.push(s.value()),
            _ => return Err(attr),
        }
    }
    Ok(join_doc(&chunks))
}

/// Doc attribute values as one description: lines joined with `\n`, the one
/// space rustdoc leaves after `///` removed, trailing spaces dropped, blank
/// lines inside kept (they separate paragraphs) and blank lines around trimmed.
fn join_doc<S: AsRef<str>>(chunks: &[S]) -> String {
    let lines: Vec<&str> = chunks
        .iter()
        // `split`, not `lines`: an empty `///` is a blank line, not no line.
        .flat_map(|chunk| chunk.as_ref().split('\n'))
        .map(|line| line.strip_prefix(' ').unwrap_or(line).trim_end())
        .collect();
    lines.join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names() {
        for ok in [
            "a",
            "get_context",
            "timers.start",
            "x-1",
            "A9",
            &"n".repeat(128),
        ] {
            assert!(is_valid_tool_name(ok), "{ok:?}");
        }
        for bad in ["", "écho", "a b", "a/b", "a:b", &"n".repeat(129)] {
            assert!(!is_valid_tool_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn doc_lines_are_joined() {
        // What `///` lines arrive as: one attribute per line, a leading space each.
        assert_eq!(join_doc(&[" One.", " Two."]), "One.\nTwo.");
        // Blank `///` lines separate paragraphs; blank lines around are trimmed.
        assert_eq!(join_doc(&["", " One.", "", " Two.", ""]), "One.\n\nTwo.");
        // Only the one space rustdoc adds goes; deeper indentation stays.
        assert_eq!(join_doc(&[" List:", "   - item  "]), "List:\n  - item");
        // `///x` (no space) and raw `#[doc = "x"]` keep their text.
        assert_eq!(join_doc(&["x", "y"]), "x\ny");
        // A block comment arrives as one value with newlines, CRLF included.
        assert_eq!(join_doc(&[" One,\r\n two. "]), "One,\ntwo.");
        assert_eq!(join_doc::<&str>(&[]), "");
        assert_eq!(join_doc(&["", "  "]), "");
    }
}
