//! Stage 4, IR: the contract between reading and writing. Operations (method, path, id, docs,
//! security, parameters by location, body, responses by status) over a type space in which every
//! named type has one stable, unique Rust name. Emitters read only this.

pub mod types;

use std::collections::HashSet;

use openapiv3::{Parameter, ParameterSchemaOrContent, ReferenceOr, StatusCode};
use serde_json::Value;

use crate::error::{Error, Location, Result, Warning};
use crate::naming::{pascal, snake, unique};
use crate::normalize::{Document, Normalized};
pub use types::{EnumDef, Field, StructDef, Ty, TypeDef, TypeId, TypeKind, TypeSpace, Variant};
use types::{Naming, TypeBuilder};

/// The whole API.
#[derive(Clone, Debug)]
pub struct Api {
    pub title: String,
    pub description: Option<String>,
    pub version: String,
    /// The spec files the API was read from, relative to the spec root.
    pub sources: Vec<String>,
    pub operations: Vec<Operation>,
    pub types: TypeSpace,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// No access token.
    None,
    /// An access token is required.
    Required,
    /// An access token may be given.
    Optional,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub wire: String,
    pub name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub ty: Ty,
    pub doc: Option<String>,
    pub example: Option<Value>,
    /// For arrays in a query: one `name=value` pair per item (`explode`), else comma-joined.
    pub explode: bool,
    /// A query parameter named `name...`: "any further query fields", kept as a map of them.
    pub catch_all: bool,
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

#[derive(Clone, Debug)]
pub struct Body {
    pub doc: Option<String>,
    pub shape: Shape,
    pub example: Option<Value>,
    /// The spec documents no body: a free-form JSON object stands in, and an empty body is `{}`.
    pub synthesized: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Code(u16),
    /// `4XX`: the first digit.
    Range(u16),
    Default,
}

#[derive(Clone, Debug)]
pub struct ResponseDef {
    pub status: Status,
    pub doc: String,
    /// `None`: the spec gives no schema.
    pub body: Option<Shape>,
    pub example: Option<Value>,
    pub headers: Vec<(String, Option<String>)>,
}

#[derive(Clone, Debug)]
pub struct Operation {
    /// The spec's operationId.
    pub id: String,
    /// Module and method name, snake case, unique.
    pub name: String,
    /// Pascal case name, for types derived from it.
    pub type_prefix: String,
    /// Upper case HTTP method.
    pub method: String,
    /// The path template, as the spec writes it (`/account/3pid`).
    pub path: String,
    /// The API's base path (`/_matrix/client/r0`), placeholders substituted.
    pub base_path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub deprecated: bool,
    pub auth: Auth,
    pub params: Vec<Param>,
    /// The request body; `Shape::Whole(JsonObject)` for a POST/PUT/PATCH that documents none.
    pub body: Option<Body>,
    /// The success response that `Response` stands for.
    pub success: ResponseDef,
    /// Every documented response, success and error, by status.
    pub responses: Vec<ResponseDef>,
    /// The file the operation comes from, relative to the spec root.
    pub source: Location,
}

/// Builds the IR. Names listed in `reserved` (those the emitters declare themselves) are not
/// given to spec types.
pub fn build(norm: &Normalized, reserved: &HashSet<String>) -> Result<(Api, Vec<Warning>)> {
    let mut builder = TypeBuilder::new(&norm.schemas);
    let mut operations = Vec::new();
    let mut names = HashSet::new();
    let mut routes: Vec<(String, String, Location)> = Vec::new();
    let mut warnings = Vec::new();
    // Named schemas first, in the order they were reached, so that they claim their names.
    for key in norm.schemas.keys() {
        builder.ty(
            &ReferenceOr::Reference {
                reference: format!(
                    "{}{}",
                    crate::resolve::SCHEMA_REF_PREFIX,
                    crate::error::escape_token(key)
                ),
            },
            &Naming::new("Type"),
        )?;
    }
    for doc in &norm.documents {
        for (path, item) in doc.api.paths.paths.iter() {
            let ReferenceOr::Item(item) = item else {
                return Err(Error::new(
                    Location::file(doc.file.clone()),
                    format!("path `{path}` is a reference that was not resolved"),
                ));
            };
            for (method, op) in item.iter() {
                let source = doc
                    .origins
                    .get(&(path.clone(), method.to_owned()))
                    .cloned()
                    .unwrap_or_else(|| Location::file(doc.file.clone()));
                let method_upper = method.to_ascii_uppercase();
                if let Some((_, _, first)) = routes.iter().find(|(m, p, _)| *m == method_upper && p == path) {
                    warnings.push(Warning::new(
                        source.clone(),
                        format!(
                            "{method_upper} {path} is also defined at {}; both operations are generated, and the server routes the path to the first",
                            first.to_string().trim_end_matches(": ")
                        ),
                    ));
                }
                routes.push((method_upper.clone(), path.clone(), source.clone()));
                operations.push(operation(&mut builder, doc, path, method, op, source, &mut names)?);
            }
        }
    }
    let (types, type_warnings) = builder.finish(reserved);
    warnings.extend(type_warnings);
    let first = norm.documents.first().map(|d| &d.api.info);
    let api = Api {
        title: first.map(|i| i.title.clone()).unwrap_or_default(),
        description: first.and_then(|i| i.description.clone()),
        version: first.map(|i| i.version.clone()).unwrap_or_default(),
        sources: norm.documents.iter().map(|d| d.file.clone()).collect(),
        operations,
        types,
    };
    Ok((api, warnings))
}

fn operation(
    builder: &mut TypeBuilder<'_>,
    doc: &Document,
    path: &str,
    method: &str,
    op: &openapiv3::Operation,
    source: Location,
    names: &mut HashSet<String>,
) -> Result<Operation> {
    let id = match &op.operation_id {
        Some(id) => id.clone(),
        None => format!("{method}{}", pascal(path)),
    };
    let name = unique(&snake(&id), names);
    let type_prefix = pascal(&id);
    let base_path = doc
        .api
        .servers
        .first()
        .map(|s| s.url.trim_end_matches('/').to_owned())
        .unwrap_or_default();

    let security = op.security.as_ref().or(doc.api.security.as_ref());
    let auth = match security {
        None => Auth::None,
        Some(reqs) if reqs.is_empty() => Auth::None,
        Some(reqs) if reqs.iter().any(|r| r.is_empty()) => Auth::Optional,
        Some(_) => Auth::Required,
    };

    let body = match &op.request_body {
        Some(ReferenceOr::Item(rb)) => {
            let media = rb
                .content
                .get("application/json")
                .or_else(|| rb.content.values().next());
            let schema = media.and_then(|m| m.schema.as_ref());
            let example = media.and_then(|m| m.example.clone());
            let shape = match schema {
                Some(s) => shape(builder, s, &format!("{type_prefix}Request"), true)?,
                None => Shape::Whole(Ty::JsonObject),
            };
            Some(Body {
                doc: rb.description.clone(),
                shape,
                example,
                synthesized: false,
            })
        }
        Some(ReferenceOr::Reference { .. }) => {
            return Err(Error::new(
                source.clone(),
                "the request body is a reference that was not resolved",
            ));
        }
        None if matches!(method, "post" | "put" | "patch") => Some(Body {
            doc: None,
            shape: Shape::Whole(Ty::JsonObject),
            example: None,
            synthesized: true,
        }),
        None => None,
    };
    let mut taken: HashSet<String> = body_fields(&body).iter().map(|f| f.name.clone()).collect();
    taken.insert("body".to_owned());
    let mut params = Vec::new();
    for p in &op.parameters {
        let ReferenceOr::Item(p) = p else {
            return Err(Error::new(
                source.clone(),
                "a parameter is a reference that was not resolved",
            ));
        };
        let (data, location, explode) = match p {
            Parameter::Path { parameter_data, .. } => (parameter_data, ParamLocation::Path, false),
            Parameter::Query {
                parameter_data, style, ..
            } => {
                let explode = parameter_data
                    .explode
                    .unwrap_or(matches!(style, openapiv3::QueryStyle::Form));
                (parameter_data, ParamLocation::Query, explode)
            }
            Parameter::Header { parameter_data, .. } => (parameter_data, ParamLocation::Header, false),
            Parameter::Cookie { .. } => {
                return Err(Error::new(source.clone(), "cookie parameters are not supported"));
            }
        };
        if location == ParamLocation::Path && !path.contains(&format!("{{{}}}", data.name)) {
            continue; // warned about in normalize
        }
        let ty = match &data.format {
            ParameterSchemaOrContent::Schema(s) => builder.ty(
                s,
                &Naming {
                    candidates: vec![format!("{type_prefix}{}", pascal(&data.name))],
                },
            )?,
            ParameterSchemaOrContent::Content(_) => Ty::String,
        };
        // a parameter is text on the wire: scalars, enums, lists of them, or JSON
        let ty = match ty {
            Ty::Map(_) => Ty::JsonObject,
            Ty::Vec(inner) if matches!(*inner, Ty::Vec(_) | Ty::Map(_)) => Ty::Json,
            other => other,
        };
        // `fields...` in a query: the Matrix spec's way of saying "any further query fields"
        let catch_all = location == ParamLocation::Query && data.name.ends_with("...");
        let wire = if catch_all {
            data.name.trim_end_matches('.').to_owned()
        } else {
            data.name.clone()
        };
        params.push(Param {
            name: unique(&snake(&wire), &mut taken),
            wire,
            location,
            required: data.required || catch_all,
            ty: if catch_all { Ty::Map(Box::new(Ty::String)) } else { ty },
            doc: data.description.clone(),
            example: data.example.clone(),
            explode,
            catch_all,
        });
    }

    let mut responses = Vec::new();
    let mut entries: Vec<(Status, &ReferenceOr<openapiv3::Response>)> = op
        .responses
        .responses
        .iter()
        .map(|(code, r)| {
            let status = match code {
                StatusCode::Code(c) => Status::Code(*c),
                StatusCode::Range(r) => Status::Range(*r),
            };
            (status, r)
        })
        .collect();
    if let Some(d) = &op.responses.default {
        entries.push((Status::Default, d));
    }
    for (status, r) in entries {
        let ReferenceOr::Item(r) = r else {
            return Err(Error::new(
                source.clone(),
                "a response is a reference that was not resolved",
            ));
        };
        let media = r.content.get("application/json").or_else(|| r.content.values().next());
        let suffix = match status {
            Status::Code(c) if (200..300).contains(&c) => "Response".to_owned(),
            Status::Code(c) => format!("Response{c}"),
            Status::Range(r) => format!("Response{r}xx"),
            Status::Default => "ResponseDefault".to_owned(),
        };
        let body = match media.and_then(|m| m.schema.as_ref()) {
            Some(s) => Some(shape(builder, s, &format!("{type_prefix}{suffix}"), false)?),
            None => None,
        };
        responses.push(ResponseDef {
            status,
            doc: r.description.clone(),
            body,
            example: media.and_then(|m| m.example.clone()),
            headers: r
                .headers
                .iter()
                .map(|(k, h)| {
                    (
                        k.clone(),
                        match h {
                            ReferenceOr::Item(h) => h.description.clone(),
                            ReferenceOr::Reference { .. } => None,
                        },
                    )
                })
                .collect(),
        });
    }
    responses.sort_by_key(|r| r.status);
    let success = responses
        .iter()
        .find(|r| matches!(r.status, Status::Code(c) if (200..300).contains(&c)))
        .cloned()
        .unwrap_or(ResponseDef {
            status: Status::Code(200),
            doc: String::new(),
            body: None,
            example: None,
            headers: Vec::new(),
        });

    Ok(Operation {
        id,
        name,
        type_prefix,
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        base_path,
        summary: op.summary.clone(),
        description: op.description.clone(),
        tags: op.tags.clone(),
        deprecated: op.deprecated,
        auth,
        params,
        body,
        success,
        responses,
        source,
    })
}

/// `binary_strings`: a plain `type: string` body is raw bytes (a request body such as the
/// content repository's upload), not a JSON string.
fn shape(
    builder: &mut TypeBuilder<'_>,
    s: &ReferenceOr<openapiv3::Schema>,
    parent: &str,
    binary_strings: bool,
) -> Result<Shape> {
    if let ReferenceOr::Item(schema) = s {
        if let openapiv3::SchemaKind::Type(openapiv3::Type::String(st)) = &schema.schema_kind {
            let binary = matches!(
                st.format,
                openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Binary)
            );
            if binary || (binary_strings && st.enumeration.is_empty()) {
                return Ok(Shape::Binary);
            }
        }
    }
    Ok(match builder.inline_struct(s, parent)? {
        Some(def) => Shape::Fields(def),
        None => Shape::Whole(builder.ty(s, &Naming::new(parent))?),
    })
}

fn body_fields(body: &Option<Body>) -> Vec<&Field> {
    match body {
        Some(Body {
            shape: Shape::Fields(def),
            ..
        }) => def.fields.iter().collect(),
        _ => Vec::new(),
    }
}
