//! The OpenAPI 3.1 front end: schemas are JSON Schema 2020-12, where `type` may be a list
//! (`[string, "null"]`), `examples` is a list, `$ref` may have siblings, and `const` and
//! `prefixItems` exist. The Matrix spec is written in it since v1.8.

use serde_json::Value;

use super::site::Ctx;
use super::{openapi3, Document, Version};
use crate::error::{Result, Warning};

/// Reads one resolved OpenAPI 3.1 document.
pub fn read(ctx: &Ctx<'_>, doc: &Value, warnings: &mut Vec<Warning>) -> Result<Document> {
    openapi3::read(ctx, doc, Version::OpenApi31, warnings)
}
