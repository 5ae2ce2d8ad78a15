//! What the front ends share: the context a document is read in, and where each operation
//! stands (its path item, parameters and responses), read the same way by every version.

use serde_json::Value;

use super::model::{
    Method, Parameter, RequestBody, Response, SecurityRequirement, SecurityScheme, SpecOperation, Status,
};
use super::schema::{Dialect, SchemaReader};
use super::values::{extensions, text};
use crate::error::{push_token, Error, Location, Result, Warning};
use crate::resolve::Bundle;

/// What a front end reads a document with.
pub struct Ctx<'a> {
    pub(super) bundle: &'a Bundle,
    /// The document's file, relative to the spec root.
    pub file: &'a str,
    /// Its index in the bundle.
    pub(super) index: usize,
}

impl<'a> Ctx<'a> {
    /// A reader of the document's schemas, in `dialect`.
    pub fn schemas<'w>(&self, dialect: Dialect, warnings: &'w mut Vec<Warning>) -> SchemaReader<'w>
    where
        'a: 'w,
    {
        SchemaReader::new(dialect, warnings, self.bundle.nodes.document(self.index))
    }

    /// An error at `pointer` of the document, with its line.
    pub fn error(&self, pointer: &str, message: impl Into<String>) -> Error {
        Error::new(self.bundle.locate(self.file, pointer), message)
    }

    /// The location of `pointer` in the document, its line found only if a diagnostic needs it.
    pub fn node(&self, pointer: &str) -> Location {
        Location::node(self.file, pointer)
    }
}

/// Where an operation stands in its document: what a front end reads it from.
pub struct Site<'v> {
    /// Its path template.
    pub path: &'v str,
    /// Its method.
    pub method: Method,
    /// The JSON pointer of the operation.
    pub pointer: String,
    pub(super) item_pointer: String,
    pub(super) item: &'v serde_json::Map<String, Value>,
    /// The operation.
    pub op: &'v serde_json::Map<String, Value>,
}

/// Every operation of a document's `paths`, in path order and a fixed method order (whatever
/// order the spec lists them in), each read by `read`; one with no `security` of its own takes
/// the document's.
pub(super) fn operations<'v>(
    ctx: &Ctx<'_>,
    doc: &'v serde_json::Map<String, Value>,
    schemes: &[(String, SecurityScheme)],
    warnings: &mut Vec<Warning>,
    mut read: impl FnMut(&Site<'v>, &mut Vec<Warning>) -> Result<SpecOperation>,
) -> Result<Vec<SpecOperation>> {
    let doc_security = doc.get("security").map(|s| requirements(s, schemes));
    let mut out = Vec::new();
    let Some(Value::Object(items)) = doc.get("paths") else {
        return Ok(out);
    };
    // (the Paths object may carry extensions)
    for (path, item) in items.iter().filter(|(k, _)| !k.starts_with("x-")) {
        let item_pointer = push_token("/paths", path);
        let Value::Object(item) = item else {
            return Err(ctx.error(&item_pointer, "a path item must be a mapping"));
        };
        check_path_item(ctx, &item_pointer, item, warnings)?;
        for method in Method::ALL {
            let Some(op) = item.get(method.key()) else { continue };
            let pointer = push_token(&item_pointer, method.key());
            let Value::Object(op) = op else {
                return Err(ctx.error(&pointer, "an operation must be a mapping"));
            };
            let site = Site {
                path,
                method,
                pointer,
                item_pointer: item_pointer.clone(),
                item,
                op,
            };
            let mut operation = read(&site, warnings)?;
            if operation.security.is_none() {
                operation.security = doc_security.clone();
            }
            out.push(operation);
        }
    }
    Ok(out)
}

/// The keys a path item may have besides its methods.
const PATH_ITEM_KEYS: &[&str] = &["$ref", "summary", "description", "servers", "parameters"];

/// A path item's keys: a method written in another case (`GET`) is an error, since the operation
/// would be lost (OpenAPI's keys are case-sensitive); any other key it does not define is a
/// warning.
fn check_path_item(
    ctx: &Ctx<'_>,
    pointer: &str,
    item: &serde_json::Map<String, Value>,
    warnings: &mut Vec<Warning>,
) -> Result<()> {
    for key in item.keys() {
        let known = key.starts_with("x-")
            || PATH_ITEM_KEYS.contains(&key.as_str())
            || Method::ALL.iter().any(|m| m.key() == key);
        if known {
            continue;
        }
        let at = push_token(pointer, key);
        if let Some(method) = Method::ALL.iter().find(|m| m.key().eq_ignore_ascii_case(key)) {
            return Err(ctx.error(
                &at,
                format!(
                    "`{key}` is not a method key: OpenAPI's are lower case (`{}`)",
                    method.key()
                ),
            ));
        }
        warnings.push(Warning::new(
            ctx.node(&at),
            format!("`{key}` is not a key of a path item; it is ignored"),
        ));
    }
    Ok(())
}

impl<'v> Site<'v> {
    /// The operation's parameters, then those of its path item that it does not override (the
    /// same name and location), each with its pointer.
    pub(super) fn parameters(&self) -> Vec<(String, &'v Value)> {
        let own: Vec<&Value> = self
            .op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        let mut out: Vec<(String, &Value)> = own
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("{}/parameters/{i}", self.pointer), *p))
            .collect();
        let shared = self
            .item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for (i, p) in shared.enumerate() {
            let key = (p.get("name"), p.get("in"));
            if !own.iter().any(|o| (o.get("name"), o.get("in")) == key) {
                out.push((format!("{}/parameters/{i}", self.item_pointer), p));
            }
        }
        out
    }

    /// The operation's responses, each read by `read` once its key is a status and it a
    /// mapping; an operation must document at least one.
    pub(super) fn responses(
        &self,
        ctx: &Ctx<'_>,
        mut read: impl FnMut(Status, &serde_json::Map<String, Value>, &str) -> Response,
    ) -> Result<Vec<Response>> {
        let mut out = Vec::new();
        if let Some(Value::Object(rs)) = self.op.get("responses") {
            for (key, r) in rs.iter().filter(|(k, _)| !k.starts_with("x-")) {
                let pointer = push_token(&push_token(&self.pointer, "responses"), key);
                let Value::Object(r) = r else {
                    return Err(ctx.error(&pointer, "a response must be a mapping"));
                };
                let Some(status) = Status::parse(key) else {
                    return Err(ctx.error(&pointer, format!("`{key}` is not a response status")));
                };
                out.push(read(status, r, &pointer));
            }
        }
        if out.is_empty() {
            return Err(ctx.error(&self.pointer, "the operation documents no responses"));
        }
        Ok(out)
    }

    /// The operation, from what every version writes the same way and what its front end read.
    pub(super) fn operation(
        &self,
        ctx: &Ctx<'_>,
        schemes: &[(String, SecurityScheme)],
        parameters: Vec<Parameter>,
        body: Option<RequestBody>,
        responses: Vec<Response>,
    ) -> SpecOperation {
        let op = self.op;
        SpecOperation {
            path: self.path.to_owned(),
            method: self.method,
            origin: ctx.node(&self.pointer),
            operation_id: text(op, "operationId"),
            summary: text(op, "summary"),
            description: text(op, "description"),
            deprecated: op.get("deprecated").and_then(Value::as_bool).unwrap_or(false),
            security: op.get("security").map(|s| requirements(s, schemes)),
            parameters,
            body,
            responses,
            extensions: extensions(op),
        }
    }
}

/// A parameter as a mapping, its name, and where it is sent (`in`), or the error its pointer
/// gets when it is not one, or has no name.
pub(super) fn parameter_head<'p>(
    ctx: &Ctx<'_>,
    pointer: &str,
    p: &'p Value,
) -> Result<(&'p serde_json::Map<String, Value>, &'p str, Option<&'p str>)> {
    let Value::Object(p) = p else {
        return Err(ctx.error(pointer, "a parameter must be a mapping"));
    };
    let Some(name) = p.get("name").and_then(Value::as_str) else {
        return Err(ctx.error(pointer, "a parameter needs a `name`"));
    };
    Ok((p, name, p.get("in").and_then(Value::as_str)))
}

/// The error for a parameter location the version does not have, or none.
pub(super) fn bad_location(ctx: &Ctx<'_>, pointer: &str, name: &str, location: Option<&str>) -> Error {
    match location {
        Some(other) => ctx.error(pointer, format!("unknown parameter location `in: {other}`")),
        None => ctx.error(pointer, format!("parameter `{name}` has no `in`")),
    }
}

/// A spec slip: an operation's `security` names a scheme its document does not define
/// (federation's `getEventByTimestamp` names `accessToken`, the Client-Server API's, beside
/// documents whose one scheme is `signedRequest`). Where the document has one scheme, that is
/// the one meant; each such name is a warning.
pub fn undefined_schemes(
    operations: &mut [SpecOperation],
    schemes: &[(String, SecurityScheme)],
    warnings: &mut Vec<Warning>,
) {
    for op in operations {
        let Some(reqs) = &mut op.security else { continue };
        for (name, scheme) in reqs.iter_mut().flatten() {
            if scheme.is_some() {
                continue;
            }
            let mut at = op.origin.clone();
            at.pointer = at.pointer.map(|p| format!("{p}/security"));
            let message = match schemes {
                [(only, defined)] => {
                    let message = format!(
                        "the security scheme `{name}` is not defined in this document; read as its one scheme, `{only}`"
                    );
                    *scheme = Some(defined.clone());
                    *name = only.clone();
                    message
                }
                _ => format!("the security scheme `{name}` is not defined in this document; read as an access token"),
            };
            warnings.push(Warning::new(at, message));
        }
    }
}

/// A `security` list: each requirement names schemes of the document.
fn requirements(v: &Value, schemes: &[(String, SecurityScheme)]) -> Vec<SecurityRequirement> {
    v.as_array()
        .map(|reqs| {
            reqs.iter()
                .map(|req| {
                    req.as_object()
                        .map(|names| {
                            names
                                .keys()
                                .map(|n| (n.clone(), schemes.iter().find(|(s, _)| s == n).map(|(_, s)| s.clone())))
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default()
}
