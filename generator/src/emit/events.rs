//! The events output: `events.rs`, for a spec given its event schemas. Each event type's
//! content has a type (the struct its schema describes, or a type declared here around what the
//! content is), and [`AnyEventContent`] tells them apart by the event's `type` (and by the field
//! that names a variant, such as `msgtype`), keeping the content of any type it does not know.

use std::collections::{BTreeMap, HashSet};

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::{doc_attrs, ident, ty_tokens};
use super::{Emitted, FileContent, Module, Output};
use crate::ir::events::EventDef;
use crate::ir::{Api, Ty, TypeKind, TypeSpace};

/// `src/events.rs`, when the spec has event types.
pub struct EventsOutput;

impl Output for EventsOutput {
    fn emit(&self, api: &Api) -> Emitted {
        if api.events.is_empty() {
            return Emitted::default();
        }
        Emitted {
            files: vec![("src/events.rs".to_owned(), FileContent::Rust(events_file(api)))],
            modules: vec![Module {
                name: "events",
                feature: None,
            }],
            docs: vec!["[`events`]: the content of every event type of the spec's event schemas, and `AnyEventContent` over them."],
            ..Emitted::default()
        }
    }
}

/// One event type as the enum dispatches on it: its variants (by the value of the field that
/// names them) and the content of the type itself, if it has a schema of its own.
struct Dispatch<'a> {
    base: Option<&'a EventDef>,
    variants: Vec<(&'a EventDef, String)>,
}

/// The variant of `AnyEventContent` for an event: `RoomMember`, `RoomMessageText`.
fn variant_name(e: &EventDef) -> String {
    e.content_name.trim_end_matches("EventContent").to_owned()
}

/// The field of a variant's content that names it: the one whose only value is the variant
/// (`msgtype: [m.text]`).
fn discriminator(e: &EventDef, space: &TypeSpace) -> Option<String> {
    let variant = e.variant.as_deref()?;
    let Ty::Named(id) = &e.content else { return None };
    let TypeKind::Struct(def) = &space.get(*id).kind else {
        return None;
    };
    def.fields.iter().find_map(|f| match &f.ty {
        Ty::Named(v) => match &space.get(*v).kind {
            TypeKind::Enum(en) if en.variants.len() == 1 && en.variants[0].wire == variant => Some(f.wire.clone()),
            _ => None,
        },
        _ => None,
    })
}

fn events_file(api: &Api) -> TokenStream {
    let space = &api.types;
    let mut items = Vec::new();
    // a content that is not a struct of its own is a type declared here around it
    let mut claimed = HashSet::new();
    let mut content_paths = Vec::new();
    for e in &api.events {
        let own_struct = match &e.content {
            Ty::Named(id) => matches!(space.get(*id).kind, TypeKind::Struct(_)) && claimed.insert(*id),
            _ => false,
        };
        if own_struct {
            content_paths.push(ty_tokens(&e.content, space));
            continue;
        }
        let name = ident(&e.content_name);
        let inner = ty_tokens(&e.content, space);
        let doc = doc_attrs(&format!(
            "The content of `{}`{}.",
            e.event_type,
            e.variant.as_deref().map(|v| format!(" (`{v}`)")).unwrap_or_default()
        ));
        items.push(quote! {
            #doc
            #[derive(::std::clone::Clone, ::std::fmt::Debug, ::std::cmp::PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(transparent)]
            pub struct #name(pub #inner);
        });
        content_paths.push(quote!(#name));
    }

    // by event type: its own schema and its variants
    let mut by_type: BTreeMap<&str, Dispatch<'_>> = BTreeMap::new();
    let mut variants = Vec::new();
    let mut encode = Vec::new();
    let mut type_of = Vec::new();
    for (e, path) in api.events.iter().zip(&content_paths) {
        let v = ident(&variant_name(e));
        let event_type = &e.event_type;
        let doc = doc_attrs(&format!(
            "`{event_type}`{}: {}.",
            e.variant.as_deref().map(|x| format!(" (`{x}`)")).unwrap_or_default(),
            e.kind.as_str()
        ));
        variants.push(quote!(#doc #v(#path),));
        encode.push(quote!(Self::#v(c) => ::serde_json::to_value(c),));
        type_of.push(quote!(Self::#v(_) => #event_type,));
        let entry = by_type.entry(event_type).or_insert(Dispatch {
            base: None,
            variants: Vec::new(),
        });
        match e.variant.as_deref().and(discriminator(e, space)) {
            Some(field) => entry.variants.push((e, field)),
            None if e.variant.is_none() => entry.base = Some(e),
            // a variant whose content names it nowhere is told apart by nothing: its own type
            // is still declared, and the type's own schema reads it
            None => {}
        }
    }
    let arms = by_type.iter().map(|(event_type, d)| {
        let fallback = match d.base {
            Some(base) => {
                let v = ident(&variant_name(base));
                quote!(::serde::Deserialize::deserialize(content).map(Self::#v))
            }
            None => quote!(::std::result::Result::Ok(Self::Unknown {
                event_type: ::std::string::String::from(event_type),
                content: ::std::clone::Clone::clone(content),
            })),
        };
        if d.variants.is_empty() {
            return quote!(#event_type => #fallback,);
        }
        let checks = d.variants.iter().map(|(e, field)| {
            let v = ident(&variant_name(e));
            let value = e.variant.as_deref().unwrap_or_default();
            // a content naming the variant but not of its shape is read by the type's own
            // schema (the generic `m.key.verification.start` names `m.sas.v1` too)
            quote! {
                if content.get(#field).and_then(::serde_json::Value::as_str) == ::std::option::Option::Some(#value) {
                    if let ::std::result::Result::Ok(c) = ::serde::Deserialize::deserialize(content) {
                        return ::std::result::Result::Ok(Self::#v(c));
                    }
                }
            }
        });
        quote!(#event_type => { #(#checks)* #fallback })
    });
    quote! {
        #(#items)*

        /// The content of an event, by its type: one variant per event type (and per variant of
        /// one, such as each `msgtype` of `m.room.message`) of the spec's event schemas, and
        /// `Unknown` for any other, kept whole.
        #[derive(::std::clone::Clone, ::std::fmt::Debug, ::std::cmp::PartialEq)]
        pub enum AnyEventContent {
            #(#variants)*
            /// An event type the spec's event schemas do not describe.
            Unknown {
                /// Its `type`.
                event_type: ::std::string::String,
                /// Its `content`, as it came.
                content: ::serde_json::Value,
            },
        }

        impl AnyEventContent {
            /// Decodes the `content` of an event of type `event_type`.
            pub fn from_parts(event_type: &str, content: &::serde_json::Value) -> ::std::result::Result<Self, ::serde_json::Error> {
                match event_type {
                    #(#arms)*
                    _ => ::std::result::Result::Ok(Self::Unknown {
                        event_type: ::std::string::String::from(event_type),
                        content: ::std::clone::Clone::clone(content),
                    }),
                }
            }

            /// The event's `type`.
            pub fn event_type(&self) -> &str {
                match self {
                    #(#type_of)*
                    Self::Unknown { event_type, .. } => event_type,
                }
            }

            /// The content as JSON.
            pub fn to_value(&self) -> ::std::result::Result<::serde_json::Value, ::serde_json::Error> {
                match self {
                    #(#encode)*
                    Self::Unknown { content, .. } => ::std::result::Result::Ok(::std::clone::Clone::clone(content)),
                }
            }
        }
    }
}
