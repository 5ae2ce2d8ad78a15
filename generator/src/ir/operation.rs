//! One operation of the IR, from the front ends' operation: its path template checked against
//! its parameters, its authentication, request body, parameters (each with its style) and
//! responses. The order in which types are asked of the builder is the spec's order: it decides
//! which type claims a name first.

use std::collections::HashSet;

use super::docs::{render, Example};
use super::model::*;
use super::naming::{operation_name, pascal, snake, unique};
use super::params;
use super::path::PathTemplate;
use super::types::{Absent, Field, Naming, Ty, TypeBuilder};
use super::versions::Versions;
use crate::error::{Error, Location, Result, Warning};
use crate::frontend::{self, Markup, ParamIn, SchemaRef};

/// What an operation's parts are built with.
struct Context<'b, 'a> {
    builder: &'b mut TypeBuilder<'a>,
    markup: Markup,
    /// The start of the names of the operation's types (`SendMessage`).
    type_prefix: String,
}

/// The operation `op` of a document served under `base_path`, its name unique among `names`.
pub fn operation(
    builder: &mut TypeBuilder<'_>,
    base_path: &str,
    markup: Markup,
    op: &frontend::SpecOperation,
    names: &mut HashSet<String>,
    warnings: &mut Vec<Warning>,
) -> Result<Operation> {
    let source = op.origin.clone();
    let Head {
        id,
        path,
        auth,
        token,
        versions,
    } = head(op, markup)?;
    let name = operation_name(&id, names);
    let mut cx = Context {
        builder,
        markup,
        type_prefix: pascal(&id),
    };
    let body = request_body(&mut cx, op)?;
    let params = parameters(&mut cx, op, &path, &body, warnings)?;
    let mut responses = Vec::new();
    for r in &op.responses {
        responses.push(response(&mut cx, r)?);
    }
    responses.sort_by_key(|r| r.status);
    let success = success(&responses);
    Ok(Operation {
        id,
        name,
        method: op.method,
        path,
        base_path: base_path.to_owned(),
        summary: op.summary.as_deref().map(|s| render(s.trim(), markup)),
        description: op
            .description
            .as_deref()
            .map(|t| render(t, markup))
            .filter(|d| !d.is_empty()),
        deprecated: op.deprecated,
        versions,
        history: None,
        auth,
        token,
        params,
        body,
        success,
        responses,
        source,
    })
}

/// What an operation is across releases, read without its types: its id, path template (each
/// `{name}` a declared path parameter), authentication, token places and versions. The IR's
/// operation is built from it, and so is a release's history (`history`), which needs no more.
pub(crate) struct Head {
    pub id: String,
    pub path: PathTemplate,
    pub auth: Auth,
    pub token: TokenPlaces,
    pub versions: Versions,
}

/// The [`Head`] of `op`.
pub(crate) fn head(op: &frontend::SpecOperation, markup: Markup) -> Result<Head> {
    let path = checked_path(op)?;
    let id = match &op.operation_id {
        Some(id) => id.clone(),
        None => format!("{}{}", op.method.key(), pascal(&op.path)),
    };
    let auth = auth(op.security.as_deref());
    let mut token = token_places(op.security.as_deref());
    // a token its schemes give no place (a scheme the document does not define, read as an
    // access token): where homeservers take one, in the header or the query string
    if matches!(auth, Auth::Required | Auth::Optional) && token == TokenPlaces::default() {
        token = TokenPlaces {
            header: true,
            query: true,
        };
    }
    Ok(Head {
        id,
        path,
        auth,
        token,
        versions: Versions::from_extensions(&op.extensions, markup),
    })
}

/// The path template, each of its `{name}`s a declared path parameter.
fn checked_path(op: &frontend::SpecOperation) -> Result<PathTemplate> {
    let source = &op.origin;
    let path = PathTemplate::parse(&op.path).map_err(|e| Error::new(source.clone(), e))?;
    for name in path.params() {
        let declared = op
            .parameters
            .iter()
            .any(|p| p.location == ParamIn::Path && p.name == name);
        if !declared {
            return Err(Error::new(
                source.clone(),
                format!("the path has `{{{name}}}` but the operation declares no path parameter `{name}`"),
            ));
        }
    }
    Ok(path)
}

/// How an operation authenticates, from its `security`: none, an optional or required access
/// token, or a server's signature where every scheme it accepts is one.
fn auth(security: Option<&[frontend::SecurityRequirement]>) -> Auth {
    match security {
        None => Auth::None,
        Some([]) => Auth::None,
        Some(reqs) if reqs.iter().any(|r| r.is_empty()) => Auth::Optional,
        Some(reqs)
            if reqs
                .iter()
                .flatten()
                .all(|(_, s)| s.as_ref().is_some_and(is_server_signature)) =>
        {
            Auth::Signed
        }
        Some(_) => Auth::Required,
    }
}

/// Where the schemes of `security` let an access token be sent: an `http` `bearer` scheme or an
/// `apiKey` in the `Authorization` header is the header, an `apiKey` in the query the query
/// string. A signature or a scheme the document does not define is neither.
fn token_places(security: Option<&[frontend::SecurityRequirement]>) -> TokenPlaces {
    let mut places = TokenPlaces::default();
    for (_, scheme) in security.unwrap_or_default().iter().flatten() {
        match scheme {
            Some(frontend::SecurityScheme::HTTP { scheme, .. }) if scheme.eq_ignore_ascii_case("bearer") => {
                places.header = true;
            }
            Some(frontend::SecurityScheme::APIKey { location, name, .. }) => match location {
                openapiv3::APIKeyLocation::Query => places.query = true,
                openapiv3::APIKeyLocation::Header if name.eq_ignore_ascii_case("authorization") => {
                    places.header = true;
                }
                _ => {}
            },
            _ => {}
        }
    }
    places
}

/// Whether a security scheme is federation's request signature: HTTP authorization with the
/// `X-Matrix` scheme.
fn is_server_signature(scheme: &frontend::SecurityScheme) -> bool {
    matches!(scheme, frontend::SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("x-matrix"))
}

/// The request body; a free-form JSON object for a POST, PUT or PATCH that documents none.
fn request_body(cx: &mut Context<'_, '_>, op: &frontend::SpecOperation) -> Result<Option<Body>> {
    Ok(match &op.body {
        Some(rb) => {
            let media = json_media(&rb.content);
            let shape = match media.and_then(|m| m.schema.as_ref()) {
                _ if media.is_some_and(|m| !is_json(&m.mime)) => Shape::Binary,
                Some(s) => shape(cx.builder, s, &format!("{}Request", cx.type_prefix), true)?,
                None => Shape::Whole(Ty::JsonObject),
            };
            Some(Body {
                doc: rb.description.as_deref().map(|t| render(t, cx.markup)),
                shape,
                example: media.and_then(|m| m.example.as_ref()).map(Example::new),
                synthesized: false,
            })
        }
        None if op.method.has_body() => Some(Body {
            doc: None,
            shape: Shape::Whole(Ty::JsonObject),
            example: None,
            synthesized: true,
        }),
        None => None,
    })
}

/// The operation's parameters, in spec order, their field names unique beside the body's.
fn parameters(
    cx: &mut Context<'_, '_>,
    op: &frontend::SpecOperation,
    path: &PathTemplate,
    body: &Option<Body>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Param>> {
    let mut taken: HashSet<String> = body_fields(body).iter().map(|f| f.name.clone()).collect();
    taken.insert("body".to_owned());
    let mut params = Vec::new();
    // a parameter is its name and location (a header's name in any case): OpenAPI allows each once
    let mut declared: Vec<(ParamLocation, String, &Location)> = Vec::new();
    for p in &op.parameters {
        let location = match p.location {
            ParamIn::Path => ParamLocation::Path,
            ParamIn::Query => ParamLocation::Query,
            ParamIn::Header => ParamLocation::Header,
            ParamIn::Cookie => return Err(Error::new(p.origin.clone(), "cookie parameters are not supported")),
        };
        let key = match location {
            ParamLocation::Header => p.name.to_ascii_lowercase(),
            _ => p.name.clone(),
        };
        if let Some((_, _, first)) = declared.iter().find(|(l, k, _)| *l == location && *k == key) {
            return Err(Error::new(
                p.origin.clone(),
                format!(
                    "the {} parameter `{}` is declared twice in one operation (also at {}); OpenAPI allows a name once in each location",
                    location.as_str(),
                    p.name,
                    first.pointer.as_deref().map(|ptr| format!("#{ptr}")).unwrap_or_default()
                ),
            ));
        }
        declared.push((location, key, &p.origin));
        if location == ParamLocation::Path && !path.has_param(&p.name) {
            warnings.push(Warning::new(
                p.origin.clone(),
                format!(
                    "path parameter `{}` does not appear in the path `{}`; it is ignored",
                    p.name, op.path
                ),
            ));
            continue;
        }
        params.push(parameter(cx, p, location, &mut taken)?);
    }
    Ok(params)
}

/// One parameter sent in `location`: its type and style, its documentation, what it holds when
/// absent.
fn parameter(
    cx: &mut Context<'_, '_>,
    p: &frontend::Parameter,
    location: ParamLocation,
    taken: &mut HashSet<String>,
) -> Result<Param> {
    let builder = &mut *cx.builder;
    let ty = builder.ty(
        &p.schema,
        &Naming::new(format!("{}{}", cx.type_prefix, pascal(&p.name))),
    )?;
    // `fields...` in a query: the Matrix spec's way of saying "any further query fields"
    let catch_all = location == ParamLocation::Query && p.name.ends_with("...");
    let scalar =
        |t: &Ty| matches!(t, Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::Number | Ty::Id(_)) || builder.is_enum(t);
    let (style, ty) = params::style(location, ty, &p.serialization, catch_all, scalar)
        .map_err(|message| Error::new(p.origin.clone(), message))?;
    let catch_all = style == ParamStyle::Entries;
    let wire = if p.name.ends_with("...") {
        p.name.trim_end_matches('.').to_owned()
    } else {
        p.name.clone()
    };
    let default = builder.default_of(&p.schema);
    let doc = parameter_doc(p, location, catch_all, &wire, default.as_ref(), cx.markup);
    let required = p.required || catch_all;
    let absent = match location {
        // text defaults only for strings and enums (an enum is built `From<&str>`)
        ParamLocation::Query if !catch_all && (!matches!(ty, Ty::Named(_)) || builder.is_enum(&ty)) => {
            Absent::of(&ty, required, false, default.as_ref(), p.description.as_deref(), true)
        }
        _ => Absent::Nothing,
    };
    Ok(Param {
        name: unique(&snake(&wire), taken),
        wire,
        location,
        required,
        absent,
        ty,
        doc,
        example: p.example.as_ref().map(Example::new),
        style,
    })
}

/// A parameter's documentation: what it is, the spec's description, its default, its versions.
fn parameter_doc(
    p: &frontend::Parameter,
    location: ParamLocation,
    catch_all: bool,
    wire: &str,
    default: Option<&serde_json::Value>,
    markup: Markup,
) -> String {
    let mut doc = if p.name.ends_with("...") {
        format!("Further query parameters (the spec's `{wire}...`), by name.")
    } else if catch_all {
        format!("The `{wire}` query parameter: each of its entries is a query parameter of its own.")
    } else {
        format!("The `{wire}` {} parameter.", location.as_str())
    };
    if let Some(d) = &p.description {
        doc.push_str(&format!("\n\n{d}"));
    }
    if let Some(d) = default {
        doc.push_str(&format!("\n\nWhen absent: `{d}`."));
    }
    let mut doc = render(&doc, markup);
    let versions = Versions::from_extensions(&p.extensions, markup).doc();
    if !versions.is_empty() {
        doc.push_str(&format!("\n\n{versions}"));
    }
    doc
}

/// One documented response: its body and headers.
fn response(cx: &mut Context<'_, '_>, r: &frontend::Response) -> Result<ResponseDef> {
    let media = json_media(&r.content);
    let suffix = match r.status {
        Status::Code(c) if (200..300).contains(&c) => "Response".to_owned(),
        Status::Code(c) => format!("Response{c}"),
        Status::Range(r) => format!("Response{r}xx"),
        Status::Default => "ResponseDefault".to_owned(),
    };
    let body = match media.and_then(|m| m.schema.as_ref()) {
        _ if media.is_some_and(|m| !is_json(&m.mime)) => Some(Shape::Binary),
        Some(s) => Some(shape(cx.builder, s, &format!("{}{suffix}", cx.type_prefix), false)?),
        None => None,
    };
    let headers = response_headers(cx, r, &body, &suffix)?;
    Ok(ResponseDef {
        status: r.status,
        doc: render(&r.description, cx.markup),
        body,
        example: media.and_then(|m| m.example.as_ref()).map(Example::new),
        headers,
    })
}

/// The headers a response documents, their field names unique beside its body's fields.
fn response_headers(
    cx: &mut Context<'_, '_>,
    r: &frontend::Response,
    body: &Option<Shape>,
    suffix: &str,
) -> Result<Vec<ResponseHeader>> {
    let mut taken: HashSet<String> = match body {
        Some(Shape::Fields(def)) => def.fields.iter().map(|f| f.name.clone()).collect(),
        // a binary body comes with its `Content-Type` already
        Some(Shape::Binary) => ["body".to_owned(), "content_type".to_owned()].into(),
        _ => ["body".to_owned()].into(),
    };
    let mut headers = Vec::new();
    for h in &r.headers {
        if matches!(body, Some(Shape::Binary)) && h.name.eq_ignore_ascii_case("content-type") {
            continue;
        }
        let ty = match &h.schema {
            Some(schema) => cx.builder.ty(
                schema,
                &Naming::new(format!("{}{suffix}{}", cx.type_prefix, pascal(&h.name))),
            )?,
            None => Ty::String,
        };
        // headers are text: a scalar, else the text as it is
        let ty = match ty {
            Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::Number | Ty::Id(_) => ty,
            _ => Ty::String,
        };
        let mut doc = format!("The `{}` header.", h.name);
        if let Some(d) = &h.description {
            doc.push_str(&format!("\n\n{d}"));
        }
        headers.push(ResponseHeader {
            name: unique(&snake(&h.name), &mut taken),
            wire: h.name.clone(),
            ty,
            doc: render(&doc, cx.markup),
        });
    }
    Ok(headers)
}

/// The success: the first 2xx, else a redirect (SSO answers 302 and nothing else).
fn success(responses: &[ResponseDef]) -> ResponseDef {
    responses
        .iter()
        .find(|r| matches!(r.status, Status::Code(c) if (200..300).contains(&c)))
        .or_else(|| responses.iter().find(|r| r.is_redirect()))
        .cloned()
        .unwrap_or(ResponseDef {
            status: Status::Code(200),
            doc: String::new(),
            body: None,
            example: None,
            headers: Vec::new(),
        })
}

/// Whether a media type is JSON (`application/json`, `application/problem+json`, ...).
fn is_json(mime: &str) -> bool {
    let essence = mime.split(';').next().unwrap_or_default().trim();
    essence == "application/json" || essence.ends_with("+json") || essence == "*/*"
}

/// The JSON media type of a body, or its first one.
fn json_media(content: &[frontend::MediaType]) -> Option<&frontend::MediaType> {
    content
        .iter()
        .find(|m| m.mime == "application/json")
        .or_else(|| content.first())
}

/// `binary_strings`: a plain `type: string` body is raw bytes (a request body such as the
/// content repository's upload), not a JSON string.
fn shape(builder: &mut TypeBuilder<'_>, s: &SchemaRef, parent: &str, binary_strings: bool) -> Result<Shape> {
    if let SchemaRef::Inline(schema) = s {
        if schema.non_null_types() == [frontend::JsonType::String] && schema.all_of.is_empty() {
            let binary = schema.format.as_deref() == Some("binary");
            if binary || (binary_strings && schema.enumeration.is_empty()) {
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
