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
    let event = event_struct(api);
    quote! {
        #(#items)*

        #event

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

/// `Event`: an event whole — its `type`, its content by type, the fields the core event schemas
/// declare (each optional) and every other field, kept as JSON.
fn event_struct(api: &Api) -> TokenStream {
    let space = &api.types;
    let fields = &api.event_fields;
    let decls = fields.iter().map(|f| {
        let n = ident(&f.name);
        let t = ty_tokens(&f.ty, space);
        let mut text = f.doc.clone().unwrap_or_default();
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&format!("`{}`, where this kind of event has it.", f.wire));
        let doc = doc_attrs(&text);
        quote!(#doc pub #n: ::std::option::Option<#t>,)
    });
    let reads = fields.iter().map(|f| {
        let n = ident(&f.name);
        let wire = &f.wire;
        // `null` is kept as it came, with the fields the schemas do not name
        quote! {
            let #n = match other.remove(#wire) {
                ::std::option::Option::None => ::std::option::Option::None,
                ::std::option::Option::Some(::serde_json::Value::Null) => {
                    other.insert(::std::string::String::from(#wire), ::serde_json::Value::Null);
                    ::std::option::Option::None
                }
                ::std::option::Option::Some(value) => ::std::option::Option::Some(
                    ::serde_json::from_value(value)
                        .map_err(|e| ::serde::de::Error::custom(::std::format!("{}: {e}", #wire)))?,
                ),
            };
        }
    });
    let names: Vec<_> = fields.iter().map(|f| ident(&f.name)).collect();
    let writes = fields.iter().map(|f| {
        let n = ident(&f.name);
        let wire = &f.wire;
        quote! {
            if let ::std::option::Option::Some(value) = &self.#n {
                map.insert(
                    ::std::string::String::from(#wire),
                    ::serde_json::to_value(value).map_err(::serde::ser::Error::custom)?,
                );
            }
        }
    });
    quote! {
        /// An event whole: its `type`, its content read by [`AnyEventContent`], the fields the
        /// spec's core event schemas declare (each optional: each kind of event has some of
        /// them) and every other field as it came, so that an event decoded and encoded again is
        /// the event that came.
        #[derive(::std::clone::Clone, ::std::fmt::Debug, ::std::cmp::PartialEq)]
        pub struct Event {
            /// `type`.
            pub event_type: ::std::string::String,
            /// `content`, by the event's type.
            pub content: AnyEventContent,
            #(#decls)*
            /// Every other field, as it came.
            pub other: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
        }

        impl<'de> ::serde::Deserialize<'de> for Event {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let mut other = <::serde_json::Map<::std::string::String, ::serde_json::Value> as ::serde::Deserialize>::deserialize(deserializer)?;
                let event_type = match other.remove("type") {
                    ::std::option::Option::Some(::serde_json::Value::String(t)) => t,
                    _ => return ::std::result::Result::Err(::serde::de::Error::custom("an event needs a string `type`")),
                };
                let content = match other.remove("content") {
                    ::std::option::Option::Some(c) => AnyEventContent::from_parts(&event_type, &c)
                        .map_err(|e| ::serde::de::Error::custom(::std::format!("content: {e}")))?,
                    ::std::option::Option::None => return ::std::result::Result::Err(::serde::de::Error::custom("an event needs `content`")),
                };
                #(#reads)*
                ::std::result::Result::Ok(Event { event_type, content, #(#names,)* other })
            }
        }

        impl ::serde::Serialize for Event {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                let mut map = ::std::clone::Clone::clone(&self.other);
                map.insert(::std::string::String::from("type"), ::serde_json::Value::String(::std::clone::Clone::clone(&self.event_type)));
                map.insert(::std::string::String::from("content"), self.content.to_value().map_err(::serde::ser::Error::custom)?);
                #(#writes)*
                ::serde::Serialize::serialize(&map, serializer)
            }
        }
    }
}
