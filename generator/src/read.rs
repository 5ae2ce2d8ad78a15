//! Reading a spec: the stages up to the front ends, shared by one API and by each API of a set.

use std::path::PathBuf;
use std::time::Instant;

use crate::error::{Result, Warning};
use crate::inputs::{event_schemas, load_document, open, read_names};
use crate::outcome::Timings;
use crate::settings::{SetSettings, Settings};
use crate::{fixups, frontend, load, resolve};

/// The first three stages, document by document (so that the first error met is the one
/// reported, in file order): load, fixups, resolve.
#[doc(hidden)]
pub fn resolve_spec(settings: &Settings, timings: &mut Timings) -> Result<resolve::Bundle> {
    resolve_documents(settings, timings, |_| true, resolve::Reach::Everything)
}

/// [`resolve_spec`] of the API documents `keep` keeps (by their canonical paths), alone: a
/// release's history reads again only the documents that changed, and only as far as `reach`.
pub(crate) fn resolve_documents(
    settings: &Settings,
    timings: &mut Timings,
    keep: impl Fn(&std::path::Path) -> bool,
    reach: resolve::Reach,
) -> Result<resolve::Bundle> {
    let (mut loader, mut paths) = open(settings)?;
    paths.retain(|p| keep(p));
    let t = Instant::now();
    // (an error listing the event schemas is reported after the documents', as before)
    let events = settings.events.as_ref().map(|dir| event_schemas(&loader, dir));
    let listed = match &events {
        Some(Ok(list)) => list.as_slice(),
        _ => &[],
    };
    loader.preload(
        &[paths.as_slice(), listed].concat(),
        reach == resolve::Reach::Everything,
    );
    timings.load += t.elapsed();
    let mut resolver = resolve::Resolver::reaching(loader, reach);
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

/// The spec of `settings` read: resolved and read by the front ends, with its names file.
pub fn read_spec(settings: &Settings, timings: &mut Timings) -> Result<frontend::Spec> {
    let bundle = resolve_spec(settings, timings)?;
    let t = Instant::now();
    let mut spec = frontend::read(bundle, &settings.placeholders)?;
    spec.names = read_names(&settings.spec_dir)?;
    timings.front_end = t.elapsed();
    Ok(spec)
}

/// Loads each event schema of `paths` (as `inputs::event_schemas` lists them) and resolves it.
fn add_event_schemas(resolver: &mut resolve::Resolver, paths: Vec<PathBuf>) -> Result<()> {
    for path in paths {
        let file = resolver.loader().load(&path)?;
        resolver.add_event_schema(file)?;
    }
    Ok(())
}

/// The event schemas alone, resolved: the start of a set's shared crate.
pub fn resolve_events(settings: &SetSettings) -> Result<resolve::Bundle> {
    let mut loader = load::Loader::new(&settings.root)?;
    let events = match &settings.events {
        Some(dir) => event_schemas(&loader, dir)?,
        None => Vec::new(),
    };
    loader.preload(&events, true);
    let mut resolver = resolve::Resolver::new(loader);
    add_event_schemas(&mut resolver, events)?;
    Ok(resolver.finish(Vec::new()))
}

/// `result`, its error located with its line and column by `loader`.
pub fn located<T>(loader: &load::Loader, result: Result<T>) -> Result<T> {
    result.map_err(|e| {
        let at = loader.complete(e.location());
        e.with_location(at)
    })
}

/// Warnings with their lines, found by `loader`.
pub fn completed(loader: &load::Loader, warnings: Vec<Warning>) -> Vec<Warning> {
    warnings
        .into_iter()
        .map(|w| Warning {
            location: loader.complete(&w.location),
            message: w.message,
        })
        .collect()
}
