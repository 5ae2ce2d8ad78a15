//! One API, generated into a crate of its own.

use std::time::Instant;

use crate::emit::Placement;
use crate::error::{Error, Result};
use crate::finish::{finish, Part};
use crate::outcome::{Generated, Timings};
use crate::read::{completed, located, read_spec};
use crate::settings::Settings;
use crate::{crate_name, ir};

/// Runs the pipeline up to formatting, in memory. Nothing is written.
pub fn generate(settings: &Settings) -> Result<Generated> {
    generate_inner(settings, None, Vec::new())
}

/// As [`generate`], for the newest release of a series (`settings` read it): each operation's
/// `Metadata` also carries its history across the series (`history`, derived by
/// [`history::derive`](crate::history::derive)).
pub fn generate_with_history(settings: &Settings, history: &crate::history::History) -> Result<Generated> {
    generate_inner(settings, Some(history), Vec::new())
}

/// Every API of `config` over its series of releases: each API's crate (named as the
/// configuration says) of the newest release, each operation with its history. In the
/// configuration's order, with the crate's name.
pub fn generate_series(config: &crate::config::Config) -> Result<Vec<(String, Generated)>> {
    let newest = config
        .newest()
        .ok_or_else(|| Error::usage(format!("{}: no release", config.file.display())))?;
    // each API's history, the operations it carries from older releases, and its crate, the
    // APIs side by side (each reads its releases in parallel too, and formats on every core:
    // what one leaves idle another fills); the first error in the order of the APIs is reported
    let out = crate::parallel::in_parallel(config.apis.iter().collect(), |api| {
        let history = crate::history::derive(config, api)?;
        let removed = crate::history::removed_operations(config, api, &history)?;
        let mut settings = Settings::new(newest.root.join(&api.dir));
        settings.root = Some(newest.root.clone());
        settings.crate_name = api.crate_name.clone();
        settings.events = api.events.as_ref().map(|e| newest.root.join(e));
        Ok::<_, Error>((
            api.crate_name.clone(),
            generate_inner(&settings, Some(&history), removed)?,
        ))
    })?;
    let out = out.into_iter().collect::<Result<Vec<_>>>()?;
    Ok(out)
}

/// The pipeline up to formatting; over a series, each operation given its `history`, and the
/// operations of `removed` (each with the API of the last release that has it) carried in.
fn generate_inner(
    settings: &Settings,
    history: Option<&crate::history::History>,
    removed: Vec<(ir::Api, Vec<usize>)>,
) -> Result<Generated> {
    crate_name::check(&settings.crate_name).map_err(Error::usage)?;
    let mut timings = Timings::default();
    let spec = read_spec(settings, &mut timings)?;

    let t = Instant::now();
    let (mut api, ir_warnings) = located(&spec.loader, ir::build(&spec))?;
    for (older, indices) in &removed {
        let ops: Vec<&ir::Operation> = indices.iter().filter_map(|i| older.operations.get(*i)).collect();
        ir::transplant(&mut api, older, &ops);
    }
    if let Some(history) = history {
        crate::history::attach(&mut api, history);
    }
    timings.ir = t.elapsed();

    let mut warnings = spec.warnings;
    warnings.extend(ir_warnings);
    let warnings = completed(&spec.loader, warnings);
    let part = Part {
        api: &api,
        name: &settings.crate_name,
        placement: Placement::Whole,
        warnings,
        timings,
    };
    let (generated, format) = finish(vec![part], &settings.crate_version)?;
    let mut generated = generated
        .into_iter()
        .next()
        .ok_or_else(|| Error::internal("no crate was generated"))?;
    generated.timings.format = format;
    Ok(generated)
}
