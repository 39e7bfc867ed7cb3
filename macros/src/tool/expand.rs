//! The code `#[tool]` adds beside the untouched function: a handler that
//! parses arguments, calls the function and serialises its result, and the
//! registration of a `catalogue::ToolDef`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

use super::attrs::ToolAttrs;
use super::signature::ToolSignature;

pub fn expand(func: &ItemFn, attrs: &ToolAttrs, sig: &ToolSignature) -> TokenStream {
    let ident = &func.sig.ident;
    let name = &sig.name;
    let description = &sig.description;
    let title = attrs.title.as_ref().expect("checked");
    let (read_only, destructive, idempotent) =
        (attrs.read_only, attrs.destructive, attrs.idempotent);
    let tier = match attrs.tier.as_ref().map(syn::LitStr::value).as_deref() {
        Some("pro") => quote!(::catalogue::Tier::Pro),
        Some("business") => quote!(::catalogue::Tier::Business),
        _ => quote!(::catalogue::Tier::Free),
    };
    let area = match &attrs.area {
        Some(area) => quote!(::core::option::Option::Some(#area)),
        None => quote!(::core::option::Option::None),
    };

    // Trait bounds are checked at the user's own tokens, so an argument type
    // that is not `ToolInput` is reported on that type, not inside the macro.
    let output_ty = &sig.output;
    let output = quote_spanned! {output_ty.span()=>
        <#output_ty as ::catalogue::ToolReturn>::Output
    };
    let (input_ty, parse_and_call) = match &sig.input {
        Some(input_ty) => (
            quote!(#input_ty),
            quote_spanned! {input_ty.span()=>
                let args = ::catalogue::__private::parse_args::<#input_ty>(args)?;
                let returned: #output_ty = #ident(&ctx, args).await;
            },
        ),
        None => (
            quote!(::catalogue::NoArgs),
            quote! {
                ::catalogue::__private::parse_args::<::catalogue::NoArgs>(args)?;
                let returned: #output_ty = #ident(&ctx).await;
            },
        ),
    };
    let finish = quote_spanned! {output_ty.span()=>
        ::catalogue::__private::finish::<#output_ty>(returned)
    };

    quote! {
        #func

        const _: () = {
            fn handler(
                ctx: ::catalogue::Ctx,
                args: ::catalogue::__private::Value,
            ) -> ::catalogue::__private::HandlerFuture {
                ::std::boxed::Box::pin(async move {
                    #parse_and_call
                    #finish
                })
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
                    input_schema: ::catalogue::__private::input_schema::<#input_ty>,
                    output_schema: ::catalogue::__private::output_schema::<#output>,
                    handler,
                }
            }
        };
    }
}
