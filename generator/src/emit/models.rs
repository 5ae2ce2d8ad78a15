//! The models output: the named types of the type space (`types.rs`), and the struct bodies
//! shared with operation modules.

use super::output::Placement;
use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::rust::{bare, doc_attrs, ident, ty_tokens};
use super::{Emitted, FileContent, Module, Output};
use crate::ir::{Absent, Api, EnumDef, Field, Literal, StructDef, Ty, TypeDef, TypeId, TypeKind, TypeSpace, UnionDef};

/// `src/types.rs`.
pub struct Models;

impl Output for Models {
    fn name(&self) -> &'static str {
        "models"
    }

    fn emit<'a>(&self, api: &'a Api, placement: &'a Placement) -> Emitted<'a> {
        Emitted {
            files: vec![(
                "src/types.rs".to_owned(),
                FileContent::rust(move || types_file(api, placement, &param_types(api, placement))),
            )],
            modules: vec![Module {
                name: "types",
                feature: None,
                shared: false,
            }],
            docs: vec!["[`types`]: the named types of the spec."],
            ..Emitted::default()
        }
    }
}

/// The named types used as parameters: they need to be written as text.
fn param_types(api: &Api, placement: &Placement) -> BTreeSet<TypeId> {
    let mut out = api.param_types();
    // the shared crate writes them for its types the APIs of its set use as parameters
    if let Placement::Shared { param_types } = placement {
        out.extend(param_types.iter().copied());
    }
    out
}

/// The shared types an API of a set uses (re-exported in its `types`): those its operations and
/// its own types reach.
fn shared_used<'a>(api: &'a Api, placement: &Placement) -> Vec<&'a TypeDef> {
    let space = &api.types;
    let mut roots: Vec<&Ty> = Vec::new();
    for op in &api.operations {
        roots.extend(op.params.iter().map(|p| &p.ty));
        let responses = op.responses.iter().chain([&op.success]).filter_map(|r| r.body.as_ref());
        for shape in op.body.iter().map(|b| &b.shape).chain(responses) {
            roots.extend(shape.roots());
        }
    }
    let mut ids = space.reachable(roots);
    ids.retain(|id| !placement.defines(*id));
    ids.sort();
    ids.into_iter().map(|id| space.get(id)).collect()
}

/// Whether a struct has a `Default`: every field may be left out (an `Option`, empty or the
/// spec's default when absent), or is a free-form object or map, whose empty value is a valid
/// one. A required string, number, list or named type has no default the spec would accept (a
/// request with an empty path parameter would go to `/thumbnail//`), so such a struct has a
/// constructor instead.
pub fn derives_default(def: &StructDef) -> bool {
    def.fields.iter().all(|f| init(f).is_some())
}

/// Whether a type's `Default` is its empty value.
fn defaults_empty(ty: &Ty) -> bool {
    matches!(ty, Ty::JsonObject | Ty::Map(_))
}

/// What a field is when a constructor leaves it out; `None` for a field it takes as argument.
fn init(f: &Field) -> Option<TokenStream> {
    if f.is_option() {
        return Some(quote!(::std::option::Option::None));
    }
    match &f.absent {
        Absent::Default(lit) if !f.required => Some(literal(lit, &f.ty)),
        _ if defaults_empty(&f.ty) => Some(quote!(::std::default::Default::default())),
        _ => None,
    }
}

/// A spec default as an expression of type `ty`.
pub fn literal(lit: &Literal, ty: &Ty) -> TokenStream {
    match lit {
        Literal::Bool(b) => quote!(#b),
        Literal::Int(i) => {
            let i = proc_macro2::Literal::i64_unsuffixed(*i);
            quote!(#i)
        }
        Literal::Text(t) if *ty == Ty::String => quote!(::std::string::String::from(#t)),
        Literal::Text(t) => quote!(::std::convert::From::from(#t)),
    }
}

/// `impl NAME { pub fn new(required...) -> Self }` for a struct without `Default`: its required
/// fields as arguments, in order; the others absent, empty or at their default. For a struct
/// whose every field may be left out but some has a spec default: `impl Default`.
pub fn constructor(name: &Ident, def: &StructDef, space: &TypeSpace) -> TokenStream {
    let mut args = Vec::new();
    let inits: Vec<TokenStream> = def
        .fields
        .iter()
        .map(|f| {
            let n = ident(&f.name);
            match init(f) {
                Some(value) => quote!(#n: #value,),
                None => {
                    let t = field_type(f, space);
                    args.push(quote!(#n: #t));
                    quote!(#n,)
                }
            }
        })
        .collect();
    let add = def.additional.as_ref().map(|_| {
        let n = additional_name(def);
        quote!(#n: ::std::default::Default::default(),)
    });
    if args.is_empty() {
        if !needs_default_impl(def) {
            return quote!();
        }
        return quote! {
            impl ::std::default::Default for #name {
                fn default() -> Self {
                    Self { #(#inits)* #add }
                }
            }
        };
    }
    let many = if args.len() > 7 {
        quote!(#[allow(clippy::too_many_arguments)])
    } else {
        quote!()
    };
    let doc = format!(" Builds a `{name}` from its required fields, leaving the others out.");
    quote! {
        impl #name {
            #[doc = #doc]
            #many
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits)* #add }
            }
        }
    }
}

/// Names an accessor does not take: the struct's constructor and the methods of the traits it
/// implements or users call on any value, which an inherent method would shadow.
const NOT_ACCESSORS: &[&str] = &[
    "new",
    "default",
    "clone",
    "clone_from",
    "eq",
    "ne",
    "fmt",
    "hash",
    "serialize",
    "deserialize",
    "into",
    "from",
    "to_owned",
    "to_string",
    "borrow",
    "as_ref",
    "try_from",
    "try_into",
    "type_id",
];

/// For each list or map that is empty when absent ([`Absent::Empty`]), a method of the same
/// name reading it so: a slice of the list, or an iterator over the map's entries.
pub fn accessors(name: &Ident, def: &StructDef, space: &TypeSpace) -> TokenStream {
    let methods: Vec<TokenStream> = def
        .fields
        .iter()
        .filter(|f| f.absent == Absent::Empty && f.is_option() && !f.boxed && !f.deprecated)
        .filter(|f| !NOT_ACCESSORS.contains(&bare(&f.name)))
        .filter_map(|f| {
            let n = ident(&f.name);
            let doc = format!(
                " `{}`, empty when absent (the spec gives the two one meaning).",
                f.wire.replace('`', "'")
            );
            match &f.ty {
                Ty::Vec(item) => {
                    let t = ty_tokens(item, space);
                    Some(quote! {
                        #[doc = #doc]
                        pub fn #n(&self) -> &[#t] {
                            self.#n.as_deref().unwrap_or_default()
                        }
                    })
                }
                Ty::Map(value) => {
                    let t = ty_tokens(value, space);
                    Some(quote! {
                        #[doc = #doc]
                        pub fn #n(&self) -> impl ::std::iter::Iterator<Item = (&::std::string::String, &#t)> + '_ {
                            self.#n.iter().flatten()
                        }
                    })
                }
                _ => None,
            }
        })
        .collect();
    if methods.is_empty() {
        return quote!();
    }
    quote! {
        impl #name {
            #(#methods)*
        }
    }
}

/// Whether a struct with a `Default` writes it out rather than deriving it: some field has a
/// spec default.
pub fn needs_default_impl(def: &StructDef) -> bool {
    def.fields
        .iter()
        .any(|f| !f.required && matches!(f.absent, Absent::Default(_)))
}

/// Whether a struct derives `Default`.
pub fn derive_default(def: &StructDef) -> TokenStream {
    if derives_default(def) && !needs_default_impl(def) {
        quote!(::std::default::Default,)
    } else {
        quote!()
    }
}

/// The Rust type of a field: boxed where it closes a cycle; an `Option` when it may be absent
/// or `null`, an `Option<Option<_>>` when it may be both.
fn field_type(f: &Field, space: &TypeSpace) -> TokenStream {
    let mut t = ty_tokens(&f.ty, space);
    if f.boxed {
        t = quote!(::std::boxed::Box<#t>);
    }
    if f.is_double_option() {
        t = quote!(::std::option::Option<::std::option::Option<#t>>);
    } else if f.is_option() {
        t = quote!(::std::option::Option<#t>);
    }
    t
}

/// The serde attributes that keep absent, `null` and a value apart.
fn presence_attrs(f: &Field) -> TokenStream {
    if f.required {
        if f.keeps_null() {
            // required, maybe `null`: an `Option` that must be present
            quote!(#[serde(deserialize_with = "::serde::Deserialize::deserialize")])
        } else {
            quote!()
        }
    } else if f.keeps_null() || f.ty == Ty::Json {
        // `null` is a value: decoded as `Some`, never confused with absent
        quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none", deserialize_with = "crate::runtime::deserialize_some")])
    } else {
        match &f.absent {
            Absent::Default(lit) => {
                let (default, skip) = default_fns(lit, &f.ty);
                quote!(#[serde(default = #default, skip_serializing_if = #skip)])
            }
            Absent::Empty | Absent::Nothing => {
                quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")])
            }
        }
    }
}

/// For a field that is left out of JSON at its spec default: its `skip_serializing_if`, which
/// also takes a reference to it.
pub fn skip_when_absent(f: &Field) -> Option<String> {
    match &f.absent {
        Absent::Default(lit) if !f.is_option() => Some(default_fns(lit, &f.ty).1),
        _ => None,
    }
}

/// The runtime functions giving a field's spec default and telling it apart: `bool` and
/// integers (the only defaults a field holds, see [`Absent::of`]).
fn default_fns(lit: &Literal, ty: &Ty) -> (String, String) {
    let t = if *ty == Ty::I32 { "i32" } else { "i64" };
    match lit {
        Literal::Bool(b) => (
            format!("crate::runtime::bool_default::<{b}>"),
            format!("crate::runtime::is_bool_default::<{b}>"),
        ),
        Literal::Int(i) => {
            // a negative const argument is written in braces
            let v = if *i < 0 { format!("{{ {i} }}") } else { i.to_string() };
            (
                format!("crate::runtime::int_default::<{t}, {v}>"),
                format!("crate::runtime::is_int_default::<{t}, {v}>"),
            )
        }
        Literal::Text(_) => (String::new(), String::new()),
    }
}

/// Documentation of a field: its description and example.
fn field_doc(f: &Field) -> TokenStream {
    let mut text = f.doc.clone().unwrap_or_default();
    if let Some(example) = &f.example {
        if !f.secret {
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(&format!("Example: `{}`", example.compact));
        }
    }
    doc_attrs(&text)
}

/// The fields of a struct with their serde attributes.
pub fn struct_fields(
    def: &StructDef,
    space: &TypeSpace,
    extra_attrs: &dyn Fn(&Field) -> TokenStream,
) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for f in &def.fields {
        let name = ident(&f.name);
        let t = field_type(f, space);
        let doc = field_doc(f);
        let rename = if bare(&f.name) != f.wire {
            let wire = &f.wire;
            quote!(#[serde(rename = #wire)])
        } else {
            quote!()
        };
        let optional = presence_attrs(f);
        let deprecated = if f.deprecated {
            // the spec's own words where it gives them: the first paragraph of the description
            let note = f
                .doc
                .as_deref()
                .and_then(|d| d.split("\n\n").next())
                .map(|p| p.replace('\n', " "))
                .filter(|p| !p.trim().is_empty())
                .unwrap_or_else(|| "the spec deprecates this property".to_owned());
            quote!(#[deprecated(note = #note)])
        } else {
            quote!()
        };
        let extra = extra_attrs(f);
        out.push(quote! {
            #doc
            #deprecated
            #rename
            #optional
            #extra
            pub #name: #t,
        });
    }
    if let Some(add) = &def.additional {
        let t = ty_tokens(add, space);
        let name = additional_name(def);
        out.push(quote! {
            /// Properties beyond the named ones.
            #[serde(flatten)]
            pub #name: ::std::collections::BTreeMap<::std::string::String, #t>,
        });
    }
    out
}

/// The field holding `additionalProperties`, clear of the named fields.
pub fn additional_name(def: &StructDef) -> Ident {
    let mut name = "additional_properties".to_owned();
    while def.fields.iter().any(|f| f.name == name) {
        name.push('_');
    }
    format_ident!("{}", name)
}

/// `Debug` that shows secrets as `<redacted>`, or a derive where there are none.
pub fn debug_impl(name: &Ident, def: &StructDef) -> (TokenStream, TokenStream) {
    if !def.fields.iter().any(|f| f.secret) {
        return (quote!(::std::fmt::Debug,), quote!());
    }
    let label = name.to_string();
    let fields = def.fields.iter().map(|f| {
        let n = ident(&f.name);
        let shown = bare(&f.name);
        if f.secret {
            if f.is_option() {
                quote!(.field(#shown, &self.#n.as_ref().map(|_| "<redacted>")))
            } else {
                quote!(.field(#shown, &"<redacted>"))
            }
        } else {
            quote!(.field(#shown, &self.#n))
        }
    });
    let add = def.additional.as_ref().map(|_| {
        let n = additional_name(def);
        let shown = n.to_string();
        quote!(.field(#shown, &self.#n))
    });
    let imp = quote! {
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#label) #(#fields)* #add .finish()
            }
        }
    };
    (quote!(), imp)
}

fn type_doc(def: &TypeDef) -> String {
    let mut text = def.doc.clone().unwrap_or_default();
    if text.is_empty() {
        text = match &def.kind {
            TypeKind::Enum(e) => format!(
                "One of {}.",
                e.variants
                    .iter()
                    .map(|v| format!("`{}`", v.wire.replace('`', "'")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            TypeKind::Struct(_) => match &def.title {
                Some(t) => format!("{t}."),
                None => format!("`{}`, as the spec defines it.", def.name),
            },
            TypeKind::Union(u) => format!(
                "One of: {}.",
                u.variants
                    .iter()
                    .map(|v| format!("[`{}`](Self::{})", v.name, v.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
    }
    if let Some(example) = &def.example {
        text.push_str(&format!("\n\n# Example\n\n```json\n{}\n```", example.pretty));
    }
    if def.origin.file.is_some() {
        let at = crate::ir::defined_at(&def.origin);
        text.push_str(&format!("\n\nDefined in `{at}`.").replace("``", "`"));
    }
    text
}

/// All named types, as the items of `types.rs`.
fn types_file(api: &Api, placement: &Placement, param_types: &BTreeSet<TypeId>) -> TokenStream {
    let space = &api.types;
    // an API of a set re-exports the shared types it uses and defines the rest
    let shared = match placement.shared_crate() {
        Some(shared_crate) => {
            let krate = ident(&shared_crate.replace('-', "_"));
            let names: Vec<_> = shared_used(api, placement)
                .into_iter()
                .map(|def| ident(&def.name))
                .collect();
            if names.is_empty() {
                quote!()
            } else {
                quote!(pub use ::#krate::types::{#(#names),*};)
            }
        }
        None => quote!(),
    };
    let items = space.iter().filter(|(id, _)| placement.defines(*id)).map(|(id, def)| {
        let item = match &def.kind {
            TypeKind::Struct(s) => struct_item(def, s, space),
            TypeKind::Enum(e) => enum_item(def, e),
            TypeKind::Union(u) => union_item(def, u, space),
        };
        let param = if param_types.contains(&id) {
            param_value_impl(def)
        } else {
            quote!()
        };
        quote!(#item #param)
    });
    quote! {
        //! The named types of the spec: every object schema, string enum and union it declares or reaches through a `$ref`.
        #shared
        #(#items)*
    }
}

/// Path, query and header parameters are text: enums are their wire value, anything else JSON.
fn param_value_impl(def: &TypeDef) -> TokenStream {
    let name = ident(&def.name);
    match &def.kind {
        TypeKind::Enum(_) => quote! {
            impl crate::runtime::ParamValue for #name {
                fn to_param(&self) -> ::std::borrow::Cow<'_, str> {
                    ::std::borrow::Cow::Borrowed(self.as_str())
                }
                fn from_param(s: &str) -> ::std::result::Result<Self, ::std::string::String> {
                    ::std::result::Result::Ok(<Self as ::std::convert::From<&str>>::from(s))
                }
            }
        },
        TypeKind::Union(u) if u.variants.iter().any(|v| v.name == "String") => quote! {
            impl crate::runtime::ParamValue for #name {
                fn to_param(&self) -> ::std::borrow::Cow<'_, str> {
                    ::std::borrow::Cow::Owned(match ::serde_json::to_value(self) {
                        ::std::result::Result::Ok(::serde_json::Value::String(s)) => s,
                        other => other.map(|v| v.to_string()).unwrap_or_default(),
                    })
                }
                fn from_param(s: &str) -> ::std::result::Result<Self, ::std::string::String> {
                    ::serde_json::from_str(s)
                        .or_else(|_| ::serde_json::from_value(::serde_json::Value::String(::std::borrow::ToOwned::to_owned(s))))
                        .map_err(|e| ::std::string::ToString::to_string(&e))
                }
            }
        },
        TypeKind::Struct(_) | TypeKind::Union(_) => quote! {
            impl crate::runtime::ParamValue for #name {
                fn to_param(&self) -> ::std::borrow::Cow<'_, str> {
                    ::std::borrow::Cow::Owned(::serde_json::to_string(self).unwrap_or_default())
                }
                fn from_param(s: &str) -> ::std::result::Result<Self, ::std::string::String> {
                    ::serde_json::from_str(s).map_err(|e| ::std::string::ToString::to_string(&e))
                }
            }
        },
    }
}

fn struct_item(def: &TypeDef, s: &StructDef, space: &TypeSpace) -> TokenStream {
    let name = ident(&def.name);
    let doc = doc_attrs(&type_doc(def));
    let fields = struct_fields(s, space, &|_| quote!());
    let (debug_derive, debug_impl) = debug_impl(&name, s);
    let default = derive_default(s);
    let new = constructor(&name, s, space);
    let read = accessors(&name, s, space);
    quote! {
        #doc
        #[derive(::std::clone::Clone, #debug_derive #default ::std::cmp::PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        pub struct #name {
            #(#fields)*
        }
        #debug_impl
        #new
        #read
    }
}

/// An untagged enum: serde tries the variants in order, one per JSON kind.
fn union_item(def: &TypeDef, u: &UnionDef, space: &TypeSpace) -> TokenStream {
    let name = ident(&def.name);
    let doc = doc_attrs(&type_doc(def));
    let variants = u.variants.iter().map(|v| {
        let n = ident(&v.name);
        let mut t = ty_tokens(&v.ty, space);
        if matches!(v.ty, Ty::Named(_)) {
            t = quote!(::std::boxed::Box<#t>);
        }
        quote!(#n(#t),)
    });
    quote! {
        #doc
        #[derive(::std::clone::Clone, ::std::fmt::Debug, ::std::cmp::PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(untagged)]
        pub enum #name {
            #(#variants)*
        }
    }
}

fn enum_item(def: &TypeDef, e: &EnumDef) -> TokenStream {
    let name = ident(&def.name);
    let doc = doc_attrs(&type_doc(def));
    let variants = e.variants.iter().map(|v| {
        let n = ident(&v.name);
        let d = doc_attrs(&format!("`{}`", v.wire.replace('`', "'")));
        quote!(#d #n,)
    });
    let to_str = e.variants.iter().map(|v| {
        let n = ident(&v.name);
        let w = &v.wire;
        quote!(Self::#n => #w,)
    });
    let from_str = e.variants.iter().map(|v| {
        let n = ident(&v.name);
        let w = &v.wire;
        quote!(#w => Self::#n,)
    });
    quote! {
        #doc
        #[derive(
            ::std::clone::Clone, ::std::fmt::Debug, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash,
            ::std::cmp::PartialOrd, ::std::cmp::Ord
        )]
        pub enum #name {
            #(#variants)*
            #[doc(hidden)]
            _Custom(crate::runtime::PrivOwnedStr),
        }

        impl #name {
            /// The value as it is written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    Self::_Custom(s) => s.as_str(),
                }
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(s: &str) -> Self {
                match s {
                    #(#from_str)*
                    _ => Self::_Custom(crate::runtime::PrivOwnedStr::new(s)),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(s: ::std::string::String) -> Self {
                <Self as ::std::convert::From<&str>>::from(s.as_str())
            }
        }

        impl ::std::convert::AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                crate::runtime::deserialize_open_enum(deserializer)
            }
        }
    }
}
