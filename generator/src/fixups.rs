//! Stage 2, fixups: tolerance for real-world spec slips whose meaning is clear. Each repair is
//! named in [`FIXUPS`], says what it repairs and how to tell that the spec no longer needs it,
//! and yields a located warning, starting with its name, for every place it repairs. A fixup of
//! a document is made on a raw API document before its references are resolved; a fixup of a
//! schema is made by the resolver on every schema it reads, in any file.
//!
//! A fixup with a target (one operation of one API) also says when the target is not there or
//! no longer looks as the repair expects: a fixup that silently stops matching is how a spec
//! change turns into a wrong crate (the Client-Server API's `register` lost its optional access
//! token in the releases whose `registration.yaml` defines no security scheme).

use serde_json::{Map, Value};

use crate::error::{push_token, Location, Warning};
use crate::load::SourceFile;
use crate::load::Version;

/// A repair of one kind of spec slip.
pub struct Fixup {
    /// Its name, at the start of each of its warnings (`fixup `name`: ...`).
    pub name: &'static str,
    /// The slip it repairs.
    pub repairs: &'static str,
    /// How to recognise that the spec no longer needs it.
    pub obsolete_when: &'static str,
    /// The input versions the slip is found in.
    pub versions: &'static [Version],
    /// What it repairs.
    pub kind: Kind,
}

/// What a fixup repairs.
pub enum Kind {
    /// Any API document's `paths`.
    Document(fn(&mut Map<String, Value>, &Context<'_>, &mut Report)),
    /// The operation `operation_id` (`POST .../register`) of the API served under `base`
    /// (`/_matrix/client`): a document of that API with the operation's method and path but
    /// another id gets a warning (the spec renamed it); where no document has the path, the
    /// operation is not part of the spec, and nothing is said.
    Operation {
        /// The operation's id.
        operation_id: &'static str,
        /// Its method and the end of its path.
        method: &'static str,
        /// The end of its path (`/register`).
        path: &'static str,
        /// The start of the API's base path.
        base: &'static str,
        /// Repairs the operation (its path and method given), telling what it found.
        repair: fn(&mut Map<String, Value>, &Context<'_>, &str, &mut Report),
    },
    /// Any schema, in any file: whether the slip is there, and its repair.
    Schema {
        /// Whether the schema has the slip (cheap: most schemas do not).
        applies: fn(&Map<String, Value>) -> bool,
        /// Repairs it, with a warning.
        repair: fn(&mut Map<String, Value>, &Location, &mut Vec<Warning>),
    },
}

/// Every repair, in the order they are made.
pub const FIXUPS: &[Fixup] = &[
    Fixup {
        name: "trim_paths",
        repairs: "a path template with white space around it (`\"/rooms/{roomId}/invite \"` in the seed era)",
        obsolete_when: "no path of the API has white space around it",
        versions: &[Version::Swagger2, Version::OpenApi30, Version::OpenApi31],
        kind: Kind::Document(trim_paths),
    },
    Fixup {
        name: "schema_under_examples",
        repairs: "a response `schema` indented one level too deep, under `examples` (the seed's `post3PIDs`)",
        obsolete_when: "no response has a `schema` under its `examples`",
        versions: &[Version::Swagger2],
        kind: Kind::Document(schema_under_examples),
    },
    Fixup {
        name: "register_as_token",
        repairs: "`register` takes no access token, but the Application Service API has a service register its users with its `as_token`: the token is made optional",
        obsolete_when: "`register` has a `security` section of its own",
        versions: &[Version::Swagger2, Version::OpenApi30, Version::OpenApi31],
        kind: Kind::Operation {
            operation_id: "register",
            method: "post",
            path: "/register",
            base: "/_matrix/client",
            repair: register_as_token,
        },
    },
    Fixup {
        name: "register_type",
        repairs: "the registration body has no `type`, which an application service registering its users sends (`m.login.application_service`): added as an optional string",
        obsolete_when: "the registration body declares `type`",
        versions: &[Version::Swagger2, Version::OpenApi30, Version::OpenApi31],
        kind: Kind::Operation {
            operation_id: "register",
            method: "post",
            path: "/register",
            base: "/_matrix/client",
            repair: register_type,
        },
    },
    Fixup {
        name: "properties_as_a_list",
        repairs: "`properties: []`, an empty list where a mapping of schemas belongs (federation's PDU in r0.6.1): no properties",
        obsolete_when: "no schema writes its `properties` as a list",
        versions: &[Version::Swagger2, Version::OpenApi30, Version::OpenApi31],
        kind: Kind::Schema {
            applies: |map| map.get("properties").is_some_and(|p| p.as_array().is_some_and(Vec::is_empty)),
            repair: properties_as_a_list,
        },
    },
    Fixup {
        name: "schema_in_type",
        repairs: "a `type` list holding a schema beside type names (draft 3's union types, in federation's `claimUserEncryptionKeys` of v1.2-v1.5): a `oneOf` of them",
        obsolete_when: "no `type` list holds anything but type names",
        versions: &[Version::Swagger2, Version::OpenApi30, Version::OpenApi31],
        kind: Kind::Schema {
            applies: |map| {
                matches!(map.get("type"), Some(Value::Array(types)) if types.iter().any(Value::is_object))
                    && !map.contains_key("oneOf")
            },
            repair: schema_in_type,
        },
    },
];

/// What a fixup reads a document with.
pub struct Context<'a> {
    /// The document's file.
    pub file: &'a SourceFile,
    /// The names of its security schemes.
    pub schemes: Vec<String>,
}

impl Context<'_> {
    fn warn(&self, fixup: &str, pointer: &str, message: impl std::fmt::Display) -> Warning {
        Warning::new(self.file.locate(pointer), format!("fixup `{fixup}`: {message}"))
    }
}

/// What a fixup did to one document.
#[derive(Default)]
pub struct Report {
    /// A warning for each repair, and for a target that no longer looks as the repair expects.
    pub warnings: Vec<Warning>,
}

/// Repairs `doc` (the content of `file`, written in `version`) in place, returning one warning per
/// repair, and one for each fixup whose target no longer looks as the repair expects.
pub fn apply(doc: &mut Value, version: Version, file: &SourceFile) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let schemes: Vec<String> = doc
        .pointer("/components/securitySchemes")
        .or_else(|| doc.get("securityDefinitions"))
        .and_then(Value::as_object)
        .map(|s| s.keys().filter(|k| *k != "$ref").cloned().collect())
        .unwrap_or_default();
    let bases = base_paths(doc);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return warnings;
    };
    let cx = Context { file, schemes };
    for fixup in FIXUPS.iter().filter(|f| f.versions.contains(&version)) {
        let mut report = Report::default();
        match &fixup.kind {
            Kind::Document(repair) => repair(paths, &cx, &mut report),
            Kind::Operation {
                operation_id,
                method,
                path,
                base,
                repair,
            } => {
                if !bases.iter().any(|b| b.starts_with(base)) {
                    continue;
                }
                if let Some((op, pointer)) = find_operation(paths, operation_id) {
                    repair(op, &cx, &pointer, &mut report);
                } else if let Some((pointer, id)) = renamed(paths, method, path) {
                    report.warnings.push(cx.warn(
                        fixup.name,
                        &pointer,
                        format!(
                            "the operation it repairs, `{operation_id}`, is `{id}` here: the fixup no longer matches (rename its target, or remove it if the spec no longer needs it)"
                        ),
                    ));
                }
            }
            Kind::Schema { .. } => {}
        }
        warnings.extend(report.warnings);
    }
    warnings
}

/// The pointer and id of the `method` operation of a path ending in `path`, if any.
fn renamed(paths: &Map<String, Value>, method: &str, path: &str) -> Option<(String, String)> {
    paths.iter().filter(|(p, _)| p.ends_with(path)).find_map(|(p, item)| {
        let op = item.get(method)?;
        let id = op.get("operationId").and_then(Value::as_str).unwrap_or("(none)");
        Some((push_token(&push_token("/paths", p), method), id.to_owned()))
    })
}

/// The schema `map` written at `at` repaired by every schema fixup whose slip it has, with their
/// warnings; `None` when it has none (almost always: nothing is copied then).
pub fn schema(map: &Map<String, Value>, at: &Location) -> Option<(Map<String, Value>, Vec<Warning>)> {
    let mut repaired: Option<Map<String, Value>> = None;
    let mut warnings = Vec::new();
    for fixup in FIXUPS {
        if let Kind::Schema { applies, repair } = fixup.kind {
            let current = repaired.as_ref().unwrap_or(map);
            if !applies(current) {
                continue;
            }
            let target = repaired.get_or_insert_with(|| map.clone());
            let mut found = Vec::new();
            repair(target, at, &mut found);
            warnings.extend(found.into_iter().map(|w| Warning {
                location: w.location,
                message: format!("fixup `{}`: {}", fixup.name, w.message),
            }));
        }
    }
    repaired.map(|m| (m, warnings))
}

/// The base paths a raw document says it is served under (`basePath`, each server's path).
fn base_paths(doc: &Value) -> Vec<String> {
    let mut out: Vec<String> = doc
        .get("basePath")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .into_iter()
        .collect();
    for server in doc.get("servers").and_then(Value::as_array).into_iter().flatten() {
        let mut url = server.get("url").and_then(Value::as_str).unwrap_or("").to_owned();
        if let Some(Value::Object(vars)) = server.get("variables") {
            for (name, var) in vars {
                let default = var.get("default").and_then(Value::as_str).unwrap_or("");
                url = url.replace(&format!("{{{name}}}"), default);
            }
        }
        let path = match url.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]).to_owned(),
            None => url,
        };
        out.push(path);
    }
    out
}

/// The operation of id `id` in `paths`, and its pointer.
fn find_operation<'p>(paths: &'p mut Map<String, Value>, id: &str) -> Option<(&'p mut Map<String, Value>, String)> {
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, op) in item.iter_mut() {
            let Some(op) = op.as_object_mut() else { continue };
            if op.get("operationId").and_then(Value::as_str) == Some(id) {
                let pointer = push_token(&push_token("/paths", path), method);
                return Some((op, pointer));
            }
        }
    }
    None
}

/// Path templates with surrounding white space (`"/rooms/{roomId}/invite "`).
fn trim_paths(paths: &mut Map<String, Value>, cx: &Context<'_>, report: &mut Report) {
    let keys: Vec<String> = paths.keys().cloned().collect();
    for key in keys {
        let trimmed = key.trim();
        if trimmed != key && !paths.contains_key(trimmed) {
            report.warnings.push(cx.warn(
                "trim_paths",
                &push_token("/paths", &key),
                format!("path `{key}` has white space around it; using `{trimmed}`"),
            ));
            if let Some(item) = paths.shift_remove(&key) {
                paths.insert(trimmed.to_owned(), item);
            }
        }
    }
}

/// A response `schema` indented one level too deep, under `examples`.
fn schema_under_examples(paths: &mut Map<String, Value>, cx: &Context<'_>, report: &mut Report) {
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, op) in item.iter_mut() {
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                let Some(response) = response.as_object_mut() else {
                    continue;
                };
                if response.contains_key("schema") {
                    continue;
                }
                let misplaced = response
                    .get("examples")
                    .and_then(|e| e.get("schema"))
                    .is_some_and(looks_like_schema);
                if !misplaced {
                    continue;
                }
                let schema = response
                    .get_mut("examples")
                    .and_then(Value::as_object_mut)
                    .and_then(|e| e.shift_remove("schema"));
                if let Some(schema) = schema {
                    let at = push_token(
                        &push_token(&push_token(&push_token("/paths", path), method), "responses"),
                        status,
                    );
                    report.warnings.push(cx.warn(
                        "schema_under_examples",
                        &format!("{at}/examples/schema"),
                        "this response's `schema` is indented under `examples`; using it as the response schema",
                    ));
                    response.insert("schema".to_owned(), schema);
                }
            }
        }
    }
}

/// Whether a value under `examples` is a schema rather than a media type's example: media type
/// keys contain a `/`, and a schema object has schema keywords.
fn looks_like_schema(v: &Value) -> bool {
    v.as_object().is_some_and(|o| {
        o.keys().any(|k| {
            matches!(
                k.as_str(),
                "type" | "$ref" | "properties" | "allOf" | "items" | "additionalProperties"
            )
        })
    })
}

/// `register` without a token: the token becomes optional, with the document's schemes, else
/// those its other operations name, else the Matrix spec's `accessToken`.
fn register_as_token(op: &mut Map<String, Value>, cx: &Context<'_>, pointer: &str, report: &mut Report) {
    const NAME: &str = "register_as_token";
    let takes_no_token = op
        .get("security")
        .is_none_or(|s| s.as_array().is_some_and(Vec::is_empty));
    if !takes_no_token {
        report.warnings.push(cx.warn(
            NAME,
            &format!("{pointer}/security"),
            "`register` has a security section of its own: the fixup is no longer needed (remove it)",
        ));
        return;
    }
    let named = if cx.schemes.is_empty() {
        let used = used_schemes(cx.file);
        if used.is_empty() {
            vec!["accessToken".to_owned()]
        } else {
            used
        }
    } else {
        cx.schemes.clone()
    };
    let mut security = vec![serde_json::json!({})];
    security.extend(named.iter().map(|t| serde_json::json!({ t.as_str(): [] })));
    op.insert("security".to_owned(), Value::Array(security));
    report.warnings.push(cx.warn(
        NAME,
        pointer,
        "`register` takes no access token, but an application service registers its users with its `as_token`; the token is read as optional",
    ));
}

/// The security schemes the operations of a raw document name, in the order first named.
fn used_schemes(file: &SourceFile) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let items = file
        .value
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.values());
    for op in items.filter_map(Value::as_object).flat_map(|i| i.values()) {
        for requirement in op.get("security").and_then(Value::as_array).into_iter().flatten() {
            for name in requirement.as_object().into_iter().flat_map(|r| r.keys()) {
                if !out.contains(name) {
                    out.push(name.clone());
                }
            }
        }
    }
    out
}

/// The registration body gains an optional `type`.
fn register_type(op: &mut Map<String, Value>, cx: &Context<'_>, pointer: &str, report: &mut Report) {
    const NAME: &str = "register_type";
    // OpenAPI 3's request body, or Swagger 2's body parameter
    let (schema, at) = if let Some(schema) = op
        .get_mut("requestBody")
        .and_then(|b| b.pointer_mut("/content/application~1json/schema"))
    {
        (
            schema,
            format!("{pointer}/requestBody/content/application~1json/schema"),
        )
    } else if let Some((i, schema)) = op
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .enumerate()
        .find(|(_, p)| p.get("in").and_then(Value::as_str) == Some("body"))
        .and_then(|(i, p)| p.get_mut("schema").map(|s| (i, s)))
    {
        (schema, format!("{pointer}/parameters/{i}/schema"))
    } else {
        report.warnings.push(cx.warn(
            NAME,
            pointer,
            "`register` has no JSON body to add `type` to: the fixup no longer matches",
        ));
        return;
    };
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        report.warnings.push(cx.warn(
            NAME,
            &at,
            "the registration body has no `properties` (a `$ref`?): the fixup no longer matches",
        ));
        return;
    };
    if properties.contains_key("type") {
        report.warnings.push(cx.warn(
            NAME,
            &format!("{at}/properties/type"),
            "the registration body declares `type`: the fixup is no longer needed (remove it)",
        ));
        return;
    }
    properties.insert(
        "type".to_owned(),
        serde_json::json!({
            "type": "string",
            "description": "The login type of the registration: `m.login.application_service` when an application service registers one of its users with its `as_token` (as the Application Service API says)."
        }),
    );
    report.warnings.push(cx.warn(
        NAME,
        &format!("{at}/properties"),
        "the registration body has no `type`, which an application service registering its users sends (`m.login.application_service`); added as an optional string",
    ));
}

/// `properties: []`: no properties.
fn properties_as_a_list(map: &mut Map<String, Value>, at: &Location, warnings: &mut Vec<Warning>) {
    map.insert("properties".to_owned(), Value::Object(Map::new()));
    warnings.push(Warning::new(
        child(at, "properties"),
        "`properties` is an empty list, where a mapping of schemas belongs; read as no properties",
    ));
}

/// `type: [string, {...}]`: a `oneOf` of each type name and each schema.
fn schema_in_type(map: &mut Map<String, Value>, at: &Location, warnings: &mut Vec<Warning>) {
    let Some(Value::Array(types)) = map.get("type") else {
        return;
    };
    let alternatives: Vec<Value> = types
        .iter()
        .map(|t| match t {
            Value::String(name) => serde_json::json!({ "type": name }),
            other => other.clone(),
        })
        .collect();
    map.remove("type");
    map.insert("oneOf".to_owned(), Value::Array(alternatives));
    warnings.push(Warning::new(
        child(at, "type"),
        "this `type` list holds a schema beside type names (draft 3's union type); read as a `oneOf` of them",
    ));
}

/// The location of the child `key` of the node at `at`.
fn child(at: &Location, key: &str) -> Location {
    Location {
        pointer: at.pointer.as_deref().map(|p| push_token(p, key)),
        line: None,
        column: None,
        ..at.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixup_says_what_it_repairs_and_when_it_is_no_longer_needed() {
        let mut names = std::collections::HashSet::new();
        for f in FIXUPS {
            assert!(names.insert(f.name), "{} twice", f.name);
            assert!(!f.repairs.is_empty() && !f.obsolete_when.is_empty(), "{}", f.name);
            assert!(!f.versions.is_empty(), "{}", f.name);
        }
    }

    fn run(text: &str) -> (Value, Vec<String>) {
        let file = crate::load::parse_bytes(text.as_bytes(), "api.yaml".into()).unwrap();
        let mut doc = file.value.clone();
        let warnings = apply(&mut doc, Version::OpenApi31, &file);
        (doc, warnings.into_iter().map(|w| w.message).collect())
    }

    #[test]
    fn register_gets_the_token_its_document_names_even_without_schemes() {
        let text = "openapi: 3.1.0\nservers: [{url: /_matrix/client/v3}]\npaths:\n  /register:\n    post:\n      operationId: register\n      requestBody: {content: {application/json: {schema: {type: object, properties: {a: {}}}}}}\n  /x:\n    get:\n      operationId: x\n      security: [{accessTokenBearer: []}]\n";
        let (doc, warnings) = run(text);
        let op = &doc["paths"]["/register"]["post"];
        assert_eq!(op["security"], serde_json::json!([{}, {"accessTokenBearer": []}]));
        assert!(op["requestBody"]["content"]["application/json"]["schema"]["properties"]["type"].is_object());
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings.iter().all(|w| w.starts_with("fixup `register_")),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_fixup_whose_target_changed_or_went_says_so() {
        // the spec fixed: register has its security and a `type`
        let text = "openapi: 3.1.0\nservers: [{url: /_matrix/client/v3}]\npaths:\n  /register:\n    post:\n      operationId: register\n      security: [{}, {t: []}]\n      requestBody: {content: {application/json: {schema: {type: object, properties: {type: {}}}}}}\n";
        let (_, warnings) = run(text);
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("fixup `register_as_token`") && w.contains("no longer needed")),
            "{warnings:?}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("fixup `register_type`") && w.contains("no longer needed")),
            "{warnings:?}"
        );
        // the body moved behind a `$ref`
        let text = "openapi: 3.1.0\nservers: [{url: /_matrix/client/v3}]\npaths:\n  /register:\n    post:\n      operationId: register\n      requestBody: {content: {application/json: {schema: {$ref: body.yaml}}}}\n";
        let (_, warnings) = run(text);
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("fixup `register_type`") && w.contains("no longer matches")),
            "{warnings:?}"
        );
        // renamed away: the API has no `register`
        let text = "openapi: 3.1.0\nservers: [{url: /_matrix/client/v3}]\npaths:\n  /register:\n    post:\n      operationId: registerAccount\n";
        let (_, warnings) = run(text);
        assert_eq!(
            warnings
                .iter()
                .filter(|w| w.contains("`register`, is `registerAccount` here"))
                .count(),
            2,
            "{warnings:?}"
        );
        // a spec without registration, or another API, has nothing to repair and says nothing
        let text = "openapi: 3.1.0\nservers: [{url: /_matrix/client/v3}]\npaths:\n  /login:\n    post:\n      operationId: login\n";
        assert!(run(text).1.is_empty());
        let text = "openapi: 3.1.0\nservers: [{url: /_matrix/federation/v1}]\npaths:\n  /register:\n    post:\n      operationId: x\n";
        assert!(run(text).1.is_empty());
    }

    #[test]
    fn schema_slips_are_repaired_where_they_stand() {
        let at = Location::node("defs.yaml", "/items");
        let map = serde_json::json!({"type": "object", "properties": []})
            .as_object()
            .cloned()
            .unwrap();
        let (map, warnings) = schema(&map, &at).unwrap();
        assert_eq!(map["properties"], serde_json::json!({}));
        assert_eq!(warnings[0].location.pointer.as_deref(), Some("/items/properties"));
        assert!(warnings[0].message.starts_with("fixup `properties_as_a_list`"));
        let map = serde_json::json!({"type": ["string", {"type": "object", "title": "KeyObject"}]})
            .as_object()
            .cloned()
            .unwrap();
        let (map, warnings) = schema(&map, &at).unwrap();
        assert_eq!(
            map["oneOf"],
            serde_json::json!([{"type": "string"}, {"type": "object", "title": "KeyObject"}])
        );
        assert!(map.get("type").is_none());
        assert!(warnings[0].message.starts_with("fixup `schema_in_type`"));
        // a schema without the slips is left alone
        let map = serde_json::json!({"type": ["string", "null"], "properties": {}})
            .as_object()
            .cloned()
            .unwrap();
        assert!(schema(&map, &at).is_none());
    }
}
