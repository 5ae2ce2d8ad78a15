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
    crate_name::check(&settings.crate_name).map_err(Error::usage)?;
    let mut timings = Timings::default();
    let spec = read_spec(settings, &mut timings)?;

    let t = Instant::now();
    let (api, ir_warnings) = located(&spec.loader, ir::build(&spec))?;
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
