//! `#[tool]`: parse (attributes and signature, spans kept) → checks → expand.

mod attrs;
mod ctxt;
mod expand;
mod signature;

use proc_macro2::TokenStream;

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            let err = syn::Error::new_spanned(&item, "#[tool] goes on an `async fn`");
            let mut out = err.to_compile_error();
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
        Err(errors) => quote::quote! { #errors #func },
        Ok(()) => expand::expand(&func, &attrs, &sig.expect("no errors means a signature")),
    }
}
