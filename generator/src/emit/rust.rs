//! Helpers every emitter shares: identifiers, type expressions, documentation attributes.
//! Emitted code names std, serde and the support code by fully qualified paths, so that no name
//! taken from a spec (a type `Option`, `From`, `Result`, ...) can shadow them.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{Operation, Ty, TyLevel, TypeSpace};

/// An identifier, raw (`r#type`) where the name says so.
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// The name without any `r#`, as serde and file names see it.
pub fn bare(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// The support code's `AuthKind` variant of how an operation authenticates (`AccessToken`, ...):
/// what its metadata says and what its route checks.
pub fn auth_kind(auth: crate::ir::Auth) -> TokenStream {
    use crate::ir::Auth;
    match auth {
        Auth::None => quote!(None),
        Auth::Required => quote!(AccessToken),
        Auth::Optional => quote!(OptionalAccessToken),
        Auth::Signed => quote!(ServerSignatures),
    }
}

/// The Rust type of a type expression.
pub fn ty_tokens(ty: &Ty, space: &TypeSpace) -> TokenStream {
    ty.render(space, &mut |level| match level {
        TyLevel::Leaf(leaf) => match leaf {
            Ty::Bool => quote!(bool),
            Ty::I32 => quote!(i32),
            Ty::I64 => quote!(i64),
            Ty::Number => quote!(::serde_json::Number),
            Ty::Json => quote!(::serde_json::Value),
            Ty::JsonObject => quote!(::serde_json::Map<::std::string::String, ::serde_json::Value>),
            Ty::ErrorCode => quote!(crate::ErrorCode),
            Ty::Bytes => quote!(::std::vec::Vec<u8>),
            _ => quote!(::std::string::String),
        },
        TyLevel::Id(kind) => {
            let name = format_ident!("{}", kind.type_name());
            quote!(crate::runtime::#name)
        }
        TyLevel::Vec(inner) => quote!(::std::vec::Vec<#inner>),
        TyLevel::Map(inner) => quote!(::std::collections::BTreeMap<::std::string::String, #inner>),
        TyLevel::Named(name) => {
            let name = ident(name);
            quote!(crate::types::#name)
        }
        TyLevel::Nullable(inner) => quote!(::std::option::Option<#inner>),
        TyLevel::Event(set) => {
            let name = format_ident!("{}Event", set.words());
            quote!(crate::runtime::Raw<crate::events::#name>)
        }
    })
}

/// `#[doc = "..."]` attributes for a Markdown text (none for an empty one).
pub fn doc_attrs(text: &str) -> TokenStream {
    if text.trim().is_empty() {
        return quote!();
    }
    let lines = doc_lines(text);
    quote!(#(#[doc = #lines])*)
}

/// `#![doc = "..."]` attributes (inner documentation) for a Markdown text.
pub fn inner_doc_attrs(text: &str) -> TokenStream {
    let lines = doc_lines(text);
    quote!(#(#![doc = #lines])*)
}

/// The lines of a doc comment, each after a space. Control characters (a carriage return in an
/// enum value, say) become spaces: the formatter prints doc attributes as `///` comments, where
/// Rust refuses a bare carriage return.
fn doc_lines(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            let clean: String = l
                .chars()
                .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
                .collect();
            format!(" {clean}")
        }
    })
}

/// The documentation of an operation's method (on the client and on the server trait):
/// method, path, summary, a link to its module, then `extra`.
pub fn method_doc(op: &Operation, extra: &str) -> String {
    let mut doc = format!("`{} {}`", op.method.as_str(), op.path);
    if let Some(s) = &op.summary {
        doc.push_str(&format!(": {s}"));
    }
    doc.push_str(&format!("\n\nSee [`crate::operations::{}`].{extra}", bare(&op.name)));
    doc
}
