//! Stage 4, the front ends: one module per input version, each turning a resolved API document
//! into the one document model below, which is all that later stages read.
//!
//! - [`swagger2`]: Swagger 2.0 (the Matrix spec until 2023);
//! - [`openapi30`]: OpenAPI 3.0;
//! - [`openapi31`]: OpenAPI 3.1, with JSON Schema 2020-12 schemas (the Matrix spec since v1.8).
//!
//! A new input version is one more module here and one more arm in [`Version::detect`] and
//! [`read`].

mod model;
mod openapi3;
pub mod openapi30;
pub mod openapi31;
pub mod schema;
mod site;
pub mod swagger2;
mod values;

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::Value;

use crate::error::Result;
pub use crate::load::Version;
use crate::resolve::Bundle;
pub use model::*;
pub use schema::{Additional, Dialect, JsonType, Markup, Schema, SchemaReader, SchemaRef};
use site::Ctx;

/// Reads every resolved document with the front end of its version. `placeholders` maps `NAME`
/// to its value for `%NAME%` in any string.
pub fn read(mut bundle: Bundle, placeholders: &BTreeMap<String, String>) -> Result<Spec> {
    let mut warnings = std::mem::take(&mut bundle.warnings);
    let versions: Vec<Version> = bundle.documents.iter().map(|d| d.version).collect();
    let mut schemas = IndexMap::new();
    for (key, hoisted) in std::mem::take(&mut bundle.schemas) {
        let mut value = hoisted.value;
        substitute(&mut value, placeholders);
        let dialect = versions.get(hoisted.document).copied().unwrap_or(Version::OpenApi31);
        let dialect = Dialect::from(dialect);
        let schema = SchemaReader::new(dialect, &mut warnings, bundle.nodes.schema(&key)).read_at(&value, "");
        schemas.insert(
            key,
            NamedSchema {
                location: hoisted.location,
                name_hint: hoisted.name_hint,
                schema,
            },
        );
    }
    let mut documents = Vec::new();
    for (index, doc) in std::mem::take(&mut bundle.documents).into_iter().enumerate() {
        let mut value = doc.value;
        substitute(&mut value, placeholders);
        let ctx = Ctx {
            bundle: &bundle,
            file: &doc.file,
            index,
        };
        let read = match doc.version {
            Version::Swagger2 => swagger2::read(&ctx, &value, &mut warnings)?,
            Version::OpenApi30 => openapi30::read(&ctx, &value, &mut warnings)?,
            Version::OpenApi31 => openapi31::read(&ctx, &value, &mut warnings)?,
        };
        documents.push(read);
    }
    Ok(Spec {
        documents,
        schemas,
        warnings,
        loader: bundle.loader,
        names: BTreeMap::new(),
        events: bundle.events,
    })
}

/// Replaces `%NAME%` (and its URL-encoded form `%25NAME%25`) in every string.
fn substitute(v: &mut Value, placeholders: &BTreeMap<String, String>) {
    match v {
        Value::String(s) if s.contains('%') => {
            for (name, value) in placeholders {
                *s = s
                    .replace(&format!("%{name}%"), value)
                    .replace(&format!("%25{name}%25"), value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| substitute(i, placeholders)),
        Value::Object(map) => map.values_mut().for_each(|i| substitute(i, placeholders)),
        _ => {}
    }
}
