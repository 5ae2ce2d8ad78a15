//! Emits `server.rs` (feature `server`): the `Api` trait with one method per operation and the
//! `axum` router that serves an implementation of it.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::doc_attrs;
use super::models::ident;
use crate::ir::{Api, Auth, Operation};

/// `/rooms/{roomId}/invite` → `/rooms/{p0}/invite`: the router matches; the operation decodes.
fn route_path(path: &str) -> String {
    let mut out = String::new();
    let mut i = 0;
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| c + open) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&format!("{{p{i}}}"));
        i += 1;
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

pub fn server_file(api: &Api) -> TokenStream {
    let methods = api.operations.iter().map(|op| {
        let name = ident(&op.name);
        let doc = doc_attrs(&super::method_doc(op, " Unless implemented, answers 404 `M_UNRECOGNIZED`."));
        let (token_param, unused) = match op.auth {
            Auth::Required => (quote!(access_token: crate::AccessToken,), quote!((access_token, request))),
            Auth::Optional => (quote!(access_token: Option<crate::AccessToken>,), quote!((access_token, request))),
            Auth::None => (quote!(), quote!(request)),
        };
        quote! {
            #doc
            fn #name(&self, #token_param request: crate::operations::#name::Request)
                -> impl std::future::Future<Output = Result<crate::operations::#name::Response, crate::MatrixError>> + Send {
                let _ = #unused;
                async { Err(crate::MatrixError::unrecognized()) }
            }
        }
    });

    // (base path, route) → [(method, operation)], first definition of a method wins
    let mut routes: BTreeMap<(String, String), Vec<(&str, &Operation)>> = BTreeMap::new();
    for op in &api.operations {
        let entry = routes.entry((op.base_path.clone(), route_path(&op.path))).or_default();
        if !entry.iter().any(|(m, _)| *m == op.method) {
            entry.push((op.method.as_str(), op));
        }
    }
    let mut by_base: BTreeMap<String, Vec<TokenStream>> = BTreeMap::new();
    let mut dispatchers = Vec::new();
    for ((base, route), ops) in &routes {
        let mut chain = Vec::new();
        let mut allow: Vec<&str> = Vec::new();
        for (i, (method, op)) in ops.iter().enumerate() {
            let name = ident(&op.name);
            let call = match op.auth {
                Auth::Required => quote! {
                    match token {
                        Some(token) => api.#name(token, request).await,
                        None => Err(crate::MatrixError::missing_token("Missing access token.")),
                    }
                },
                Auth::Optional => quote!(api.#name(token, request).await),
                Auth::None => quote! {{
                    let _ = token;
                    api.#name(request).await
                }},
            };
            let auth = match op.auth {
                Auth::None => quote!(None),
                Auth::Required => quote!(AccessToken),
                Auth::Optional => quote!(OptionalAccessToken),
            };
            let dispatch = format_ident!("dispatch_{}", op.name.trim_start_matches("r#"));
            dispatchers.push(quote! {
                async fn #dispatch<A: Api>(
                    api: Arc<A>,
                    token: Option<crate::AccessToken>,
                    request: crate::operations::#name::Request,
                ) -> Result<crate::operations::#name::Response, crate::MatrixError> {
                    #call
                }
            });
            let handler = quote!(crate::runtime::server::endpoint(&api, limit, crate::AuthKind::#auth, #dispatch::<A>));
            let routing = ident(&method.to_ascii_lowercase());
            chain.push(if i == 0 {
                quote!(axum::routing::#routing(#handler))
            } else {
                quote!(.#routing(#handler))
            });
            allow.push(method);
            if *method == "GET" {
                allow.push("HEAD");
            }
        }
        allow.push("OPTIONS");
        chain.push(quote!(.options(crate::runtime::server::preflight)));
        allow.sort_unstable();
        let allow = allow.join(", ");
        let route = route.clone();
        by_base.entry(base.clone()).or_default().push(quote! {
            router = router.route(&format!("{prefix}{}", #route), #(#chain)*.fallback(|| async { crate::runtime::server::method_not_allowed(#allow) }));
        });
    }
    let mounts = by_base.iter().map(|(base, routes)| {
        quote! {
            for prefix in config.prefixes(#base) {
                #(#routes)*
            }
        }
    });

    quote! {
        //! The server side: implement [`Api`] (any subset of it) and serve it with [`router`].
        //!
        //! The router decodes each request before calling the implementation: the access token
        //! (from `Authorization: Bearer` or the `access_token` query parameter; both at once, or
        //! none on an operation that needs one, is 401 `M_MISSING_TOKEN`), the path, query and
        //! header parameters, and the JSON body (400 `M_NOT_JSON` when it is not JSON, 400
        //! `M_BAD_JSON` with the reason when it has the wrong shape, 413 `M_TOO_LARGE` past the
        //! body limit). A known path with another method is 405 `M_UNRECOGNIZED` with an `Allow`
        //! header; an unknown path is 404 `M_UNRECOGNIZED`. Every answer carries CORS headers, and
        //! `OPTIONS` on a known path is a CORS preflight, as the spec asks. Where the spec defines
        //! the same method and path twice, the first definition is served.

        use std::sync::Arc;

        /// One method per operation. Each has a default answering 404 `M_UNRECOGNIZED`, so an
        /// implementation overrides only the operations it serves.
        pub trait Api: Send + Sync + 'static {
            #(#methods)*
        }

        #(#dispatchers)*

        /// A router serving `api` under the spec's base paths, with the default configuration.
        pub fn router<A: Api>(api: Arc<A>) -> axum::Router {
            router_with_config(api, crate::ServerConfig::default())
        }

        /// A router serving `api` as `config` says (body limit, further versions).
        pub fn router_with_config<A: Api>(api: Arc<A>, config: crate::ServerConfig) -> axum::Router {
            let limit = config.body_limit;
            let mut router = axum::Router::new();
            #(#mounts)*
            router.fallback(crate::runtime::server::not_found)
        }
    }
}
