//! The last stages for one or more crates (a set's are formatted together): emit and format.

use std::time::{Duration, Instant};

use crate::emit::{self, Placement};
use crate::error::{Result, Warning};
use crate::outcome::{Generated, Timings};
use crate::{format, ir};

/// A crate to finish: its API, package name and place, and what reading it gave.
pub struct Part<'a> {
    /// The API.
    pub api: &'a ir::Api,
    /// Its package name.
    pub name: &'a str,
    /// Which crate of a set it is.
    pub placement: Placement,
    /// Its warnings, located.
    pub warnings: Vec<Warning>,
    /// The time its stages took so far.
    pub timings: Timings,
}

/// Emits and formats the crates of `parts`, each at `version`. Returns each crate and the time
/// the format stage took.
pub fn finish(parts: Vec<Part<'_>>, version: &str) -> Result<(Vec<Generated>, Duration)> {
    let mut emitted = Vec::new();
    let mut rest = Vec::new();
    for part in &parts {
        let t = Instant::now();
        let info = emit::CrateInfo {
            name: part.name,
            version,
            placement: &part.placement,
        };
        let files = emit::emit(part.api, &info)?;
        emitted.push((files, part.api.sources.as_slice(), t.elapsed()));
    }
    let mut emitted_files = Vec::new();
    for (files, sources, took) in emitted {
        emitted_files.push((files, sources));
        rest.push(took);
    }
    let t = Instant::now();
    let formatted = format::format_crates(emitted_files)?;
    let format = t.elapsed();
    let generated = formatted
        .into_iter()
        .zip(parts.into_iter().zip(rest))
        .map(|(files, (part, emit))| {
            let api = part.api;
            Generated {
                files,
                warnings: part.warnings,
                documents: api.sources.len(),
                operations: api.operations.len(),
                // an API of a set counts the types it defines, not the shared crate's
                types: api.types.iter().filter(|(id, _)| part.placement.defines(*id)).count(),
                timings: Timings { emit, ..part.timings },
            }
        })
        .collect();
    Ok((generated, format))
}
