//! The server output: `server.rs` (feature `server`), the `Api` trait with one method per
//! operation and the `axum` router that serves an implementation of it.

use super::output::Placement;
use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::rust::{bare, doc_attrs, ident, method_doc};
use super::{Dependency, Emitted, Feature, FileContent, Module, Output, RuntimeFile};
use crate::ir::path::on_the_wire;
use crate::ir::{Api, Auth, Method, Operation, PathTemplate, Segment, Shape};

/// `src/server.rs` and the `server` feature.
pub struct ServerOutput;

impl Output for ServerOutput {
    fn name(&self) -> &'static str {
        "server"
    }

    fn per_api(&self) -> bool {
        true
    }

    fn emit<'a>(&self, api: &'a Api, _: &'a Placement) -> Emitted<'a> {
        Emitted {
            files: vec![("src/server.rs".to_owned(), FileContent::rust(move || server_file(api)))],
            modules: vec![Module {
                name: "server",
                feature: Some("server"),
                shared: false,
            }],
            docs: vec!["`server` (feature `server`): the `Api` trait and an `axum` router serving it."],
            runtime: runtime_files(),
            features: vec![server_feature()],
            dependencies: dependencies(),
            dev_dependencies: vec![
                Dependency {
                    default_features: false,
                    features: &["tokio", "http1"],
                    ..Dependency::new("axum", "0.8")
                },
                Dependency {
                    features: &["macros", "rt-multi-thread", "net", "signal"],
                    ..Dependency::new("tokio", "1")
                },
            ],
        }
    }
}

/// The runtime files of the server side: the router's support, and the connection policy.
fn runtime_files() -> Vec<RuntimeFile> {
    vec![
        RuntimeFile {
            name: "server",
            text: include_str!("../../runtime/server.rs"),
            feature: Some("server"),
            exports: &["RequestContext", "ServerConfig"],
            internal: &[],
        },
        RuntimeFile {
            name: "connections",
            text: include_str!("../../runtime/connections.rs"),
            feature: Some("server"),
            exports: &["bind", "serve"],
            internal: &[],
        },
    ]
}

/// The `server` feature and what it turns on.
fn server_feature() -> Feature {
    Feature {
        name: "server",
        doc: "An axum router serving an implementation of the `Api` trait.",
        enables: &[
            "dep:axum",
            "dep:hyper",
            "hyper/server",
            "hyper/http1",
            "dep:hyper-util",
            "dep:tokio",
            "tokio/net",
            "tokio/rt",
            "tokio/sync",
            "tokio/time",
            "tokio/macros",
            "tokio/io-util",
            "dep:tower",
            "dep:tower-http",
            "dep:tracing",
        ],
    }
}

/// The server side's dependencies.
fn dependencies() -> Vec<Dependency> {
    vec![
        Dependency {
            default_features: false,
            // `tokio`: `ConnectInfo`, the peer's address
            features: &["tokio"],
            optional: true,
            ..Dependency::new("axum", "0.8")
        },
        Dependency {
            optional: true,
            ..Dependency::new("hyper", "1")
        },
        Dependency {
            features: &["tokio", "server", "server-graceful", "service", "http1"],
            optional: true,
            ..Dependency::new("hyper-util", "0.1")
        },
        Dependency {
            optional: true,
            ..Dependency::new("tokio", "1")
        },
        Dependency {
            default_features: false,
            features: &["timeout", "util"],
            optional: true,
            ..Dependency::new("tower", "0.5")
        },
        Dependency {
            default_features: false,
            features: &["catch-panic"],
            optional: true,
            ..Dependency::new("tower-http", "0.6")
        },
        Dependency {
            default_features: false,
            features: &["std"],
            optional: true,
            ..Dependency::new("tracing", "0.1")
        },
    ]
}

/// `/rooms/{roomId}/invite` → `/rooms/{p0}/invite`: the router matches; the operation decodes.
fn route_path(path: &PathTemplate) -> String {
    let mut out = String::new();
    let mut i = 0;
    for segment in &path.segments {
        out.push('/');
        match segment {
            // the router is also built without axum's 0.7 checks, so that a literal segment may
            // start with `:` or `*`
            Segment::Literal(text) => out.push_str(&literal(&on_the_wire(text))),
            Segment::Param(_) => {
                out.push_str(&format!("{{p{i}}}"));
                i += 1;
            }
        }
    }
    out
}

/// The router's table: (base path, route) → the operations served there, GET first (axum answers
/// HEAD with a GET route unless a HEAD route follows it), the first definition of a method
/// winning.
fn route_table(api: &Api) -> BTreeMap<(String, String), Vec<(Method, &Operation)>> {
    let mut routes: BTreeMap<(String, String), Vec<(Method, &Operation)>> = BTreeMap::new();
    for op in &api.operations {
        let entry = routes.entry((op.base_path.clone(), route_path(&op.path))).or_default();
        if !entry.iter().any(|(m, _)| *m == op.method) {
            entry.push((op.method, op));
        }
    }
    for ops in routes.values_mut() {
        ops.sort_by_key(|(m, _)| *m != Method::Get);
    }
    routes
}

/// Every route the generated router registers under the spec's base paths, as axum reads it
/// (`/_matrix/client/r0/rooms/{p0}/invite`), with the methods served there (an `OPTIONS` the spec
/// does not define is the CORS preflight): what a check that the router builds needs. The router
/// is built with `without_v07_checks`.
pub fn routes(api: &Api) -> Vec<(String, Vec<&'static str>)> {
    route_table(api)
        .iter()
        .map(|((base, route), ops)| {
            let mut methods: Vec<&'static str> = ops.iter().map(|(m, _)| m.as_str()).collect();
            if !methods.contains(&"OPTIONS") {
                methods.push("OPTIONS");
            }
            (format!("{}{route}", literal(base)), methods)
        })
        .collect()
}

/// The name of an operation's method on the `Api` trait (the IR keeps operations off the
/// trait's own items).
fn method_name(op: &Operation) -> proc_macro2::Ident {
    ident(&op.name)
}

/// Text a route matches as written: braces doubled, so that the router does not read a capture.
fn literal(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}

fn server_file(api: &Api) -> TokenStream {
    let methods = api.operations.iter().map(trait_method);
    let authentication = authentication(api);
    // where operations are signed by the sending server, the implementation finds servers' keys
    let supertraits = if api.operations.iter().any(|op| op.auth == Auth::Signed) {
        quote!(crate::KeyLookup+)
    } else {
        quote!()
    };
    let mut routes: Vec<TokenStream> = Vec::new();
    let mut dispatchers = Vec::new();
    // where an operation takes an access token, the implementation's `authenticate` checks it
    let tokens = takes_tokens(api);
    let (authenticate, identity) = if tokens {
        (quote!(authenticate_token::<A>), quote!(A::Identity))
    } else {
        (quote!(crate::runtime::server::unauthenticated::<A>), quote!(()))
    };
    for ((base, route), ops) in &route_table(api) {
        dispatchers.extend(ops.iter().map(|(_, op)| dispatcher(op, &identity)));
        routes.push(route_entry(base, route, ops, &authenticate));
    }
    if tokens {
        dispatchers.push(quote! {
            /// Checks a request's access token with the implementation, before its body is read.
            async fn authenticate_token<A: Api>(
                api: ::std::sync::Arc<A>,
                token: crate::AccessToken,
                context: crate::RequestContext,
            ) -> (crate::RequestContext, ::std::result::Result<A::Identity, crate::MatrixError>) {
                let identity = api.authenticate(token, &context).await;
                (context, identity)
            }
        });
    }
    let count = proc_macro2::Literal::usize_unsuffixed(routes.len());
    quote! {
        //! The server side: implement [`Api`] (any subset of it) and serve it with [`router`].
        //!
        //! The router decodes each request before calling the implementation, doing no work a
        //! request has not earned: first what the headers settle, the access token (from
        //! `Authorization: Bearer` or the `access_token` query parameter: none on an operation
        //! that needs one is 401 `M_MISSING_TOKEN`, two of them 400 `M_INVALID_PARAM`) checked
        //! by `Api::authenticate`, or a server's `X-Matrix` authorization present; only then
        //! the body (413 `M_TOO_LARGE` past the body limit, 408 when it stalls or arrives too
        //! slowly), then the path, query and header parameters and the JSON body (400
        //! `M_NOT_JSON` when it is not JSON, 400 `M_BAD_JSON` with the reason when it has the
        //! wrong shape); a server's signature, which covers the body, is checked last.
        //!
        //! A known path with another method is 405 `M_UNRECOGNIZED` with an `Allow` header; an
        //! unknown path is 404 `M_UNRECOGNIZED`. Every answer carries CORS headers, and `OPTIONS`
        //! on a known path is a CORS preflight, as the spec asks. Where the spec defines the same
        //! method and path twice, the first definition is served.

        /// One method per operation. Each has a default answering 404 `M_UNRECOGNIZED`, so an
        /// implementation overrides only the operations it serves.
        ///
        /// An access token is checked once per request, by `Api::authenticate`, before the
        /// handler runs: handlers of operations that need a token receive what it returned (the
        /// user and device, an application service acting as a user, ...), never the raw token.
        /// Every handler also receives the request's [`RequestContext`](crate::RequestContext):
        /// its headers, URI and the peer's address.
        // method names come from the spec's operation ids (`new`, `from_...`), not from Rust's conventions
        #[allow(clippy::wrong_self_convention)]
        pub trait Api: #supertraits ::std::marker::Send + ::std::marker::Sync + 'static {
            #authentication

            #(#methods)*
        }

        #(#dispatchers)*

        /// A router serving `api` under the spec's base paths, with the default configuration.
        pub fn router<A: Api>(api: ::std::sync::Arc<A>) -> ::axum::Router {
            router_with_config(api, crate::ServerConfig::default())
        }

        /// A router serving `api` as `config` says (body limit, further versions, timeouts); serve
        /// it with [`crate::serve`], which also bounds slow and idle connections.
        pub fn router_with_config<A: Api>(api: ::std::sync::Arc<A>, config: crate::ServerConfig) -> ::axum::Router {
            // each route under its base path (and the further versions `config` serves)
            let routes: [crate::runtime::server::Route; #count] = [#(#routes),*];
            let router = crate::runtime::server::mount(::axum::Router::new().without_v07_checks(), ::std::vec::Vec::from(routes), &config);
            crate::runtime::server::with_layers(router.fallback(crate::runtime::server::not_found), &config)
        }
    }
}

/// The trait's method of an operation, its default answering 404 `M_UNRECOGNIZED`.
fn trait_method(op: &Operation) -> TokenStream {
    let name = ident(&op.name);
    let method = method_name(op);
    let doc = doc_attrs(&method_doc(op, " Unless implemented, answers 404 `M_UNRECOGNIZED`."));
    let (identity_param, unused) = match op.auth {
        Auth::Required => (quote!(identity: Self::Identity,), quote!((identity, context, request))),
        Auth::Optional => (
            quote!(identity: ::std::option::Option<Self::Identity>,),
            quote!((identity, context, request)),
        ),
        Auth::Signed => (quote!(origin: crate::ServerName,), quote!((origin, context, request))),
        Auth::None => (quote!(), quote!((context, request))),
    };
    quote! {
        #doc
        fn #method(&self, #identity_param context: crate::RequestContext, request: crate::operations::#name::Request)
            -> impl ::std::future::Future<Output = ::std::result::Result<crate::operations::#name::Response, crate::MatrixError>> + ::std::marker::Send {
            let _ = #unused;
            async { ::std::result::Result::Err(crate::MatrixError::unrecognized()) }
        }
    }
}

/// Whether an operation of `api` takes an access token.
fn takes_tokens(api: &Api) -> bool {
    api.operations
        .iter()
        .any(|op| matches!(op.auth, Auth::Required | Auth::Optional))
}

/// The trait's `Identity` and `authenticate`, where an operation takes an access token.
fn authentication(api: &Api) -> TokenStream {
    // where no operation takes a token there is nothing to authenticate
    if takes_tokens(api) {
        quote! {
            /// Who an access token stands for: what [`Api::authenticate`] returns.
            type Identity: ::std::marker::Send + 'static;

            /// Checks the access token of a request (from `Authorization: Bearer` or
            /// `?access_token=`) before its handler runs, and before its body is read (the
            /// context's `body` is empty here). An error is the answer: 401 `M_UNKNOWN_TOKEN`
            /// (with `soft_logout` where it applies) for a token nobody knows.
            fn authenticate(&self, token: crate::AccessToken, context: &crate::RequestContext)
                -> impl ::std::future::Future<Output = ::std::result::Result<Self::Identity, crate::MatrixError>> + ::std::marker::Send;
        }
    } else {
        quote!()
    }
}

/// The function a route calls for an operation: authenticates as the operation asks, then calls
/// the implementation.
fn dispatcher(op: &Operation, identity: &TokenStream) -> TokenStream {
    let name = ident(&op.name);
    let trait_method = method_name(op);
    let call = match op.auth {
        Auth::Required => quote! {
            match identity {
                ::std::option::Option::Some(identity) => api.#trait_method(identity, context, request).await,
                ::std::option::Option::None => ::std::result::Result::Err(crate::MatrixError::missing_token("Missing access token.")),
            }
        },
        Auth::Optional => quote! {
            api.#trait_method(identity, context, request).await
        },
        Auth::Signed => quote! {{
            let _ = identity;
            let uri = context.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let origin = crate::runtime::signatures::verify_request(&*api, context.method.as_str(), uri, &context.headers, &context.body).await?;
            let origin = crate::ServerName::parse(&origin).map_err(|e| crate::MatrixError::new(::http::StatusCode::UNAUTHORIZED, crate::ErrorCode::Unauthorized, e.to_string()))?;
            api.#trait_method(origin, context, request).await
        }},
        Auth::None => quote! {{
            let _ = identity;
            api.#trait_method(context, request).await
        }},
    };
    let dispatch = format_ident!("dispatch_{}", bare(&op.name));
    quote! {
        async fn #dispatch<A: Api>(
            api: ::std::sync::Arc<A>,
            identity: ::std::option::Option<#identity>,
            context: crate::RequestContext,
            request: crate::operations::#name::Request,
        ) -> ::std::result::Result<crate::operations::#name::Response, crate::MatrixError> {
            #call
        }
    }
}

/// One entry of the router's routes: a path under a base path, each of its methods' handlers,
/// a CORS preflight unless the spec defines OPTIONS, and 405 with `Allow` for other methods.
fn route_entry(base: &str, route: &str, ops: &[(Method, &Operation)], authenticate: &TokenStream) -> TokenStream {
    let mut chain = Vec::new();
    let mut allow: Vec<&str> = Vec::new();
    for (i, (method, op)) in ops.iter().enumerate() {
        let name = ident(&op.name);
        let dispatch = format_ident!("dispatch_{}", bare(&op.name));
        // an upload (a body of bytes) may be as large as media are; JSON as large as JSON is
        let rules = if matches!(op.body.as_ref().map(|b| &b.shape), Some(Shape::Binary)) {
            quote!(crate::runtime::server::BodyRules::upload(&config))
        } else {
            quote!(crate::runtime::server::BodyRules::json(&config))
        };
        let credentials = quote!(crate::runtime::server::Credentials::of(&crate::operations::#name::METADATA, &config));
        let handler =
            quote!(crate::runtime::server::endpoint(&api, #rules, #credentials, #authenticate, #dispatch::<A>));
        let routing = ident(method.key());
        chain.push(if i == 0 {
            quote!(::axum::routing::#routing(#handler))
        } else {
            quote!(.#routing(#handler))
        });
        allow.push(method.as_str());
        if *method == Method::Get {
            allow.push("HEAD");
        }
    }
    // a CORS preflight, unless the spec defines OPTIONS itself
    if !ops.iter().any(|(m, _)| *m == Method::Options) {
        allow.push("OPTIONS");
        chain.push(quote!(.options(crate::runtime::server::preflight)));
    }
    allow.sort_unstable();
    allow.dedup();
    let allow = allow.join(", ");
    let operations = ops.iter().map(|(_, op)| {
        let name = ident(&op.name);
        quote!(&crate::operations::#name::METADATA)
    });
    quote! {
        (#base, #route, &[#(#operations),*], #(#chain)*.fallback(|| async { crate::runtime::server::method_not_allowed(#allow) }))
    }
}
