//! The side table of the resolver's output: where each schema node stands in the spec, and which
//! nodes are references to hoisted schemas. The resolved documents and schemas are plain JSON;
//! nothing of the resolver's is written into them (a spec's own `x-origin` is its own).

use std::collections::HashMap;

use crate::error::Location;

/// A value the resolver writes: a document, by index, or a hoisted schema, by key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Container {
    /// The document of this index.
    Document(usize),
    /// The hoisted schema of this key.
    Schema(String),
}

/// The schema nodes of one container, by their JSON pointer in it.
#[derive(Debug, Default)]
pub struct NodeTable {
    /// Where each schema node is written in the spec.
    pub origins: HashMap<String, Location>,
    /// The nodes that stand for a hoisted schema: the schema's key (the node itself is empty).
    pub refs: HashMap<String, String>,
}

/// Every container's table.
#[derive(Debug, Default)]
pub struct Nodes {
    documents: Vec<NodeTable>,
    schemas: HashMap<String, NodeTable>,
}

impl Nodes {
    /// The table of `container`, made if it has none yet.
    pub fn table(&mut self, container: &Container) -> &mut NodeTable {
        match container {
            Container::Document(i) => {
                if self.documents.len() <= *i {
                    self.documents.resize_with(i + 1, NodeTable::default);
                }
                &mut self.documents[*i]
            }
            Container::Schema(key) => self.schemas.entry(key.clone()).or_default(),
        }
    }

    /// The table of the document of index `i`, if it has schema nodes.
    pub fn document(&self, i: usize) -> Option<&NodeTable> {
        self.documents.get(i)
    }

    /// The table of the hoisted schema `key`, if it has schema nodes.
    pub fn schema(&self, key: &str) -> Option<&NodeTable> {
        self.schemas.get(key)
    }

    /// Every table, to rename what their references point to.
    pub fn tables_mut(&mut self) -> impl Iterator<Item = &mut NodeTable> {
        self.documents.iter_mut().chain(self.schemas.values_mut())
    }

    /// Drops the table of the hoisted schema `key` (merged into another).
    pub fn remove_schema(&mut self, key: &str) {
        self.schemas.remove(key);
    }
}
