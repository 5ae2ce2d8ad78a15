//! The client output: `client.rs` (feature `client`), one method per operation on the support
//! code's `Client`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::rust::{bare, doc_attrs, ident, method_doc};
use super::{Dependency, Emitted, Feature, FileContent, Module, Output, RuntimeFile};
use crate::ir::{Api, Body, Operation, Shape};

/// `src/client.rs` and the `client` feature.
pub struct ClientOutput;

/// The support code's own methods on `Client`: an operation of the same name gets a method
/// named `{name}_operation`.
const CLIENT_METHODS: &[&str] = &[
    "new",
    "with_access_token",
    "with_token_in_query",
    "with_path_prefix",
    "with_version",
    "with_reqwest_client",
    "with_timeouts",
    "with_retry",
    "base_url",
    "send",
    "execute",
];

impl Output for ClientOutput {
    fn emit(&self, api: &Api) -> Emitted {
        Emitted {
            files: vec![("src/client.rs".to_owned(), FileContent::Rust(client_file(api)))],
            modules: vec![Module {
                name: "client",
                feature: Some("client"),
            }],
            docs: vec!["`client` (feature `client`): an async `Client` with one method per operation."],
            runtime: vec![RuntimeFile {
                name: "client",
                text: include_str!("../../runtime/client.rs"),
                feature: Some("client"),
                exports: &[
                    "Client",
                    "ClientError",
                    "RetryPolicy",
                    "TransportError",
                    "TransportErrorKind",
                ],
                internal: &[],
            }],
            features: vec![Feature {
                name: "client",
                doc: "An async HTTP client over reqwest (rustls): `Client`, one method per operation.",
                enables: &[
                    "dep:reqwest",
                    "dep:bytes",
                    "dep:hyper",
                    "dep:rustls",
                    "dep:tokio",
                    "tokio/time",
                ],
            }],
            dependencies: vec![
                Dependency {
                    features: &["rustls-tls"],
                    default_features: false,
                    optional: true,
                    ..Dependency::new("reqwest", "0.12")
                },
                Dependency {
                    optional: true,
                    ..Dependency::new("bytes", "1")
                },
                // the kinds of transport errors are told by hyper's and rustls's errors
                Dependency {
                    optional: true,
                    ..Dependency::new("hyper", "1")
                },
                Dependency {
                    default_features: false,
                    optional: true,
                    ..Dependency::new("rustls", "0.23")
                },
                // the waits between retries
                Dependency {
                    optional: true,
                    ..Dependency::new("tokio", "1")
                },
            ],
            dev_dependencies: vec![Dependency {
                features: &["macros", "rt-multi-thread", "net", "signal"],
                ..Dependency::new("tokio", "1")
            }],
        }
    }
}

/// Whether an operation's `Request` has no fields, so that its method takes no argument.
fn request_is_empty(op: &Operation) -> bool {
    op.params.is_empty()
        && match &op.body {
            None => true,
            Some(Body {
                shape: Shape::Fields(def),
                ..
            }) => def.fields.is_empty() && def.additional.is_none(),
            Some(_) => false,
        }
}

fn client_file(api: &Api) -> TokenStream {
    let methods = api.operations.iter().map(|op| {
        let module = ident(&op.name);
        let name = if CLIENT_METHODS.contains(&bare(&op.name)) {
            format_ident!("{}_operation", bare(&op.name))
        } else {
            ident(&op.name)
        };
        let doc = doc_attrs(&method_doc(op, ""));
        let result = quote!(::std::result::Result<crate::operations::#module::Response, crate::ClientError>);
        if request_is_empty(op) {
            quote! {
                #doc
                pub async fn #name(&self) -> #result {
                    self.send(&crate::operations::#module::Request {}).await
                }
            }
        } else {
            quote! {
                #doc
                pub async fn #name(&self, request: crate::operations::#module::Request) -> #result {
                    self.send(&request).await
                }
            }
        }
    });
    quote! {
        //! One method per operation on [`Client`](crate::Client); [`Client::send`](crate::Client::send) sends any request.

        // method names come from the spec's operation ids (`from_...`), not from Rust's conventions
        #[allow(clippy::wrong_self_convention)]
        impl crate::Client {
            #(#methods)*
        }
    }
}
