//! The model of the IR that the emitters read: the API, its operations with their parameters,
//! bodies and responses, how each authenticates.

use super::docs::Example;
use super::events;
use super::path::PathTemplate;
use super::types::{Absent, Field, StructDef, Ty, TypeId, TypeSpace};
use super::versions::Versions;
use crate::error::Location;
pub use crate::frontend::{Method, Status};

/// The whole API.
#[derive(Clone, Debug)]
pub struct Api {
    /// The API's title (of its first document).
    pub title: String,
    /// Its description, Markdown.
    pub description: Option<String>,
    /// Its version.
    pub version: String,
    /// The spec files the API was read from, relative to the spec root.
    pub sources: Vec<String>,
    /// Every operation, in spec order.
    pub operations: Vec<Operation>,
    /// Every named type.
    pub types: TypeSpace,
    /// The event types of the spec's event schemas, if it was given them.
    pub events: Vec<events::EventDef>,
    /// The fields of an event beside `type` and `content`, from the core event schemas.
    pub event_fields: Vec<Field>,
}

impl Api {
    /// An API with nothing in it, for tests.
    #[cfg(test)]
    pub fn empty() -> Self {
        Api {
            title: String::new(),
            description: None,
            version: String::new(),
            sources: Vec::new(),
            operations: Vec::new(),
            types: TypeSpace::default(),
            events: Vec::new(),
            event_fields: Vec::new(),
        }
    }

    /// The named types its operations take as parameters (alone or in lists): they are written
    /// as text.
    pub fn param_types(&self) -> std::collections::BTreeSet<TypeId> {
        let mut out = std::collections::BTreeSet::new();
        for p in self.operations.iter().flat_map(|op| &op.params) {
            let mut ty = &p.ty;
            while let Ty::Vec(inner) = ty {
                ty = inner;
            }
            if let Ty::Named(id) = ty {
                out.insert(*id);
            }
        }
        out
    }
}

/// How an operation authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// No access token.
    None,
    /// An access token is required.
    Required,
    /// An access token may be given.
    Optional,
    /// The sending server signs the request (federation's `Authorization: X-Matrix`).
    Signed,
}

/// Where the security schemes an operation accepts let a client send its access token: in the
/// `Authorization: Bearer` header (an `http` `bearer` scheme, or an `apiKey` in the
/// `Authorization` header), in the `access_token` query parameter (an `apiKey` in the query), or
/// both. Neither for an operation without a token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TokenPlaces {
    /// The `Authorization` header.
    pub header: bool,
    /// The query string.
    pub query: bool,
}

impl TokenPlaces {
    /// `header`, `query`, `header or query`, or `` (neither).
    pub fn as_str(self) -> &'static str {
        match (self.header, self.query) {
            (true, true) => "header or query",
            (true, false) => "header",
            (false, true) => "query",
            (false, false) => "",
        }
    }
}

/// Where a parameter is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ParamLocation {
    /// In the path.
    Path,
    /// In the query string.
    Query,
    /// In a header.
    Header,
}

impl ParamLocation {
    /// `path`, `query` or `header`.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
        }
    }
}

/// A parameter of an operation.
#[derive(Clone, Debug)]
pub struct Param {
    /// The name on the wire.
    pub wire: String,
    /// The Rust field name, unique in the operation's `Request`.
    pub name: String,
    /// Where it is sent.
    pub location: ParamLocation,
    /// Whether it must be given.
    pub required: bool,
    /// Its type.
    pub ty: Ty,
    /// Its documentation, Markdown.
    pub doc: String,
    /// An example value.
    pub example: Option<Example>,
    /// How its value is written as text.
    pub style: ParamStyle,
    /// What it holds when absent, if it may be (query parameters: their default, or an empty
    /// list).
    pub absent: Absent,
}

/// What a request or response body holds.
#[derive(Clone, Debug)]
pub enum Shape {
    /// An inline object, whose fields become the fields of `Request`/`Response` themselves.
    Fields(StructDef),
    /// Any other body: held whole in a `body` field.
    Whole(Ty),
    /// Bytes that are not JSON (media uploads and downloads), with their content type.
    Binary,
}

impl Shape {
    /// The types a body holds at its top: its fields' (and further properties') types, or the
    /// whole body's.
    pub fn roots(&self) -> Vec<&Ty> {
        match self {
            Shape::Fields(def) => def.fields.iter().map(|f| &f.ty).chain(&def.additional).collect(),
            Shape::Whole(ty) => vec![ty],
            Shape::Binary => Vec::new(),
        }
    }
}

/// A request body.
#[derive(Clone, Debug)]
pub struct Body {
    /// Its documentation, Markdown.
    pub doc: Option<String>,
    /// What it holds.
    pub shape: Shape,
    /// An example body.
    pub example: Option<Example>,
    /// The spec documents no body: a free-form JSON object stands in, and an empty body is `{}`.
    pub synthesized: bool,
}

/// A documented response.
#[derive(Clone, Debug)]
pub struct ResponseDef {
    /// The status it answers with.
    pub status: Status,
    /// Its documentation, Markdown.
    pub doc: String,
    /// `None`: the spec gives no schema.
    pub body: Option<Shape>,
    /// An example body.
    pub example: Option<Example>,
    /// The headers it documents (`Content-Disposition`, `Location`, ...).
    pub headers: Vec<ResponseHeader>,
}

/// A header a response documents: a field of `Response`, read by the client and set by the
/// server.
#[derive(Clone, Debug)]
pub struct ResponseHeader {
    /// The header's name (`Content-Disposition`).
    pub wire: String,
    /// The Rust field name, unique in the operation's `Response`.
    pub name: String,
    /// Its type: a scalar (headers are text).
    pub ty: Ty,
    /// Its documentation, Markdown.
    pub doc: String,
}

impl ResponseDef {
    /// Whether it is a redirect (`3xx`).
    pub fn is_redirect(&self) -> bool {
        matches!(self.status, Status::Code(c) if (300..400).contains(&c))
    }
}

/// An operation's path, and where its access token may be sent, from one Matrix version on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionedPath {
    /// The Matrix version (`1.0`) from which the operation has this path and these token places.
    pub version: String,
    /// The base path in that version (`/_matrix/client/r0`).
    pub base_path: String,
    /// Whether the request of this crate can be sent there: the path below the base path, its
    /// parameters as the newest release names them, is this crate's (a parameter there may stand
    /// where this crate has a literal, as `{scope}` once stood for `global`).
    pub fits: bool,
    /// Where that version's security schemes let the access token be sent.
    pub token: TokenPlaces,
    /// The version segments of the crate's path that this version wrote otherwise (`r0` where
    /// the crate's path has `v3`), by their index among the path's segments.
    pub segments: Vec<(usize, String)>,
}

/// An operation's history across a series of releases (see `generator/src/history.rs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    /// Its path and token places from each version where either changes, oldest first.
    pub paths: Vec<VersionedPath>,
    /// The version that added it.
    pub added: String,
    /// The version that deprecated it.
    pub deprecated: Option<String>,
    /// The version that removed it.
    pub removed: Option<String>,
}

/// An operation.
#[derive(Clone, Debug)]
pub struct Operation {
    /// The spec's operationId.
    pub id: String,
    /// Module and method name, snake case, unique.
    pub name: String,
    /// The HTTP method.
    pub method: Method,
    /// The path template below the base path.
    pub path: PathTemplate,
    /// The API's base path (`/_matrix/client/r0`), placeholders substituted.
    pub base_path: String,
    /// Its summary, Markdown, on one line.
    pub summary: Option<String>,
    /// Its description, Markdown.
    pub description: Option<String>,
    /// Whether the spec deprecates it.
    pub deprecated: bool,
    /// When the Matrix spec added or changed it.
    pub versions: Versions,
    /// Its path in each Matrix version, where the crate is generated over a series of releases
    /// (`cargo xtask gen --config`); `None` for one release.
    pub history: Option<History>,
    /// How it authenticates.
    pub auth: Auth,
    /// Where its security schemes let the access token be sent.
    pub token: TokenPlaces,
    /// Its parameters, in spec order.
    pub params: Vec<Param>,
    /// The request body; `Shape::Whole(JsonObject)` for a POST/PUT/PATCH that documents none.
    pub body: Option<Body>,
    /// The success response that `Response` stands for.
    pub success: ResponseDef,
    /// Every documented response, success and error, by status.
    pub responses: Vec<ResponseDef>,
    /// Where the operation is defined.
    pub source: Location,
}

impl Operation {
    /// The Matrix version that removed it, where the crate is generated over a series that has
    /// it only in earlier releases.
    pub fn removed_in(&self) -> Option<&str> {
        self.history.as_ref().and_then(|h| h.removed.as_deref())
    }

    /// A `GET /` operation of module name `name`, for tests.
    #[cfg(test)]
    pub fn named(name: &str) -> Self {
        Operation {
            id: name.to_owned(),
            name: name.to_owned(),
            method: Method::Get,
            path: PathTemplate::parse("/").unwrap_or(PathTemplate { segments: Vec::new() }),
            base_path: String::new(),
            summary: None,
            description: None,
            deprecated: false,
            versions: Versions::default(),
            history: None,
            auth: Auth::None,
            token: TokenPlaces::default(),
            params: Vec::new(),
            body: None,
            success: ResponseDef {
                status: Status::Code(200),
                doc: String::new(),
                body: None,
                example: None,
                headers: Vec::new(),
            },
            responses: Vec::new(),
            source: Location::default(),
        }
    }
}

/// How a parameter's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamStyle {
    /// One value as text: a string, number, boolean, identifier or string enum.
    Single,
    /// A list of such values: joined by the separator, or (`None`, in a query only) one
    /// `name=value` pair per item.
    List(Option<char>),
    /// A map of text in the query: each entry its own `key=value` pair (OpenAPI's exploded
    /// `form` object; the Matrix spec's `fields...`).
    Entries,
}
