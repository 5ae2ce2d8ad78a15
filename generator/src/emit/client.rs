//! The client output: `client.rs` (feature `client`), one method per operation on the support
//! code's `Client`.

use proc_macro2::TokenStream;
use quote::quote;

use super::output::Placement;
use super::rust::{doc_attrs, ident, inner_doc_attrs, method_doc};
use super::{Dependency, Emitted, Feature, FileContent, Module, Output, RuntimeFile};
use crate::ir::naming::pascal;
use crate::ir::{Api, Body, Operation, Shape};

/// `src/client.rs` and the `client` feature.
pub struct ClientOutput;

impl Output for ClientOutput {
    fn name(&self) -> &'static str {
        "client"
    }

    fn per_api(&self) -> bool {
        true
    }

    fn emit<'a>(&self, api: &'a Api, placement: &'a Placement) -> Emitted<'a> {
        Emitted {
            files: vec![(
                "src/client.rs".to_owned(),
                FileContent::rust(move || client_file(api, placement)),
            )],
            modules: vec![Module {
                name: "client",
                feature: Some("client"),
                shared: false,
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
                    "SignRequest",
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
pub(super) fn request_is_empty(op: &Operation) -> bool {
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

fn client_file(api: &Api, placement: &Placement) -> TokenStream {
    if let Placement::Member { crate_name, .. } = placement {
        return member_client_file(api, crate_name);
    }
    let methods = api.operations.iter().map(|op| {
        let module = ident(&op.name);
        let name = ident(&op.name);
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

/// The name of an API's trait of client methods: `matrix-federation-api` → `FederationClient`.
pub fn client_trait(crate_name: &str) -> String {
    let stem = crate_name.strip_prefix("matrix-").unwrap_or(crate_name);
    let stem = stem.strip_suffix("-api").unwrap_or(stem);
    format!("{}Client", pascal(stem))
}

/// In an API of a set, the shared crate's `Client` is not this crate's, so the methods are a
/// trait's, implemented for it: one `Client` sends the requests of every API of the set.
fn member_client_file(api: &Api, crate_name: &str) -> TokenStream {
    let name = ident(&client_trait(crate_name));
    let mut decls = Vec::new();
    let mut impls = Vec::new();
    for op in &api.operations {
        let module = ident(&op.name);
        let method = ident(&op.name);
        let doc = doc_attrs(&method_doc(op, ""));
        let output = quote!(impl ::std::future::Future<Output = ::std::result::Result<crate::operations::#module::Response, crate::ClientError>> + ::std::marker::Send);
        if request_is_empty(op) {
            decls.push(quote! { #doc fn #method(&self) -> #output; });
            impls.push(quote! {
                fn #method(&self) -> #output {
                    self.send_owned(crate::operations::#module::Request {})
                }
            });
        } else {
            decls.push(quote! { #doc fn #method(&self, request: crate::operations::#module::Request) -> #output; });
            impls.push(quote! {
                fn #method(&self, request: crate::operations::#module::Request) -> #output {
                    self.send_owned(request)
                }
            });
        }
    }
    let trait_doc = format!(
        "One method per operation of this API on the shared [`Client`](crate::Client) (bring it into scope: `use {}::client::{};`); [`Client::send`](crate::Client::send) sends any request.",
        crate_name.replace('-', "_"),
        client_trait(crate_name)
    );
    let module_doc = inner_doc_attrs(&format!(
        "The client methods of this API: [`{}`], implemented for the shared [`Client`](crate::Client).",
        client_trait(crate_name)
    ));
    quote! {
        #module_doc
        #[doc = #trait_doc]
        // method names come from the spec's operation ids (`from_...`), not from Rust's conventions
        #[allow(clippy::wrong_self_convention)]
        pub trait #name {
            #(#decls)*
        }

        #[allow(clippy::wrong_self_convention)]
        impl #name for crate::Client {
            #(#impls)*
        }
    }
}
