//! What a spec change changes for code built on the generated crate, read from the IR.
//!
//! Each crate carries its API's [`Surface`] (`api-surface.json`): its operations with their
//! request and response fields, and its types with their fields and values, as the IR has them,
//! in the names the crate's users write. [`compare`] lists the changes between two surfaces, and
//! [`Rule::reason`] says, in one place, which of them break code: code that *sends* requests and reads
//! responses (clients) or code that reads requests and builds responses (servers).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::ir::{
    self, Api, Auth, Body, Operation, ParamLocation, ResponseDef, Shape, StructDef, Ty, TypeKind, TypeSpace,
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
            crate::format::MARKER
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
    match ty {
        Ty::String => "String".to_owned(),
        Ty::Bool => "bool".to_owned(),
        Ty::I32 => "i32".to_owned(),
        Ty::I64 => "i64".to_owned(),
        Ty::Number => "Number".to_owned(),
        Ty::Json => "JsonValue".to_owned(),
        Ty::JsonObject => "JsonObject".to_owned(),
        Ty::Vec(t) => format!("Vec<{}>", ty_text(t, space)),
        Ty::Map(t) => format!("Map<String, {}>", ty_text(t, space)),
        Ty::Named(id) => space.get(*id).name.clone(),
        Ty::Nullable(t) => format!("Option<{}>", ty_text(t, space)),
        Ty::ErrorCode => "ErrorCode".to_owned(),
        Ty::Bytes => "Bytes".to_owned(),
        Ty::Event(set) => format!("Raw<{}Event>", set.words()),
        Ty::Id(kind) => kind.type_name().to_owned(),
    }
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

/// Whose code a change breaks: code sending requests and reading responses (clients), or code
/// reading requests and building responses (servers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Breaks {
    /// Nobody's: code built on the old crate builds and behaves on the new one.
    Neither,
    /// Clients'.
    Clients,
    /// Servers'.
    Servers,
    /// Both sides'.
    Both,
}

impl Breaks {
    /// `breaks clients`, ...
    pub fn label(self) -> &'static str {
        match self {
            Breaks::Neither => "compatible",
            Breaks::Clients => "breaks clients",
            Breaks::Servers => "breaks servers",
            Breaks::Both => "breaks clients and servers",
        }
    }

    fn or(self, other: Breaks) -> Breaks {
        match (self, other) {
            (Breaks::Neither, x) | (x, Breaks::Neither) => x,
            (a, b) if a == b => a,
            _ => Breaks::Both,
        }
    }
}

/// A kind of change, with the rule of whom it breaks ([`Rule::reason`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// An operation is new.
    OperationAdded,
    /// An operation is gone.
    OperationRemoved,
    /// The spec now deprecates an operation.
    OperationDeprecated,
    /// The spec no longer deprecates an operation.
    OperationUndeprecated,
    /// An operation has another method, path or version (`r0` to `v3`).
    OperationMoved,
    /// An operation's authentication changed (an access token now required, ...).
    AuthChanged,
    /// A required field or parameter is new (in a request, a response, or a type used there).
    RequiredFieldAdded,
    /// An optional field or parameter is new.
    OptionalFieldAdded,
    /// A field or parameter is gone.
    FieldRemoved,
    /// An optional field is now required.
    FieldNowRequired,
    /// A required field is now optional.
    FieldNowOptional,
    /// A field's type changed.
    FieldTypeChanged,
    /// The spec now deprecates a field.
    FieldDeprecated,
    /// A type is new.
    TypeAdded,
    /// A type is gone (or renamed: gone under its old name).
    TypeRemoved,
    /// A type changed kind (a struct became an enum, ...).
    TypeKindChanged,
    /// An enum has a new value.
    EnumValueAdded,
    /// An enum lost a value.
    EnumValueRemoved,
}

impl Rule {
    /// Every rule, in the order reports list them.
    pub const ALL: [Rule; 18] = [
        Rule::OperationAdded,
        Rule::OperationRemoved,
        Rule::OperationDeprecated,
        Rule::OperationUndeprecated,
        Rule::OperationMoved,
        Rule::AuthChanged,
        Rule::RequiredFieldAdded,
        Rule::OptionalFieldAdded,
        Rule::FieldRemoved,
        Rule::FieldNowRequired,
        Rule::FieldNowOptional,
        Rule::FieldTypeChanged,
        Rule::FieldDeprecated,
        Rule::TypeAdded,
        Rule::TypeRemoved,
        Rule::TypeKindChanged,
        Rule::EnumValueAdded,
        Rule::EnumValueRemoved,
    ];

    /// Whom the change breaks, on the side(s) it is on.
    pub fn breaks(self, request: bool, response: bool) -> Breaks {
        match self {
            Rule::OperationAdded
            | Rule::OperationDeprecated
            | Rule::OperationUndeprecated
            | Rule::OperationMoved
            | Rule::OptionalFieldAdded
            | Rule::FieldDeprecated
            | Rule::TypeAdded
            | Rule::EnumValueAdded => Breaks::Neither,
            Rule::AuthChanged => Breaks::Servers,
            Rule::RequiredFieldAdded => {
                let mut b = Breaks::Neither;
                if request {
                    b = b.or(Breaks::Clients);
                }
                if response {
                    b = b.or(Breaks::Servers);
                }
                b
            }
            Rule::OperationRemoved
            | Rule::FieldRemoved
            | Rule::FieldNowRequired
            | Rule::FieldNowOptional
            | Rule::FieldTypeChanged
            | Rule::TypeRemoved
            | Rule::TypeKindChanged
            | Rule::EnumValueRemoved => Breaks::Both,
        }
    }

    /// Whom its change breaks, given the side it is on (`request`: what clients build and
    /// servers read; `response`: what servers build and clients read), and why: the one place
    /// the classification is written in words ([`Rule::breaks`] decides it; a test holds the
    /// two to each other).
    pub fn reason(self) -> &'static str {
        match self {
            Rule::OperationAdded => "compatible: a new method of the client and of the server trait, which answers `M_UNRECOGNIZED` until implemented",
            Rule::OperationRemoved => "breaks clients and servers: the client method, the server trait method and the module are gone",
            Rule::OperationDeprecated => "compatible: `#[deprecated]` warns, nothing breaks",
            Rule::OperationUndeprecated => "compatible: the `#[deprecated]` mark goes",
            Rule::OperationMoved => "compatible in code (the crate sends and routes the new path), but a client and a server of the two releases no longer meet",
            Rule::AuthChanged => "breaks servers: the server trait method gains or loses its `identity` argument; clients send the token they are given either way",
            Rule::RequiredFieldAdded => "in a request, breaks clients (they must give it: `new` takes it); in a response, breaks servers (they must build it)",
            Rule::OptionalFieldAdded => "compatible for code building with `new` or `Default` and `..` (a struct literal naming every field breaks)",
            Rule::FieldRemoved => "breaks clients and servers: code that sets or reads it no longer builds",
            Rule::FieldNowRequired => "breaks clients and servers: its type loses its `Option` (and in a request, clients must now send it)",
            Rule::FieldNowOptional => "breaks clients and servers: its type becomes an `Option` (and in a response, clients may no longer get it)",
            Rule::FieldTypeChanged => "breaks clients and servers: code that sets or reads it as its old type no longer builds",
            Rule::FieldDeprecated => "compatible: `#[deprecated]` warns",
            Rule::TypeAdded => "compatible: a type nothing could name before",
            Rule::TypeRemoved => "breaks clients and servers that name it",
            Rule::TypeKindChanged => "breaks clients and servers that use it",
            Rule::EnumValueAdded => "compatible: enums are open, a value that was kept as unknown is now a variant of its own",
            Rule::EnumValueRemoved => "breaks clients and servers that name the variant",
        }
    }
}

/// One change.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// What kind.
    pub rule: Rule,
    /// The operation (`operationId`) or type (Rust name) it is in.
    pub subject: String,
    /// Whether the subject is an operation (else a type).
    pub operation: bool,
    /// What changed, in a few words (Markdown).
    pub what: String,
    /// Whom it breaks.
    pub breaks: Breaks,
    /// Where the subject is defined, before and after (empty when it does not exist there).
    pub from_at: String,
    /// See `from_at`.
    pub to_at: String,
}

/// The changes from one surface to another.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// `title version` of both sides.
    pub from: String,
    /// See `from`.
    pub to: String,
    /// Every change, operations first, each group sorted by subject.
    pub changes: Vec<Change>,
}

/// Lists what changed from `from` to `to`.
pub fn compare(from: &Surface, to: &Surface) -> Report {
    let mut changes = Vec::new();
    let names: BTreeSet<&String> = from.operations.keys().chain(to.operations.keys()).collect();
    for id in names {
        let (a, b) = (from.operations.get(id), to.operations.get(id));
        let change = |rule: Rule, what: String, request: bool, response: bool| Change {
            rule,
            subject: id.clone(),
            operation: true,
            what,
            breaks: rule.breaks(request, response),
            from_at: a.map(|o| o.at.clone()).unwrap_or_default(),
            to_at: b.map(|o| o.at.clone()).unwrap_or_default(),
        };
        match (a, b) {
            (None, Some(b)) => changes.push(change(Rule::OperationAdded, format!("`{}`", b.route), false, false)),
            (Some(a), None) => changes.push(change(Rule::OperationRemoved, format!("`{}`", a.route), false, false)),
            (Some(a), Some(b)) => {
                if a.route != b.route {
                    changes.push(change(
                        Rule::OperationMoved,
                        format!("`{}` → `{}`", a.route, b.route),
                        false,
                        false,
                    ));
                }
                if a.deprecated != b.deprecated {
                    let rule = if b.deprecated {
                        Rule::OperationDeprecated
                    } else {
                        Rule::OperationUndeprecated
                    };
                    changes.push(change(rule, format!("`{}`", b.route), false, false));
                }
                if a.auth != b.auth {
                    changes.push(change(
                        Rule::AuthChanged,
                        format!("access token {} → {}", a.auth, b.auth),
                        false,
                        false,
                    ));
                }
                for (part, request, response) in [(&a.request, true, false), (&a.response, false, true)] {
                    let other = if request { &b.request } else { &b.response };
                    let side = if request { "request" } else { "response" };
                    for (rule, what) in field_changes(part, other) {
                        changes.push(change(rule, format!("{side} {what}"), request, response));
                    }
                }
            }
            (None, None) => {}
        }
    }
    let names: BTreeSet<&String> = from.types.keys().chain(to.types.keys()).collect();
    for name in names {
        let (a, b) = (from.types.get(name), to.types.get(name));
        let used = |t: Option<&TypeSurface>, side: &str| t.is_some_and(|t| t.used_in.iter().any(|u| u == side));
        let (request, response) = (used(b.or(a), "request"), used(b.or(a), "response"));
        let change = |rule: Rule, what: String| Change {
            rule,
            subject: name.clone(),
            operation: false,
            what,
            breaks: rule.breaks(request, response),
            from_at: a.map(|t| t.at.clone()).unwrap_or_default(),
            to_at: b.map(|t| t.at.clone()).unwrap_or_default(),
        };
        match (a, b) {
            (None, Some(b)) => changes.push(change(Rule::TypeAdded, article(&b.kind))),
            (Some(a), None) => changes.push(change(Rule::TypeRemoved, article(&a.kind))),
            (Some(a), Some(b)) if a.kind != b.kind => changes.push(change(
                Rule::TypeKindChanged,
                format!("{} → {}", article(&a.kind), article(&b.kind)),
            )),
            (Some(a), Some(b)) => {
                for (rule, what) in field_changes(&a.fields, &b.fields) {
                    changes.push(change(rule, what));
                }
                if a.kind == "enum" {
                    for v in b.values.iter().filter(|v| !a.values.contains(v)) {
                        changes.push(change(Rule::EnumValueAdded, format!("value `{v}`")));
                    }
                    for v in a.values.iter().filter(|v| !b.values.contains(v)) {
                        changes.push(change(Rule::EnumValueRemoved, format!("value `{v}`")));
                    }
                } else if a.values != b.values {
                    changes.push(change(
                        Rule::TypeKindChanged,
                        format!("variants {} → {}", a.values.join(", "), b.values.join(", ")),
                    ));
                }
            }
            (None, None) => {}
        }
    }
    Report {
        from: from.api.clone(),
        to: to.api.clone(),
        changes,
    }
}

/// `a struct`, `an enum`.
fn article(kind: &str) -> String {
    let a = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{a} {kind}")
}

/// The changes between two sets of fields, by key.
fn field_changes(a: &BTreeMap<String, FieldSurface>, b: &BTreeMap<String, FieldSurface>) -> Vec<(Rule, String)> {
    let mut out = Vec::new();
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        match (a.get(key), b.get(key)) {
            (None, Some(f)) => {
                let rule = if f.required {
                    Rule::RequiredFieldAdded
                } else {
                    Rule::OptionalFieldAdded
                };
                out.push((rule, format!("`{key}`: `{}`", f.ty)));
            }
            (Some(f), None) => out.push((Rule::FieldRemoved, format!("`{key}`: `{}`", f.ty))),
            (Some(x), Some(y)) => {
                if x.ty != y.ty {
                    out.push((Rule::FieldTypeChanged, format!("`{key}`: `{}` → `{}`", x.ty, y.ty)));
                }
                if !x.required && y.required {
                    out.push((Rule::FieldNowRequired, format!("`{key}`")));
                }
                if x.required && !y.required {
                    out.push((Rule::FieldNowOptional, format!("`{key}`")));
                }
                if !x.deprecated && y.deprecated {
                    out.push((Rule::FieldDeprecated, format!("`{key}`")));
                }
            }
            (None, None) => {}
        }
    }
    out
}

impl Report {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    fn count(&self, rule: Rule) -> usize {
        self.changes.iter().filter(|c| c.rule == rule).count()
    }

    fn breaking(&self, side: Breaks) -> usize {
        self.changes
            .iter()
            .filter(|c| c.breaks == side || (c.breaks == Breaks::Both && side != Breaks::Neither))
            .count()
    }

    /// One paragraph: operations and types added, removed, changed, and how many changes break
    /// clients and servers.
    pub fn summary(&self) -> String {
        if self.is_empty() {
            return "The API's surface is unchanged.".to_owned();
        }
        let changed_ops: BTreeSet<&str> = self
            .changes
            .iter()
            .filter(|c| c.operation && !matches!(c.rule, Rule::OperationAdded | Rule::OperationRemoved))
            .map(|c| c.subject.as_str())
            .collect();
        let changed_types: BTreeSet<&str> = self
            .changes
            .iter()
            .filter(|c| !c.operation && !matches!(c.rule, Rule::TypeAdded | Rule::TypeRemoved))
            .map(|c| c.subject.as_str())
            .collect();
        format!(
            "API changes: operations {} added, {} removed, {} deprecated, {} moved, {} changed; types {} added, {} removed, {} changed. Of {} changes, {} break clients and {} break servers.",
            self.count(Rule::OperationAdded),
            self.count(Rule::OperationRemoved),
            self.count(Rule::OperationDeprecated),
            self.count(Rule::OperationMoved),
            changed_ops.len(),
            self.count(Rule::TypeAdded),
            self.count(Rule::TypeRemoved),
            changed_types.len(),
            self.changes.len(),
            self.breaking(Breaks::Clients),
            self.breaking(Breaks::Servers),
        )
    }

    /// The whole report, Markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# API changes: {} → {}\n", self.from, self.to);
        let _ = writeln!(out, "{}\n", self.summary());
        let sections: [(&str, bool, &[Rule]); 6] = [
            ("Operations added", true, &[Rule::OperationAdded]),
            ("Operations removed", true, &[Rule::OperationRemoved]),
            (
                "Operations deprecated, moved or authenticated otherwise",
                true,
                &[
                    Rule::OperationDeprecated,
                    Rule::OperationUndeprecated,
                    Rule::OperationMoved,
                    Rule::AuthChanged,
                ],
            ),
            (
                "Changes to operations' requests and responses",
                true,
                &[
                    Rule::RequiredFieldAdded,
                    Rule::OptionalFieldAdded,
                    Rule::FieldRemoved,
                    Rule::FieldNowRequired,
                    Rule::FieldNowOptional,
                    Rule::FieldTypeChanged,
                    Rule::FieldDeprecated,
                ],
            ),
            ("Types added or removed", false, &[Rule::TypeAdded, Rule::TypeRemoved]),
            (
                "Changes to types",
                false,
                &[
                    Rule::TypeKindChanged,
                    Rule::RequiredFieldAdded,
                    Rule::OptionalFieldAdded,
                    Rule::FieldRemoved,
                    Rule::FieldNowRequired,
                    Rule::FieldNowOptional,
                    Rule::FieldTypeChanged,
                    Rule::FieldDeprecated,
                    Rule::EnumValueAdded,
                    Rule::EnumValueRemoved,
                ],
            ),
        ];
        for (title, operations, rules) in sections {
            let mut lines: Vec<&Change> = self
                .changes
                .iter()
                .filter(|c| c.operation == operations && rules.contains(&c.rule))
                .collect();
            if lines.is_empty() {
                continue;
            }
            lines.sort_by(|x, y| {
                x.subject
                    .cmp(&y.subject)
                    .then(x.rule.cmp(&y.rule))
                    .then(x.what.cmp(&y.what))
            });
            let _ = writeln!(out, "## {title} ({})\n", lines.len());
            for c in lines {
                let at = match (c.from_at.as_str(), c.to_at.as_str()) {
                    ("", to) => format!("in `{to}`"),
                    (from, "") => format!("was in `{from}`"),
                    (from, to) if from == to => format!("`{to}`"),
                    (from, to) => format!("`{from}` → `{to}`"),
                };
                let _ = writeln!(
                    out,
                    "- **{}** · `{}`: {} {} ({at})",
                    c.breaks.label(),
                    c.subject,
                    describe(c.rule),
                    c.what,
                );
            }
            out.push('\n');
        }
        out.push_str("## The rules\n\n");
        for rule in Rule::ALL {
            let _ = writeln!(
                out,
                "- {}: {}",
                describe(rule).trim_end_matches([':', ',']),
                rule.reason()
            );
        }
        out
    }
}

/// A rule in a few words, as a report line starts.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::OperationAdded => "operation added",
        Rule::OperationRemoved => "operation removed",
        Rule::OperationDeprecated => "deprecated",
        Rule::OperationUndeprecated => "no longer deprecated",
        Rule::OperationMoved => "moved",
        Rule::AuthChanged => "authentication changed,",
        Rule::RequiredFieldAdded => "required field added:",
        Rule::OptionalFieldAdded => "optional field added:",
        Rule::FieldRemoved => "field removed:",
        Rule::FieldNowRequired => "field now required:",
        Rule::FieldNowOptional => "field now optional:",
        Rule::FieldTypeChanged => "field type changed:",
        Rule::FieldDeprecated => "field deprecated:",
        Rule::TypeAdded => "type added,",
        Rule::TypeRemoved => "type removed,",
        Rule::TypeKindChanged => "type changed kind,",
        Rule::EnumValueAdded => "enum value added:",
        Rule::EnumValueRemoved => "enum value removed:",
    }
}
