//! Stage 6, emit: the IR becomes the files of the generated crate. Each kind of output is one
//! module behind the small [`Output`] trait: it reads the IR and returns its files, the modules
//! it adds to `lib.rs`, the support code it needs, and the Cargo features and dependencies that
//! go with them. This module assembles them into a crate: `Cargo.toml` (written with a TOML
//! library), `lib.rs` and `runtime/mod.rs`.
//!
//! Adding an output is one new module and one line in `OUTPUTS` (`assemble.rs`).

mod assemble;
mod client;
mod events;
mod guide;
mod manifest;
mod models;
mod operations;
mod output;
mod rust;
pub(crate) mod server;
mod support;
mod surface;

pub use assemble::emit;
#[cfg(test)]
pub use assemble::OUTPUTS;
pub use output::{CrateInfo, Dependency, Emitted, Feature, FileContent, Module, Output, Placement, RuntimeFile};
