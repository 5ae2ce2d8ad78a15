//! A set of APIs generated together: a crate for each, and one crate they all depend on for what
//! they share (the support code with `MatrixError` and the identifiers, the event types, and the
//! types of the schemas two or more of them use).

use std::collections::BTreeSet;
use std::time::Instant;

use crate::emit::Placement;
use crate::error::{Error, Result, Warning};
use crate::finish::{finish, Part};
use crate::outcome::{GeneratedSet, Timings};
use crate::read::{completed, located, read_spec, resolve_events};
use crate::settings::{ApiSettings, SetSettings, Settings};
use crate::{crate_name, frontend, ir, parallel};

/// Generates a set of APIs in memory (see [`SetSettings`]). A schema is shared when two or more
/// of the APIs use it (or an event type does): it is then one type, in the shared crate, with
/// one name, and each API's crate re-exports it. Nothing is written.
pub fn generate_set(settings: &SetSettings) -> Result<GeneratedSet> {
    check_names(settings)?;
    let (specs, mut timings) = read_apis(settings)?;
    let keys = shared_keys(&specs);
    let shared = Shared::build(settings, &specs, &keys)?;

    let mut members = Vec::new();
    let mut param_types = BTreeSet::new();
    for (spec, t) in specs.iter().zip(&mut timings) {
        let start = Instant::now();
        let (api, warnings) = located(&spec.loader, ir::build_member(spec, &shared.api, &shared.seed))?;
        t.ir = start.elapsed();
        // the shared crate writes, as text, its types the members take as parameters
        param_types.extend(api.param_types().into_iter().filter(|id| shared.external.contains(id)));
        members.push((api, warnings));
    }

    let mut parts = vec![Part {
        api: &shared.api,
        name: &settings.shared_crate,
        placement: Placement::Shared { param_types },
        warnings: shared.warnings,
        timings: shared.timings,
    }];
    let each = members.iter().zip(specs).zip(&settings.apis).zip(timings);
    for ((((api, ir_warnings), spec), api_settings), t) in each {
        let mut warnings = spec.warnings;
        warnings.extend(ir_warnings.iter().cloned());
        parts.push(Part {
            api,
            name: &api_settings.crate_name,
            placement: Placement::Member {
                shared_crate: settings.shared_crate.clone(),
                crate_name: api_settings.crate_name.clone(),
                external: shared.external.clone(),
            },
            warnings: completed(&spec.loader, warnings),
            timings: t,
        });
    }
    let (generated, format) = finish(parts, &settings.crate_version)?;
    let names = std::iter::once(&settings.shared_crate).chain(settings.apis.iter().map(|api| &api.crate_name));
    let crates = names.cloned().zip(generated).collect();
    Ok(GeneratedSet { crates, format })
}

/// Refuses, before anything is read, a set without APIs, a crate name cargo refuses, and two
/// names that are one to cargo or to a file system that ignores case.
fn check_names(settings: &SetSettings) -> Result<()> {
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
    Ok(())
}

/// Each API read on its own, as one API alone is read, on every core (the first error in the
/// order of the APIs is the one reported).
fn read_apis(settings: &SetSettings) -> Result<(Vec<frontend::Spec>, Vec<Timings>)> {
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
        let spec = read_spec(&one, &mut t)?;
        Ok((spec, t))
    };
    let mut specs = Vec::new();
    let mut timings = Vec::new();
    for one in parallel::in_parallel(settings.apis.iter().collect(), read)? {
        let (spec, t) = one?;
        specs.push(spec);
        timings.push(t);
    }
    Ok((specs, timings))
}

/// The schemas two or more APIs use, in the order first met.
fn shared_keys(specs: &[frontend::Spec]) -> Vec<String> {
    let mut uses: indexmap::IndexMap<&str, usize> = indexmap::IndexMap::new();
    for spec in specs {
        // (each API is read without the event schemas: every key is a schema it reaches)
        for key in spec.schemas.keys() {
            *uses.entry(key.as_str()).or_default() += 1;
        }
    }
    uses.iter()
        .filter(|(_, &n)| n > 1)
        .map(|(k, _)| (*k).to_owned())
        .collect()
}

/// The shared crate, built: its API, the seed every member's type space starts from, and which
/// types of a member's type space are the shared crate's.
struct Shared {
    api: ir::Api,
    seed: ir::Seed,
    external: BTreeSet<ir::TypeId>,
    warnings: Vec<Warning>,
    timings: Timings,
}

impl Shared {
    /// The event schemas and the schemas `keys` that two or more of `specs` use, built once.
    fn build(settings: &SetSettings, specs: &[frontend::Spec], keys: &[String]) -> Result<Shared> {
        let start = Instant::now();
        let events = resolve_events(settings)?;
        let resolve = start.elapsed();
        let start = Instant::now();
        let mut spec = frontend::read(events, &settings.placeholders)?;
        let front_end = start.elapsed();
        let start = Instant::now();
        for one in specs {
            for key in keys {
                if let Some(named) = one.schemas.get(key) {
                    spec.schemas.entry(key.clone()).or_insert_with(|| named.clone());
                }
            }
            // a name pinned by any API's `names.toml` holds for the shared types too
            for (at, name) in &one.names {
                spec.names.entry(at.clone()).or_insert_with(|| name.clone());
            }
        }
        let (api, seed, warnings) = located(&spec.loader, ir::build_shared(&spec, keys))?;
        // a member's type space starts with the seed's types
        let external = seed.space.iter().map(|(id, _)| id).collect();
        let timings = Timings {
            resolve,
            front_end,
            ir: start.elapsed(),
            ..Timings::default()
        };
        Ok(Shared {
            warnings: completed(&spec.loader, warnings),
            api,
            seed,
            external,
            timings,
        })
    }
}
