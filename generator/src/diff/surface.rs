//! The surface of an API: what code built on its crate sees of it (its operations with their
//! request and response fields, its types with their fields and values, in the names the crate's
//! users write), read from the IR and kept in the crate as `api-surface.json`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ir::{
    self, Api, Auth, Body, Operation, ParamLocation, ResponseDef, Shape, StructDef, Ty, TyLevel, TypeKind, TypeSpace,
};

/// The file of the generated crate that holds its surface.
pub const SURFACE_FILE: &str = "api-surface.json";

/// An API as code built on its crate sees it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Surface {
    /// The API's title and version.
    pub api: String,
    /// Operations by `operationId`.
    pub operations: BTreeMap<String, OperationSurface>,
    /// Named types by their Rust name.
    pub types: BTreeMap<String, TypeSurface>,
}

/// An operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperationSurface {
    /// Its module and method name.
    pub name: String,
    /// `GET /_matrix/client/v3/sync`.
    pub route: String,
    /// Whether the spec deprecates it.
    pub deprecated: bool,
    /// `none`, `required` or `optional`.
    pub auth: String,
    /// Where its security schemes let the access token be sent: `header`, `query` or `header or
    /// query` (empty: no token).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token: String,
    /// Where it is defined (file and JSON pointer).
    pub at: String,
    /// Request parts by `location name` (`query limit`, `path roomId`, `body filter`, `body`).
    pub request: BTreeMap<String, FieldSurface>,
    /// Response parts by `body name`, `body` or `header name`.
    pub response: BTreeMap<String, FieldSurface>,
}

/// A field, parameter, header or whole body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldSurface {
    /// Its type as the crate writes it (`Vec<RoomId>`, `Option<String>` where it may be `null`).
    pub ty: String,
    /// Whether the spec requires it.
    pub required: bool,
    /// Whether the spec deprecates it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
}

impl FieldSurface {
    fn new(ty: String, required: bool) -> Self {
        FieldSurface {
            ty,
            required,
            deprecated: false,
        }
    }
}

/// A named type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TypeSurface {
    /// `struct`, `enum` or `union`.
    pub kind: String,
    /// Where it is defined.
    pub at: String,
    /// Where it is used: `request`, `response` (both, or neither for a type only the spec lists).
    pub used_in: Vec<String>,
    /// A struct's fields by wire name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, FieldSurface>,
    /// An enum's values, or a union's variants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

impl Surface {
    /// The surface of an API.
    pub(crate) fn of(api: &Api) -> Surface {
        let space = &api.types;
        let (request_types, response_types) = used_types(api);
        let mut types = BTreeMap::new();
        for (id, def) in space.iter() {
            let mut used_in = Vec::new();
            if request_types.contains(&id.index()) {
                used_in.push("request".to_owned());
            }
            if response_types.contains(&id.index()) {
                used_in.push("response".to_owned());
            }
            let (kind, fields, values) = match &def.kind {
                TypeKind::Struct(s) => ("struct", struct_fields(s, space, ""), Vec::new()),
                TypeKind::Enum(e) => (
                    "enum",
                    BTreeMap::new(),
                    e.variants.iter().map(|v| v.wire.clone()).collect(),
                ),
                TypeKind::Union(u) => (
                    "union",
                    BTreeMap::new(),
                    u.variants
                        .iter()
                        .map(|v| format!("{}({})", v.name, ty_text(&v.ty, space)))
                        .collect(),
                ),
            };
            types.insert(
                def.name.clone(),
                TypeSurface {
                    kind: kind.to_owned(),
                    at: ir::defined_at(&def.origin),
                    used_in,
                    fields,
                    values,
                },
            );
        }
        let mut operations = BTreeMap::new();
        for op in &api.operations {
            // by `operationId`; one the IR made up for an operation without one could be taken,
            // and then its module name (unique) keeps it apart
            let key = if operations.contains_key(&op.id) {
                op.name.clone()
            } else {
                op.id.clone()
            };
            operations.insert(key, operation(op, space));
        }
        Surface {
            api: format!("{} {}", api.title, api.version).trim().to_owned(),
            operations,
            types,
        }
    }

    /// Reads a crate's `api-surface.json`.
    pub fn from_json(text: &str) -> std::result::Result<Surface, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// The surface as the crate's file holds it: pretty JSON, keys sorted, its first line
    /// marking it as the generator's (as the header of every other file it writes does).
    pub fn to_json(&self) -> String {
        let body = serde_json::to_string_pretty(self).unwrap_or_default();
        let marker = format!(
            "{} from the spec; do not edit. The API as code built on this crate sees it, for `cargo xtask gen` to say what a spec change changes.",
            crate::header::MARKER
        );
        let first = serde_json::to_string(&marker).unwrap_or_default();
        let mut text = match body.strip_prefix("{\n") {
            Some(rest) => format!("{{\"@generated\": {first},\n{rest}"),
            None => body,
        };
        text.push('\n');
        text
    }
}

fn operation(op: &Operation, space: &TypeSpace) -> OperationSurface {
    let mut request = BTreeMap::new();
    for p in &op.params {
        let location = match p.location {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
        };
        request.insert(
            format!("{location} {}", p.wire),
            FieldSurface::new(ty_text(&p.ty, space), p.required),
        );
    }
    if let Some(Body { shape, .. }) = &op.body {
        request.extend(shape_fields(shape, space));
    }
    let mut response = BTreeMap::new();
    let ResponseDef { body, headers, .. } = &op.success;
    if let Some(shape) = body {
        response.extend(shape_fields(shape, space));
    }
    for h in headers {
        response.insert(
            format!("header {}", h.wire),
            FieldSurface::new(ty_text(&h.ty, space), false),
        );
    }
    OperationSurface {
        name: op.name.clone(),
        route: format!("{} {}{}", op.method.as_str(), op.base_path, op.path),
        deprecated: op.deprecated,
        auth: match op.auth {
            Auth::None => "none",
            Auth::Required => "required",
            Auth::Optional => "optional",
            Auth::Signed => "server signature",
        }
        .to_owned(),
        token: op.token.as_str().to_owned(),
        at: ir::defined_at(&op.source),
        request,
        response,
    }
}

fn shape_fields(shape: &Shape, space: &TypeSpace) -> BTreeMap<String, FieldSurface> {
    match shape {
        Shape::Fields(def) => struct_fields(def, space, "body "),
        Shape::Whole(ty) => BTreeMap::from([("body".to_owned(), FieldSurface::new(ty_text(ty, space), true))]),
        Shape::Binary => BTreeMap::from([("body".to_owned(), FieldSurface::new("Bytes".to_owned(), true))]),
    }
}

fn struct_fields(def: &StructDef, space: &TypeSpace, prefix: &str) -> BTreeMap<String, FieldSurface> {
    let mut fields: BTreeMap<String, FieldSurface> = def
        .fields
        .iter()
        .map(|f| {
            let mut ty = ty_text(&f.ty, space);
            if f.keeps_null() {
                ty = format!("Option<{ty}>");
            }
            (
                format!("{prefix}{}", f.wire),
                FieldSurface {
                    ty,
                    required: f.required,
                    deprecated: f.deprecated,
                },
            )
        })
        .collect();
    if let Some(add) = &def.additional {
        fields.insert(
            format!("{prefix}(further properties)"),
            FieldSurface::new(ty_text(add, space), false),
        );
    }
    fields
}

/// A type as the generated crate writes it, in short.
fn ty_text(ty: &Ty, space: &TypeSpace) -> String {
    ty.render(space, &mut |level| match level {
        TyLevel::Leaf(leaf) => match leaf {
            Ty::Bool => "bool".to_owned(),
            Ty::I32 => "i32".to_owned(),
            Ty::I64 => "i64".to_owned(),
            Ty::Number => "Number".to_owned(),
            Ty::Json => "JsonValue".to_owned(),
            Ty::JsonObject => "JsonObject".to_owned(),
            Ty::ErrorCode => "ErrorCode".to_owned(),
            Ty::Bytes => "Bytes".to_owned(),
            _ => "String".to_owned(),
        },
        TyLevel::Vec(t) => format!("Vec<{t}>"),
        TyLevel::Map(t) => format!("Map<String, {t}>"),
        TyLevel::Named(name) => name.to_owned(),
        TyLevel::Nullable(t) => format!("Option<{t}>"),
        TyLevel::Event(set) => format!("Raw<{}Event>", set.words()),
        TyLevel::Id(kind) => kind.type_name().to_owned(),
    })
}

/// The types reachable from the requests and from the responses, by index.
fn used_types(api: &Api) -> (BTreeSet<usize>, BTreeSet<usize>) {
    let ops = &api.operations;
    let request = ops.iter().flat_map(|op| {
        let body = op.body.as_ref().map(|b| b.shape.roots()).unwrap_or_default();
        op.params.iter().map(|p| &p.ty).chain(body)
    });
    let response = ops
        .iter()
        .flat_map(|op| op.success.body.as_ref().map(Shape::roots).unwrap_or_default());
    // where a side carries events, the event types' contents and envelope are used there too
    let event_roots: Vec<&Ty> = api
        .events
        .iter()
        .map(|e| &e.content)
        .chain(api.event_fields.iter().map(|f| &f.ty))
        .collect();
    let side = |roots: Vec<&Ty>| -> BTreeSet<usize> {
        let (mut ids, carries_events) = api.types.reach(roots);
        if carries_events {
            ids.extend(api.types.reachable(event_roots.iter().copied()));
        }
        ids.into_iter().map(|id| id.index()).collect()
    };
    (side(request.collect()), side(response.collect()))
}
