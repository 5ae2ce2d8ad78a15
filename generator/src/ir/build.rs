//! Builds the IR from the front ends' document model, checking what needs the whole spec: unique
//! operation ids, path templates whose every `{name}` is a declared path parameter.

use std::collections::{HashMap, HashSet};

use super::docs::{render, Example};
use super::events;
use super::model::*;
use super::naming::{operation_name, pascal, snake, unique};
use super::params;
use super::path::PathTemplate;
use super::types::{Absent, Field, Naming, Seed, Ty, TypeBuilder};
use super::versions::Versions;
use crate::error::{Error, Location, Result, Warning};
use crate::frontend::{self, Markup, ParamIn, SchemaRef, Spec};

/// A base path as every output uses it: empty, or `/` and segments with no `/` at the end
/// (`_matrix/client/r0/` is `/_matrix/client/r0`, which is what Swagger 2.0 requires and what a
/// server URL's path is).
fn base_path(raw: &str) -> String {
    let trimmed = raw.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

/// Builds the IR, checking what needs the whole spec: unique operation ids, path templates whose
/// every `{name}` is a declared path parameter.
pub fn build(spec: &Spec) -> Result<(Api, Vec<Warning>)> {
    let mut builder = TypeBuilder::new(&spec.schemas);
    if !spec.events.is_empty() {
        builder.events = Some(events::event_set);
    }
    build_with(spec, builder, None)
}

/// The shared crate of a set of APIs: the types of the named schemas `keys` (those two or more
/// of the APIs use) and the event types of `spec` (which holds the event schemas and those
/// named schemas), built once; and the [`Seed`] each API's type space starts from.
pub fn build_shared(spec: &Spec, keys: &[String]) -> Result<(Api, Seed, Vec<Warning>)> {
    let mut builder = TypeBuilder::new(&spec.schemas);
    if !spec.events.is_empty() {
        builder.events = Some(events::event_set);
    }
    for key in keys.iter().filter(|k| !spec.events.contains(k)) {
        builder.ty(&SchemaRef::Ref(key.clone()), &Naming::new("Type"))?;
    }
    let events = events::read(spec, &mut builder)?;
    let event_fields = events::envelope(spec, &mut builder)?;
    let (mut seed, warnings) = builder.finish_seed(&spec.names);
    events::keep_unknown_fields(&mut seed.space, &events, &event_fields);
    let api = Api {
        title: "Matrix APIs: what they share".to_owned(),
        description: None,
        version: String::new(),
        sources: Vec::new(),
        operations: Vec::new(),
        types: seed.space.clone(),
        events,
        event_fields,
    };
    Ok((api, seed, warnings))
}

/// One API of a set: its type space starts from the shared crate's types (`shared`, whose events
/// it carries too), which keep their names.
pub fn build_member(spec: &Spec, shared: &Api, seed: &Seed) -> Result<(Api, Vec<Warning>)> {
    let mut builder = TypeBuilder::seeded(&spec.schemas, seed);
    if !shared.events.is_empty() {
        builder.events = Some(events::event_set);
    }
    let events = (shared.events.clone(), shared.event_fields.clone());
    build_with(spec, builder, Some(events))
}

/// The API of `spec`, its types built by `builder`; its event types read from `spec` (after its
/// named schemas) unless `events` gives them.
fn build_with(
    spec: &Spec,
    mut builder: TypeBuilder<'_>,
    events: Option<(Vec<events::EventDef>, Vec<Field>)>,
) -> Result<(Api, Vec<Warning>)> {
    let mut operations = Vec::new();
    let mut names = HashSet::new();
    let mut ids: HashMap<String, Location> = HashMap::new();
    let mut routes: Vec<(Method, String, Location)> = Vec::new();
    let mut warnings = Vec::new();
    // Named schemas first, in the order they were reached, so that they claim their names; an
    // event schema is read for its content (below), and built whole only where an operation
    // uses it
    for key in spec.schemas.keys().filter(|k| !spec.events.contains(k)) {
        builder.ty(&SchemaRef::Ref(key.clone()), &Naming::new("Type"))?;
    }
    // an API with its own events keeps their unknown fields; a set's are kept in its shared crate
    let own_events = events.is_none();
    let (events, event_fields) = match events {
        Some(given) => given,
        None => (events::read(spec, &mut builder)?, events::envelope(spec, &mut builder)?),
    };
    for doc in &spec.documents {
        let base_path = base_path(doc.base_paths.first().map(String::as_str).unwrap_or_default());
        for op in &doc.operations {
            if let Some(id) = &op.operation_id {
                if let Some(first) = ids.get(id) {
                    let mut at = op.origin.clone();
                    at.pointer = at.pointer.map(|p| format!("{p}/operationId"));
                    return Err(Error::new(
                        spec.loader.complete(&at),
                        format!(
                            "operationId `{id}` is already used at {}",
                            spec.loader.complete(first).to_string().trim_end_matches(": ")
                        ),
                    ));
                }
                ids.insert(id.clone(), op.origin.clone());
            }
            // the same method and path under another base path (`/_matrix/federation/v1` and
            // `/v2`) is another route
            let route = format!("{base_path}{}", op.path);
            if let Some((_, _, first)) = routes.iter().find(|(m, p, _)| *m == op.method && *p == route) {
                warnings.push(Warning::new(
                    op.origin.clone(),
                    format!(
                        "{} {} is also defined at {}; both operations are generated, and the server routes the path to the first",
                        op.method.as_str(),
                        op.path,
                        first.to_string().trim_end_matches(": ")
                    ),
                ));
            }
            routes.push((op.method, route, op.origin.clone()));
            operations.push(operation(
                &mut builder,
                &base_path,
                doc.markup(),
                op,
                &mut names,
                &mut warnings,
            )?);
        }
    }
    warnings.extend(unstated_security(spec));
    let (mut types, type_warnings) = builder.finish(&spec.names);
    if own_events {
        events::keep_unknown_fields(&mut types, &events, &event_fields);
    }
    warnings.extend(type_warnings);
    let first = spec.documents.first();
    let api = Api {
        title: first.map(|d| d.title.clone()).unwrap_or_default(),
        description: first.and_then(|d| d.description.as_deref().map(|t| render(t, d.markup()))),
        version: first.map(|d| d.api_version.clone()).unwrap_or_default(),
        sources: spec.documents.iter().map(|d| d.file.clone()).collect(),
        operations,
        types,
        events,
        event_fields,
    };
    Ok((api, warnings))
}

/// A warning for each operation whose security the spec leaves out (neither it nor its document
/// has a `security`), where other operations of the API state theirs: it is generated as taking
/// no credentials, which may be a slip (an explicit `security: []` says so on purpose).
fn unstated_security(spec: &Spec) -> Vec<Warning> {
    let operations = || spec.documents.iter().flat_map(|d| &d.operations);
    if !operations().any(|op| op.security.as_ref().is_some_and(|s| !s.is_empty())) {
        return Vec::new();
    }
    operations()
        .filter(|op| op.security.is_none())
        .map(|op| {
            let id = op.operation_id.as_deref().unwrap_or(&op.path);
            Warning::new(
                op.origin.clone(),
                format!(
                    "`{id}` states no `security`, where other operations of this API do: it is generated as taking no access token (`security: []` says so on purpose)"
                ),
            )
        })
        .collect()
}

/// Whether a security scheme is federation's request signature: HTTP authorization with the
/// `X-Matrix` scheme.
fn is_server_signature(scheme: &frontend::SecurityScheme) -> bool {
    matches!(scheme, frontend::SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("x-matrix"))
}

fn operation(
    builder: &mut TypeBuilder<'_>,
    base_path: &str,
    markup: Markup,
    op: &frontend::SpecOperation,
    names: &mut HashSet<String>,
    warnings: &mut Vec<Warning>,
) -> Result<Operation> {
    let source = op.origin.clone();
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
    let id = match &op.operation_id {
        Some(id) => id.clone(),
        None => format!("{}{}", op.method.key(), pascal(&op.path)),
    };
    let name = operation_name(&id, names);
    let type_prefix = pascal(&id);

    let auth = match &op.security {
        None => Auth::None,
        Some(reqs) if reqs.is_empty() => Auth::None,
        Some(reqs) if reqs.iter().any(|r| r.is_empty()) => Auth::Optional,
        // every scheme accepted is a server's signature
        Some(reqs)
            if reqs
                .iter()
                .flatten()
                .all(|(_, s)| s.as_ref().is_some_and(is_server_signature)) =>
        {
            Auth::Signed
        }
        Some(_) => Auth::Required,
    };

    let body = match &op.body {
        Some(rb) => {
            let media = json_media(&rb.content);
            let shape = match media.and_then(|m| m.schema.as_ref()) {
                _ if media.is_some_and(|m| !is_json(&m.mime)) => Shape::Binary,
                Some(s) => shape(builder, s, &format!("{type_prefix}Request"), true)?,
                None => Shape::Whole(Ty::JsonObject),
            };
            Some(Body {
                doc: rb.description.as_deref().map(|t| render(t, markup)),
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
    };
    let mut taken: HashSet<String> = body_fields(&body).iter().map(|f| f.name.clone()).collect();
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
        let ty = builder.ty(&p.schema, &Naming::new(format!("{type_prefix}{}", pascal(&p.name))))?;
        // `fields...` in a query: the Matrix spec's way of saying "any further query fields"
        let catch_all = location == ParamLocation::Query && p.name.ends_with("...");
        let scalar = |t: &Ty| {
            matches!(t, Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::Number | Ty::Id(_)) || builder.is_enum(t)
        };
        let (style, ty) = params::style(location, ty, &p.serialization, catch_all, scalar)
            .map_err(|message| Error::new(p.origin.clone(), message))?;
        let catch_all = style == ParamStyle::Entries;
        let wire = if p.name.ends_with("...") {
            p.name.trim_end_matches('.').to_owned()
        } else {
            p.name.clone()
        };
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
        let default = builder.default_of(&p.schema);
        if let Some(d) = &default {
            doc.push_str(&format!("\n\nWhen absent: `{d}`."));
        }
        let mut doc = render(&doc, markup);
        let versions = Versions::from_extensions(&p.extensions, markup).doc();
        if !versions.is_empty() {
            doc.push_str(&format!("\n\n{versions}"));
        }
        let required = p.required || catch_all;
        let absent = match location {
            // text defaults only for strings and enums (an enum is built `From<&str>`)
            ParamLocation::Query if !catch_all && (!matches!(ty, Ty::Named(_)) || builder.is_enum(&ty)) => {
                Absent::of(&ty, required, false, default.as_ref(), p.description.as_deref(), true)
            }
            _ => Absent::Nothing,
        };
        params.push(Param {
            name: unique(&snake(&wire), &mut taken),
            wire,
            location,
            required,
            absent,
            ty,
            doc,
            example: p.example.as_ref().map(Example::new),
            style,
        });
    }

    let mut responses = Vec::new();
    for r in &op.responses {
        let media = json_media(&r.content);
        let suffix = match r.status {
            Status::Code(c) if (200..300).contains(&c) => "Response".to_owned(),
            Status::Code(c) => format!("Response{c}"),
            Status::Range(r) => format!("Response{r}xx"),
            Status::Default => "ResponseDefault".to_owned(),
        };
        let body = match media.and_then(|m| m.schema.as_ref()) {
            _ if media.is_some_and(|m| !is_json(&m.mime)) => Some(Shape::Binary),
            Some(s) => Some(shape(builder, s, &format!("{type_prefix}{suffix}"), false)?),
            None => None,
        };
        let mut taken: HashSet<String> = match &body {
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
                Some(schema) => builder.ty(
                    schema,
                    &Naming::new(format!("{type_prefix}{suffix}{}", pascal(&h.name))),
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
                doc: render(&doc, markup),
            });
        }
        responses.push(ResponseDef {
            status: r.status,
            doc: render(&r.description, markup),
            body,
            example: media.and_then(|m| m.example.as_ref()).map(Example::new),
            headers,
        });
    }
    responses.sort_by_key(|r| r.status);
    // the success: the first 2xx, else a redirect (SSO answers 302 and nothing else)
    let success = responses
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
        });

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
        versions: Versions::from_extensions(&op.extensions, markup),
        auth,
        params,
        body,
        success,
        responses,
        source,
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
