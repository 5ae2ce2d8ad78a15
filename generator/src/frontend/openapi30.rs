//! The OpenAPI 3.0 front end: schemas are OpenAPI 3.0's subset of JSON Schema, where a value
//! that may be null says `nullable: true` and `discriminator` is an object.

use serde_json::Value;

use super::site::Ctx;
use super::{openapi3, Document, Version};
use crate::error::{Result, Warning};

/// Reads one resolved OpenAPI 3.0 document.
pub fn read(ctx: &Ctx<'_>, doc: &Value, warnings: &mut Vec<Warning>) -> Result<Document> {
    openapi3::read(ctx, doc, Version::OpenApi30, warnings)
}
