//! Stage 3, normalize: one document model for every input. Swagger 2.0 documents are upgraded
//! into OpenAPI 3.0 (as swagger2openapi does) and read into `openapiv3`; OpenAPI 3.0 documents
//! enter here directly. Placeholders such as `%CLIENT_MAJOR_VERSION%` are substituted, and the
//! structural checks that need the document's own pointers are made here.

use std::collections::{BTreeMap, HashMap};

use indexmap::IndexMap;
use serde_json::{json, Map, Value};

use crate::error::{push_token, Error, Location, Result, Warning};
use crate::resolve::{Bundle, ORIGIN_KEY};

pub const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// A hoisted schema, read into the document model.
#[derive(Debug)]
pub struct NamedSchema {
    pub location: Location,
    pub name_hint: String,
    pub schema: openapiv3::Schema,
}

/// One API document in the document model.
#[derive(Debug)]
pub struct Document {
    /// File, relative to the spec root.
    pub file: String,
    pub api: openapiv3::OpenAPI,
    /// Where each operation stands in the source, by (path, method).
    pub origins: HashMap<(String, String), Location>,
}

/// Every document of the spec folder plus the schemas they share.
#[derive(Debug)]
pub struct Normalized {
    pub documents: Vec<Document>,
    pub schemas: IndexMap<String, NamedSchema>,
    pub warnings: Vec<Warning>,
    /// The loaded files, to give later diagnostics their lines.
    pub loader: crate::load::Loader,
}

/// Upgrades and reads the bundle. `placeholders` maps `NAME` to its value for `%NAME%`.
pub fn normalize(mut bundle: Bundle, placeholders: &BTreeMap<String, String>) -> Result<Normalized> {
    let mut warnings = std::mem::take(&mut bundle.warnings);
    let mut schemas = IndexMap::new();
    let hoisted_schemas = std::mem::take(&mut bundle.schemas);
    for (key, hoisted) in hoisted_schemas {
        let mut value = hoisted.value;
        substitute(&mut value, placeholders);
        let value = upgrade_schema(value, &mut warnings);
        let schema: openapiv3::Schema = serde_json::from_value(value).map_err(|e| {
            Error::new(
                bundle.loader.complete(&hoisted.location),
                format!("this schema cannot be read: {e}"),
            )
        })?;
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
    let mut operation_ids: HashMap<String, Location> = HashMap::new();
    for doc in std::mem::take(&mut bundle.documents) {
        let mut value = doc.value;
        substitute(&mut value, placeholders);
        let mut origins = HashMap::new();
        let upgraded = if value.get("swagger").is_some() {
            upgrade_document(&bundle, &doc.file, value, &mut warnings, &mut origins)?
        } else {
            record_origins(&doc.file, &value, &mut origins);
            value
        };
        check_operations(&bundle, &doc.file, &upgraded, &mut operation_ids, &mut warnings)?;
        let api: openapiv3::OpenAPI = serde_json::from_value(upgraded).map_err(|e| {
            Error::new(
                bundle.locate(&doc.file, ""),
                format!("this document cannot be read as OpenAPI 3.0: {e}"),
            )
        })?;
        documents.push(Document {
            file: doc.file,
            api,
            origins,
        });
    }
    Ok(Normalized {
        documents,
        schemas,
        warnings,
        loader: bundle.loader,
    })
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

fn op_pointer(path: &str, method: &str) -> String {
    push_token(&push_token("/paths", path), method)
}

fn record_origins(file: &str, doc: &Value, origins: &mut HashMap<(String, String), Location>) {
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                if item.get(method).is_some() {
                    origins.insert(
                        (path.clone(), (*method).to_owned()),
                        Location::node(file, op_pointer(path, method)),
                    );
                }
            }
        }
    }
}

/// Checks that need the source's pointers: operation ids unique across all documents, every
/// `{name}` of a path declared as a path parameter, at most one body.
fn check_operations(
    bundle: &Bundle,
    file: &str,
    doc: &Value,
    ids: &mut HashMap<String, Location>,
    warnings: &mut Vec<Warning>,
) -> Result<()> {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Err(Error::new(bundle.locate(file, ""), "the document has no `paths`"));
    };
    for (path, item) in paths {
        if !path.starts_with('/') {
            return Err(Error::new(
                bundle.locate(file, &push_token("/paths", path)),
                format!("path `{path}` must start with `/`"),
            ));
        }
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let pointer = op_pointer(path, method);
            let at = Location::node(file, pointer.clone());
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                if let Some(first) = ids.get(id) {
                    return Err(Error::new(
                        bundle.locate(file, &push_token(&pointer, "operationId")),
                        format!(
                            "operationId `{id}` is already used at {}",
                            bundle.loader.complete(first).to_string().trim_end_matches(": ")
                        ),
                    ));
                }
                ids.insert(id.to_owned(), at.clone());
            }
            let params: Vec<&Value> = op
                .get("parameters")
                .and_then(Value::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            let shared: Vec<&Value> = item
                .get("parameters")
                .and_then(Value::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            let declared: Vec<&str> = params
                .iter()
                .chain(shared.iter())
                .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
                .filter_map(|p| p.get("name").and_then(Value::as_str))
                .collect();
            for name in template_names(path) {
                if !declared.contains(&name) {
                    return Err(Error::new(
                        bundle.loader.complete(&at),
                        format!("the path has `{{{name}}}` but the operation declares no path parameter `{name}`"),
                    ));
                }
            }
            let names = template_names(path);
            for (i, p) in params.iter().enumerate() {
                if p.get("in").and_then(Value::as_str) == Some("path") {
                    if let Some(name) = p.get("name").and_then(Value::as_str) {
                        if !names.contains(&name) {
                            warnings.push(Warning::new(
                                bundle.locate(file, &format!("{pointer}/parameters/{i}")),
                                format!("path parameter `{name}` does not appear in the path `{path}`; it is ignored"),
                            ));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// The `{name}`s of a path template.
pub fn template_names(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        out.push(&after[..close]);
        rest = &after[close + 1..];
    }
    out
}

/// Swagger 2.0 → OpenAPI 3.0.
fn upgrade_document(
    bundle: &Bundle,
    file: &str,
    doc: Value,
    warnings: &mut Vec<Warning>,
    origins: &mut HashMap<(String, String), Location>,
) -> Result<Value> {
    let Value::Object(doc) = doc else {
        return Err(Error::new(bundle.locate(file, ""), "an API document must be a mapping"));
    };
    let mut out = Map::new();
    out.insert("openapi".into(), json!("3.0.3"));
    let mut info = doc.get("info").cloned().unwrap_or_else(|| json!({}));
    if let Value::Object(i) = &mut info {
        i.entry("title").or_insert_with(|| json!(""));
        i.entry("version").or_insert_with(|| json!(""));
    }
    out.insert("info".into(), info);
    let base = doc.get("basePath").and_then(Value::as_str).unwrap_or("/");
    out.insert("servers".into(), json!([{ "url": base }]));
    let consumes = media_types(doc.get("consumes"));
    let produces = media_types(doc.get("produces"));

    let mut components = Map::new();
    if let Some(Value::Object(defs)) = doc.get("securityDefinitions") {
        let mut schemes = Map::new();
        for (name, def) in defs {
            schemes.insert(name.clone(), upgrade_security_scheme(bundle, file, name, def)?);
        }
        components.insert("securitySchemes".into(), Value::Object(schemes));
    }
    out.insert("components".into(), Value::Object(components));
    if let Some(sec) = doc.get("security") {
        out.insert("security".into(), sec.clone());
    }
    if let Some(tags) = doc.get("tags") {
        out.insert("tags".into(), tags.clone());
    }

    let mut paths = Map::new();
    if let Some(Value::Object(items)) = doc.get("paths") {
        for (path, item) in items {
            let Value::Object(item) = item else {
                return Err(Error::new(
                    bundle.locate(file, &push_token("/paths", path)),
                    "a path item must be a mapping",
                ));
            };
            let mut new_item = Map::new();
            let shared: Vec<Value> = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (key, op) in item {
                if key == "parameters" {
                    continue;
                }
                if !METHODS.contains(&key.as_str()) {
                    if key.starts_with("x-") {
                        new_item.insert(key.clone(), op.clone());
                    }
                    continue;
                }
                let pointer = op_pointer(path, key);
                origins.insert((path.clone(), key.clone()), Location::node(file, pointer.clone()));
                let ctx = OpCtx {
                    bundle,
                    file,
                    pointer: &pointer,
                    consumes: &consumes,
                    produces: &produces,
                };
                new_item.insert(key.clone(), upgrade_operation(&ctx, op, &shared, warnings)?);
            }
            paths.insert(path.clone(), Value::Object(new_item));
        }
    }
    out.insert("paths".into(), Value::Object(paths));
    for (k, v) in &doc {
        if k.starts_with("x-") {
            out.insert(k.clone(), v.clone());
        }
    }
    Ok(Value::Object(out))
}

fn media_types(v: Option<&Value>) -> Vec<String> {
    let list: Vec<String> = v
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    if list.is_empty() {
        vec!["application/json".to_owned()]
    } else {
        list
    }
}

fn upgrade_security_scheme(bundle: &Bundle, file: &str, name: &str, def: &Value) -> Result<Value> {
    let at = || bundle.locate(file, &push_token("/securityDefinitions", name));
    let kind = def.get("type").and_then(Value::as_str).unwrap_or("");
    let description = def.get("description").cloned();
    let mut out = match kind {
        "apiKey" => json!({
            "type": "apiKey",
            "name": def.get("name").cloned().unwrap_or(json!(name)),
            "in": def.get("in").cloned().unwrap_or(json!("header")),
        }),
        "basic" => json!({ "type": "http", "scheme": "basic" }),
        "oauth2" => {
            let flow = def.get("flow").and_then(Value::as_str).unwrap_or("implicit");
            let flow_name = match flow {
                "accessCode" => "authorizationCode",
                "application" => "clientCredentials",
                other => other,
            };
            let mut f = Map::new();
            for k in ["authorizationUrl", "tokenUrl"] {
                if let Some(v) = def.get(k) {
                    f.insert(k.into(), v.clone());
                }
            }
            f.insert("scopes".into(), def.get("scopes").cloned().unwrap_or(json!({})));
            json!({ "type": "oauth2", "flows": { flow_name: f } })
        }
        other => {
            return Err(Error::new(at(), format!("unknown security scheme type `{other}`")));
        }
    };
    if let (Some(d), Value::Object(o)) = (description, &mut out) {
        o.insert("description".into(), d);
    }
    Ok(out)
}

struct OpCtx<'a> {
    bundle: &'a Bundle,
    file: &'a str,
    pointer: &'a str,
    consumes: &'a [String],
    produces: &'a [String],
}

fn upgrade_operation(ctx: &OpCtx<'_>, op: &Value, shared: &[Value], warnings: &mut Vec<Warning>) -> Result<Value> {
    let Value::Object(op) = op else {
        return Err(Error::new(
            ctx.bundle.locate(ctx.file, ctx.pointer),
            "an operation must be a mapping",
        ));
    };
    let mut out = Map::new();
    for k in [
        "summary",
        "description",
        "operationId",
        "tags",
        "deprecated",
        "security",
        "externalDocs",
    ] {
        if let Some(v) = op.get(k) {
            out.insert(k.into(), v.clone());
        }
    }
    for (k, v) in op {
        if k.starts_with("x-") {
            out.insert(k.clone(), v.clone());
        }
    }
    let consumes = match op.get("consumes") {
        Some(v) => media_types(Some(v)),
        None => ctx.consumes.to_vec(),
    };
    let produces = match op.get("produces") {
        Some(v) => media_types(Some(v)),
        None => ctx.produces.to_vec(),
    };

    // Operation parameters override path-level ones with the same name and location.
    let own: Vec<Value> = op
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut params: Vec<(String, Value)> = Vec::new();
    for (i, p) in own.iter().enumerate() {
        params.push((format!("{}/parameters/{i}", ctx.pointer), p.clone()));
    }
    for p in shared {
        let key = (p.get("name"), p.get("in"));
        if !own.iter().any(|o| (o.get("name"), o.get("in")) == key) {
            params.push((format!("{}/parameters", ctx.pointer), p.clone()));
        }
    }
    let mut new_params = Vec::new();
    let mut body: Option<(String, Value)> = None;
    for (pointer, p) in params {
        let at = || ctx.bundle.locate(ctx.file, &pointer);
        let Value::Object(p) = p else {
            return Err(Error::new(at(), "a parameter must be a mapping"));
        };
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            return Err(Error::new(at(), "a parameter needs a `name`"));
        };
        match p.get("in").and_then(Value::as_str) {
            Some("body") => {
                if let Some((first, _)) = &body {
                    return Err(Error::new(
                        at(),
                        format!(
                            "a second body parameter `{name}`; an operation has at most one (the first is at #{first})"
                        ),
                    ));
                }
                body = Some((pointer.clone(), Value::Object(p)));
            }
            Some(location @ ("path" | "query" | "header")) => {
                new_params.push(upgrade_parameter(&p, location, warnings));
            }
            Some("formData") => {
                return Err(Error::new(at(), "`formData` parameters are not supported yet"));
            }
            Some(other) => {
                return Err(Error::new(at(), format!("unknown parameter location `in: {other}`")));
            }
            None => return Err(Error::new(at(), format!("parameter `{name}` has no `in`"))),
        }
    }
    if !new_params.is_empty() {
        out.insert("parameters".into(), Value::Array(new_params));
    }
    if let Some((_, Value::Object(b))) = body {
        let mut schema = b.get("schema").cloned().unwrap_or_else(|| json!({}));
        schema = upgrade_schema(schema, warnings);
        let mut media = Map::new();
        let example = schema.get("example").cloned();
        let mut content = Map::new();
        content.insert("schema".into(), schema);
        if let Some(e) = example {
            content.insert("example".into(), e);
        }
        let content = Value::Object(content);
        for mime in &consumes {
            media.insert(mime.clone(), content.clone());
        }
        let mut rb = Map::new();
        if let Some(d) = b.get("description") {
            rb.insert("description".into(), d.clone());
        }
        rb.insert("required".into(), b.get("required").cloned().unwrap_or(json!(false)));
        rb.insert("content".into(), Value::Object(media));
        out.insert("requestBody".into(), Value::Object(rb));
    }

    let mut responses = Map::new();
    if let Some(Value::Object(rs)) = op.get("responses") {
        for (status, r) in rs {
            if status.starts_with("x-") {
                continue;
            }
            let Value::Object(r) = r else {
                return Err(Error::new(
                    ctx.bundle
                        .locate(ctx.file, &push_token(&push_token(ctx.pointer, "responses"), status)),
                    "a response must be a mapping",
                ));
            };
            responses.insert(status.clone(), upgrade_response(r, &produces, warnings));
        }
    }
    if responses.is_empty() {
        return Err(Error::new(
            ctx.bundle.locate(ctx.file, ctx.pointer),
            "the operation documents no responses",
        ));
    }
    out.insert("responses".into(), Value::Object(responses));
    Ok(Value::Object(out))
}

fn upgrade_parameter(p: &Map<String, Value>, location: &str, warnings: &mut Vec<Warning>) -> Value {
    let mut out = Map::new();
    for k in ["name", "description", "deprecated"] {
        if let Some(v) = p.get(k) {
            out.insert(k.into(), v.clone());
        }
    }
    out.insert("in".into(), json!(location));
    let required = location == "path" || p.get("required").and_then(Value::as_bool).unwrap_or(false);
    out.insert("required".into(), json!(required));
    let mut schema = Map::new();
    for (k, v) in p {
        match k.as_str() {
            "name" | "in" | "description" | "required" | "deprecated" | "collectionFormat" | "allowEmptyValue" => {}
            "x-example" => {
                out.insert("example".into(), v.clone());
            }
            k if k.starts_with("x-") => {
                out.insert(k.into(), v.clone());
            }
            _ => {
                schema.insert(k.clone(), v.clone());
            }
        }
    }
    if schema.get("type").and_then(Value::as_str) == Some("array") {
        let (style, explode) = match (location, p.get("collectionFormat").and_then(Value::as_str)) {
            ("query", Some("multi")) => ("form", true),
            ("query", Some("ssv")) => ("spaceDelimited", false),
            ("query", Some("pipes")) => ("pipeDelimited", false),
            ("query", _) => ("form", false),
            _ => ("simple", false),
        };
        out.insert("style".into(), json!(style));
        out.insert("explode".into(), json!(explode));
    }
    out.insert("schema".into(), upgrade_schema(Value::Object(schema), warnings));
    Value::Object(out)
}

fn upgrade_response(r: &Map<String, Value>, produces: &[String], warnings: &mut Vec<Warning>) -> Value {
    let mut out = Map::new();
    out.insert("description".into(), r.get("description").cloned().unwrap_or(json!("")));
    if let Some(Value::Object(headers)) = r.get("headers") {
        let mut hs = Map::new();
        for (name, h) in headers {
            let mut header = Map::new();
            let mut schema = Map::new();
            if let Value::Object(h) = h {
                for (k, v) in h {
                    match k.as_str() {
                        "description" => {
                            header.insert(k.clone(), v.clone());
                        }
                        "x-example" => {
                            header.insert("example".into(), v.clone());
                        }
                        _ => {
                            schema.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            header.insert("schema".into(), upgrade_schema(Value::Object(schema), warnings));
            hs.insert(name.clone(), Value::Object(header));
        }
        out.insert("headers".into(), Value::Object(hs));
    }
    let schema = r.get("schema").cloned().map(|s| upgrade_schema(s, warnings));
    let examples = r.get("examples").and_then(Value::as_object);
    if schema.is_some() || examples.is_some_and(|e| !e.is_empty()) {
        let mut content = Map::new();
        let mut mimes: Vec<String> = produces.to_vec();
        if let Some(ex) = examples {
            for k in ex.keys() {
                if !mimes.contains(k) {
                    mimes.push(k.clone());
                }
            }
        }
        for mime in mimes {
            let mut media = Map::new();
            if let Some(s) = &schema {
                media.insert("schema".into(), s.clone());
            }
            if let Some(e) = examples.and_then(|e| e.get(&mime)) {
                media.insert("example".into(), e.clone());
            }
            content.insert(mime, Value::Object(media));
        }
        out.insert("content".into(), Value::Object(content));
    }
    Value::Object(out)
}

/// Swagger 2.0 (and the Matrix spec's JSON-Schema liberties) → OpenAPI 3.0 schema.
pub fn upgrade_schema(v: Value, warnings: &mut Vec<Warning>) -> Value {
    let Value::Object(mut s) = v else { return v };
    if s.contains_key("$ref") {
        return Value::Object(s);
    }
    if let Some(Value::Array(types)) = s.get("type").cloned() {
        let non_null: Vec<&Value> = types.iter().filter(|t| t.as_str() != Some("null")).collect();
        if non_null.len() < types.len() {
            s.insert("nullable".into(), json!(true));
        }
        match non_null.as_slice() {
            [one] => {
                s.insert("type".into(), (*one).clone());
            }
            _ => {
                s.shift_remove("type");
                s.insert("x-types".into(), Value::Array(non_null.into_iter().cloned().collect()));
            }
        }
    }
    if s.get("type").and_then(Value::as_str) == Some("file") {
        s.insert("type".into(), json!("string"));
        s.insert("format".into(), json!("binary"));
    }
    if s.get("type").and_then(Value::as_str) == Some("null") {
        s.shift_remove("type");
        s.insert("nullable".into(), json!(true));
        s.insert("x-types".into(), json!(["null"]));
    }
    if let Some(n) = s.shift_remove("x-nullable") {
        s.insert("nullable".into(), n);
    }
    if let Some(Value::String(d)) = s.get("discriminator").cloned() {
        s.insert("discriminator".into(), json!({ "propertyName": d }));
    }
    if s.get("required").is_some_and(|r| !r.is_array()) {
        let origin = crate::resolve::origin_of(
            &s.iter()
                .filter(|(k, _)| *k == ORIGIN_KEY)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
        warnings.push(Warning::new(
            origin,
            "`required` must be a list of property names; ignoring it",
        ));
        s.shift_remove("required");
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(inner) = s.shift_remove(key) {
            let inner = match inner {
                // tuple validation has no OpenAPI 3.0 form: any item
                Value::Array(_) if key == "items" => json!({}),
                other => upgrade_schema(other, warnings),
            };
            s.insert(key.into(), inner);
        }
    }
    for key in ["properties", "patternProperties"] {
        if let Some(Value::Object(props)) = s.shift_remove(key) {
            let props = props
                .into_iter()
                .map(|(k, v)| (k, upgrade_schema(v, warnings)))
                .collect();
            s.insert(key.into(), Value::Object(props));
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(items)) = s.shift_remove(key) {
            let items = items.into_iter().map(|v| upgrade_schema(v, warnings)).collect();
            s.insert(key.into(), Value::Array(items));
        }
    }
    // OpenAPI 3.0 has no `patternProperties`: keep it as an extension the IR can read
    if let Some(pp) = s.shift_remove("patternProperties") {
        s.insert("x-patternProperties".into(), pp);
    }
    Value::Object(s)
}
