//! Stage 3, resolve: follow every `$ref` — to whole files, to JSON pointers in other files and
//! within a file, and where Swagger 2.0 does not allow one — relative to the file that holds it,
//! confined to the spec root.
//!
//! The result is a bundle: each API document with its references replaced, and every schema
//! reached through a reference hoisted into one table keyed by where it lives (so a schema used
//! from forty places is one type). Schema references become `#/components/schemas/KEY`, which keeps
//! recursion legal; references elsewhere (security definitions, parameters, example data) are
//! inlined, and a chain of references that comes back to itself is an error.

mod bundle;
mod nodes;
mod resolver;
mod same;

pub use bundle::{Bundle, Input};
pub use nodes::NodeTable;
pub use resolver::{Reach, Resolver};
