//! The surface output: `api-surface.json`, the API as code built on the crate sees it (see
//! [`crate::diff`]), kept beside the code so that the next generation can say what a spec change
//! changes for that code.

use super::output::Placement;
use super::{Emitted, FileContent, Output};
use crate::diff::{Surface, SURFACE_FILE};
use crate::ir::Api;

/// `api-surface.json`.
pub struct SurfaceOutput;

impl Output for SurfaceOutput {
    fn name(&self) -> &'static str {
        "surface"
    }

    fn per_api(&self) -> bool {
        true
    }

    fn emit<'a>(&self, api: &'a Api, _: &'a Placement) -> Emitted<'a> {
        Emitted {
            files: vec![(SURFACE_FILE.to_owned(), FileContent::Text(Surface::of(api).to_json()))],
            ..Emitted::default()
        }
    }
}
