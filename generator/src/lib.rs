//! Generates a Rust crate of typed models, client calls and server routes from the Matrix API
//! spec (Swagger 2.0, OpenAPI 3.0 or OpenAPI 3.1 YAML).
//!
//! A pipeline of named stages, each a module: load (YAML with locations) → fixups (named spec
//! slips, each a warning) → resolve (`$ref`s across files, confined to the spec root) → a front
//! end per input version (one document model) → IR (operations and a type space with unique Rust
//! names) → emit (one output per kind of file) → format (`prettyplease`) → write (all or
//! nothing).
//!
//! The library never prints and never exits: [`generate`] returns an [`Error`] or the generated
//! files with their [`Warning`]s, and [`write()`](write::write) puts them in place.
#![deny(missing_docs)]
#![warn(clippy::too_many_lines)]
pub mod config;
pub mod crate_name;
pub mod diff;
mod emit;
mod error;
mod finish;
pub mod fixups;
mod format;
mod frontend;
mod header;
pub mod history;
mod inputs;
mod ir;
mod load;
mod outcome;
mod parallel;
mod read;
mod release_reads;
mod resolve;
mod set;
mod settings;
mod single;
pub mod write;

pub use error::{Diagnostic, Error, ErrorKind, Location, Result, Warning};
pub use outcome::{Generated, GeneratedSet, Timings};
pub use set::generate_set;
pub use settings::{ApiSettings, SetSettings, Settings};
pub use single::{generate, generate_series, generate_with_history};

/// The stages on their own, for the benchmarks and the fuzz target: not a stable interface.
#[doc(hidden)]
pub mod stages {
    pub use crate::emit::server::routes as server_routes;
    pub use crate::emit::{emit, CrateInfo, FileContent, Placement};
    pub use crate::format::format;
    pub use crate::frontend::read as front_end;
    pub use crate::ir::build as ir;
    pub use crate::read::resolve_spec;
}
