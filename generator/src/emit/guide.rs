//! The guide at the top of a generated crate's rustdoc: how to call the API as a client and
//! serve it as a server, with examples built from the crate's own first operation, which compile
//! as doctests (each under the feature it needs, so `cargo test --doc` checks them).

use proc_macro2::TokenStream;
use quote::quote;

use super::client::request_is_empty;
use super::output::Placement;
use crate::ir::{Api, Auth, Operation};

/// The guide's inner doc attributes for `api` in the crate whose library is `lib`.
pub fn guide(api: &Api, placement: &Placement, lib: &str) -> TokenStream {
    if placement.is_member() || matches!(placement, Placement::Shared { .. }) {
        return quote!();
    }
    let Some(op) = api.operations.first() else {
        return quote!();
    };
    let client = client_section(op, lib);
    let server = server_section(api, op, lib);
    quote! {
        #![cfg_attr(feature = "client", doc = #client)]
        #![cfg_attr(feature = "server", doc = #server)]
    }
}

/// How a client calls the API: a `Client` with the server's URL and a token, one method per
/// operation, the errors it gives.
fn client_section(op: &Operation, lib: &str) -> String {
    let module = &op.name;
    let call = if request_is_empty(op) {
        format!("client.{}().await?", op.name)
    } else {
        format!("client.{}(request).await?", op.name)
    };
    let parameter = if request_is_empty(op) {
        String::new()
    } else {
        format!("request: {module}::Request")
    };
    format!(
        "\n# A client (feature `client`)\n\n\
         A [`Client`] holds the homeserver's URL, an access token where the operations take one, \
         and an HTTP client; each operation is a method of it, taking the operation's `Request` \
         and giving its `Response`. A Matrix error answer is [`ClientError::Matrix`] with the \
         [`MatrixError`] (its `errcode` an [`ErrorCode`]); [`Client::send`] sends any request.\n\n\
         ```rust,no_run\n\
         use {lib}::operations::{module};\n\n\
         async fn call({parameter}) -> Result<{module}::Response, {lib}::ClientError> {{\n    \
         let client = {lib}::Client::new(\"https://matrix.example.org\")?.with_access_token(\"syt_...\");\n    \
         let response = {call};\n    \
         Ok(response)\n\
         }}\n\
         ```\n"
    )
}

/// How a server serves the API: an implementation of `server::Api` (any subset of its
/// methods), its router, and `serve`.
fn server_section(api: &Api, op: &Operation, lib: &str) -> String {
    // (an API whose operations are signed by servers needs a key lookup: see `server`)
    if api.operations.iter().any(|o| o.auth == Auth::Signed) {
        return format!(
            "\n# A server (feature `server`)\n\nImplement [`server::Api`] and \
             [`KeyLookup`] (the keys of the servers that sign requests), and serve \
             [`server::router`] with [`serve`]; see [`server`]. \
             Library `{lib}`.\n"
        );
    }
    let module = &op.name;
    let takes_tokens = api
        .operations
        .iter()
        .any(|o| matches!(o.auth, Auth::Required | Auth::Optional));
    let authentication = if takes_tokens {
        format!(
            "    type Identity = String;\n\n    \
             async fn authenticate(&self, token: {lib}::AccessToken, _: &RequestContext) -> Result<String, MatrixError> {{\n        \
             // who the token stands for, or `MatrixError::unknown_token`\n        \
             Ok(token.as_str().to_owned())\n    \
             }}\n\n"
        )
    } else {
        String::new()
    };
    let identity = match op.auth {
        Auth::Required => "identity: String, ",
        Auth::Optional => "identity: Option<String>, ",
        Auth::Signed | Auth::None => "",
    };
    let unused = if identity.is_empty() {
        "(context, request)"
    } else {
        "(identity, context, request)"
    };
    format!(
        "\n# A server (feature `server`)\n\n\
         Implement [`server::Api`]: one method per operation, each answering \
         404 `M_UNRECOGNIZED` until implemented, so an implementation overrides only what it \
         serves. The router settles the access token from the headers (and runs `authenticate`) \
         before it reads a body, then decodes the request (parameters, body) before the method \
         runs, and answers the spec's errors (`M_MISSING_TOKEN`, `M_NOT_JSON`, `M_BAD_JSON`, ...) \
         itself; `serve` bounds what slow, idle or many connections may hold.\n\n\
         ```rust,no_run\n\
         use std::sync::Arc;\n\n\
         use {lib}::operations::{module};\n\
         use {lib}::{{MatrixError, RequestContext}};\n\n\
         struct Homeserver;\n\n\
         impl {lib}::server::Api for Homeserver {{\n\
         {authentication}    \
         async fn {name}(&self, {identity}context: RequestContext, request: {module}::Request) -> Result<{module}::Response, MatrixError> {{\n        \
         let _ = {unused};\n        \
         Err(MatrixError::unrecognized())\n    \
         }}\n\
         }}\n\n\
         async fn run() -> std::io::Result<()> {{\n    \
         let config = {lib}::ServerConfig::default();\n    \
         let router = {lib}::server::router_with_config(Arc::new(Homeserver), config.clone());\n    \
         let listener = {lib}::bind(([127, 0, 0, 1], 8008).into(), &config)?;\n    \
         {lib}::serve(listener, router, &config, std::future::pending()).await;\n    \
         Ok(())\n\
         }}\n\
         ```\n",
        name = op.name
    )
}
