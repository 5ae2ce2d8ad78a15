//! What a spec change changes for code built on the generated crate, read from the IR.
//!
//! Each crate carries its API's [`Surface`] (`api-surface.json`): its operations with their
//! request and response fields, and its types with their fields and values, as the IR has them,
//! in the names the crate's users write. [`compare`] lists the changes between two surfaces, and
//! [`Rule::reason`] says, in one place, which of them break code: code that *sends* requests and reads
//! responses (clients) or code that reads requests and builds responses (servers).

mod compare;
mod surface;

pub use compare::{compare, compare_renamed, Breaks, Change, Report, Rule};
pub use surface::{FieldSurface, OperationSurface, Surface, TypeSurface, SURFACE_FILE};
