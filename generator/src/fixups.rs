//! Stage 2, fixups: tolerance for real-world spec slips whose meaning is clear. Each repair is
//! named in [`FIXUPS`], is made on a raw API document before its references are resolved, and
//! yields a located warning for every place it repairs.

use serde_json::Value;

use crate::error::{push_token, Warning};
use crate::frontend::Version;
use crate::load::SourceFile;

/// A repair of one kind of spec slip, named by its function.
pub struct Fixup {
    /// The input versions the slip is found in.
    pub versions: &'static [Version],
    /// Repairs a document's `paths`, given the document's security schemes' names.
    repair: Repair,
}

/// A repair: of a document's `paths`, given the names of its security schemes, in `file`.
type Repair = fn(&mut serde_json::Map<String, Value>, &[String], &SourceFile, &mut Vec<Warning>);

/// Every repair, in the order they are made.
pub const FIXUPS: &[Fixup] = &[
    Fixup {
        versions: &[Version::Swagger2, Version::OpenApi30, Version::OpenApi31],
        repair: trim_paths,
    },
    Fixup {
        versions: &[Version::Swagger2],
        repair: schema_under_examples,
    },
    Fixup {
        versions: &[Version::Swagger2, Version::OpenApi30, Version::OpenApi31],
        repair: register_without_type,
    },
];

/// Repairs `doc` (the content of `file`, written in `version`) in place, returning one warning
/// per repair.
pub fn apply(doc: &mut Value, version: Version, file: &SourceFile) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let schemes: Vec<String> = doc
        .pointer("/components/securitySchemes")
        .or_else(|| doc.get("securityDefinitions"))
        .and_then(Value::as_object)
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return warnings;
    };
    for fixup in FIXUPS.iter().filter(|f| f.versions.contains(&version)) {
        (fixup.repair)(paths, &schemes, file, &mut warnings);
    }
    warnings
}

/// Path templates with surrounding white space (`"/rooms/{roomId}/invite "`).
fn trim_paths(
    paths: &mut serde_json::Map<String, Value>,
    _: &[String],
    file: &SourceFile,
    warnings: &mut Vec<Warning>,
) {
    let keys: Vec<String> = paths.keys().cloned().collect();
    for key in keys {
        let trimmed = key.trim();
        if trimmed != key && !paths.contains_key(trimmed) {
            warnings.push(Warning::new(
                file.locate(&push_token("/paths", &key)),
                format!("path `{key}` has white space around it; using `{trimmed}`"),
            ));
            if let Some(item) = paths.shift_remove(&key) {
                paths.insert(trimmed.to_owned(), item);
            }
        }
    }
}

/// A response `schema` indented one level too deep, under `examples`.
fn schema_under_examples(
    paths: &mut serde_json::Map<String, Value>,
    _: &[String],
    file: &SourceFile,
    warnings: &mut Vec<Warning>,
) {
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
                    let pointer = format!(
                        "{}/examples/schema",
                        push_token(
                            &push_token(&push_token(&push_token("/paths", path), method), "responses"),
                            status
                        )
                    );
                    warnings.push(Warning::new(
                        file.locate(&pointer),
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

/// Registration as an application service: the Application Service API has a service register
/// its users with its `as_token` and `"type": "m.login.application_service"`, but `register`
/// takes no token and its body has no `type`. The body gains `type` (optional), and the token
/// becomes optional (with the document's schemes, the Client-Server API's access tokens).
fn register_without_type(
    paths: &mut serde_json::Map<String, Value>,
    schemes: &[String],
    file: &SourceFile,
    warnings: &mut Vec<Warning>,
) {
    for (path, item) in paths.iter_mut() {
        let Some(op) = item.get_mut("post").and_then(Value::as_object_mut) else {
            continue;
        };
        if op.get("operationId").and_then(Value::as_str) != Some("register") {
            continue;
        }
        let op_pointer = push_token(&push_token("/paths", path), "post");
        let takes_no_token = op
            .get("security")
            .is_none_or(|s| s.as_array().is_some_and(Vec::is_empty));
        if takes_no_token && !schemes.is_empty() {
            let mut security = vec![serde_json::json!({})];
            security.extend(schemes.iter().map(|t| serde_json::json!({ t.as_str(): [] })));
            op.insert("security".to_owned(), Value::Array(security));
            warnings.push(Warning::new(
                file.locate(&op_pointer),
                "`register` takes no access token, but an application service registers its users with its `as_token`; the token is read as optional",
            ));
        }
        // OpenAPI 3's request body, or Swagger 2's body parameter
        let (schema, pointer) = if let Some(schema) = op
            .get_mut("requestBody")
            .and_then(|b| b.pointer_mut("/content/application~1json/schema"))
        {
            (
                schema,
                format!("{op_pointer}/requestBody/content/application~1json/schema"),
            )
        } else if let Some(Value::Array(params)) = op.get_mut("parameters") {
            let Some((i, param)) = params
                .iter_mut()
                .enumerate()
                .find(|(_, p)| p.get("in").and_then(Value::as_str) == Some("body"))
            else {
                continue;
            };
            let Some(schema) = param.get_mut("schema") else {
                continue;
            };
            (schema, format!("{op_pointer}/parameters/{i}/schema"))
        } else {
            continue;
        };
        let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        if properties.contains_key("type") {
            continue;
        }
        properties.insert(
            "type".to_owned(),
            serde_json::json!({
                "type": "string",
                "description": "The login type of the registration: `m.login.application_service` when an application service registers one of its users with its `as_token` (as the Application Service API says)."
            }),
        );
        warnings.push(Warning::new(
            file.locate(&format!("{pointer}/properties")),
            "the registration body has no `type`, which an application service registering its users sends (`m.login.application_service`); added as an optional string",
        ));
    }
}
