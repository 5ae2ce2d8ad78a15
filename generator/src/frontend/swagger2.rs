//! The Swagger 2.0 front end: `basePath`, `consumes`/`produces`, body and `formData`
//! parameters, `collectionFormat`, `x-example`, and schemas in draft 4 as the Matrix spec bends
//! it (`type` lists, `x-nullable`).

use serde_json::{json, Map, Value};

use super::site::{Ctx, Site};
use super::values::{extensions, text};
use super::{
    Dialect, Document, Header, MediaType, ParamIn, Parameter, RequestBody, Response, SchemaRef, SecurityScheme,
    Serialization, SpecOperation, Status, Version,
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
    let mut operations = super::site::operations(ctx, doc, &schemes, warnings, |site, warnings| {
        let oc = OpCtx {
            ctx,
            consumes: &consumes,
            produces: &produces,
            schemes: &schemes,
        };
        operation(&oc, site, warnings)
    })?;
    super::site::undefined_schemes(&mut operations, &schemes, warnings);
    Ok(Document {
        file: ctx.file.to_owned(),
        version: Version::Swagger2,
        title: text(&info, "title").unwrap_or_default(),
        description: text(&info, "description"),
        api_version: text(&info, "version").unwrap_or_default(),
        base_paths: vec![base.to_owned()],
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
    consumes: &'a [String],
    produces: &'a [String],
    schemes: &'a [(String, SecurityScheme)],
}

fn operation(oc: &OpCtx<'_>, site: &Site<'_>, warnings: &mut Vec<Warning>) -> Result<SpecOperation> {
    let ctx = oc.ctx;
    let op = site.op;
    let consumes = match op.get("consumes") {
        Some(v) => media_types(Some(v)),
        None => oc.consumes.to_vec(),
    };
    let produces = match op.get("produces") {
        Some(v) => media_types(Some(v)),
        None => oc.produces.to_vec(),
    };
    let mut parameters = Vec::new();
    let mut body: Option<(String, &Map<String, Value>)> = None;
    for (pointer, p) in site.parameters() {
        let (p, name, location) = super::site::parameter_head(ctx, &pointer, p)?;
        let location = match location {
            Some("body") => {
                if let Some((first, _)) = &body {
                    return Err(ctx.error(
                        &pointer,
                        format!(
                            "a second body parameter `{name}`; an operation has at most one (the first is at #{first})"
                        ),
                    ));
                }
                body = Some((pointer, p));
                continue;
            }
            Some("path") => ParamIn::Path,
            Some("query") => ParamIn::Query,
            Some("header") => ParamIn::Header,
            Some("formData") => return Err(ctx.error(&pointer, "`formData` parameters are not supported yet")),
            other => return Err(super::site::bad_location(ctx, &pointer, name, other)),
        };
        parameters.push(parameter(ctx, &pointer, name, location, p, warnings));
    }
    let body = body.map(|(at, b)| {
        let schema_value = b.get("schema").cloned().unwrap_or_else(|| json!({}));
        let schema = ctx
            .schemas(Dialect::Swagger2, warnings)
            .read_ref_at(&schema_value, &format!("{at}/schema"));
        let example = schema_value.get("example").cloned();
        RequestBody {
            description: text(b, "description"),
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
    let responses = site.responses(ctx, |status, r, at| response(ctx, status, r, at, &produces, warnings))?;
    Ok(site.operation(ctx, oc.schemes, parameters, body, responses))
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
    let format = p.get("collectionFormat").and_then(Value::as_str).unwrap_or("csv");
    Parameter {
        name: name.to_owned(),
        location,
        required: location == ParamIn::Path || p.get("required").and_then(Value::as_bool).unwrap_or(false),
        description: text(p, "description"),
        deprecated: p.get("deprecated").and_then(Value::as_bool).unwrap_or(false),
        schema: param_schema(ctx, pointer, &Value::Object(schema), warnings),
        serialization: Serialization::CollectionFormat(format.to_owned()),
        example: p.get("x-example").cloned(),
        origin: ctx.node(pointer),
        extensions: extensions(p),
    }
}

/// A parameter's schema, written on the parameter itself: located there (and its `items` below
/// it), as the resolver locates only schemas under `schema`.
fn param_schema(ctx: &Ctx<'_>, pointer: &str, v: &Value, warnings: &mut Vec<Warning>) -> SchemaRef {
    let mut schema = ctx.schemas(Dialect::Swagger2, warnings).read_at(v, pointer);
    schema.origin = ctx.node(pointer);
    if let Some(SchemaRef::Inline(items)) = &mut schema.items {
        if items.origin.file.is_none() {
            items.origin = ctx.node(&format!("{pointer}/items"));
        }
    }
    SchemaRef::Inline(Box::new(schema))
}

fn response(
    ctx: &Ctx<'_>,
    status: Status,
    r: &Map<String, Value>,
    pointer: &str,
    produces: &[String],
    warnings: &mut Vec<Warning>,
) -> Response {
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
                schema: Some(
                    ctx.schemas(Dialect::Swagger2, warnings)
                        .read_ref_at(&Value::Object(schema), &push_token(&format!("{pointer}/headers"), name)),
                ),
            });
        }
    }
    let schema = r.get("schema").map(|s| {
        ctx.schemas(Dialect::Swagger2, warnings)
            .read_ref_at(s, &format!("{pointer}/schema"))
    });
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
