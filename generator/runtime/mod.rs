//! Support code shared by every operation: hand-written once in the generator and copied into
//! the generated crate unchanged.

pub mod metadata;
pub mod open_enum;

pub use metadata::{AuthKind, Metadata, Method};
#[doc(hidden)]
pub use open_enum::{deserialize_open_enum, PrivOwnedStr};
