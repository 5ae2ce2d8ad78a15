//! What a run gives: each crate in memory, with its warnings, counts and the time each stage
//! took.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::diff;
use crate::error::Warning;

/// Time spent in each stage.
#[derive(Clone, Debug, Default)]
pub struct Timings {
    /// Reading and parsing the API documents (the files they refer to are part of resolve).
    pub load: Duration,
    /// Repairing known spec slips.
    pub fixups: Duration,
    /// Following `$ref`s, loading the files they name.
    pub resolve: Duration,
    /// Reading each document with the front end of its version.
    pub front_end: Duration,
    /// Building the IR.
    pub ir: Duration,
    /// Assembling the crate from the outputs (its manifest, which modules and support code it
    /// has). The outputs' Rust files are emitted later, each on the thread that formats it.
    pub emit: Duration,
    /// Emitting the Rust files as token streams and formatting them, on every core. In a set of
    /// APIs this is one stage for all its crates ([`GeneratedSet::format`]), zero here.
    pub format: Duration,
}

/// The generated crate, in memory.
#[derive(Clone, Debug)]
pub struct Generated {
    /// File contents by path relative to the crate folder.
    pub files: BTreeMap<String, String>,
    /// Where the spec is sloppy but its meaning clear.
    pub warnings: Vec<Warning>,
    /// How many API documents were read.
    pub documents: usize,
    /// How many operations were generated.
    pub operations: usize,
    /// How many named types were generated.
    pub types: usize,
    /// Time spent in each stage.
    pub timings: Timings,
}

impl Generated {
    /// The API's surface, as the crate's `api-surface.json` holds it.
    pub fn surface(&self) -> Option<diff::Surface> {
        self.files
            .get(diff::SURFACE_FILE)
            .and_then(|text| diff::Surface::from_json(text).ok())
    }
}

/// The crates of a set, in memory: the shared crate first, then each API's.
#[derive(Clone, Debug)]
pub struct GeneratedSet {
    /// Each crate by its folder name (its package name).
    pub crates: Vec<(String, Generated)>,
    /// Emitting and formatting the Rust files of every crate, one stage on every core.
    pub format: Duration,
}

impl GeneratedSet {
    /// Every file of every crate, by path relative to the output folder (`{crate}/{path}`): one
    /// map for [`write::write`](crate::write::write), so that the set is written all or nothing.
    pub fn files(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (dir, generated) in &self.crates {
            for (path, text) in &generated.files {
                out.insert(format!("{dir}/{path}"), text.clone());
            }
        }
        out
    }
}
