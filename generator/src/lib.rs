//! Generates a Rust crate of typed models, client calls and server routes from the Matrix API
//! spec (Swagger 2.0 YAML, or OpenAPI 3.0).
//!
//! A pipeline of named stages, each a module: [`load`] (YAML with locations) → [`resolve`]
//! (`$ref`s across files, confined to the spec root) → [`normalize`] (one document model,
//! `openapiv3`) → [`ir`] (operations and a type space with unique Rust names) → [`emit`] →
//! [`format`](mod@format) (`prettyplease`) → [`write`](mod@write) (all or nothing).
//!
//! The library never prints and never exits: it returns an [`Error`] or the generated files with
//! their [`Warning`]s.

pub mod docs;
pub mod emit;
pub mod error;
pub mod fixups;
pub mod format;
pub mod ir;
pub mod load;
pub mod naming;
pub mod normalize;
pub mod resolve;
pub mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use error::{Diagnostic, Error, Location, Result, Warning};

/// What to generate from where.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The spec folder: every top-level `*.yaml` in it is one API document.
    pub spec_dir: PathBuf,
    /// No `$ref` may leave this folder. Defaults to `spec_dir`.
    pub root: Option<PathBuf>,
    /// The generated crate's package name.
    pub crate_name: String,
    pub crate_version: String,
    /// Values for `%NAME%` placeholders in the spec.
    pub placeholders: BTreeMap<String, String>,
}

impl Settings {
    /// Settings for a spec folder, with the defaults of the Matrix spec (`%CLIENT_MAJOR_VERSION%`
    /// is `r0`).
    pub fn new(spec_dir: impl Into<PathBuf>) -> Self {
        Settings {
            spec_dir: spec_dir.into(),
            root: None,
            crate_name: "matrix-client-server-api".to_owned(),
            crate_version: "0.1.0".to_owned(),
            placeholders: BTreeMap::from([("CLIENT_MAJOR_VERSION".to_owned(), "r0".to_owned())]),
        }
    }
}

/// Time spent in each stage.
#[derive(Clone, Debug, Default)]
pub struct Timings {
    pub load: Duration,
    pub resolve: Duration,
    pub normalize: Duration,
    pub ir: Duration,
    pub emit: Duration,
    pub format: Duration,
}

/// The generated crate, in memory.
#[derive(Clone, Debug)]
pub struct Generated {
    /// File contents by path relative to the crate folder.
    pub files: BTreeMap<String, String>,
    pub warnings: Vec<Warning>,
    pub documents: usize,
    pub operations: usize,
    pub types: usize,
    pub timings: Timings,
}

/// The API documents of a spec folder: its top-level `*.yaml` files, sorted by name.
pub fn api_documents(loader: &load::Loader, spec_dir: &Path) -> Result<Vec<PathBuf>> {
    let dir = spec_dir
        .canonicalize()
        .map_err(|e| Error::new(Location::default(), format!("spec folder {}: {e}", spec_dir.display())))?;
    if !dir.starts_with(loader.root()) {
        return Err(Error::new(
            Location::default(),
            format!(
                "the spec folder {} is outside the spec root {}",
                dir.display(),
                loader.root().display()
            ),
        ));
    }
    let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, "cannot list", &e))?;
    let mut docs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&dir, "cannot list", &e))?;
        let path = entry.path();
        let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if is_yaml && path.is_file() {
            let canonical = path.canonicalize().map_err(|e| Error::io(&path, "cannot open", &e))?;
            if !canonical.starts_with(loader.root()) {
                let name = entry.file_name().to_string_lossy().into_owned();
                return Err(Error::new(
                    Location::file(loader.display(&dir.join(&name))),
                    "this API document leaves the spec root through a symbolic link",
                ));
            }
            docs.push(canonical);
        }
    }
    docs.sort();
    if docs.is_empty() {
        return Err(Error::new(
            Location::default(),
            format!(
                "no API document in {}: expected top-level `*.yaml` files",
                spec_dir.display()
            ),
        ));
    }
    Ok(docs)
}

/// Loads and resolves the spec: the first two stages, on their own.
pub fn resolve_spec(settings: &Settings) -> Result<resolve::Bundle> {
    let (loader, docs) = open(settings)?;
    resolve::resolve(loader, &docs)
}

/// A loader confined to the settings' root, and the spec folder's API documents.
fn open(settings: &Settings) -> Result<(load::Loader, Vec<PathBuf>)> {
    let root = settings.root.clone().unwrap_or_else(|| settings.spec_dir.clone());
    let loader = load::Loader::new(&root)?;
    let docs = api_documents(&loader, &settings.spec_dir)?;
    Ok((loader, docs))
}

/// Runs the pipeline up to formatting, in memory. Nothing is written.
pub fn generate(settings: &Settings) -> Result<Generated> {
    let mut timings = Timings::default();
    let t = Instant::now();
    let (loader, docs) = open(settings)?;
    timings.load = t.elapsed();

    let t = Instant::now();
    let bundle = resolve::resolve(loader, &docs)?;
    timings.resolve = t.elapsed();

    let t = Instant::now();
    let normalized = normalize::normalize(bundle, &settings.placeholders)?;
    timings.normalize = t.elapsed();

    let t = Instant::now();
    let (api, ir_warnings) = ir::build(&normalized, &emit::reserved_names()).map_err(|e| {
        let at = normalized.loader.complete(e.location());
        e.with_location(at)
    })?;
    timings.ir = t.elapsed();

    let t = Instant::now();
    let info = emit::CrateInfo {
        name: &settings.crate_name,
        version: &settings.crate_version,
    };
    let emitted = emit::emit(&api, &info);
    timings.emit = t.elapsed();

    let t = Instant::now();
    let files = format::format(emitted, &api.sources)?;
    timings.format = t.elapsed();

    let mut warnings = normalized.warnings;
    warnings.extend(ir_warnings.into_iter().map(|w| Warning {
        location: normalized.loader.complete(&w.location),
        message: w.message,
    }));
    Ok(Generated {
        files,
        warnings,
        documents: api.sources.len(),
        operations: api.operations.len(),
        types: api.types.defs.len(),
        timings,
    })
}
