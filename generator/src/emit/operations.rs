//! Emits one module per operation: its metadata, `Request` and `Response`.

use proc_macro2::TokenStream;
use quote::quote;

use super::doc_attrs;
use super::models::{debug_impl, has_default, ident, pretty, struct_fields, ty_tokens};
use crate::docs::markdown;
use crate::ir::{
    Auth, Body, Field, Operation, Param, ParamLocation, ResponseDef, Shape, Status, StructDef, Ty, TypeSpace,
};

fn status_text(s: Status) -> String {
    match s {
        Status::Code(c) => c.to_string(),
        Status::Range(r) => format!("{r}XX"),
        Status::Default => "default".to_owned(),
    }
}

/// The module documentation of an operation.
fn module_doc(op: &Operation) -> String {
    let mut text = format!("`{} {}{}`", op.method, op.base_path, op.path);
    if let Some(summary) = &op.summary {
        text.push_str(&format!(": {}", markdown(summary.trim())));
    }
    if let Some(d) = &op.description {
        let d = markdown(d);
        if !d.is_empty() {
            text.push_str(&format!("\n\n{d}"));
        }
    }
    text.push_str(&format!(
        "\n\nOperation `{}`{}.",
        op.id,
        match op.auth {
            Auth::Required => ", requires an access token",
            Auth::Optional => ", takes an optional access token",
            Auth::None => "",
        }
    ));
    if op.deprecated {
        text.push_str(" Deprecated by the spec.");
    }
    text.push_str("\n\n# Responses\n");
    for r in &op.responses {
        let doc = markdown(&r.doc).replace('\n', " ");
        text.push_str(&format!("\n- **{}**: {}", status_text(r.status), doc));
        if let Some(example) = &r.example {
            if !matches!(r.status, Status::Code(c) if (200..300).contains(&c)) {
                text.push_str(&format!(
                    " For example: `{}`",
                    serde_json::to_string(example).unwrap_or_default().replace('`', "'")
                ));
            }
        }
    }
    if let Some(file) = &op.source.file {
        text.push_str(&format!("\n\nDefined in `{file}`."));
    }
    text
}

fn param_field(p: &Param, space: &TypeSpace) -> Field {
    let _ = space;
    Field {
        wire: p.wire.clone(),
        name: p.name.clone(),
        ty: p.ty.clone(),
        required: p.required,
        nullable: false,
        doc: Some({
            let place = match p.location {
                ParamLocation::Path => "path",
                ParamLocation::Query => "query",
                ParamLocation::Header => "header",
            };
            let mut d = format!("The `{}` {place} parameter.", p.wire);
            if let Some(doc) = &p.doc {
                d.push_str(&format!("\n\n{doc}"));
            }
            d
        }),
        example: p.example.clone(),
        boxed: false,
        secret: false,
    }
}

/// `Request`: the parameters and the body, flattened when the body is an inline object.
fn request(op: &Operation, space: &TypeSpace) -> TokenStream {
    let mut def = StructDef::default();
    for p in &op.params {
        def.fields.push(param_field(p, space));
    }
    let params_only = def.fields.len();
    let body_doc;
    match &op.body {
        Some(Body {
            shape: Shape::Fields(b),
            doc,
            ..
        }) => {
            def.fields.extend(b.fields.iter().cloned());
            def.additional = b.additional.clone();
            body_doc = doc.clone();
        }
        Some(Body {
            shape: Shape::Whole(ty),
            doc,
            ..
        }) => {
            def.fields.push(body_field(
                ty,
                doc.clone().or_else(|| Some("The request body.".to_owned())),
            ));
            body_doc = None;
        }
        None => body_doc = None,
    }
    let wire_is_self = params_only == 0
        && matches!(
            &op.body,
            Some(Body {
                shape: Shape::Fields(_),
                ..
            })
        );
    let mut doc = format!("The request of `{}`.", op.id);
    if let Some(b) = &body_doc {
        doc.push_str(&format!("\n\n{}", markdown(b)));
    }
    if let Some(Body {
        example: Some(example), ..
    }) = &op.body
    {
        doc.push_str(&format!("\n\n# Example body\n\n```json\n{}\n```", pretty(example)));
    }
    emit_struct("Request", &doc, &def, space, wire_is_self)
}

fn body_field(ty: &Ty, doc: Option<String>) -> Field {
    Field {
        wire: "body".to_owned(),
        name: "body".to_owned(),
        ty: ty.clone(),
        required: true,
        nullable: false,
        doc,
        example: None,
        boxed: false,
        secret: false,
    }
}

fn response(op: &Operation, space: &TypeSpace) -> TokenStream {
    let r: &ResponseDef = &op.success;
    let mut doc = format!("The {} response of `{}`", status_text(r.status), op.id);
    let text = markdown(&r.doc);
    if !text.is_empty() {
        doc.push_str(&format!(": {text}"));
    } else {
        doc.push('.');
    }
    if let Some(example) = &r.example {
        doc.push_str(&format!("\n\n# Example\n\n```json\n{}\n```", pretty(example)));
    }
    match &r.body {
        Some(Shape::Fields(def)) => emit_struct("Response", &doc, def, space, true),
        Some(Shape::Whole(ty)) => {
            let def = StructDef {
                fields: vec![body_field(ty, Some("The response body.".to_owned()))],
                additional: None,
            };
            emit_struct("Response", &doc, &def, space, false)
        }
        None => {
            let def = StructDef {
                fields: vec![body_field(
                    &Ty::JsonObject,
                    Some("The response body: the spec gives it no schema.".to_owned()),
                )],
                additional: None,
            };
            emit_struct("Response", &doc, &def, space, false)
        }
    }
}

/// A struct; `wire` says whether it is the JSON body itself (and so derives serde).
fn emit_struct(name: &str, doc: &str, def: &StructDef, space: &TypeSpace, wire: bool) -> TokenStream {
    let ident_name = ident(name);
    let doc = doc_attrs(doc);
    let fields = if wire {
        struct_fields(def, space, &|_| quote!())
    } else {
        plain_fields(def, space)
    };
    let (debug_derive, debug_impl) = debug_impl(&ident_name, def);
    let default = if def.fields.iter().all(|f| !f.required || has_default(&f.ty)) {
        quote!(Default,)
    } else {
        quote!()
    };
    let serde = if wire {
        quote!(serde::Serialize, serde::Deserialize,)
    } else {
        quote!()
    };
    quote! {
        #doc
        #[derive(Clone, #debug_derive #default PartialEq, #serde)]
        pub struct #ident_name {
            #(#fields)*
        }
        #debug_impl
    }
}

/// Fields without serde attributes, for structs that are not themselves a JSON body.
fn plain_fields(def: &StructDef, space: &TypeSpace) -> Vec<TokenStream> {
    struct_fields(def, space, &|_| quote!())
        .into_iter()
        .map(strip_serde_attrs)
        .collect()
}

fn strip_serde_attrs(tokens: TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(tt) = iter.next() {
        if let proc_macro2::TokenTree::Punct(p) = &tt {
            if p.as_char() == '#' {
                if let Some(proc_macro2::TokenTree::Group(g)) = iter.peek() {
                    let is_serde = g.stream().into_iter().next().is_some_and(|t| t.to_string() == "serde");
                    if is_serde {
                        iter.next();
                        continue;
                    }
                }
            }
        }
        out.extend(std::iter::once(tt));
    }
    out
}

/// The items of one operation's module.
pub fn operation_file(op: &Operation, space: &TypeSpace) -> TokenStream {
    let doc = module_doc(op);
    let method = ident(&{
        let m = op.method.to_ascii_lowercase();
        let mut c = m.chars();
        c.next()
            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
            .unwrap_or_default()
    });
    let path = &op.path;
    let base = &op.base_path;
    let id = &op.id;
    let name = &op.name;
    let auth = match op.auth {
        Auth::None => quote!(None),
        Auth::Required => quote!(AccessToken),
        Auth::Optional => quote!(OptionalAccessToken),
    };
    let request = request(op, space);
    let response = response(op, space);
    let _ = ty_tokens;
    let doc = super::inner_doc_attrs(&doc);
    quote! {
        #doc

        /// What the spec says of this operation.
        pub const METADATA: crate::Metadata = crate::Metadata {
            method: crate::Method::#method,
            path: #path,
            base_path: #base,
            operation_id: #id,
            name: #name,
            auth: crate::AuthKind::#auth,
        };

        #request

        #response
    }
}
