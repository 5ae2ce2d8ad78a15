//! Builds the IR from the front ends' document model, checking what needs the whole spec: unique
//! operation ids, path templates whose every `{name}` is a declared path parameter.

use std::collections::{HashMap, HashSet};

use super::docs::render;
use super::events;
use super::model::*;
use super::types::{Field, Naming, Seed, TypeBuilder};
use crate::error::{Error, Location, Result, Warning};
use crate::frontend::{SchemaRef, Spec, SpecOperation};

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
            unique_id(spec, op, &mut ids)?;
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
            operations.push(super::operation::operation(
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

/// Refuses an `operationId` an earlier operation of the API has (`ids`: those seen so far).
fn unique_id(spec: &Spec, op: &SpecOperation, ids: &mut HashMap<String, Location>) -> Result<()> {
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
    Ok(())
}

/// One operation as a release's history reads it: without its types.
pub(crate) struct HeadOf {
    pub method: crate::frontend::Method,
    pub base_path: String,
    pub deprecated: bool,
    pub head: super::operation::Head,
}

/// The operations of each document of `spec`, read as far as a history needs them
/// ([`super::operation::Head`]), with the checks [`build`] makes of the same parts: unique
/// operation ids, path templates whose every `{name}` is a declared path parameter.
pub(crate) fn heads(spec: &Spec) -> Result<Vec<Vec<HeadOf>>> {
    let mut ids: HashMap<String, Location> = HashMap::new();
    let mut out = Vec::new();
    for doc in &spec.documents {
        let base_path = base_path(doc.base_paths.first().map(String::as_str).unwrap_or_default());
        let mut ops = Vec::new();
        for op in &doc.operations {
            unique_id(spec, op, &mut ids)?;
            ops.push(HeadOf {
                method: op.method,
                base_path: base_path.clone(),
                deprecated: op.deprecated,
                head: super::operation::head(op, doc.markup())?,
            });
        }
        out.push(ops);
    }
    Ok(out)
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
