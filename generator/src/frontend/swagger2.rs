//! The Swagger 2.0 front end: `basePath`, `consumes`/`produces`, body and `formData`
//! parameters, `collectionFormat`, `x-example`, and schemas in draft 4 as the Matrix spec bends
//! it (`type` lists, `x-nullable`).

use serde_json::{json, Map, Value};

use super::{
    extensions, text, Ctx, Dialect, Document, Header, MediaType, Method, Operation, ParamIn, Parameter, RequestBody,
    Response, SchemaReader, SchemaRef, SecurityScheme, Status, Version,
};
use crate::error::{push_token, Result, Warning};

/// Reads one resolved Swagger 2.0 document.
pub fn read(ctx: &Ctx<'_>, doc: &Value, warnings: &mut Vec<Warning>) -> Result<Document> {
    let Some(doc) = doc.as_object() else {
        return Err(ctx.error("", "an API document must be a mapping"));
    };
    let info = doc.get("info").and_then(Value::as_object).cloned().unwrap_or_default();
    let base = doc.get("basePath").and_then(Value::as_str).unwrap_or("/");
    let consumes = media_types(doc.get("consumes"));
    let produces = media_types(doc.get("produces"));

    let mut schemes: Vec<(String, SecurityScheme)> = Vec::new();
    if let Some(Value::Object(defs)) = doc.get("securityDefinitions") {
        for (name, def) in defs {
            schemes.push((name.clone(), security_scheme(ctx, name, def)?));
        }
    }
    let doc_security = doc.get("security").map(|s| super::requirements(s, &schemes));

    let mut operations = Vec::new();
    if let Some(Value::Object(items)) = doc.get("paths") {
        for (path, item) in items {
            let item_pointer = push_token("/paths", path);
            let Value::Object(item) = item else {
                return Err(ctx.error(&item_pointer, "a path item must be a mapping"));
            };
            let shared: Vec<Value> = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            // operations in a fixed method order, whatever order the spec lists them in
            for method in Method::ALL {
                let key = method.key();
                let Some(op) = item.get(key) else { continue };
                let pointer = push_token(&item_pointer, key);
                let op_ctx = OpCtx {
                    ctx,
                    pointer: &pointer,
                    item_pointer: &item_pointer,
                    consumes: &consumes,
                    produces: &produces,
                    schemes: &schemes,
                };
                let mut operation = operation(&op_ctx, path, method, op, &shared, warnings)?;
                if operation.security.is_none() {
                    operation.security = doc_security.clone();
                }
                operations.push(operation);
            }
        }
    }
    Ok(Document {
        file: ctx.file.to_owned(),
        version: Version::Swagger2,
        markup: Dialect::Swagger2.markup(),
        title: text(&info, "title").unwrap_or_default(),
        description: text(&info, "description"),
        api_version: text(&info, "version").unwrap_or_default(),
        base_paths: vec![base.trim_end_matches('/').to_owned()],
        operations,
    })
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

/// A Swagger 2.0 security definition, in OpenAPI 3's terms.
fn security_scheme(ctx: &Ctx<'_>, name: &str, def: &Value) -> Result<SecurityScheme> {
    let pointer = push_token("/securityDefinitions", name);
    let kind = def.get("type").and_then(Value::as_str).unwrap_or("");
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
        other => return Err(ctx.error(&pointer, format!("unknown security scheme type `{other}`"))),
    };
    if let (Some(d), Value::Object(o)) = (def.get("description"), &mut out) {
        o.insert("description".into(), d.clone());
    }
    serde_json::from_value(out).map_err(|e| ctx.error(&pointer, format!("this security scheme cannot be read: {e}")))
}

struct OpCtx<'a> {
    ctx: &'a Ctx<'a>,
    pointer: &'a str,
    item_pointer: &'a str,
    consumes: &'a [String],
    produces: &'a [String],
    schemes: &'a [(String, SecurityScheme)],
}

fn operation(
    oc: &OpCtx<'_>,
    path: &str,
    method: Method,
    op: &Value,
    shared: &[Value],
    warnings: &mut Vec<Warning>,
) -> Result<Operation> {
    let ctx = oc.ctx;
    let Value::Object(op) = op else {
        return Err(ctx.error(oc.pointer, "an operation must be a mapping"));
    };
    let consumes = match op.get("consumes") {
        Some(v) => media_types(Some(v)),
        None => oc.consumes.to_vec(),
    };
    let produces = match op.get("produces") {
        Some(v) => media_types(Some(v)),
        None => oc.produces.to_vec(),
    };

    // Operation parameters override path-level ones with the same name and location.
    let own: Vec<Value> = op
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut params: Vec<(String, Value)> = Vec::new();
    for (i, p) in own.iter().enumerate() {
        params.push((format!("{}/parameters/{i}", oc.pointer), p.clone()));
    }
    for (i, p) in shared.iter().enumerate() {
        let key = (p.get("name"), p.get("in"));
        if !own.iter().any(|o| (o.get("name"), o.get("in")) == key) {
            params.push((format!("{}/parameters/{i}", oc.item_pointer), p.clone()));
        }
    }
    let mut parameters = Vec::new();
    let mut body: Option<(String, Map<String, Value>)> = None;
    for (pointer, p) in params {
        let Value::Object(p) = p else {
            return Err(ctx.error(&pointer, "a parameter must be a mapping"));
        };
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            return Err(ctx.error(&pointer, "a parameter needs a `name`"));
        };
        let location = match p.get("in").and_then(Value::as_str) {
            Some("body") => {
                if let Some((first, _)) = &body {
                    return Err(ctx.error(
                        &pointer,
                        format!(
                            "a second body parameter `{name}`; an operation has at most one (the first is at #{first})"
                        ),
                    ));
                }
                body = Some((pointer.clone(), p));
                continue;
            }
            Some("path") => ParamIn::Path,
            Some("query") => ParamIn::Query,
            Some("header") => ParamIn::Header,
            Some("formData") => return Err(ctx.error(&pointer, "`formData` parameters are not supported yet")),
            Some(other) => return Err(ctx.error(&pointer, format!("unknown parameter location `in: {other}`"))),
            None => return Err(ctx.error(&pointer, format!("parameter `{name}` has no `in`"))),
        };
        parameters.push(parameter(ctx, &pointer, name, location, &p, warnings));
    }
    let body = body.map(|(_, b)| {
        let schema_value = b.get("schema").cloned().unwrap_or_else(|| json!({}));
        let schema = SchemaReader::new(Dialect::Swagger2, warnings).read_ref(&schema_value);
        let example = schema_value.get("example").cloned();
        RequestBody {
            description: text(&b, "description"),
            required: b.get("required").and_then(Value::as_bool).unwrap_or(false),
            content: consumes
                .iter()
                .map(|mime| MediaType {
                    mime: mime.clone(),
                    schema: Some(schema.clone()),
                    example: example.clone(),
                })
                .collect(),
        }
    });

    let mut responses = Vec::new();
    if let Some(Value::Object(rs)) = op.get("responses") {
        for (key, r) in rs {
            if key.starts_with("x-") {
                continue;
            }
            let pointer = push_token(&push_token(oc.pointer, "responses"), key);
            let Value::Object(r) = r else {
                return Err(ctx.error(&pointer, "a response must be a mapping"));
            };
            let Some(status) = Status::parse(key) else {
                return Err(ctx.error(&pointer, format!("`{key}` is not a response status")));
            };
            responses.push(response(status, r, &produces, warnings));
        }
    }
    super::operation(
        ctx, oc.pointer, path, method, op, oc.schemes, parameters, body, responses,
    )
}

/// A path, query or header parameter: its schema is written on the parameter itself.
fn parameter(
    ctx: &Ctx<'_>,
    pointer: &str,
    name: &str,
    location: ParamIn,
    p: &Map<String, Value>,
    warnings: &mut Vec<Warning>,
) -> Parameter {
    let mut schema = Map::new();
    for (k, v) in p {
        match k.as_str() {
            "name" | "in" | "description" | "required" | "deprecated" | "collectionFormat" | "allowEmptyValue" => {}
            k if k.starts_with("x-") => {}
            _ => {
                schema.insert(k.clone(), v.clone());
            }
        }
    }
    let explode = location == ParamIn::Query && p.get("collectionFormat").and_then(Value::as_str) == Some("multi");
    Parameter {
        name: name.to_owned(),
        location,
        required: location == ParamIn::Path || p.get("required").and_then(Value::as_bool).unwrap_or(false),
        description: text(p, "description"),
        deprecated: p.get("deprecated").and_then(Value::as_bool).unwrap_or(false),
        schema: param_schema(ctx, pointer, &Value::Object(schema), warnings),
        explode,
        example: p.get("x-example").cloned(),
        origin: ctx.node(pointer),
        extensions: extensions(p),
    }
}

/// A parameter's schema, written on the parameter itself: located there (and its `items` below
/// it), as the resolver locates only schemas under `schema`.
fn param_schema(ctx: &Ctx<'_>, pointer: &str, v: &Value, warnings: &mut Vec<Warning>) -> SchemaRef {
    let mut schema = SchemaReader::new(Dialect::Swagger2, warnings).read(v);
    schema.origin = ctx.node(pointer);
    if let Some(SchemaRef::Inline(items)) = &mut schema.items {
        if items.origin.file.is_none() {
            items.origin = ctx.node(&format!("{pointer}/items"));
        }
    }
    SchemaRef::Inline(Box::new(schema))
}

fn response(status: Status, r: &Map<String, Value>, produces: &[String], warnings: &mut Vec<Warning>) -> Response {
    let mut headers = Vec::new();
    if let Some(Value::Object(hs)) = r.get("headers") {
        for (name, h) in hs {
            let mut schema = Map::new();
            if let Value::Object(h) = h {
                for (k, v) in h {
                    if k != "description" && !k.starts_with("x-") {
                        schema.insert(k.clone(), v.clone());
                    }
                }
            }
            headers.push(Header {
                name: name.clone(),
                description: h.get("description").and_then(Value::as_str).map(str::to_owned),
                schema: Some(SchemaReader::new(Dialect::Swagger2, warnings).read_ref(&Value::Object(schema))),
            });
        }
    }
    let schema = r
        .get("schema")
        .map(|s| SchemaReader::new(Dialect::Swagger2, warnings).read_ref(s));
    let examples = r.get("examples").and_then(Value::as_object);
    let mut content = Vec::new();
    if schema.is_some() || examples.is_some_and(|e| !e.is_empty()) {
        let mut mimes: Vec<String> = produces.to_vec();
        if let Some(ex) = examples {
            for k in ex.keys() {
                if !mimes.contains(k) {
                    mimes.push(k.clone());
                }
            }
        }
        for mime in mimes {
            let example = examples.and_then(|e| e.get(&mime)).cloned();
            content.push(MediaType {
                mime,
                schema: schema.clone(),
                example,
            });
        }
    }
    Response {
        status,
        description: text(r, "description").unwrap_or_default(),
        headers,
        content,
    }
}
