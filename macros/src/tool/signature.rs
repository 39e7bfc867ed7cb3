//! What `#[tool]` reads from the function itself: name, doc comment, argument
//! and return types.

use syn::{FnArg, ItemFn, ReturnType, Type};

use super::ctxt::Ctxt;

pub struct ToolSignature {
    pub name: String,
    pub description: String,
    /// `None` when the tool takes only the context.
    pub input: Option<Type>,
    pub output: Type,
}

impl ToolSignature {
    /// Checks everything and reports every problem; `None` if any was found.
    pub fn parse(cx: &Ctxt, func: &ItemFn) -> Option<ToolSignature> {
        let sig = &func.sig;
        let mut ok = true;
        let mut fail = |tokens: &dyn quote::ToTokens, msg: &str| {
            cx.error_spanned_by(tokens.to_token_stream(), msg);
            ok = false;
        };

        let name = sig.ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
        if !(1..=128).contains(&name.len())
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            fail(
                &sig.ident,
                "a tool name is 1 to 128 characters of A-Z, a-z, 0-9, `_`, `.` and `-`",
            );
        }
        if sig.asyncness.is_none() {
            fail(&sig.fn_token, "a #[tool] function must be `async fn`");
        }
        if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
            fail(
                &sig.generics,
                "a #[tool] function cannot be generic: its schemas must be known",
            );
        }
        if let Some(variadic) = &sig.variadic {
            fail(variadic, "a #[tool] function cannot be variadic");
        }

        let description = doc_comment(func);
        if description.is_empty() {
            fail(
                &sig.ident,
                "a #[tool] function needs a doc comment: it is the description the assistant reads",
            );
        }

        let mut typed = Vec::new();
        for arg in &sig.inputs {
            match arg {
                FnArg::Receiver(receiver) => {
                    fail(receiver, "a #[tool] function cannot take `self`")
                }
                FnArg::Typed(pat) => typed.push(pat),
            }
        }
        let input = match typed.as_slice() {
            [] => {
                fail(
                    &sig.inputs,
                    "a #[tool] function takes the context first: `ctx: &Ctx`",
                );
                None
            }
            [_ctx] => None,
            [_ctx, args] => Some((*args.ty).clone()),
            [_, _, extra, ..] => {
                fail(
                    extra,
                    "a #[tool] function takes `(ctx: &Ctx)` or `(ctx: &Ctx, args: Args)`; \
                     put every argument in one `Args` struct",
                );
                None
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
        ok.then(|| ToolSignature {
            name,
            description,
            input,
            output: output.expect("checked"),
        })
    }
}

/// The doc comment as one string: lines joined, the one space rustdoc leaves
/// after `///` removed, surrounding blank lines trimmed.
fn doc_comment(func: &ItemFn) -> String {
    let lines: Vec<String> = func
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|chunk| chunk.lines().map(str::to_owned).collect::<Vec<_>>())
        .map(|line| {
            line.strip_prefix(' ')
                .unwrap_or(&line)
                .trim_end()
                .to_owned()
        })
        .collect();
    lines.join("\n").trim().to_owned()
}
