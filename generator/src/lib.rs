//! Generates a Rust crate of typed models, client calls and server routes from the Matrix API
//! spec (Swagger 2.0, OpenAPI 3.0 or OpenAPI 3.1 YAML).
//!
//! A pipeline of named stages, each a module: load (YAML with locations) → fixups (named spec
//! slips, each a warning) → resolve (`$ref`s across files, confined to the spec root) → a front
//! end per input version (one document model) → IR (operations and a type space with unique Rust
//! names) → emit (one output per kind of file) → format (`prettyplease`) → write (all or
//! nothing).
//!
//! The library never prints and never exits: [`generate`] returns an [`Error`] or the generated
//! files with their [`Warning`]s, and [`write()`](write::write) puts them in place.
#![deny(missing_docs)]
#![warn(clippy::too_many_lines)]

pub mod crate_name;
pub mod diff;
mod emit;
mod error;
pub mod fixups;
mod format;
mod frontend;
mod header;
mod ir;
mod load;
mod parallel;
mod resolve;
pub mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use error::{Diagnostic, Error, ErrorKind, Location, Result, Warning};

/// The stages on their own, for the benchmarks and the fuzz target: not a stable interface.
#[doc(hidden)]
pub mod stages {
    pub use crate::emit::server::routes as server_routes;
    pub use crate::emit::{emit, CrateInfo, FileContent};
    pub use crate::format::format;
    pub use crate::frontend::read as front_end;
    pub use crate::ir::build as ir;
    pub use crate::resolve_spec;
}

/// What to generate from where.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The spec folder: every top-level `*.yaml` in it is one API document.
    pub spec_dir: PathBuf,
    /// No `$ref` may leave this folder. Defaults to `spec_dir`.
    pub root: Option<PathBuf>,
    /// The generated crate's package name.
    pub crate_name: String,
    /// The generated crate's version.
    pub crate_version: String,
    /// Values for `%NAME%` placeholders in the spec.
    pub placeholders: BTreeMap<String, String>,
    /// The folder of the spec's event schemas (`event-schemas/schema`): every top-level file in
    /// it is one event type, generated into the `events` module. Inside the root.
    pub events: Option<PathBuf>,
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
            events: None,
        }
    }
}

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

/// A folder the spec names (`what`: `spec folder`, ...), canonical, refused when it is not
/// there or lies outside the spec root.
fn confined_folder(loader: &load::Loader, dir: &Path, what: &str) -> Result<PathBuf> {
    let canonical = dir
        .canonicalize()
        .map_err(|e| Error::new(Location::default(), format!("{what} {}: {e}", dir.display())))?;
    if !canonical.starts_with(loader.root()) {
        return Err(Error::new(
            Location::default(),
            format!(
                "the {what} {} is outside the spec root {}",
                canonical.display(),
                loader.root().display()
            ),
        ));
    }
    Ok(canonical)
}

/// The API documents of a spec folder: its top-level `*.yaml` files, sorted by name.
fn api_documents(loader: &load::Loader, spec_dir: &Path) -> Result<Vec<PathBuf>> {
    let dir = confined_folder(loader, spec_dir, "spec folder")?;
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

/// A loader confined to the settings' root, and the spec folder's API documents.
fn open(settings: &Settings) -> Result<(load::Loader, Vec<PathBuf>)> {
    let root = settings.root.clone().unwrap_or_else(|| settings.spec_dir.clone());
    let loader = load::Loader::new(&root)?;
    let paths = api_documents(&loader, &settings.spec_dir)?;
    Ok((loader, paths))
}

/// Stage 1, load: one API document, parsed, with the version it declares.
fn load_document(loader: &mut load::Loader, path: &Path) -> Result<resolve::Input> {
    let id = loader.load(path)?;
    let file = loader.file(id);
    if file.value.is_null() {
        return Err(Error::new(Location::file(file.display.clone()), "the file is empty"));
    }
    let version = load::Version::detect(&file.value, file)?;
    match file.value.get("paths") {
        Some(serde_json::Value::Object(_)) => {}
        Some(_) => return Err(Error::new(file.locate("/paths"), "`paths` must be a mapping")),
        // OpenAPI 3.1 asks for `paths`, `components` or `webhooks`, not all three
        None if version == load::Version::OpenApi31
            && (file.value.get("components").is_some() || file.value.get("webhooks").is_some()) => {}
        None => return Err(Error::new(file.locate(""), "the document has no `paths`")),
    }
    Ok(resolve::Input {
        file: id,
        version,
        value: file.value.clone(),
    })
}

/// The first three stages, document by document (so that the first error met is the one
/// reported, in file order): load, fixups, resolve.
#[doc(hidden)]
pub fn resolve_spec(settings: &Settings, timings: &mut Timings) -> Result<resolve::Bundle> {
    let (mut loader, paths) = open(settings)?;
    let t = Instant::now();
    // (an error listing the event schemas is reported after the documents', as before)
    let events = settings.events.as_ref().map(|dir| event_schemas(&loader, dir));
    let listed = match &events {
        Some(Ok(list)) => list.as_slice(),
        _ => &[],
    };
    loader.preload(&[paths.as_slice(), listed].concat());
    timings.load += t.elapsed();
    let mut resolver = resolve::Resolver::new(loader);
    let mut warnings = Vec::new();
    for path in paths {
        let t = Instant::now();
        let mut input = load_document(resolver.loader(), &path)?;
        timings.load += t.elapsed();

        let t = Instant::now();
        let file = resolver.loader().file(input.file);
        warnings.extend(fixups::apply(&mut input.value, input.version, file));
        timings.fixups += t.elapsed();

        let t = Instant::now();
        resolver.add(input)?;
        timings.resolve += t.elapsed();
    }
    let t = Instant::now();
    add_event_schemas(&mut resolver, events.transpose()?.unwrap_or_default())?;
    timings.resolve += t.elapsed();
    Ok(resolver.finish(warnings))
}

/// The event schemas of a folder: its top-level files (`m.room.member.yaml`, or without an
/// extension as in the seed era), sorted by name, each inside the root.
fn event_schemas(loader: &load::Loader, dir: &Path) -> Result<Vec<PathBuf>> {
    let canonical = confined_folder(loader, dir, "event schema folder")?;
    let entries = std::fs::read_dir(&canonical).map_err(|e| Error::io(&canonical, "cannot list", &e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&canonical, "cannot list", &e))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let schema_like = !name.starts_with('.') && !name.ends_with(".md");
        if schema_like && path.is_file() {
            let path = path.canonicalize().map_err(|e| Error::io(&path, "cannot open", &e))?;
            if path.starts_with(loader.root()) {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The type names pinned by the spec folder's `names.toml`, if it has one:
///
/// ```toml
/// [types]
/// # where the type is defined, as its rustdoc's "Defined in" says = its name
/// "api/client-server/definitions/push_rule.yaml" = "PushRule"
/// ```
fn read_names(spec_dir: &Path) -> Result<BTreeMap<String, String>> {
    let path = spec_dir.join(ir::NAMES_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(Error::io(&path, "cannot read", &e)),
    };
    let at = |line: Option<usize>, pointer: &str| Location {
        file: Some(ir::NAMES_FILE.to_owned()),
        line,
        column: None,
        pointer: Some(pointer.to_owned()),
    };
    let line_of = |offset: usize| Some(text[..offset.min(text.len())].matches('\n').count() + 1);
    let doc: toml_edit::Document<String> = text.parse().map_err(|e: toml_edit::TomlError| {
        Error::new(
            at(e.span().and_then(|s| line_of(s.start)), ""),
            format!("not TOML: {}", e.message()),
        )
    })?;
    let mut names = BTreeMap::new();
    for (key, item) in doc.iter() {
        let Some(table) = item.as_table_like().filter(|_| key == "types") else {
            return Err(Error::new(
                at(None, &format!("/{key}")),
                "only a `[types]` table is read: `\"where it is defined\" = \"Name\"`",
            ));
        };
        for (defined, value) in table.iter() {
            let pointer = format!("/types/{}", defined.replace('~', "~0").replace('/', "~1"));
            let line = value.span().and_then(|s| line_of(s.start));
            let Some(name) = value.as_str() else {
                return Err(Error::new(at(line, &pointer), "the name must be a string"));
            };
            let valid =
                name.starts_with(|c: char| c.is_ascii_uppercase()) && name.chars().all(|c| c.is_ascii_alphanumeric());
            if !valid {
                return Err(Error::new(
                    at(line, &pointer),
                    format!("`{name}` is not a Rust type name (`UpperCamelCase`, letters and digits)"),
                ));
            }
            if let Some((other, _)) = names.iter().find(|(_, n)| *n == name) {
                return Err(Error::new(
                    at(line, &pointer),
                    format!("`{name}` is pinned twice (also to `{other}`)"),
                ));
            }
            names.insert(defined.to_owned(), name.to_owned());
        }
    }
    Ok(names)
}

/// Runs the pipeline up to formatting, in memory. Nothing is written.
pub fn generate(settings: &Settings) -> Result<Generated> {
    crate_name::check(&settings.crate_name).map_err(Error::usage)?;
    let mut timings = Timings::default();
    let bundle = resolve_spec(settings, &mut timings)?;

    let t = Instant::now();
    let mut spec = frontend::read(bundle, &settings.placeholders)?;
    spec.names = read_names(&settings.spec_dir)?;
    timings.front_end = t.elapsed();

    let t = Instant::now();
    let (api, ir_warnings) = ir::build(&spec).map_err(|e| {
        let at = spec.loader.complete(e.location());
        e.with_location(at)
    })?;
    timings.ir = t.elapsed();

    let mut warnings = spec.warnings;
    warnings.extend(ir_warnings);
    let warnings = completed(&spec.loader, warnings);
    let (generated, format) = finish(
        vec![(&api, &settings.crate_name, warnings, timings)],
        &settings.crate_version,
    )?;
    let mut generated = generated
        .into_iter()
        .next()
        .ok_or_else(|| Error::internal("no crate was generated"))?;
    generated.timings.format = format;
    Ok(generated)
}

/// Warnings with their lines, found by `loader`.
fn completed(loader: &load::Loader, warnings: Vec<Warning>) -> Vec<Warning> {
    warnings
        .into_iter()
        .map(|w| Warning {
            location: loader.complete(&w.location),
            message: w.message,
        })
        .collect()
}

/// One API of a set generated together (see [`generate_set`]).
#[derive(Clone, Debug)]
pub struct ApiSettings {
    /// The API's spec folder: every top-level `*.yaml` in it is one of its documents.
    pub spec_dir: PathBuf,
    /// Its crate's package name, also the crate's folder in the output folder.
    pub crate_name: String,
}

/// Several APIs generated in one run: a crate for each, and one crate they all depend on for
/// what they share (the support code with `MatrixError` and the identifiers, the event types,
/// and the types of the schemas two or more of them use).
#[derive(Clone, Debug)]
pub struct SetSettings {
    /// No `$ref` may leave this folder; the APIs' folders and the event schemas are inside it.
    pub root: PathBuf,
    /// The APIs, in the order given.
    pub apis: Vec<ApiSettings>,
    /// The shared crate's package name and folder.
    pub shared_crate: String,
    /// The version of every crate of the set.
    pub crate_version: String,
    /// Values for `%NAME%` placeholders in the specs.
    pub placeholders: BTreeMap<String, String>,
    /// The folder of the spec's event schemas: the event types, in the shared crate.
    pub events: Option<PathBuf>,
}

impl SetSettings {
    /// A set under `root`, with the defaults of [`Settings::new`].
    pub fn new(root: impl Into<PathBuf>, apis: Vec<ApiSettings>) -> Self {
        let defaults = Settings::new("");
        SetSettings {
            root: root.into(),
            apis,
            shared_crate: "matrix-api-shared".to_owned(),
            crate_version: defaults.crate_version,
            placeholders: defaults.placeholders,
            events: None,
        }
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
    /// map for [`write::write`], so that the set is written all or nothing.
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

/// Loads each event schema of `paths` (as [`event_schemas`] lists them) and resolves it.
fn add_event_schemas(resolver: &mut resolve::Resolver, paths: Vec<PathBuf>) -> Result<()> {
    for path in paths {
        let file = resolver.loader().load(&path)?;
        resolver.add_event_schema(file)?;
    }
    Ok(())
}

/// The event schemas alone, resolved: the start of a set's shared crate.
fn resolve_events(settings: &SetSettings) -> Result<resolve::Bundle> {
    let mut loader = load::Loader::new(&settings.root)?;
    let events = match &settings.events {
        Some(dir) => event_schemas(&loader, dir)?,
        None => Vec::new(),
    };
    loader.preload(&events);
    let mut resolver = resolve::Resolver::new(loader);
    add_event_schemas(&mut resolver, events)?;
    Ok(resolver.finish(Vec::new()))
}

/// Generates a set of APIs in memory (see [`SetSettings`]). A schema is shared when two or more
/// of the APIs use it (or an event type does): it is then one type, in the shared crate, with
/// one name, and each API's crate re-exports it. Nothing is written.
pub fn generate_set(settings: &SetSettings) -> Result<GeneratedSet> {
    if settings.apis.is_empty() {
        return Err(Error::usage("a set needs at least one API"));
    }
    let mut names: Vec<&str> = Vec::new();
    for name in std::iter::once(&settings.shared_crate).chain(settings.apis.iter().map(|a| &a.crate_name)) {
        crate_name::check(name).map_err(Error::usage)?;
        if let Some(other) = names.iter().find(|n| crate_name::same(n, name)) {
            let message = if *other == name {
                format!("the crate name `{name}` is given twice")
            } else {
                format!("the crate names `{other}` and `{name}` are one to cargo or to a file system that ignores case")
            };
            return Err(Error::usage(message));
        }
        names.push(name);
    }
    // each API read on its own, as `generate` reads it
    // each API read on its own, on every core (the first error in the order of the APIs is the
    // one reported)
    let read = |api: &ApiSettings| -> Result<(frontend::Spec, Timings)> {
        let one = Settings {
            spec_dir: api.spec_dir.clone(),
            root: Some(settings.root.clone()),
            crate_name: api.crate_name.clone(),
            crate_version: settings.crate_version.clone(),
            placeholders: settings.placeholders.clone(),
            // the event schemas are read once, for the shared crate; an API reaches the ones
            // it refers to through its `$ref`s
            events: None,
        };
        let mut t = Timings::default();
        let bundle = resolve_spec(&one, &mut t)?;
        let start = Instant::now();
        let mut spec = frontend::read(bundle, &settings.placeholders)?;
        spec.names = read_names(&api.spec_dir)?;
        t.front_end = start.elapsed();
        Ok((spec, t))
    };
    let mut specs = Vec::new();
    let mut timings = Vec::new();
    for one in parallel::in_parallel(settings.apis.iter().collect(), read)? {
        let (spec, t) = one?;
        specs.push(spec);
        timings.push(t);
    }

    // the schemas two or more APIs use, in the order first met
    let mut uses: indexmap::IndexMap<&str, usize> = indexmap::IndexMap::new();
    for spec in &specs {
        // (each API is read without the event schemas: every key is a schema it reaches)
        for key in spec.schemas.keys() {
            *uses.entry(key.as_str()).or_default() += 1;
        }
    }
    let shared_keys: Vec<String> = uses
        .iter()
        .filter(|(_, &n)| n > 1)
        .map(|(k, _)| (*k).to_owned())
        .collect();

    // the shared crate: the event schemas and those schemas
    let start = Instant::now();
    let events = resolve_events(settings)?;
    let shared_resolve = start.elapsed();
    let start = Instant::now();
    let mut shared_spec = frontend::read(events, &settings.placeholders)?;
    let shared_front_end = start.elapsed();
    let start = Instant::now();
    for spec in &specs {
        for key in &shared_keys {
            if let Some(named) = spec.schemas.get(key) {
                shared_spec.schemas.entry(key.clone()).or_insert_with(|| named.clone());
            }
        }
        // a name pinned by any API's `names.toml` holds for the shared types too
        for (at, name) in &spec.names {
            shared_spec.names.entry(at.clone()).or_insert_with(|| name.clone());
        }
    }
    let (mut shared_api, seed, shared_warnings) = ir::build_shared(&shared_spec, &shared_keys).map_err(|e| {
        let at = shared_spec.loader.complete(e.location());
        e.with_location(at)
    })?;
    let shared_ir = start.elapsed();

    let mut members = Vec::new();
    let mut member_warnings = Vec::new();
    let mut param_types = std::collections::BTreeSet::new();
    for ((spec, t), api) in specs.iter().zip(&mut timings).zip(&settings.apis) {
        let start = Instant::now();
        let built = ir::build_member(spec, &shared_api, &seed, &settings.shared_crate, &api.crate_name);
        let (api, warnings) = built.map_err(|e| {
            let at = spec.loader.complete(e.location());
            e.with_location(at)
        })?;
        t.ir = start.elapsed();
        let shared = api.types.shared;
        param_types.extend(api.param_types().into_iter().filter(|id| id.index() < shared));
        members.push(api);
        member_warnings.push(warnings);
    }
    shared_api.role = ir::Role::Shared { param_types };

    let shared_timings = Timings {
        resolve: shared_resolve,
        front_end: shared_front_end,
        ir: shared_ir,
        ..Timings::default()
    };
    let shared_warnings = completed(&shared_spec.loader, shared_warnings);
    let mut parts = vec![(
        &shared_api,
        settings.shared_crate.as_str(),
        shared_warnings,
        shared_timings,
    )];
    let each = members
        .iter()
        .zip(member_warnings)
        .zip(specs)
        .zip(&settings.apis)
        .zip(timings);
    for ((((api, ir_warnings), spec), settings_api), t) in each {
        let mut warnings = spec.warnings;
        warnings.extend(ir_warnings);
        parts.push((
            api,
            settings_api.crate_name.as_str(),
            completed(&spec.loader, warnings),
            t,
        ));
    }
    let (generated, format) = finish(parts, &settings.crate_version)?;
    let names = std::iter::once(&settings.shared_crate).chain(settings.apis.iter().map(|api| &api.crate_name));
    let crates = names.cloned().zip(generated).collect();
    Ok(GeneratedSet { crates, format })
}

/// The last stages for one or more crates (a set's are formatted together): emit and format.
/// Returns each crate and the time the format stage took.
fn finish(parts: Vec<(&ir::Api, &str, Vec<Warning>, Timings)>, version: &str) -> Result<(Vec<Generated>, Duration)> {
    let mut emitted = Vec::new();
    let mut rest = Vec::new();
    for (api, name, warnings, mut timings) in parts {
        let t = Instant::now();
        let files = emit::emit(api, &emit::CrateInfo { name, version })?;
        timings.emit = t.elapsed();
        emitted.push((files, api.sources.as_slice()));
        rest.push((api, warnings, timings));
    }
    let t = Instant::now();
    let formatted = format::format_crates(emitted)?;
    let format = t.elapsed();
    let generated = formatted
        .into_iter()
        .zip(rest)
        .map(|(files, (api, warnings, timings))| Generated {
            files,
            warnings,
            documents: api.sources.len(),
            operations: api.operations.len(),
            // an API of a set counts the types it defines, not the shared crate's
            types: match api.role {
                ir::Role::Member { .. } => api.types.defs.len().saturating_sub(api.types.shared),
                _ => api.types.defs.len(),
            },
            timings,
        })
        .collect();
    Ok((generated, format))
}
