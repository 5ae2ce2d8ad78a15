//! Stage 5, emit: the IR becomes token streams, one per file of the generated crate. Emitters
//! read only the IR.

pub mod client;
pub mod models;
pub mod operations;
pub mod server;

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::Api;

/// What a file of the generated crate is before formatting.
pub enum FileContent {
    /// Rust items, to be formatted.
    Rust(TokenStream),
    /// Text written as it is (support code copied in, `Cargo.toml`).
    Text(String),
}

/// Support code copied into every generated crate, as (path under `src/runtime`, text).
pub const RUNTIME: &[(&str, &str)] = &[
    ("mod.rs", include_str!("../../runtime/mod.rs")),
    ("client.rs", include_str!("../../runtime/client.rs")),
    ("convert.rs", include_str!("../../runtime/convert.rs")),
    ("error.rs", include_str!("../../runtime/error.rs")),
    ("metadata.rs", include_str!("../../runtime/metadata.rs")),
    ("open_enum.rs", include_str!("../../runtime/open_enum.rs")),
    ("server.rs", include_str!("../../runtime/server.rs")),
];

/// Names the generated crate already uses (each operation's `Request` and `Response`, the
/// support code's types, common std names): spec types never take them, so that no glob import
/// makes two of them collide.
pub fn reserved_names() -> std::collections::HashSet<String> {
    [
        "Request", "Response", "Metadata", "Method", "AuthKind", "Option", "Result", "String", "Vec", "Box",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

/// The documentation of an operation's method (on the client and on the server trait):
/// method, path, summary, a link to its module, then `extra`.
pub fn method_doc(op: &crate::ir::Operation, extra: &str) -> String {
    let mut doc = format!("`{} {}`", op.method, op.path);
    if let Some(s) = &op.summary {
        doc.push_str(&format!(": {}", crate::docs::markdown(s.trim())));
    }
    doc.push_str(&format!(
        "\n\nSee [`crate::operations::{}`].{extra}",
        op.name.trim_start_matches("r#")
    ));
    doc
}

/// `#[doc = "..."]` attributes for a Markdown text (none for an empty one).
pub fn doc_attrs(text: &str) -> TokenStream {
    if text.trim().is_empty() {
        return quote!();
    }
    let lines = text
        .lines()
        .map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote!(#(#[doc = #lines])*)
}

/// `#![doc = "..."]` attributes (inner documentation) for a Markdown text.
pub fn inner_doc_attrs(text: &str) -> TokenStream {
    let lines = text
        .lines()
        .map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote!(#(#![doc = #lines])*)
}

/// The crate's settings the emitters need.
pub struct CrateInfo<'a> {
    pub name: &'a str,
    pub version: &'a str,
}

/// Every file of the generated crate, by path relative to the crate folder.
pub fn emit(api: &Api, info: &CrateInfo<'_>) -> BTreeMap<String, FileContent> {
    let mut files = BTreeMap::new();
    files.insert("Cargo.toml".to_owned(), FileContent::Text(cargo_toml(api, info)));
    files.insert("src/lib.rs".to_owned(), FileContent::Rust(lib_rs(api)));
    // the crate is formatted by prettyplease; keep `cargo fmt` of a workspace from reformatting it
    files.insert(
        "rustfmt.toml".to_owned(),
        FileContent::Text("disable_all_formatting = true\n".to_owned()),
    );
    files.insert(
        "src/types.rs".to_owned(),
        FileContent::Rust(models::types_file(&api.types, &param_types(api))),
    );
    files.insert("src/client.rs".to_owned(), FileContent::Rust(client::client_file(api)));
    files.insert("src/server.rs".to_owned(), FileContent::Rust(server::server_file(api)));
    files.insert(
        "src/operations/mod.rs".to_owned(),
        FileContent::Rust(operations_mod(api)),
    );
    for op in &api.operations {
        let file = format!("src/operations/{}.rs", op.name.trim_start_matches("r#"));
        files.insert(file, FileContent::Rust(operations::operation_file(op, &api.types)));
    }
    for (path, text) in RUNTIME {
        files.insert(format!("src/runtime/{path}"), FileContent::Text((*text).to_owned()));
    }
    files
}

/// The named types used as parameters: they need to be written as text.
fn param_types(api: &Api) -> std::collections::BTreeSet<usize> {
    fn collect(ty: &crate::ir::Ty, out: &mut std::collections::BTreeSet<usize>) {
        match ty {
            crate::ir::Ty::Named(id) => {
                out.insert(*id);
            }
            crate::ir::Ty::Vec(inner) => collect(inner, out),
            _ => {}
        }
    }
    let mut out = std::collections::BTreeSet::new();
    for op in &api.operations {
        for p in &op.params {
            collect(&p.ty, &mut out);
        }
    }
    out
}

fn cargo_toml(api: &Api, info: &CrateInfo<'_>) -> String {
    let description = format!(
        "Typed models for the {}, generated from the spec",
        api.title.replace('"', "'")
    );
    format!(
        r#"[package]
name = "{name}"
version = "{version}"
description = "{description}"
edition = "2021"
license = "Apache-2.0"
publish = false

[lib]
path = "src/lib.rs"

[features]
default = []
# An async HTTP client over reqwest (rustls): `Client`, one method per operation.
client = ["dep:reqwest", "dep:bytes"]
# An axum router serving an implementation of the `Api` trait.
server = ["dep:axum"]

[dependencies]
http = "1"
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
reqwest = {{ version = "0.12", default-features = false, features = ["rustls-tls"], optional = true }}
bytes = {{ version = "1", optional = true }}
axum = {{ version = "0.8", default-features = false, optional = true }}

[dev-dependencies]
axum = {{ version = "0.8", default-features = false, features = ["tokio", "http1"] }}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread", "net", "signal"] }}
"#,
        name = info.name,
        version = info.version,
    )
}

fn lib_rs(api: &Api) -> TokenStream {
    let mut doc = format!("# {}\n\nRust types for the {}", api.title, api.title);
    if !api.version.is_empty() {
        doc.push_str(&format!(" (version {})", api.version));
    }
    doc.push_str(", generated from the spec by `matrix-api-generator`. Do not edit: change the spec or the generator and run `cargo xtask gen`.");
    if let Some(d) = &api.description {
        doc.push_str(&format!("\n\n{}", crate::docs::markdown(d)));
    }
    doc.push_str("\n\n- [`types`]: the named types of the spec.\n- [`operations`]: one module per operation, with its [`Metadata`], `Request` and `Response`, and their conversions to and from `http` requests and responses.\n- `client` (feature `client`): an async `Client` with one method per operation.\n- `server` (feature `server`): the `Api` trait and an `axum` router serving it.\n- [`MatrixError`] and [`ErrorCode`]: Matrix errors, paired with their HTTP status.");
    doc.push_str("\n\nGenerated from:\n");
    for s in &api.sources {
        doc.push_str(&format!("\n- `{s}`"));
    }
    let doc = inner_doc_attrs(&doc);
    quote! {
        #doc
        #![forbid(unsafe_code)]
        // nested maps and lists straight from the spec: an alias per shape would only hide them
        #![allow(clippy::type_complexity)]

        #[cfg(feature = "client")]
        pub mod client;
        pub mod operations;
        #[doc(hidden)]
        pub mod runtime;
        #[cfg(feature = "server")]
        pub mod server;
        pub mod types;

        pub use runtime::{
            AccessToken, AuthKind, Base, Endpoint, ErrorCode, FromHttpResponseError, IncomingRequest, IncomingResponse,
            IntoHttpError, MatrixError, Metadata, Method, OutgoingRequest, OutgoingResponse, ParamValue,
        };
        #[cfg(feature = "client")]
        pub use runtime::client::{Client, ClientError};
        #[cfg(feature = "server")]
        pub use runtime::server::ServerConfig;
    }
}

fn operations_mod(api: &Api) -> TokenStream {
    let mods = api.operations.iter().map(|op| {
        let name = models::ident(&op.name);
        let summary = op
            .summary
            .as_deref()
            .map(|s| crate::docs::markdown(s.trim()))
            .unwrap_or_default();
        let doc = format!("`{} {}`: {}", op.method, op.path, summary);
        quote! {
            #[doc = #doc]
            pub mod #name;
        }
    });
    let metas = api.operations.iter().map(|op| {
        let name = models::ident(&op.name);
        quote!(#name::METADATA,)
    });
    quote! {
        //! One module per operation of the spec.
        #(#mods)*

        /// The metadata of every operation, in spec order.
        pub const ALL: &[crate::Metadata] = &[#(#metas)*];
    }
}
