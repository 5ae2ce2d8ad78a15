//! Emits `client.rs` (feature `client`): one method per operation on the runtime's `Client`.

use proc_macro2::TokenStream;
use quote::quote;

use super::doc_attrs;
use super::models::ident;
use crate::ir::{Api, Body, Operation};

/// Whether an operation's `Request` has no fields, so that its method takes no argument.
pub fn request_is_empty(op: &Operation) -> bool {
    op.params.is_empty()
        && match &op.body {
            None => true,
            Some(Body {
                shape: crate::ir::Shape::Fields(def),
                ..
            }) => def.fields.is_empty() && def.additional.is_none(),
            Some(_) => false,
        }
}

pub fn client_file(api: &Api) -> TokenStream {
    let methods = api.operations.iter().map(|op| {
        let name = ident(&op.name);
        let doc = doc_attrs(&super::method_doc(op, ""));
        if request_is_empty(op) {
            quote! {
                #doc
                pub async fn #name(&self) -> Result<crate::operations::#name::Response, crate::ClientError> {
                    self.send(&crate::operations::#name::Request {}).await
                }
            }
        } else {
            quote! {
                #doc
                pub async fn #name(&self, request: crate::operations::#name::Request) -> Result<crate::operations::#name::Response, crate::ClientError> {
                    self.send(&request).await
                }
            }
        }
    });
    quote! {
        //! One method per operation on [`Client`](crate::Client); [`Client::send`](crate::Client::send) sends any request.

        impl crate::Client {
            #(#methods)*
        }
    }
}
