//! Stage 4, the front ends: one module per input version, each turning a resolved API document
//! into the one document model below, which is all that later stages read.
//!
//! - [`swagger2`]: Swagger 2.0 (the Matrix spec until 2023);
//! - [`openapi30`]: OpenAPI 3.0;
//! - [`openapi31`]: OpenAPI 3.1, with JSON Schema 2020-12 schemas (the Matrix spec since v1.8).
//!
//! A new input version is one more module here and one more arm in [`Version::detect`] and
//! [`read`].

mod openapi3;
pub mod openapi30;
pub mod openapi31;
pub mod schema;
pub mod swagger2;

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::Value;

use crate::error::{push_token, Error, Location, Result, Warning};
use crate::load::Loader;
pub use crate::load::Version;
use crate::resolve::Bundle;
pub use schema::{Additional, Dialect, JsonType, Markup, Schema, SchemaReader, SchemaRef};

/// An HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `PUT`
    Put,
    /// `POST`
    Post,
    /// `DELETE`
    Delete,
    /// `OPTIONS`
    Options,
    /// `HEAD`
    Head,
    /// `PATCH`
    Patch,
    /// `TRACE`
    Trace,
}

impl Method {
    /// Every method, in the order path items list them.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// The key of a path item (`get`).
    pub fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
        }
    }

    /// As written on the wire (`GET`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }

    /// Whether a request of this method carries a body by convention.
    pub fn has_body(self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Patch)
    }
}

/// Where a parameter is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ParamIn {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
    /// In a header.
    Header,
    /// In a cookie.
    Cookie,
}

/// A response's status key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// One code (`200`).
    Code(u16),
    /// A range (`4XX`): its first digit.
    Range(u16),
    /// `default`
    Default,
}

impl Status {
    /// Parses a response key; `None` for anything that is not a status.
    pub fn parse(key: &str) -> Option<Status> {
        if key == "default" {
            return Some(Status::Default);
        }
        let bytes = key.as_bytes();
        if bytes.len() == 3 && bytes[0].is_ascii_digit() && (b'1'..=b'5').contains(&bytes[0]) {
            if bytes[1..].eq_ignore_ascii_case(b"XX") {
                return Some(Status::Range(u16::from(bytes[0] - b'0')));
            }
            if let Ok(code) = key.parse::<u16>() {
                return Some(Status::Code(code));
            }
        }
        None
    }
}

/// A parameter of an operation (path-level ones included).
#[derive(Clone, Debug)]
pub struct Parameter {
    /// The name on the wire.
    pub name: String,
    /// Where it is sent.
    pub location: ParamIn,
    /// Whether it must be given (path parameters always are).
    pub required: bool,
    /// `description`
    pub description: Option<String>,
    /// `deprecated`
    pub deprecated: bool,
    /// Its schema.
    pub schema: SchemaRef,
    /// How its value is written as text, as the document says it.
    pub serialization: Serialization,
    /// An example value.
    pub example: Option<Value>,
    /// Where it is written.
    pub origin: Location,
    /// Its `x-` keywords.
    pub extensions: BTreeMap<String, Value>,
}

/// How a parameter's value is written as text, in the terms of the version it is written in:
/// the IR decides what each means for the parameter's type and location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Serialization {
    /// OpenAPI 3's `style` (as written, or the location's default: `form` in a query, `simple`
    /// elsewhere) and `explode` (as written, or the style's default).
    Style {
        /// `form`, `simple`, `spaceDelimited`, `pipeDelimited`, `deepObject`, `label`, `matrix`.
        style: String,
        /// `explode`.
        explode: bool,
    },
    /// Swagger 2.0's `collectionFormat` (`csv` where it is not written).
    CollectionFormat(String),
    /// OpenAPI 3's `content` instead of `schema`: the value in that media type.
    Content(String),
}

/// One media type of a body.
#[derive(Clone, Debug)]
pub struct MediaType {
    /// `application/json`, `image/*`, ...
    pub mime: String,
    /// Its schema, if the spec gives one.
    pub schema: Option<SchemaRef>,
    /// An example body.
    pub example: Option<Value>,
}

/// A request body.
#[derive(Clone, Debug)]
pub struct RequestBody {
    /// `description`
    pub description: Option<String>,
    /// `required`
    pub required: bool,
    /// Its media types, in the order written.
    pub content: Vec<MediaType>,
}

/// A response header.
#[derive(Clone, Debug)]
pub struct Header {
    /// The header's name.
    pub name: String,
    /// `description`
    pub description: Option<String>,
    /// Its schema.
    pub schema: Option<SchemaRef>,
}

/// A documented response.
#[derive(Clone, Debug)]
pub struct Response {
    /// The status it answers with.
    pub status: Status,
    /// `description`
    pub description: String,
    /// Its headers.
    pub headers: Vec<Header>,
    /// Its media types, in the order written.
    pub content: Vec<MediaType>,
}

/// A security scheme an operation accepts.
pub type SecurityScheme = openapiv3::SecurityScheme;

/// One way to authenticate: every scheme named in it at once (none: no authentication).
pub type SecurityRequirement = Vec<(String, Option<SecurityScheme>)>;

/// An operation.
#[derive(Clone, Debug)]
pub struct Operation {
    /// The path template (`/rooms/{roomId}/invite`).
    pub path: String,
    /// The method.
    pub method: Method,
    /// Where it is written.
    pub origin: Location,
    /// `operationId`
    pub operation_id: Option<String>,
    /// `summary`
    pub summary: Option<String>,
    /// `description`
    pub description: Option<String>,
    /// `deprecated`
    pub deprecated: bool,
    /// `security` (the document's, where the operation has none); `None`: no security given.
    pub security: Option<Vec<SecurityRequirement>>,
    /// Its parameters, the path item's included.
    pub parameters: Vec<Parameter>,
    /// Its request body.
    pub body: Option<RequestBody>,
    /// Its responses, in the order written.
    pub responses: Vec<Response>,
    /// Its `x-` keywords.
    pub extensions: BTreeMap<String, Value>,
}

/// One API document.
#[derive(Clone, Debug)]
pub struct Document {
    /// File, relative to the spec root.
    pub file: String,
    /// The version it is written in.
    pub version: Version,
    /// `info.title`
    pub title: String,
    /// `info.description`
    pub description: Option<String>,
    /// `info.version`
    pub api_version: String,
    /// The base paths the API is served under, the first being the default (`/_matrix/client/v3`),
    /// as the document writes them (the IR gives them their leading and no trailing `/`).
    pub base_paths: Vec<String>,
    /// Its operations, in the order written.
    pub operations: Vec<Operation>,
}

impl Document {
    /// How its descriptions are written.
    pub fn markup(&self) -> Markup {
        Dialect::from(self.version).markup()
    }
}

/// A schema reached through a `$ref` (or declared under `definitions`/`components`).
#[derive(Clone, Debug)]
pub struct NamedSchema {
    /// Where it is written.
    pub location: Location,
    /// A name suggested by where it lives: its file's stem or its key.
    pub name_hint: String,
    /// The schema.
    pub schema: Schema,
}

/// Every document of the spec folder, and the schemas they share.
#[derive(Debug)]
pub struct Spec {
    /// The documents, in file name order.
    pub documents: Vec<Document>,
    /// The named schemas, by key, in the order they were reached.
    pub schemas: IndexMap<String, NamedSchema>,
    /// What the front ends read past.
    pub warnings: Vec<Warning>,
    /// The loaded files, to give later diagnostics their lines.
    pub loader: Loader,
    /// Type names pinned by the spec folder's `names.toml`: where a type is defined (as its
    /// rustdoc's "Defined in" says) → its name.
    pub names: BTreeMap<String, String>,
    /// The keys in `schemas` of the event schemas, one per event type.
    pub events: Vec<String>,
}

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

/// What a front end reads a document with.
pub struct Ctx<'a> {
    bundle: &'a Bundle,
    /// The document's file, relative to the spec root.
    pub file: &'a str,
    /// Its index in the bundle.
    index: usize,
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

/// Where an operation stands in its document: what a front end reads it from.
pub struct Site<'v> {
    /// Its path template.
    pub path: &'v str,
    /// Its method.
    pub method: Method,
    /// The JSON pointer of the operation.
    pub pointer: String,
    item_pointer: String,
    item: &'v serde_json::Map<String, Value>,
    /// The operation.
    pub op: &'v serde_json::Map<String, Value>,
}

/// Every operation of a document's `paths`, in path order and a fixed method order (whatever
/// order the spec lists them in), each read by `read`; one with no `security` of its own takes
/// the document's.
fn operations<'v>(
    ctx: &Ctx<'_>,
    doc: &'v serde_json::Map<String, Value>,
    schemes: &[(String, SecurityScheme)],
    warnings: &mut Vec<Warning>,
    mut read: impl FnMut(&Site<'v>, &mut Vec<Warning>) -> Result<Operation>,
) -> Result<Vec<Operation>> {
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
    fn parameters(&self) -> Vec<(String, &'v Value)> {
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
    fn responses(
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
    fn operation(
        &self,
        ctx: &Ctx<'_>,
        schemes: &[(String, SecurityScheme)],
        parameters: Vec<Parameter>,
        body: Option<RequestBody>,
        responses: Vec<Response>,
    ) -> Operation {
        let op = self.op;
        Operation {
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
fn parameter_head<'p>(
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
fn bad_location(ctx: &Ctx<'_>, pointer: &str, name: &str, location: Option<&str>) -> Error {
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
    operations: &mut [Operation],
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

/// The text of `key` in a mapping.
fn text(map: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The `x-` keywords of a mapping.
fn extensions(map: &serde_json::Map<String, Value>) -> BTreeMap<String, Value> {
    map.iter()
        .filter(|(k, _)| k.starts_with("x-"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
