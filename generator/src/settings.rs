//! What to generate from where: one API, or a set of APIs generated together.

use std::collections::BTreeMap;
use std::path::PathBuf;

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

/// One API of a set generated together (see [`generate_set`](crate::generate_set)).
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
