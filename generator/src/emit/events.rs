//! The events output: `events.rs`, for a spec given its event schemas. Each event type's
//! content has a type (the struct its schema describes, or a type declared here around what the
//! content is), and [`AnyEventContent`] tells them apart by the event's `type` (and by the field
//! that names a variant, such as `msgtype`), keeping the content of any type it does not know.

use super::output::Placement;
use std::collections::{BTreeMap, HashSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::rust::{doc_attrs, ident, ty_tokens};
use super::{Dependency, Emitted, FileContent, Module, Output, RuntimeFile};
use crate::ir::events::EventDef;
use crate::ir::EventSet;
use crate::ir::{Api, Ty, TypeKind, TypeSpace};

/// `src/events.rs`, when the spec has event types.
pub struct EventsOutput;

impl Output for EventsOutput {
    fn name(&self) -> &'static str {
        "events"
    }

    fn emit<'a>(&self, api: &'a Api, placement: &'a Placement) -> Emitted<'a> {
        if api.events.is_empty() {
            return Emitted::default();
        }
        // an API of a set has the shared crate's events
        let member = placement.is_member();
        let files = if member {
            Vec::new()
        } else {
            vec![("src/events.rs".to_owned(), FileContent::rust(move || events_file(api)))]
        };
        Emitted {
            files,
            modules: vec![Module {
                name: "events",
                feature: None,
                shared: member,
            }],
            runtime: vec![
                RuntimeFile {
                    name: "events",
                    text: include_str!("../../runtime/events.rs"),
                    feature: None,
                    exports: &["EventContent", "Raw"],
                    internal: &["is_redacted", "take_content", "put_content", "take_field", "put_field"],
                },
                RuntimeFile {
                    name: "redaction",
                    text: include_str!("../../runtime/redaction.rs"),
                    feature: None,
                    exports: &["RedactionError", "redact"],
                    internal: &[],
                },
            ],
            dependencies: vec![Dependency {
                features: &["raw_value"],
                ..Dependency::new("serde_json", "1")
            }],
            docs: vec!["[`events`]: every event type of the spec's event schemas: its content, `Event` and the `Any*EventContent` enums of each kind of event; [`Raw`] keeps an event as JSON until it is read."],
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

    let event = event_struct(api);
    let enums = EventSet::KINDS.iter().filter(|set| set.content() == **set).map(|&set| {
        let members: Vec<(&EventDef, &TokenStream)> = api
            .events
            .iter()
            .zip(&content_paths)
            .filter(|(e, _)| set == EventSet::All || e.sets.contains(&set))
            .collect();
        content_enum(set, &members, space)
    });
    let aliases = EventSet::KINDS.iter().filter(|set| **set != EventSet::All).map(|set| {
        let name = format_ident!("{}Event", set.words());
        let content = format_ident!("Any{}EventContent", set.content().words());
        let doc = doc_attrs(&format!("{}, by [`{content}`].", set_doc(*set)));
        quote!(#doc pub type #name = Event<#content>;)
    });
    quote! {
        #(#items)*

        #event

        #(#aliases)*

        #(#enums)*
    }
}

/// What the events of a kind are, for documentation.
fn set_doc(set: EventSet) -> &'static str {
    match set {
        EventSet::All => "An event of any kind",
        EventSet::Timeline => "A room event of the timeline: a message or a state event",
        EventSet::State => "A state event",
        EventSet::StrippedState => "A stripped state event (invites, knocks, the space hierarchy): a state event's `type`, `state_key`, `sender` and `content`",
        EventSet::Ephemeral => "An ephemeral room event (typing, receipts)",
        EventSet::AccountData => "Account data, global or of a room",
        EventSet::ToDevice => "A to-device message",
        EventSet::Presence => "A presence event",
    }
}

/// `Any{Kind}EventContent`: the content of an event of a kind, by its type (and by the field
/// that names a variant of a type, such as `msgtype`), and `Unknown` for any other type, kept
/// whole.
fn content_enum(set: EventSet, members: &[(&EventDef, &TokenStream)], space: &TypeSpace) -> TokenStream {
    let name = format_ident!("Any{}EventContent", set.words());
    // by event type: its own schema and its variants
    let mut by_type: BTreeMap<&str, Dispatch<'_>> = BTreeMap::new();
    let mut variants = Vec::new();
    let mut encode = Vec::new();
    let mut type_of = Vec::new();
    for (e, path) in members {
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
    let from_parts = from_parts(&by_type);
    let doc = doc_attrs(&format!(
        "The content of {}, by its type: one variant per event type of the kind (and per variant of one, such as each `msgtype` of `m.room.message`) of the spec's event schemas, and `Unknown` for any other, kept whole.",
        set.noun()
    ));
    quote! {
        #doc
        #[derive(::std::clone::Clone, ::std::fmt::Debug, ::std::cmp::PartialEq)]
        pub enum #name {
            #(#variants)*
            /// An event type the spec's event schemas do not describe (or not as of this kind).
            Unknown {
                /// Its `type`.
                event_type: ::std::string::String,
                /// Its `content`, as it came.
                content: ::serde_json::Value,
            },
            /// A redacted event (its `unsigned` names the redaction) whose remains its type's
            /// schema does not read.
            Redacted {
                /// Its `type`.
                event_type: ::std::string::String,
                /// What the redaction left of its `content`, as it came.
                content: ::serde_json::Value,
            },
        }

        impl crate::runtime::EventContent for #name {
            fn from_parts(event_type: &str, content: ::serde_json::Value) -> ::std::result::Result<Self, ::serde_json::Error> {
                #from_parts
            }

            fn event_type(&self) -> &str {
                match self {
                    #(#type_of)*
                    Self::Unknown { event_type, .. } | Self::Redacted { event_type, .. } => event_type,
                }
            }

            fn to_value(&self) -> ::std::result::Result<::serde_json::Value, ::serde_json::Error> {
                match self {
                    #(#encode)*
                    Self::Unknown { content, .. } | Self::Redacted { content, .. } => ::std::result::Result::Ok(::std::clone::Clone::clone(content)),
                }
            }

            fn is_unknown(&self) -> bool {
                ::std::matches!(self, Self::Unknown { .. })
            }

            fn redacted(event_type: &str, content: ::serde_json::Value) -> Self {
                Self::Redacted {
                    event_type: ::std::string::String::from(event_type),
                    content,
                }
            }
        }
    }
}

/// The body of an enum's `from_parts`: each event type to its variant (by the field that names
/// a variant, else the type's own schema), and any other kept whole as `Unknown`.
fn from_parts(by_type: &BTreeMap<&str, Dispatch<'_>>) -> TokenStream {
    // an event type the enum does not know: its content kept whole
    let unknown = quote!(::std::result::Result::Ok(Self::Unknown {
        event_type: ::std::string::String::from(event_type),
        content,
    }));
    let arms = by_type.iter().map(|(event_type, d)| {
        let fallback = match d.base {
            Some(base) => {
                let v = ident(&variant_name(base));
                quote!(::serde_json::from_value(content).map(Self::#v))
            }
            None => unknown.clone(),
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
                    if let ::std::result::Result::Ok(c) = ::serde::Deserialize::deserialize(&content) {
                        return ::std::result::Result::Ok(Self::#v(c));
                    }
                }
            }
        });
        quote!(#event_type => { #(#checks)* #fallback })
    });
    // a kind of which the spec describes no event type knows none
    if by_type.is_empty() {
        unknown
    } else {
        quote!(match event_type {
            #(#arms)*
            _ => #unknown,
        })
    }
}

/// `Event<C>`: an event whole — its content by `C` (whose variant gives its `type`), the fields
/// the core event schemas and the event schemas declare beside the content (each optional) and
/// every other field, kept as JSON.
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
    let names: Vec<_> = fields.iter().map(|f| ident(&f.name)).collect();
    let wires: Vec<_> = fields.iter().map(|f| f.wire.as_str()).collect();
    let prev_content = prev_content(api);
    quote! {
        /// An event whole: its content by `C` (one of the `Any*EventContent` enums, by the kind
        /// of event), the fields the spec's event schemas declare beside it (each optional: each
        /// kind of event has some of them) and every other field as it came, so that an event
        /// decoded and encoded again is the event that came.
        #[derive(::std::clone::Clone, ::std::fmt::Debug, ::std::cmp::PartialEq)]
        pub struct Event<C = AnyEventContent> {
            /// `content`, by the event's `type`.
            pub content: C,
            #(#decls)*
            /// Every other field, as it came.
            pub other: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
        }

        impl<C: crate::runtime::EventContent> Event<C> {
            /// The event's `type`.
            pub fn event_type(&self) -> &str {
                self.content.event_type()
            }

            #prev_content

            /// The event as the room version's redaction algorithm leaves it: the top-level
            /// keys it keeps, and of the content the keys it keeps for the event's type (what is
            /// left is read by the type's schema where it fits, else kept as `Redacted`).
            /// `unsigned` goes too: a server adds `redacted_because` itself.
            pub fn redact(&self, room_version: &str) -> ::std::result::Result<Self, crate::runtime::RedactionError> {
                let fields = crate::runtime::redact(self.to_fields()?, room_version)?;
                ::std::result::Result::Ok(Self::from_fields::<::serde_json::Error>(fields, true)?)
            }

            /// The event from its fields; `redacted` says its content is what a redaction left.
            fn from_fields<E: ::serde::de::Error>(
                mut other: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                redacted: bool,
            ) -> ::std::result::Result<Self, E> {
                let content = crate::runtime::take_content(&mut other, redacted)?;
                #(let #names = crate::runtime::take_field(&mut other, #wires)?;)*
                ::std::result::Result::Ok(Event { content, #(#names,)* other })
            }

            /// The event's fields, as JSON.
            fn to_fields(&self) -> ::std::result::Result<::serde_json::Map<::std::string::String, ::serde_json::Value>, ::serde_json::Error> {
                let mut fields = ::std::clone::Clone::clone(&self.other);
                crate::runtime::put_content(&mut fields, &self.content)?;
                #(crate::runtime::put_field(&mut fields, #wires, &self.#names)?;)*
                ::std::result::Result::Ok(fields)
            }
        }

        impl<'de, C: crate::runtime::EventContent> ::serde::Deserialize<'de> for Event<C> {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let fields = <::serde_json::Map<::std::string::String, ::serde_json::Value> as ::serde::Deserialize>::deserialize(deserializer)?;
                let redacted = crate::runtime::is_redacted(&fields);
                Self::from_fields(fields, redacted)
            }
        }

        impl<C: crate::runtime::EventContent> ::serde::Serialize for Event<C> {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                ::serde::Serialize::serialize(&self.to_fields().map_err(::serde::ser::Error::custom)?, serializer)
            }
        }
    }
}

/// `prev_content()`, where the envelope has an `unsigned` object (where servers put it since
/// v1.2) or a `prev_content` (the seed era's state events): a state event's previous content,
/// read as its type.
fn prev_content(api: &Api) -> TokenStream {
    let field = |wire: &str| api.event_fields.iter().find(|f| f.wire == wire).map(|f| ident(&f.name));
    let unsigned = field("unsigned").map(|n| {
        quote! {
            let prev = match self.#n.as_ref().map(::serde_json::to_value) {
                ::std::option::Option::Some(::std::result::Result::Ok(::serde_json::Value::Object(mut u))) => u.remove("prev_content"),
                _ => ::std::option::Option::None,
            };
        }
    });
    let top = field("prev_content").map(|n| {
        quote! {
            let prev = match prev {
                ::std::option::Option::None => self.#n.as_ref().and_then(|p| ::serde_json::to_value(p).ok()),
                some => some,
            };
        }
    });
    if unsigned.is_none() && top.is_none() {
        return quote!();
    }
    let start = unsigned.unwrap_or_else(|| quote!(let prev = ::std::option::Option::None;));
    quote! {
        /// The content of the state this event replaced (`unsigned.prev_content`, or
        /// `prev_content` where the spec puts it there), read as this event's type: `None` when
        /// the server did not send it.
        pub fn prev_content(&self) -> ::std::option::Option<::std::result::Result<C, ::serde_json::Error>> {
            #start
            #top
            prev.map(|p| C::from_parts(self.content.event_type(), p))
        }
    }
}
