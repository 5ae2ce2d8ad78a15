//! Stage 1, load: read YAML files from disk into JSON values, remembering for every node the
//! line and column where it stands, so that later stages can point at it; and the version each
//! API document is written in.

mod file;
mod json;
mod loader;
mod version;

#[cfg(test)]
pub use file::parse_bytes;
pub use file::SourceFile;
pub use loader::{Asked, FileId, Loader};
pub use version::Version;
