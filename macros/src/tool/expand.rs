//! The code `#[tool]` adds beside the untouched function: the registration of
//! a `catalogue::ToolDef` whose handler parses the arguments, calls the
//! function and serialises its result.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ItemFn;

use super::attrs::{self, ToolAttrs};
use super::signature::ToolSignature;

pub fn expand(func: &ItemFn, attrs: &ToolAttrs, sig: &ToolSignature) -> TokenStream {
    let ident = &func.sig.ident;
    let name = &sig.name;
    let description = &sig.description;
    let title = attrs.title.as_ref().expect("checked");
    let (read_only, destructive, idempotent) =
        (attrs.read_only, attrs.destructive, attrs.idempotent);
    let tier = tier_path(attrs);
    let scope = scope_path(attrs).expect("checked");
    let area = match &attrs.area {
        Some(area) => quote!(::core::option::Option::Some(#area)),
        None => quote!(::core::option::Option::None),
    };

    // The handler's own variables are hygienic: a tool named `ctx` or `args`
    // is not shadowed by them.
    let ctx = Ident::new("ctx", Span::mixed_site());
    let args = Ident::new("args", Span::mixed_site());
    let returned = Ident::new("returned", Span::mixed_site());

    // Every trait bound is checked on the user's own tokens, so a type that
    // does not fit is reported on that type, not on `#[tool]`. All checks sit
    // in one body (the handler is a closure inside the registration), where
    // the compiler reports a failed bound once per type, not once per use.
    let ctx_ty = &sig.ctx;
    let ctx_arg = spanning(ctx_ty, quote!(<#ctx_ty as __ToolContext<'_>>::__from_ctx));
    let output_ty = &sig.output;
    let output = spanning(
        output_ty,
        quote!(<#output_ty as ::catalogue::ToolReturn>::Output),
    );
    // A future that is not `Send` is reported on the function's name.
    let call = |args: TokenStream| {
        let call = spanning(ident, quote!(#ident(#ctx_arg(&#ctx) #args)));
        quote!(__tool_send(#call))
    };
    let call_with_args = call(quote!(, #args));
    let call_without_args = call(TokenStream::new());
    let (input_ty, parse_and_call) = match &sig.input {
        Some(input_ty) => (
            input_ty.to_token_stream(),
            quote! {
                let #args = ::catalogue::__private::parse_args::<#input_ty>(#args)?;
                let #returned: #output_ty = #call_with_args.await;
            },
        ),
        None => (
            quote!(::catalogue::NoArgs),
            quote! {
                ::catalogue::__private::parse_args::<::catalogue::NoArgs>(#args)?;
                let #returned: #output_ty = #call_without_args.await;
            },
        ),
    };

    quote! {
        #func

        const _: () = {
            /// The first parameter of a tool, which is `&Ctx`.
            #[diagnostic::on_unimplemented(
                message = "the first parameter of a #[tool] function is the context `&Ctx`, not `{Self}`",
                label = "expected `&Ctx`",
                note = "a #[tool] function takes `(ctx: &Ctx)` or `(ctx: &Ctx, args: Args)`"
            )]
            trait __ToolContext<'a> {
                fn __from_ctx(ctx: &'a ::catalogue::Ctx) -> Self;
            }

            impl<'a> __ToolContext<'a> for &'a ::catalogue::Ctx {
                fn __from_ctx(ctx: &'a ::catalogue::Ctx) -> Self {
                    ctx
                }
            }

            fn __tool_send<F: ::core::future::Future + ::core::marker::Send>(future: F) -> F {
                future
            }

            ::catalogue::__private::inventory::submit! {
                ::catalogue::ToolDef {
                    name: #name,
                    title: #title,
                    description: #description,
                    area: #area,
                    module: ::core::module_path!(),
                    read_only: #read_only,
                    destructive: #destructive,
                    idempotent: #idempotent,
                    tier: #tier,
                    scope: #scope,
                    input_schema: ::catalogue::__private::input_schema::<#input_ty>,
                    output_schema: ::catalogue::__private::output_schema::<#output>,
                    handler: |#ctx, #args| {
                        ::std::boxed::Box::pin(async move {
                            #parse_and_call
                            ::catalogue::__private::finish::<#output_ty>(#returned)
                        })
                    },
                }
            }
        };
    }
}

/// The `Tier` variant `tier = "…"` names, spanned at the literal so that a
/// name `catalogue::Tier` lacks is reported there; `Free` when none is given.
fn tier_path(attrs: &ToolAttrs) -> TokenStream {
    match &attrs.tier {
        Some(lit) => {
            let variant = attrs::variant(lit);
            quote_spanned!(lit.span()=> ::catalogue::Tier::#variant)
        }
        None => quote!(::catalogue::Tier::Free),
    }
}

/// The `Scope` variant `scope = "…"` names, spanned at the literal.
fn scope_path(attrs: &ToolAttrs) -> Option<TokenStream> {
    attrs.scope.as_ref().map(|lit| {
        let variant = attrs::variant(lit);
        quote_spanned!(lit.span()=> ::catalogue::Scope::#variant)
    })
}

/// What is emitted beside a tool that has other mistakes: its tier and scope
/// still named, so an unknown one is reported with the rest, not after they
/// are fixed.
pub fn name_checks(attrs: &ToolAttrs) -> TokenStream {
    let mut checks = TokenStream::new();
    if attrs.tier.is_some() {
        let tier = tier_path(attrs);
        checks.extend(quote!(const _: ::catalogue::Tier = #tier;));
    }
    if let Some(scope) = scope_path(attrs) {
        checks.extend(quote!(const _: ::catalogue::Scope = #scope;));
    }
    checks
}

/// `tokens` given the extent of `user` in the source: its first token takes
/// the span of `user`'s first token and its last that of `user`'s last, so
/// the compiler reports anything about the node they form on all of `user`.
fn spanning(user: &impl ToTokens, tokens: TokenStream) -> TokenStream {
    let mut user = user.to_token_stream().into_iter();
    let Some(first) = user.next().map(|tt| tt.span()) else {
        return tokens;
    };
    let last = user.last().map_or(first, |tt| tt.span());
    let mut tokens: Vec<_> = tokens.into_iter().collect();
    let n = tokens.len();
    for (i, tt) in tokens.iter_mut().enumerate() {
        if i == 0 {
            tt.set_span(first);
        } else if i == n - 1 {
            tt.set_span(last);
        }
    }
    tokens.into_iter().collect()
}
