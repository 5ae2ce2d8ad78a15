//! The type space: every schema of the spec becomes a Rust type expression ([`Ty`]), and every
//! schema that needs a declaration (an object or an enum) becomes a [`TypeDef`] with a stable,
//! unique Rust name. Named by `title`, else by the file or definition it lives in, else by where
//! it is used; identical inline shapes wanting the same name are one type (by a structural key);
//! recursive types are boxed where the cycle closes.
//!
//! One concern per file: the model the emitters read (`model`), the schemas as the builder reads
//! them, `allOf` merged (`schemas`), the builder (`builder`), names (`names`), recursion
//! (`cycles`).

mod builder;
mod cycles;
mod model;
mod names;
mod schemas;

pub use builder::TypeBuilder;
pub use model::*;
pub use names::Naming;
pub use schemas::{SchemaKind, Schemas};
