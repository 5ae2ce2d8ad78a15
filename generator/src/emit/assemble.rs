//! The crate, assembled from every output's contributions: `Cargo.toml` (written with a TOML
//! library), `lib.rs` and `runtime/mod.rs`, each path written once.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::output::{CrateInfo, Emitted, FileContent, Output, Placement};
use super::rust::{ident, inner_doc_attrs};
use super::{client, events, guide, manifest, models, operations, server, support, surface};
use crate::ir::Api;

/// Every output, in the order their contributions are assembled.
pub const OUTPUTS: &[&dyn Output] = &[
    &models::Models,
    &operations::Operations,
    &events::EventsOutput,
    &client::ClientOutput,
    &server::ServerOutput,
    &support::Support,
    &surface::SurfaceOutput,
];

/// The files of a crate, each with the output that wrote it: two writing one path is a bug of
/// the generator, reported with both names, never one file replacing the other.
struct Files<'a> {
    files: BTreeMap<String, (&'static str, FileContent<'a>)>,
}

impl<'a> Files<'a> {
    fn insert(&mut self, by: &'static str, path: String, content: FileContent<'a>) -> crate::error::Result<()> {
        if let Some((first, _)) = self.files.get(&path) {
            return Err(crate::error::Error::internal(format!(
                "the outputs `{first}` and `{by}` both write `{path}`"
            )));
        }
        self.files.insert(path, (by, content));
        Ok(())
    }
}

/// Every file of the generated crate, by path relative to the crate folder.
pub fn emit<'a>(api: &'a Api, info: &CrateInfo<'a>) -> crate::error::Result<BTreeMap<String, FileContent<'a>>> {
    let mut files = Files { files: BTreeMap::new() };
    let mut all = Emitted::default();
    for output in OUTPUTS {
        let e = output.emit(api, info.placement);
        if matches!(info.placement, Placement::Shared { .. }) && output.per_api() {
            all.runtime.extend(e.runtime);
            all.features.extend(e.features);
            all.dependencies.extend(e.dependencies);
            continue;
        }
        for (path, content) in e.files {
            files.insert(output.name(), path, content)?;
        }
        all.modules.extend(e.modules);
        all.docs.extend(e.docs);
        all.runtime.extend(e.runtime);
        all.features.extend(e.features);
        all.dependencies.extend(e.dependencies);
        all.dev_dependencies.extend(e.dev_dependencies);
    }
    all.modules.sort_by_key(|m| m.name);
    all.runtime.sort_by_key(|r| r.name);
    files.insert(
        "crate",
        "Cargo.toml".to_owned(),
        FileContent::Text(manifest::cargo_toml(api, info, &all)),
    )?;
    let placement = info.placement;
    let lib = info.name.replace('-', "_");
    let all = std::sync::Arc::new(all);
    let assembled = std::sync::Arc::clone(&all);
    files.insert(
        "crate",
        "src/lib.rs".to_owned(),
        FileContent::rust(move || lib_rs(api, placement, &assembled, &lib)),
    )?;
    // an API of a set uses the shared crate's support code
    if !info.placement.is_member() {
        let assembled = std::sync::Arc::clone(&all);
        files.insert(
            "crate",
            "src/runtime/mod.rs".to_owned(),
            FileContent::rust(move || runtime_mod(&assembled)),
        )?;
        for r in &all.runtime {
            files.insert(
                "crate",
                format!("src/runtime/{}.rs", r.name),
                FileContent::Text(r.text.to_owned()),
            )?;
        }
    }
    // the crate is formatted by prettyplease; keep `cargo fmt` of a workspace from reformatting it
    files.insert(
        "crate",
        "rustfmt.toml".to_owned(),
        FileContent::Text("disable_all_formatting = true\n".to_owned()),
    )?;
    Ok(files
        .files
        .into_iter()
        .map(|(path, (_, content))| (path, content))
        .collect())
}

fn cfg(feature: Option<&str>) -> TokenStream {
    match feature {
        Some(f) => quote!(#[cfg(feature = #f)]),
        None => quote!(),
    }
}

fn lib_rs(api: &Api, placement: &Placement, all: &Emitted, lib: &str) -> TokenStream {
    let mut doc = format!("# {}\n\nRust types for the {}", api.title, api.title);
    if !api.version.is_empty() {
        doc.push_str(&format!(" (version {})", api.version));
    }
    doc.push_str(", generated from the spec by `matrix-api-generator`. Do not edit: change the spec or the generator and run `cargo xtask gen`.");
    if let Some(d) = &api.description {
        doc.push_str(&format!("\n\n{d}"));
    }
    doc.push('\n');
    for line in &all.docs {
        doc.push_str(&format!("\n- {line}"));
    }
    doc.push_str("\n\nGenerated from:\n");
    for s in &api.sources {
        doc.push_str(&format!("\n- `{s}`"));
    }
    let doc = inner_doc_attrs(&doc);
    let shared = placement.shared_crate().map(|krate| ident(&krate.replace('-', "_")));
    let mut modules: Vec<(&str, TokenStream)> = all
        .modules
        .iter()
        .map(|m| {
            let name = ident(m.name);
            let cfg = cfg(m.feature);
            match (&shared, m.shared) {
                (Some(krate), true) => (m.name, quote!(#cfg pub use ::#krate::#name;)),
                _ => (m.name, quote!(#cfg pub mod #name;)),
            }
        })
        .collect();
    modules.push((
        "runtime",
        match &shared {
            Some(krate) => quote!(
                #[doc(hidden)]
                pub use ::#krate::runtime;
            ),
            None => quote!(
                #[doc(hidden)]
                pub mod runtime;
            ),
        },
    ));
    modules.sort_by_key(|(name, _)| *name);
    let modules = modules.into_iter().map(|(_, m)| m);
    let exports = all.runtime.iter().filter(|r| !r.exports.is_empty()).map(|r| {
        let module = ident(r.name);
        let items = r.exports.iter().map(|e| ident(e));
        let cfg = cfg(r.feature);
        quote!(#cfg pub use runtime::#module::{#(#items),*};)
    });
    let guide = guide::guide(api, placement, lib);
    quote! {
        #doc
        #guide
        #![forbid(unsafe_code)]
        // what the spec deprecates is marked for the crate's users; the crate itself still
        // encodes and decodes it
        #![allow(deprecated)]
        // nested maps and lists straight from the spec: an alias per shape would only hide them
        #![allow(clippy::type_complexity)]

        #(#modules)*

        #(#exports)*
    }
}

fn runtime_mod(all: &Emitted) -> TokenStream {
    let modules = all.runtime.iter().map(|r| {
        let name = ident(r.name);
        let cfg = cfg(r.feature);
        quote!(#cfg pub mod #name;)
    });
    let exports = all.runtime.iter().map(|r| {
        let module = ident(r.name);
        let cfg = cfg(r.feature);
        let public = r.exports.iter().map(|e| ident(e));
        let internal = r.internal.iter().map(|e| ident(e));
        let public = if r.exports.is_empty() {
            quote!()
        } else {
            quote!(#cfg pub use self::#module::{#(#public),*};)
        };
        let internal = if r.internal.is_empty() {
            quote!()
        } else {
            quote!(#cfg #[doc(hidden)] pub use self::#module::{#(#internal),*};)
        };
        quote!(#public #internal)
    });
    quote! {
        //! Support code shared by every operation: hand-written once in the generator and copied
        //! into the generated crate unchanged.

        #(#modules)*

        #(#exports)*
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_outputs_writing_one_path_is_an_internal_error_naming_both() {
        let mut files = Files { files: BTreeMap::new() };
        files
            .insert("models", "src/types.rs".to_owned(), FileContent::Text(String::new()))
            .unwrap();
        let err = files
            .insert("events", "src/types.rs".to_owned(), FileContent::Text(String::new()))
            .err()
            .unwrap();
        assert_eq!(err.kind(), crate::ErrorKind::Internal);
        assert!(
            err.message()
                .contains("`models` and `events` both write `src/types.rs`"),
            "{err}"
        );
    }

    #[test]
    fn the_outputs_of_an_api_write_each_path_once() {
        // an API whose operations take the names of the crate's own files and modules
        let mut api = crate::ir::Api::empty();
        let mut taken = std::collections::HashSet::new();
        for id in ["mod", "lib", "types", "client", "server", "operations", "runtime"] {
            let name = crate::ir::naming::operation_name(id, &mut taken);
            api.operations.push(crate::ir::Operation::named(&name));
        }
        let files = emit(
            &api,
            &CrateInfo {
                name: "x",
                version: "0.1.0",
                placement: &Placement::Whole,
            },
        )
        .unwrap();
        assert!(files.contains_key("src/operations/mod.rs"));
        assert!(files.contains_key("src/operations/mod_operation.rs"));
        assert!(files.contains_key("src/operations/types.rs"));
    }
}
