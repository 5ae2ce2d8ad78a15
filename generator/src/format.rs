//! Stage 7, format: token streams become source text through `prettyplease`, each file headed
//! by a notice naming its source.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;

use crate::emit::FileContent;
use crate::error::{Error, Result};
use crate::header::header;

/// Formats every file of one crate (see `format_crates`).
pub fn format(files: BTreeMap<String, FileContent<'_>>, sources: &[String]) -> Result<BTreeMap<String, String>> {
    let mut crates = format_crates(vec![(files, sources)])?;
    Ok(crates.pop().unwrap_or_default())
}

/// A Rust file to be emitted and formatted on a worker thread.
struct Job<'a> {
    /// Which crate, and the file's path in it.
    crate_index: usize,
    path: String,
    header: String,
    make: Box<dyn FnOnce() -> TokenStream + Send + Sync + 'a>,
}

/// Emits and formats the Rust files of one or more crates (each with the documents it was read
/// from, for the headers), on as many threads as the machine has cores, and returns each crate's
/// files as text. Token streams cannot cross threads, so a file's tokens are made on the thread
/// that formats them: `syn` reads them as they are (nothing is printed and parsed back), and
/// `prettyplease` prints them. The one-file modules (types, server, client, events: the large
/// files) are taken first, then the operations' files; workers take the next file when they are
/// done, so that they finish together. The output does not depend on which thread did what.
pub fn format_crates(
    crates: Vec<(BTreeMap<String, FileContent<'_>>, &[String])>,
) -> Result<Vec<BTreeMap<String, String>>> {
    let mut out: Vec<BTreeMap<String, String>> = crates.iter().map(|_| BTreeMap::new()).collect();
    let mut jobs: Vec<Job<'_>> = Vec::new();
    for (crate_index, (files, sources)) in crates.into_iter().enumerate() {
        for (path, content) in files {
            let text = match content {
                FileContent::Rust { make, source } => {
                    let header = match source {
                        Some(source) => header("//", std::slice::from_ref(&source)),
                        None => header("//", sources),
                    };
                    jobs.push(Job {
                        crate_index,
                        path,
                        header,
                        make,
                    });
                    continue;
                }
                FileContent::Text(text) if path.ends_with(".toml") => format!("{}\n{text}", header("#", sources)),
                // JSON has no comments: the crate's API surface is written as it is
                FileContent::Text(text) if path.ends_with(".json") => text,
                FileContent::Text(text) => format!("{}\n{text}", header("//", &[])),
            };
            if let Some(files) = out.get_mut(crate_index) {
                files.insert(path, text);
            }
        }
    }
    // the files of `src/` before those of its folders, each in path order (stable)
    jobs.sort_by_key(|job| job.path.matches('/').count());
    let formatted = crate::parallel::in_parallel(jobs, |job| {
        let text = syn::parse2::<syn::File>((job.make)())
            .map(|file| format!("{}\n{}", job.header, prettyplease::unparse(&file)))
            .map_err(|e| Error::internal(format!("generated `{}` does not parse: {e}", job.path)));
        (job.crate_index, job.path, text)
    })?;
    // (in the jobs' order: the first error is the same whichever thread met it)
    for (crate_index, path, text) in formatted {
        if let Some(files) = out.get_mut(crate_index) {
            files.insert(path, text?);
        }
    }
    Ok(out)
}
