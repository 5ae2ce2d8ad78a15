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
    repair: fn(&mut serde_json::Map<String, Value>, &SourceFile, &mut Vec<Warning>),
}

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
];

/// Repairs `doc` (the content of `file`, written in `version`) in place, returning one warning
/// per repair.
pub fn apply(doc: &mut Value, version: Version, file: &SourceFile) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return warnings;
    };
    for fixup in FIXUPS.iter().filter(|f| f.versions.contains(&version)) {
        (fixup.repair)(paths, file, &mut warnings);
    }
    warnings
}

/// Path templates with surrounding white space (`"/rooms/{roomId}/invite "`).
fn trim_paths(paths: &mut serde_json::Map<String, Value>, file: &SourceFile, warnings: &mut Vec<Warning>) {
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
fn schema_under_examples(paths: &mut serde_json::Map<String, Value>, file: &SourceFile, warnings: &mut Vec<Warning>) {
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
