//! What an output is, and what it contributes: the small trait every output implements, and the
//! pieces of a crate it returns (files, modules, support code, features, dependencies).

use proc_macro2::TokenStream;

use std::collections::BTreeSet;

use crate::ir::{Api, TypeId};

/// One kind of output of the generator.
pub trait Output: Sync {
    /// Its name, for diagnostics (`operations`).
    fn name(&self) -> &'static str;

    /// What it contributes to the crate for `api`.
    fn emit<'a>(&self, api: &'a Api, placement: &'a Placement) -> Emitted<'a>;

    /// Whether its files and modules are about the API's operations: the shared crate of a set
    /// of APIs (which has none) takes only its support code, features and dependencies.
    fn per_api(&self) -> bool {
        false
    }
}

/// What a file of the generated crate is before formatting.
pub enum FileContent<'a> {
    /// Rust items, made by `make` on the thread that formats them (token streams cannot cross
    /// threads); their header names the one document `source` if given, else every document of
    /// the spec.
    Rust {
        /// Emits the file's items.
        make: Box<dyn FnOnce() -> TokenStream + Send + Sync + 'a>,
        /// The one document they come from (an operation's module).
        source: Option<String>,
    },
    /// Text written as it is (support code copied in, `Cargo.toml`).
    Text(String),
}

impl<'a> FileContent<'a> {
    /// Rust items from the whole spec, emitted by `make` when they are formatted.
    pub fn rust(make: impl FnOnce() -> TokenStream + Send + Sync + 'a) -> Self {
        FileContent::Rust {
            make: Box::new(make),
            source: None,
        }
    }

    /// Rust items from one document, emitted by `make` when they are formatted.
    pub fn rust_from(make: impl FnOnce() -> TokenStream + Send + Sync + 'a, source: Option<String>) -> Self {
        FileContent::Rust {
            make: Box::new(make),
            source,
        }
    }
}

/// A module an output adds to the crate's root.
pub struct Module {
    /// Its name (a file `src/{name}.rs` or folder `src/{name}/` of the output's).
    pub name: &'static str,
    /// The Cargo feature it needs, if any.
    pub feature: Option<&'static str>,
    /// Whether, in an API of a set, it is the shared crate's module, re-exported.
    pub shared: bool,
}

/// A file of support code copied into `src/runtime/`.
pub struct RuntimeFile {
    /// The module name (`client` for `src/runtime/client.rs`).
    pub name: &'static str,
    /// Its text.
    pub text: &'static str,
    /// The Cargo feature it needs, if any.
    pub feature: Option<&'static str>,
    /// Items re-exported at the crate's root (and in `runtime`).
    pub exports: &'static [&'static str],
    /// Items re-exported in `runtime` only, for generated code.
    pub internal: &'static [&'static str],
}

/// A Cargo dependency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    /// The package name.
    pub name: &'static str,
    /// The version requirement.
    pub version: &'static str,
    /// Features to enable.
    pub features: &'static [&'static str],
    /// Whether the crate's default features are kept.
    pub default_features: bool,
    /// Whether a feature of the generated crate enables it (`dep:NAME`).
    pub optional: bool,
}

impl Dependency {
    /// A plain dependency with default features.
    pub const fn new(name: &'static str, version: &'static str) -> Self {
        Dependency {
            name,
            version,
            features: &[],
            default_features: true,
            optional: false,
        }
    }
}

/// A Cargo feature of the generated crate.
pub struct Feature {
    /// Its name.
    pub name: &'static str,
    /// A comment saying what it enables.
    pub doc: &'static str,
    /// What it enables (`dep:reqwest`, another feature).
    pub enables: &'static [&'static str],
}

/// What an output contributes.
#[derive(Default)]
pub struct Emitted<'a> {
    /// Files, by path relative to the crate folder.
    pub files: Vec<(String, FileContent<'a>)>,
    /// Modules of the crate's root.
    pub modules: Vec<Module>,
    /// Lines of the crate's documentation saying what the output adds (Markdown).
    pub docs: Vec<&'static str>,
    /// Support code.
    pub runtime: Vec<RuntimeFile>,
    /// Features.
    pub features: Vec<Feature>,
    /// Dependencies.
    pub dependencies: Vec<Dependency>,
    /// Dependencies of the crate's examples and tests.
    pub dev_dependencies: Vec<Dependency>,
}

/// The crate's settings the emitters need.
pub struct CrateInfo<'a> {
    /// The package name.
    pub name: &'a str,
    /// The package version.
    pub version: &'a str,
    /// Which crate of a set it is.
    pub placement: &'a Placement,
}

/// Which crate an API's code goes into, and so what it defines itself and what it takes from
/// the crate a set of APIs shares: decided where the crates are put together (one API alone, or
/// a set), and handed to the outputs; the IR knows nothing of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// A crate of its own: support code, events and every type in it.
    Whole,
    /// The crate the APIs of a set share: the support code, the event types and the types of
    /// the schemas two or more of them use; no operations.
    Shared {
        /// Its types the APIs use as parameters (which need to be written as text).
        param_types: BTreeSet<TypeId>,
    },
    /// An API of a set: its operations and its own types; the rest (the `external` types, the
    /// events, the support code) is the shared crate's, which it re-exports.
    Member {
        /// The shared crate's package name.
        shared_crate: String,
        /// This crate's package name.
        crate_name: String,
        /// The types of its type space that the shared crate defines.
        external: BTreeSet<TypeId>,
    },
}

impl Placement {
    /// Whether the crate defines the type `id` itself.
    pub fn defines(&self, id: TypeId) -> bool {
        !matches!(self, Placement::Member { external, .. } if external.contains(&id))
    }

    /// Whether it is an API of a set.
    pub fn is_member(&self) -> bool {
        matches!(self, Placement::Member { .. })
    }

    /// The shared crate's package name, for an API of a set.
    pub fn shared_crate(&self) -> Option<&str> {
        match self {
            Placement::Member { shared_crate, .. } => Some(shared_crate),
            _ => None,
        }
    }
}
