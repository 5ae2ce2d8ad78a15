//! What the resolver reads (a loaded, repaired API document) and what it gives the front ends:
//! the documents with their references replaced, every schema reached through a reference hoisted
//! into one table, and the side table of where each schema node stands.

use indexmap::IndexMap;
use serde_json::Value;

use super::nodes::Nodes;
use crate::error::{Location, Warning};
use crate::load::{FileId, Loader, Version};

/// One API document, loaded, its version known and its slips repaired: what this stage reads.
#[derive(Debug)]
pub struct Input {
    /// The loaded file.
    pub file: FileId,
    /// The version it declares.
    pub version: Version,
    /// Its content, repaired by the fixups stage.
    pub value: Value,
}

/// One API document with its references resolved.
#[derive(Debug)]
pub struct ResolvedDocument {
    /// File, relative to the spec root.
    pub file: String,
    /// The version it declares.
    pub version: Version,
    /// Its content.
    pub value: Value,
}

/// A schema reached through a `$ref`, hoisted out of its file.
#[derive(Debug)]
pub struct HoistedSchema {
    /// Where it is written.
    pub location: Location,
    /// A name suggested by the place it lives: the file stem or the last pointer token.
    pub name_hint: String,
    /// The schema, its references resolved.
    pub value: Value,
    /// The index of the document it was first reached from (whose dialect it is read in).
    pub document: usize,
    /// The file it is written in.
    pub file: FileId,
}

/// Every document and every referenced schema, references resolved.
#[derive(Debug)]
pub struct Bundle {
    /// The documents, in the order given.
    pub documents: Vec<ResolvedDocument>,
    /// The hoisted schemas, by key, in the order first reached.
    pub schemas: IndexMap<String, HoistedSchema>,
    /// What earlier stages read past.
    pub warnings: Vec<Warning>,
    /// The loaded files.
    pub loader: Loader,
    /// The keys in `schemas` of the event schemas, one per event type, in file name order.
    pub events: Vec<String>,
    /// Where each schema node stands, and which are references.
    pub nodes: Nodes,
}

impl Bundle {
    /// Locates a pointer in a loaded file named by its display path.
    pub fn locate(&self, file: &str, pointer: &str) -> Location {
        self.loader.locate_by_display(file, pointer)
    }
}
