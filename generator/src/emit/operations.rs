//! The operations output: one module per operation (its metadata, `Request` and `Response`,
//! and their conversions to and from `http` requests and responses), and `operations/mod.rs`.

use super::output::Placement;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::models::{
    accessors, additional_name, constructor, debug_impl, derive_default, literal, skip_when_absent, struct_fields,
};
use super::rust::{auth_kind, bare, doc_attrs, ident, inner_doc_attrs, ty_tokens};
use super::{Emitted, FileContent, Module, Output};
use crate::ir::path::on_the_wire;
use crate::ir::{
    Absent, Api, Auth, Body, Field, Literal, Method, Operation, Param, ParamLocation, ParamStyle, ResponseDef, Segment,
    Shape, Status, StructDef, Ty, TypeSpace,
};

/// `src/operations/`.
pub struct Operations;

impl Output for Operations {
    fn name(&self) -> &'static str {
        "operations"
    }

    fn per_api(&self) -> bool {
        true
    }

    fn emit<'a>(&self, api: &'a Api, _: &'a Placement) -> Emitted<'a> {
        let mut files = vec![(
            "src/operations/mod.rs".to_owned(),
            FileContent::rust(move || operations_mod(api)),
        )];
        for op in &api.operations {
            files.push((
                format!("src/operations/{}.rs", bare(&op.name)),
                FileContent::rust_from(move || operation_file(op, &api.types), op.source.file.clone()),
            ));
        }
        Emitted {
            files,
            modules: vec![Module {
                name: "operations",
                feature: None,
                shared: false,
            }],
            docs: vec!["[`operations`]: one module per operation, with its [`Metadata`], `Request` and `Response`, and their conversions to and from `http` requests and responses."],
            ..Emitted::default()
        }
    }
}

fn operations_mod(api: &Api) -> TokenStream {
    let mods = api.operations.iter().map(|op| {
        let name = ident(&op.name);
        let doc = format!(
            "`{} {}`: {}",
            op.method.as_str(),
            op.path,
            op.summary.as_deref().unwrap_or_default()
        );
        let doc = doc_attrs(&doc);
        quote! {
            #doc
            pub mod #name;
        }
    });
    let metas = api.operations.iter().map(|op| {
        let name = ident(&op.name);
        quote!(#name::METADATA,)
    });
    quote! {
        //! One module per operation of the spec.
        #(#mods)*

        /// The metadata of every operation, in spec order.
        pub const ALL: &[crate::Metadata] = &[#(#metas)*];
    }
}

fn status_text(s: Status) -> String {
    match s {
        Status::Code(c) => c.to_string(),
        Status::Range(r) => format!("{r}XX"),
        Status::Default => "default".to_owned(),
    }
}

/// The module documentation of an operation.
fn module_doc(op: &Operation) -> String {
    let mut text = format!("`{} {}{}`", op.method.as_str(), op.base_path, op.path);
    if let Some(summary) = &op.summary {
        text.push_str(&format!(": {summary}"));
    }
    if let Some(d) = &op.description {
        text.push_str(&format!("\n\n{d}"));
    }
    text.push_str(&format!(
        "\n\nOperation `{}`{}.",
        op.id,
        match op.auth {
            Auth::Required => ", requires an access token",
            Auth::Optional => ", takes an optional access token",
            Auth::Signed => ", signed by the sending server (`X-Matrix`)",
            Auth::None => "",
        }
    ));
    match op.removed_in() {
        Some(version) => text.push_str(&format!(
            " Removed in Matrix {version}: kept for servers of earlier versions, as the last release that has it defines it."
        )),
        None if op.deprecated => text.push_str(" Deprecated by the spec."),
        None => {}
    }
    let versions = op.versions.doc();
    if !versions.is_empty() {
        text.push_str(&format!("\n\n{versions}"));
    }
    text.push_str("\n\n# Responses\n");
    for r in &op.responses {
        // the description's further lines (paragraphs, its own lists) stay inside the item
        let doc = r
            .doc
            .lines()
            .map(|l| if l.is_empty() { String::new() } else { format!("  {l}") })
            .collect::<Vec<_>>()
            .join("\n");
        text.push_str(&format!("\n- **{}**: {}", status_text(r.status), doc.trim_start()));
        if let Some(example) = &r.example {
            if !matches!(r.status, Status::Code(c) if (200..300).contains(&c)) {
                let sep = if r.doc.contains('\n') { "\n\n  " } else { " " };
                text.push_str(&format!("{sep}For example: `{}`", example.compact));
            }
        }
    }
    if let Some(file) = &op.source.file {
        text.push_str(&format!("\n\nDefined in `{file}`."));
    }
    text
}

fn param_field(p: &Param) -> Field {
    Field {
        required: p.required,
        doc: Some(p.doc.clone()),
        example: p.example.clone(),
        absent: p.absent.clone(),
        ..Field::new(&p.wire, &p.name, p.ty.clone())
    }
}

/// `Request`: the parameters and the body, flattened when the body is an inline object.
fn request(op: &Operation, space: &TypeSpace) -> TokenStream {
    let mut def = StructDef::default();
    for p in &op.params {
        def.fields.push(param_field(p));
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
        Some(Body {
            shape: Shape::Binary,
            doc,
            ..
        }) => {
            def.fields.push(body_field(
                &Ty::Bytes,
                doc.clone()
                    .or_else(|| Some("The raw request body: bytes, not JSON.".to_owned())),
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
        doc.push_str(&format!("\n\n{b}"));
    }
    if let Some(Body {
        example: Some(example), ..
    }) = &op.body
    {
        doc.push_str(&format!("\n\n# Example body\n\n```json\n{}\n```", example.pretty));
    }
    let item = emit_struct("Request", &doc, &def, space, wire_is_self);
    match op.removed_in() {
        Some(version) => {
            let note = format!("Matrix {version} removed this operation: only a server of an earlier version has it");
            quote!(#[deprecated(note = #note)] #item)
        }
        None if op.deprecated => quote!(#[deprecated(note = "the spec deprecates this operation")] #item),
        None => item,
    }
}

fn body_field(ty: &Ty, doc: Option<String>) -> Field {
    Field {
        required: true,
        doc,
        ..Field::new("body", "body", ty.clone())
    }
}

fn response(op: &Operation, space: &TypeSpace) -> TokenStream {
    let r: &ResponseDef = &op.success;
    let mut doc = format!("The {} response of `{}`", status_text(r.status), op.id);
    if !r.doc.is_empty() {
        doc.push_str(&format!(": {}", r.doc));
    } else {
        doc.push('.');
    }
    if let Some(example) = &r.example {
        doc.push_str(&format!("\n\n# Example\n\n```json\n{}\n```", example.pretty));
    }
    let headers: Vec<Field> = r
        .headers
        .iter()
        .map(|h| Field {
            wire: h.wire.clone(),
            name: h.name.clone(),
            required: false,
            doc: Some(h.doc.clone()),
            ..body_field(&h.ty, None)
        })
        .collect();
    let with_headers = |fields: Vec<Field>| StructDef {
        fields: fields.into_iter().chain(headers.iter().cloned()).collect(),
        ..StructDef::default()
    };
    match &r.body {
        Some(Shape::Fields(def)) => {
            let mut def = def.clone();
            def.fields.extend(headers.iter().cloned());
            let skipped: Vec<String> = headers.iter().map(|h| h.name.clone()).collect();
            emit_struct_skipping("Response", &doc, &def, space, true, &skipped)
        }
        Some(Shape::Binary) => {
            let mut content_type = body_field(&Ty::String, Some("The `Content-Type` of the body.".to_owned()));
            content_type.name = "content_type".to_owned();
            content_type.wire = "Content-Type".to_owned();
            content_type.required = false;
            let def = with_headers(vec![
                body_field(&Ty::Bytes, Some("The raw response body: bytes, not JSON.".to_owned())),
                content_type,
            ]);
            emit_struct("Response", &doc, &def, space, false)
        }
        Some(Shape::Whole(ty)) => {
            let def = with_headers(vec![body_field(ty, Some("The response body.".to_owned()))]);
            emit_struct("Response", &doc, &def, space, false)
        }
        // a redirect without a body is its headers (`Location`)
        None if r.is_redirect() => emit_struct("Response", &doc, &with_headers(Vec::new()), space, false),
        None => {
            let def = with_headers(vec![body_field(
                &Ty::JsonObject,
                Some("The response body: the spec gives it no schema.".to_owned()),
            )]);
            emit_struct("Response", &doc, &def, space, false)
        }
    }
}

/// A struct; `wire` says whether it is the JSON body itself (and so derives serde).
fn emit_struct(name: &str, doc: &str, def: &StructDef, space: &TypeSpace, wire: bool) -> TokenStream {
    emit_struct_skipping(name, doc, def, space, wire, &[])
}

/// [`emit_struct`], where the fields named in `skipped` are not part of the JSON body (the
/// response headers of a struct that is itself the body).
fn emit_struct_skipping(
    name: &str,
    doc: &str,
    def: &StructDef,
    space: &TypeSpace,
    wire: bool,
    skipped: &[String],
) -> TokenStream {
    let ident_name = ident(name);
    let doc = doc_attrs(doc);
    let fields = if wire {
        struct_fields(def, space, &|f| {
            if skipped.contains(&f.name) {
                quote!(#[serde(skip)])
            } else {
                quote!()
            }
        })
    } else {
        plain_fields(def, space)
    };
    let (debug_derive, debug_impl) = debug_impl(&ident_name, def);
    let default = derive_default(def);
    let new = constructor(&ident_name, def, space);
    let read = accessors(&ident_name, def, space);
    let serde = if wire {
        quote!(::serde::Serialize, ::serde::Deserialize,)
    } else {
        quote!()
    };
    quote! {
        #doc
        #[derive(::std::clone::Clone, #debug_derive #default ::std::cmp::PartialEq, #serde)]
        pub struct #ident_name {
            #(#fields)*
        }
        #debug_impl
        #new
        #read
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

/// The status code a success answers with.
fn success_status(op: &Operation) -> u16 {
    match op.success.status {
        Status::Code(c) => c,
        _ => 200,
    }
}

/// How the request body is carried.
enum BodyMode<'a> {
    None,
    /// `Request` itself is the JSON body.
    SelfIsBody,
    /// Body fields beside parameters: helper structs carry them.
    Helper(&'a StructDef),
    Whole,
    /// Raw bytes.
    Binary,
}

fn body_mode(op: &Operation) -> BodyMode<'_> {
    match &op.body {
        None => BodyMode::None,
        Some(Body {
            shape: Shape::Fields(_),
            ..
        }) if op.params.is_empty() => BodyMode::SelfIsBody,
        Some(Body {
            shape: Shape::Fields(def),
            ..
        }) => BodyMode::Helper(def),
        Some(Body {
            shape: Shape::Whole(_), ..
        }) => BodyMode::Whole,
        Some(Body {
            shape: Shape::Binary, ..
        }) => BodyMode::Binary,
    }
}

/// Statements building `path` from the template: each parameter encoded into a local first,
/// so that the `format!` stays readable.
fn path_expr(op: &Operation) -> TokenStream {
    let mut fmt = String::new();
    let mut locals = Vec::new();
    let mut args = Vec::new();
    for segment in &op.path.segments {
        fmt.push('/');
        match segment {
            Segment::Literal(text) => fmt.push_str(&on_the_wire(text).replace('{', "{{").replace('}', "}}")),
            Segment::Param(name) => {
                fmt.push_str("{}");
                let local = format_ident!("p{}", args.len());
                if let Some(p) = op
                    .params
                    .iter()
                    .find(|p| p.location == ParamLocation::Path && p.wire == *name)
                {
                    let field = ident(&p.name);
                    let text = match p.style {
                        ParamStyle::List(_) => param_text(p, quote!(&self.#field)),
                        _ => quote!(crate::runtime::ParamValue::to_param(&self.#field)),
                    };
                    locals.push(quote!(let #local = crate::runtime::convert::encode(&#text);));
                } else {
                    locals.push(quote!(let #local = "";));
                }
                args.push(local);
            }
        }
    }
    if args.is_empty() {
        quote!(let path = ::std::borrow::ToOwned::to_owned(#fmt);)
    } else {
        quote!(#(#locals)* let path = ::std::format!(#fmt, #(#args),*);)
    }
}

/// The text of a path or header parameter's `value`: a list's values joined.
fn param_text(p: &Param, value: TokenStream) -> TokenStream {
    match p.style {
        ParamStyle::List(separator) => {
            let separator = separator.unwrap_or(',');
            quote!(crate::runtime::convert::join_param(#value, #separator))
        }
        _ => quote!(::std::borrow::Cow::into_owned(crate::runtime::ParamValue::to_param(#value))),
    }
}

/// The separator of a list that is joined, as a token (`None` when each value is a pair).
fn separator(style: ParamStyle) -> TokenStream {
    match style {
        ParamStyle::List(Some(c)) => quote!(::std::option::Option::Some(#c)),
        _ => quote!(::std::option::Option::None),
    }
}

/// `impl OutgoingRequest`: the client side.
fn outgoing_request(op: &Operation) -> TokenStream {
    let path = path_expr(op);
    let query: Vec<TokenStream> = op.params.iter().filter_map(query_write).collect();
    let headers: Vec<TokenStream> = op.params.iter().filter_map(header_write).collect();
    let body = body_write(op);
    let query_mut = if query.is_empty() { quote!() } else { quote!(mut) };
    let json = !matches!(body_mode(op), BodyMode::Binary);
    let headers_decl = if headers.is_empty() {
        quote!(let headers = ::std::vec::Vec::new();)
    } else {
        quote!(let mut headers = ::std::vec::Vec::new();)
    };
    quote! {
        impl crate::Endpoint for Request {
            const METADATA: crate::Metadata = METADATA;
        }

        impl crate::OutgoingRequest for Request {
            type Response = Response;

            fn to_http_request(&self, base: &crate::Base<'_>) -> ::std::result::Result<::http::Request<::std::vec::Vec<u8>>, crate::IntoHttpError> {
                #path
                let #query_mut query = crate::runtime::convert::QueryWriter::new();
                #(#query)*
                #headers_decl
                #(#headers)*
                let body: ::std::option::Option<::std::vec::Vec<u8>> = #body;
                crate::runtime::convert::build_request(&METADATA, base, &path, query, headers, body, #json)
            }
        }
    }
}

/// The statement adding a query parameter to the query, as its style writes it; `None` for a
/// parameter sent elsewhere.
fn query_write(p: &Param) -> Option<TokenStream> {
    if p.location != ParamLocation::Query {
        return None;
    }
    let field = ident(&p.name);
    let wire = &p.wire;
    if p.style == ParamStyle::Entries {
        return Some(quote!(for (name, value) in &self.#field { query.push(name, value); }));
    }
    let push = |value: TokenStream| match p.style {
        ParamStyle::List(None) => quote!(for v in #value { query.push(#wire, v); }),
        ParamStyle::List(Some(c)) => {
            quote!(if !#value.is_empty() { query.push_joined(#wire, #value, #c); })
        }
        _ => quote!(query.push(#wire, #value);),
    };
    Some(match &p.absent {
        _ if p.required => push(quote!(&self.#field)),
        // the default is what leaving the parameter out says
        Absent::Default(lit) => {
            let inner = push(quote!(&self.#field));
            let differs = match lit {
                Literal::Bool(true) => quote!(!self.#field),
                Literal::Bool(false) => quote!(self.#field),
                Literal::Text(t) if p.ty == Ty::String => quote!(self.#field != #t),
                _ => {
                    let value = literal(lit, &p.ty);
                    quote!(self.#field != #value)
                }
            };
            quote!(if #differs { #inner })
        }
        Absent::Nothing | Absent::Empty => {
            let inner = push(quote!(value));
            quote!(if let ::std::option::Option::Some(value) = &self.#field { #inner })
        }
    })
}

/// The statement adding a header parameter to the headers; `None` for one sent elsewhere.
fn header_write(p: &Param) -> Option<TokenStream> {
    if p.location != ParamLocation::Header {
        return None;
    }
    let field = ident(&p.name);
    let wire = &p.wire;
    Some(if p.required {
        let text = param_text(p, quote!(&self.#field));
        quote!(headers.push((#wire, #text));)
    } else {
        let text = param_text(p, quote!(value));
        quote!(if let ::std::option::Option::Some(value) = &self.#field { headers.push((#wire, #text)); })
    })
}

/// The request body's bytes, as its body mode writes them.
fn body_write(op: &Operation) -> TokenStream {
    match body_mode(op) {
        BodyMode::None => quote!(::std::option::Option::None),
        BodyMode::Binary => quote!(::std::option::Option::Some(::std::clone::Clone::clone(&self.body))),
        BodyMode::SelfIsBody => quote!(::std::option::Option::Some(crate::runtime::convert::to_json(self)?)),
        BodyMode::Whole => quote!(::std::option::Option::Some(crate::runtime::convert::to_json(
            &self.body
        )?)),
        BodyMode::Helper(def) => {
            let inits = def.fields.iter().map(|f| {
                let n = ident(&f.name);
                if f.is_option() {
                    quote!(#n: self.#n.as_ref(),)
                } else {
                    quote!(#n: &self.#n,)
                }
            });
            let add = def.additional.as_ref().map(|_| {
                let n = additional_name(def);
                quote!(#n: &self.#n,)
            });
            quote!(::std::option::Option::Some(crate::runtime::convert::to_json(&RequestBodyRef { #(#inits)* #add })?))
        }
    }
}

/// Whether a body is a JSON object read into a struct (which serde would also read from a list).
fn is_struct(shape: &Shape, space: &TypeSpace) -> bool {
    match shape {
        Shape::Fields(_) => true,
        Shape::Whole(Ty::Named(id)) => matches!(space.get(*id).kind, crate::ir::TypeKind::Struct(_)),
        Shape::Whole(_) | Shape::Binary => false,
    }
}

/// `impl IncomingRequest`: the server side.
fn incoming_request(op: &Operation, space: &TypeSpace) -> TokenStream {
    // the JSON body: decoded into `Request` itself, into a helper beside the parameters, or into
    // a `body` field
    let Some((body_decl, body_inits)) = body_read(op, space) else {
        return quote! {
            impl crate::IncomingRequest for Request {
                fn try_from_http_request<B: ::std::convert::AsRef<[u8]>>(request: &::http::Request<B>) -> ::std::result::Result<Self, crate::MatrixError> {
                    crate::runtime::convert::json_object_body(request.body().as_ref())
                }
            }
        };
    };
    let has_path = op.params.iter().any(|p| p.location == ParamLocation::Path);
    let has_query = op.params.iter().any(|p| p.location == ParamLocation::Query);
    let path_decl = if has_path {
        quote!(let path = crate::runtime::convert::path_params(&METADATA, request.uri().path())?;)
    } else {
        quote!()
    };
    let query_decl = if has_query {
        quote!(let query = crate::runtime::convert::parse_query(request.uri());)
    } else {
        quote!()
    };
    let inits = op.params.iter().map(|p| {
        let field = ident(&p.name);
        let value = param_read(op, p);
        quote!(#field: #value,)
    });
    // an operation with neither parameters nor body does not look at the request
    let unused = if op.params.is_empty() && body_inits.is_empty() {
        quote!(let _ = request;)
    } else {
        quote!()
    };
    quote! {
        impl crate::IncomingRequest for Request {
            fn try_from_http_request<B: ::std::convert::AsRef<[u8]>>(request: &::http::Request<B>) -> ::std::result::Result<Self, crate::MatrixError> {
                #unused
                #path_decl
                #query_decl
                #body_decl
                ::std::result::Result::Ok(Self { #(#inits)* #body_inits })
            }
        }
    }
}

/// The expression reading a parameter from the request, as its location and style write it.
fn param_read(op: &Operation, p: &Param) -> TokenStream {
    let wire = &p.wire;
    let separator = separator(p.style);
    let is_list = matches!(p.style, ParamStyle::List(_));
    match p.location {
        ParamLocation::Path => {
            let i = op.path.param_index(&p.wire).unwrap_or_default();
            let v = if is_list {
                quote!(crate::runtime::convert::path_param_list(&path, #i, #wire, #separator)?)
            } else {
                quote!(crate::runtime::convert::path_param(&path, #i, #wire)?)
            };
            if p.required {
                v
            } else {
                quote!(::std::option::Option::Some(#v))
            }
        }
        ParamLocation::Query if p.style == ParamStyle::Entries => {
            let known: Vec<&str> = op
                .params
                .iter()
                .filter(|q| q.location == ParamLocation::Query && q.style != ParamStyle::Entries)
                .map(|q| q.wire.as_str())
                .collect();
            quote!(crate::runtime::convert::query_rest(&query, &[#(#known),*]))
        }
        ParamLocation::Query => match (is_list, p.required, &p.absent) {
            (true, true, _) => quote!(crate::runtime::convert::query_list(&query, #wire, #separator)?),
            (false, false, Absent::Default(lit)) => {
                let value = literal(lit, &p.ty);
                if matches!(lit, Literal::Text(_)) {
                    quote!(crate::runtime::convert::query_opt(&query, #wire)?.unwrap_or_else(|| #value))
                } else {
                    quote!(crate::runtime::convert::query_opt(&query, #wire)?.unwrap_or(#value))
                }
            }
            (true, false, _) => quote!({
                let values = crate::runtime::convert::query_list(&query, #wire, #separator)?;
                if values.is_empty() { ::std::option::Option::None } else { ::std::option::Option::Some(values) }
            }),
            (false, true, _) => quote!(crate::runtime::convert::query_req(&query, #wire)?),
            (false, false, _) => quote!(crate::runtime::convert::query_opt(&query, #wire)?),
        },
        ParamLocation::Header => match (is_list, p.required) {
            (true, true) => quote!(crate::runtime::convert::header_list_req(request.headers(), #wire, #separator)?),
            (true, false) => quote!(crate::runtime::convert::header_list_opt(request.headers(), #wire, #separator)?),
            (false, true) => quote!(crate::runtime::convert::header_req(request.headers(), #wire)?),
            (false, false) => quote!(crate::runtime::convert::header_opt(request.headers(), #wire)?),
        },
    }
}

/// How the server reads the body: a statement before `Self` is built and the fields it gives
/// `Self`; `None` where the body is `Request` itself.
fn body_read(op: &Operation, space: &TypeSpace) -> Option<(TokenStream, TokenStream)> {
    Some(match body_mode(op) {
        BodyMode::SelfIsBody => return None,
        BodyMode::None => (quote!(), quote!()),
        BodyMode::Binary => (quote!(), quote!(body: request.body().as_ref().to_vec(),)),
        BodyMode::Whole if op.body.as_ref().is_some_and(|b| b.synthesized) => (
            quote!(),
            quote!(body: crate::runtime::convert::json_body_or_empty(request.body().as_ref())?,),
        ),
        BodyMode::Whole if op.body.as_ref().is_some_and(|b| is_struct(&b.shape, space)) => (
            quote!(),
            quote!(body: crate::runtime::convert::json_object_body(request.body().as_ref())?,),
        ),
        BodyMode::Whole => (
            quote!(),
            quote!(body: crate::runtime::convert::json_body(request.body().as_ref())?,),
        ),
        BodyMode::Helper(def) => {
            let names = def.fields.iter().map(|f| {
                let n = ident(&f.name);
                quote!(#n: body.#n,)
            });
            let add = def.additional.as_ref().map(|_| {
                let n = additional_name(def);
                quote!(#n: body.#n,)
            });
            (
                quote!(let body: RequestBodyOwned = crate::runtime::convert::json_object_body(request.body().as_ref())?;),
                quote!(#(#names)* #add),
            )
        }
    })
}

/// The helper structs carrying body fields beside parameters.
fn body_helpers(op: &Operation, space: &TypeSpace) -> TokenStream {
    let BodyMode::Helper(def) = body_mode(op) else {
        return quote!();
    };
    let ref_fields = def.fields.iter().map(|f| {
        let n = ident(&f.name);
        let mut t = ty_tokens(&f.ty, space);
        if f.boxed {
            t = quote!(::std::boxed::Box<#t>);
        }
        if f.is_double_option() {
            t = quote!(::std::option::Option<#t>);
        }
        let rename = if bare(&f.name) != f.wire {
            let w = &f.wire;
            quote!(#[serde(rename = #w)])
        } else {
            quote!()
        };
        if f.is_option() {
            let skip = if f.required {
                quote!()
            } else {
                quote!(#[serde(skip_serializing_if = "::std::option::Option::is_none")])
            };
            quote!(#rename #skip #n: ::std::option::Option<&'a #t>,)
        } else if let Some(skip) = skip_when_absent(f) {
            quote!(#rename #[serde(skip_serializing_if = #skip)] #n: &'a #t,)
        } else {
            quote!(#rename #n: &'a #t,)
        }
    });
    let ref_add = def.additional.as_ref().map(|a| {
        let n = additional_name(def);
        let t = ty_tokens(a, space);
        quote!(#[serde(flatten)] #n: &'a ::std::collections::BTreeMap<::std::string::String, #t>,)
    });
    let owned_fields = struct_fields(def, space, &|_| quote!());
    quote! {
        /// The JSON body of [`Request`], borrowed from it.
        #[derive(::serde::Serialize)]
        struct RequestBodyRef<'a> {
            #(#ref_fields)*
            #ref_add
        }

        /// The JSON body of [`Request`], decoded.
        #[derive(::serde::Deserialize)]
        struct RequestBodyOwned {
            #(#owned_fields)*
        }
    }
}

/// `impl IncomingResponse` and `impl OutgoingResponse`: the body as the response's shape says,
/// and the documented headers read after it and set after it.
fn response_conversions(op: &Operation, space: &TypeSpace) -> TokenStream {
    let status = success_status(op);
    let headers = &op.success.headers;
    let names: Vec<_> = headers.iter().map(|h| ident(&h.name)).collect();
    let reads = headers.iter().map(|h| {
        let n = ident(&h.name);
        let wire = &h.wire;
        let t = ty_tokens(&h.ty, space);
        quote!(let #n = crate::runtime::convert::response_header::<#t>(response.headers(), response.status(), #wire)?;)
    });
    let writes = headers.iter().map(|h| {
        let n = ident(&h.name);
        let wire = &h.wire;
        quote!(crate::runtime::convert::set_header(&mut response, #wire, self.#n.as_ref())?;)
    });
    let json_decode = if op.success.body.as_ref().is_some_and(|s| is_struct(s, space)) {
        quote!(crate::runtime::convert::decode_object_response)
    } else {
        quote!(crate::runtime::convert::decode_response)
    };
    let (decode, encode) = match &op.success.body {
        Some(Shape::Binary) => (
            quote! {
                crate::runtime::convert::decode_binary_response(response).map(|(body, content_type)| Self { body, content_type, #(#names),* })
            },
            quote!(crate::runtime::convert::binary_response(#status, &self.body, self.content_type.as_deref())),
        ),
        Some(Shape::Fields(_)) => {
            let decode = if names.is_empty() {
                quote!(#json_decode(response))
            } else {
                quote!(#json_decode(response).map(|decoded: Self| Self { #(#names,)* ..decoded }))
            };
            (decode, quote!(crate::runtime::convert::json_response(#status, self)))
        }
        None if op.success.is_redirect() => (
            quote!(crate::runtime::convert::decode_redirect(response).map(|()| Self { #(#names),* })),
            quote!(crate::runtime::convert::redirect_response(#status)),
        ),
        _ => (
            quote!(#json_decode(response).map(|body| Self { body, #(#names),* })),
            quote!(crate::runtime::convert::json_response(#status, &self.body)),
        ),
    };
    let encode = if headers.is_empty() {
        encode
    } else {
        quote! {{
            let mut response = #encode?;
            #(#writes)*
            ::std::result::Result::Ok(response)
        }}
    };
    quote! {
        impl crate::IncomingResponse for Response {
            fn try_from_http_response<B: ::std::convert::AsRef<[u8]>>(response: ::http::Response<B>) -> ::std::result::Result<Self, crate::FromHttpResponseError> {
                #(#reads)*
                #decode
            }
        }

        impl crate::OutgoingResponse for Response {
            fn try_into_http_response(&self) -> ::std::result::Result<::http::Response<::std::vec::Vec<u8>>, crate::MatrixError> {
                #encode
            }
        }
    }
}

/// The items of one operation's module.
fn operation_file(op: &Operation, space: &TypeSpace) -> TokenStream {
    let doc = module_doc(op);
    let method = ident(match op.method {
        Method::Get => "Get",
        Method::Put => "Put",
        Method::Post => "Post",
        Method::Delete => "Delete",
        Method::Options => "Options",
        Method::Head => "Head",
        Method::Patch => "Patch",
        Method::Trace => "Trace",
    });
    let path = op.path.to_string();
    let segments = op.path.segments.iter().map(|s| match s {
        Segment::Literal(text) => {
            let text = on_the_wire(text);
            quote!(crate::PathSegment::Literal(#text))
        }
        Segment::Param(name) => quote!(crate::PathSegment::Param(#name)),
    });
    let base = &op.base_path;
    let id = &op.id;
    let name = bare(&op.name);
    let auth = auth_kind(op.auth);
    let deprecated = op.deprecated;
    let added = option_str(op.history.as_ref().map(|h| &h.added).or(op.versions.added.as_ref()));
    let history = history_fields(op);
    let changed = op.versions.changed.iter().map(|(v, _)| quote!(#v));
    let request = request(op, space);
    let response = response(op, space);
    let outgoing = outgoing_request(op);
    let incoming = incoming_request(op, space);
    let helpers = body_helpers(op, space);
    let responses = response_conversions(op, space);
    let doc = inner_doc_attrs(&doc);
    quote! {
        #doc

        /// What the spec says of this operation.
        pub const METADATA: crate::Metadata = crate::Metadata {
            method: crate::Method::#method,
            path: #path,
            segments: &[#(#segments),*],
            base_path: #base,
            operation_id: #id,
            name: #name,
            auth: crate::AuthKind::#auth,
            deprecated: #deprecated,
            added_in: #added,
            changed_in: &[#(#changed),*],
            #history
        };

        #request

        #response

        #outgoing

        #incoming

        #helpers

        #responses
    }
}

/// `Some("text")` or `None`, as tokens.
fn option_str(text: Option<&String>) -> TokenStream {
    match text {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    }
}

/// The `Metadata` fields of an operation's history: its path in each version, when it was
/// deprecated and removed (empty and `None` without a series).
fn history_fields(op: &Operation) -> TokenStream {
    let Some(h) = &op.history else {
        return quote! {
            history: &[],
            deprecated_in: ::std::option::Option::None,
            removed_in: ::std::option::Option::None,
        };
    };
    let paths = h.paths.iter().map(|p| {
        let (version, base, fits) = (&p.version, &p.base_path, p.fits);
        let (header, query) = (p.token.header, p.token.query);
        let segments = p.segments.iter().map(|(i, text)| quote!((#i, #text)));
        quote!(crate::VersionedPath {
            version: #version,
            base_path: #base,
            fits: #fits,
            token: crate::TokenPlaces { header: #header, query: #query },
            segments: &[#(#segments),*],
        })
    });
    let deprecated = option_str(h.deprecated.as_ref());
    let removed = option_str(h.removed.as_ref());
    quote! {
        history: &[#(#paths),*],
        deprecated_in: #deprecated,
        removed_in: #removed,
    }
}
