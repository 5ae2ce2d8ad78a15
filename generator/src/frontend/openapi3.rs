//! What OpenAPI 3.0 and 3.1 documents share: `servers` with variables, `components`,
//! `requestBody`, media types with `example`/`examples`, `style`/`explode`. The two front ends
//! differ in how they write schemas (their [`Dialect`]) and in what a document must hold.

use serde_json::{Map, Value};

use super::site::{Ctx, Site};
use super::values::{extensions, text};
use super::{
    Dialect, Document, Header, MediaType, ParamIn, Parameter, RequestBody, Response, SchemaRef, SecurityScheme,
    Serialization, SpecOperation, Status, Version,
};
use crate::error::{push_token, Result, Warning};

/// Reads one resolved OpenAPI 3.x document of `version`.
pub fn read(ctx: &Ctx<'_>, doc: &Value, version: Version, warnings: &mut Vec<Warning>) -> Result<Document> {
    let Some(doc) = doc.as_object() else {
        return Err(ctx.error("", "an API document must be a mapping"));
    };
    let info = doc.get("info").and_then(Value::as_object).cloned().unwrap_or_default();
    let base_paths = match doc.get("servers").and_then(Value::as_array) {
        Some(servers) if !servers.is_empty() => servers.iter().map(server_base_path).collect(),
        _ => vec![String::new()],
    };
    let mut schemes: Vec<(String, SecurityScheme)> = Vec::new();
    if let Some(Value::Object(defs)) = doc.get("components").and_then(|c| c.get("securitySchemes")) {
        for (name, def) in defs {
            let pointer = push_token("/components/securitySchemes", name);
            let scheme: SecurityScheme = serde_json::from_value(def.clone())
                .map_err(|e| ctx.error(&pointer, format!("this security scheme cannot be read: {e}")))?;
            schemes.push((name.clone(), scheme));
        }
    }
    let reader = Reader {
        ctx,
        dialect: Dialect::from(version),
        schemes: &schemes,
    };
    let mut operations = super::site::operations(ctx, doc, &schemes, warnings, |site, warnings| {
        reader.operation(site, warnings)
    })?;
    // webhooks are requests the API makes, not ones it serves or a client sends it
    if let Some(Value::Object(hooks)) = doc.get("webhooks") {
        for name in hooks.keys() {
            warnings.push(Warning::new(
                ctx.node(&push_token("/webhooks", name)),
                format!("the webhook `{name}` is not generated: webhooks are requests the API sends, which this generator does not write"),
            ));
        }
    }
    super::site::undefined_schemes(&mut operations, &schemes, warnings);
    Ok(Document {
        file: ctx.file.to_owned(),
        version,
        title: text(&info, "title").unwrap_or_default(),
        description: text(&info, "description"),
        api_version: text(&info, "version").unwrap_or_default(),
        base_paths,
        operations,
    })
}

/// The path of a server URL, its variables at their defaults: `{protocol}://{hostname}{basePath}`
/// with `basePath: {default: /_matrix/client/v3}` is `/_matrix/client/v3`.
fn server_base_path(server: &Value) -> String {
    let mut url = server.get("url").and_then(Value::as_str).unwrap_or("").to_owned();
    if let Some(Value::Object(vars)) = server.get("variables") {
        for (name, var) in vars {
            let default = var.get("default").and_then(Value::as_str).unwrap_or("");
            url = url.replace(&format!("{{{name}}}"), default);
        }
    }
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map(|i| &rest[i..]).unwrap_or(""),
        None => url.as_str(),
    };
    path.to_owned()
}

struct Reader<'a> {
    ctx: &'a Ctx<'a>,
    dialect: Dialect,
    schemes: &'a [(String, SecurityScheme)],
}

impl Reader<'_> {
    fn operation(&self, site: &Site<'_>, warnings: &mut Vec<Warning>) -> Result<SpecOperation> {
        let ctx = self.ctx;
        let mut parameters = Vec::new();
        for (pointer, p) in site.parameters() {
            parameters.push(self.parameter(&pointer, p, warnings)?);
        }
        let body = match site.op.get("requestBody") {
            Some(Value::Object(b)) => Some(RequestBody {
                description: text(b, "description"),
                required: b.get("required").and_then(Value::as_bool).unwrap_or(false),
                content: self.content(
                    b.get("content"),
                    &format!("{}/requestBody/content", site.pointer),
                    warnings,
                ),
            }),
            Some(_) => {
                return Err(ctx.error(
                    &format!("{}/requestBody", site.pointer),
                    "a request body must be a mapping",
                ));
            }
            None => None,
        };
        let responses = site.responses(ctx, |status, r, at| self.response(status, r, at, warnings))?;
        Ok(site.operation(ctx, self.schemes, parameters, body, responses))
    }

    fn parameter(&self, pointer: &str, p: &Value, warnings: &mut Vec<Warning>) -> Result<Parameter> {
        let ctx = self.ctx;
        let (p, name, location) = super::site::parameter_head(ctx, pointer, p)?;
        let location = match location {
            Some("path") => ParamIn::Path,
            Some("query") => ParamIn::Query,
            Some("header") => ParamIn::Header,
            Some("cookie") => ParamIn::Cookie,
            other => return Err(super::site::bad_location(ctx, pointer, name, other)),
        };
        // `content` instead of `schema`: the schema of its (single) media type, written in it
        let content = p
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.iter().next());
        let schema_value = match (p.get("schema"), content) {
            (Some(s), _) => Some((s, format!("{pointer}/schema"))),
            (None, Some((mime, m))) => m
                .get("schema")
                .map(|s| (s, format!("{}/schema", push_token(&format!("{pointer}/content"), mime)))),
            (None, None) => None,
        };
        let schema = match schema_value {
            Some((s, at)) => self.schema(s, &at, warnings),
            None => SchemaRef::Inline(Box::default()),
        };
        let serialization = match content {
            Some((mime, _)) if p.get("schema").is_none() => Serialization::Content(mime.clone()),
            _ => {
                let default_style = if matches!(location, ParamIn::Query | ParamIn::Cookie) {
                    "form"
                } else {
                    "simple"
                };
                let style = p.get("style").and_then(Value::as_str).unwrap_or(default_style);
                let explode = p.get("explode").and_then(Value::as_bool).unwrap_or(style == "form");
                Serialization::Style {
                    style: style.to_owned(),
                    explode,
                }
            }
        };
        Ok(Parameter {
            name: name.to_owned(),
            location,
            required: location == ParamIn::Path || p.get("required").and_then(Value::as_bool).unwrap_or(false),
            description: text(p, "description"),
            deprecated: p.get("deprecated").and_then(Value::as_bool).unwrap_or(false),
            schema,
            serialization,
            example: example(p),
            origin: ctx.node(pointer),
            extensions: extensions(p),
        })
    }

    /// The schema `v`, standing at `pointer` of the document.
    fn schema(&self, v: &Value, pointer: &str, warnings: &mut Vec<Warning>) -> SchemaRef {
        self.ctx.schemas(self.dialect, warnings).read_ref_at(v, pointer)
    }

    /// The media types of a `content` at `pointer`.
    fn content(&self, v: Option<&Value>, pointer: &str, warnings: &mut Vec<Warning>) -> Vec<MediaType> {
        let Some(Value::Object(media)) = v else {
            return Vec::new();
        };
        media
            .iter()
            .map(|(mime, m)| MediaType {
                mime: mime.clone(),
                schema: m
                    .get("schema")
                    .map(|s| self.schema(s, &format!("{}/schema", push_token(pointer, mime)), warnings)),
                example: m.as_object().and_then(example),
            })
            .collect()
    }

    fn response(&self, status: Status, r: &Map<String, Value>, pointer: &str, warnings: &mut Vec<Warning>) -> Response {
        let mut headers = Vec::new();
        if let Some(Value::Object(hs)) = r.get("headers") {
            for (name, h) in hs {
                let at = format!("{}/schema", push_token(&format!("{pointer}/headers"), name));
                headers.push(Header {
                    name: name.clone(),
                    description: h.get("description").and_then(Value::as_str).map(str::to_owned),
                    schema: h.get("schema").map(|s| self.schema(s, &at, warnings)),
                });
            }
        }
        Response {
            status,
            description: text(r, "description").unwrap_or_default(),
            headers,
            content: self.content(r.get("content"), &format!("{pointer}/content"), warnings),
        }
    }
}

/// `example`, or the value of the first of `examples` (a map of example objects).
fn example(m: &Map<String, Value>) -> Option<Value> {
    if let Some(e) = m.get("example") {
        return Some(e.clone());
    }
    m.get("examples")
        .and_then(Value::as_object)
        .and_then(|es| es.values().find_map(|e| e.get("value")))
        .cloned()
}
