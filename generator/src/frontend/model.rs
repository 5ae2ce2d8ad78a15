//! The document model every front end reads its version into, and all that later stages read:
//! documents of operations (parameters, bodies, responses, security) and named schemas.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::Value;

use super::schema::{Dialect, Markup, Schema, SchemaRef};
use crate::error::{Location, Warning};
use crate::load::{Loader, Version};

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
pub struct SpecOperation {
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
    pub operations: Vec<SpecOperation>,
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
