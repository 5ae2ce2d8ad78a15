//! Stage 5, IR: the contract between reading and writing. Operations (method, parsed path
//! template, id, docs, security, parameters by location, body, responses by status) over a type
//! space in which every named type has one stable, unique Rust name. Documentation is Markdown
//! and examples are rendered, ready to print. Emitters read only this.

mod build;
pub mod docs;
pub mod events;
mod model;
pub mod naming;
mod operation;
pub mod params;
pub mod path;
mod transplant;
pub mod types;
pub mod versions;

pub use build::{build, build_member, build_shared};
pub(crate) use build::{heads, HeadOf};
pub use model::*;
pub use path::{PathTemplate, Segment};
pub use transplant::transplant;
pub use types::{
    defined_at, Absent, EnumDef, EventSet, Field, Literal, Seed, StructDef, Ty, TyLevel, TypeDef, TypeId, TypeKind,
    TypeSpace, UnionDef, NAMES_FILE,
};
