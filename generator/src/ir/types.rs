//! The type space: every schema of the spec becomes a Rust type expression ([`Ty`]), and every
//! schema that needs a declaration (an object or an enum) becomes a [`TypeDef`] with a stable,
//! unique Rust name. Named by `title`, else by the file or definition it lives in, else by where
//! it is used; identical inline shapes wanting the same name are one type (by a structural key);
//! recursive types are boxed where the cycle closes.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use indexmap::IndexMap;

use super::docs::{render, Example};
use super::naming::{pascal, pascal_title, snake, unique, words};
use crate::error::{Error, Location, Result, Warning};
use crate::frontend::{Additional, JsonType, NamedSchema, Schema, SchemaRef};

/// A named type: its index in the [`TypeSpace`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(usize);

impl TypeId {
    /// The index of the type in [`TypeSpace::defs`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// A Rust type expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    /// `String`
    String,
    /// `bool`
    Bool,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// Any JSON number (`serde_json::Number`): an integer stays one and a fraction keeps its
    /// digits, so a `number` encodes back as it came (`0` is not `0.0`, `0.9` not
    /// `0.8999999761581421`).
    Number,
    /// Any JSON (`serde_json::Value`).
    Json,
    /// Any JSON object (`serde_json::Map<String, Value>`).
    JsonObject,
    /// A list.
    Vec(Box<Ty>),
    /// An object used as a map from string keys (`BTreeMap<String, T>`).
    Map(Box<Ty>),
    /// A named type.
    Named(TypeId),
    /// A value that may be `null` (`Option<T>`), inside a list or a map.
    Nullable(Box<Ty>),
    /// A Matrix error code (`errcode`): the crate's `ErrorCode` open enum.
    ErrorCode,
    /// Raw bytes (a body that is not JSON).
    Bytes,
    /// A Matrix identifier of a string format the spec names (`format: mx-user-id`).
    Id(IdKind),
    /// An event (an object of a `type` and a `content`, where the spec has event schemas), of
    /// the events of a kind, kept as JSON until read.
    Event(super::events::EventSet),
}

/// The Matrix identifier formats that have a type of their own (the spec's
/// `string-formats.yaml`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// `mx-user-id`
    UserId,
    /// `mx-room-id`
    RoomId,
    /// `mx-event-id`
    EventId,
    /// `mx-room-alias`
    RoomAlias,
    /// `mx-server-name`
    ServerName,
    /// `mx-mxc-uri`
    MxcUri,
}

impl IdKind {
    /// The kind a `format` names, if any.
    pub fn from_format(format: &str) -> Option<IdKind> {
        Some(match format {
            "mx-user-id" => IdKind::UserId,
            "mx-room-id" => IdKind::RoomId,
            "mx-event-id" => IdKind::EventId,
            "mx-room-alias" => IdKind::RoomAlias,
            "mx-server-name" => IdKind::ServerName,
            "mx-mxc-uri" => IdKind::MxcUri,
            _ => return None,
        })
    }

    /// The name of its type in the generated crate's support code.
    pub fn type_name(self) -> &'static str {
        match self {
            IdKind::UserId => "UserId",
            IdKind::RoomId => "RoomId",
            IdKind::EventId => "EventId",
            IdKind::RoomAlias => "RoomAlias",
            IdKind::ServerName => "ServerName",
            IdKind::MxcUri => "MxcUri",
        }
    }
}

/// A field of a struct.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    /// The JSON name.
    pub wire: String,
    /// The Rust name, unique in its struct.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// Whether the spec requires it.
    pub required: bool,
    /// Whether `null` is a value it may take.
    pub nullable: bool,
    /// Its documentation, Markdown.
    pub doc: Option<String>,
    /// An example value.
    pub example: Option<Example>,
    /// `Box`ed to break a cycle of types containing each other.
    pub boxed: bool,
    /// Hidden from `Debug` (access tokens, client secrets, passwords).
    pub secret: bool,
    /// The spec deprecates it.
    pub deprecated: bool,
    /// What it holds when absent, if it may be.
    pub absent: Absent,
}

/// A value the spec gives a field or parameter that is left out (`default:`), where the
/// generated code can hold it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Literal {
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// Text, for a string or an enum (parameters only: a serde default of text would need a
    /// function of its own).
    Text(String),
}

/// What a field that may be left out holds when it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Absent {
    /// Nothing: the field is an `Option` (required fields too).
    #[default]
    Nothing,
    /// A list or map whose description gives absent and empty one meaning. It stays an `Option`
    /// (spec examples write both `[]` and nothing, and each must encode back as it was), and an
    /// accessor of the same name reads it as empty when absent.
    Empty,
    /// The spec's `default:`: the field holds it when absent and is no `Option`.
    Default(Literal),
}

impl Absent {
    /// What a field or parameter of type `ty` holds when left out: nothing when it is required
    /// or may be `null`; the spec's default when the generated code can hold it (a field's: a
    /// `bool` or an integer within `i32`; a parameter's: also any integer or text); for a
    /// field that is a list or a map, [`Absent::Empty`] unless its description says that leaving
    /// it out means something else ("If this list is absent then all rooms are included").
    pub fn of(
        ty: &Ty,
        required: bool,
        nullable: bool,
        default: Option<&serde_json::Value>,
        description: Option<&str>,
        param: bool,
    ) -> Absent {
        use serde_json::Value;
        if required || nullable {
            return Absent::Nothing;
        }
        let literal = match (ty, default) {
            (Ty::Bool, Some(Value::Bool(b))) => Some(Literal::Bool(*b)),
            (Ty::I64 | Ty::I32, Some(Value::Number(n))) => n
                .as_i64()
                .filter(|i| (param && *ty == Ty::I64) || i32::try_from(*i).is_ok())
                .map(Literal::Int),
            (Ty::String | Ty::Named(_), Some(Value::String(s))) if param => Some(Literal::Text(s.clone())),
            _ => None,
        };
        if let Some(l) = literal {
            return Absent::Default(l);
        }
        if !param
            && default.is_none()
            && matches!(ty, Ty::Vec(_) | Ty::Map(_))
            && !absence_means_more(description.unwrap_or_default())
        {
            return Absent::Empty;
        }
        Absent::Nothing
    }
}

/// Whether a description gives leaving a list or map out a meaning of its own: a sentence that
/// speaks of it being absent (omitted, not provided, ...) and of "all" or of changes.
pub fn absence_means_more(description: &str) -> bool {
    const ABSENT: &[&str] = &[
        "absent",
        "omitted",
        "not present",
        "not provided",
        "not given",
        "not specified",
        "missing",
        "not set",
    ];
    let text = description.to_lowercase();
    text.split(['.', '\n']).any(|sentence| {
        let words: Vec<&str> = sentence
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let joined = words.join(" ");
        ABSENT.iter().any(|a| joined.contains(a)) && words.iter().any(|w| *w == "all" || w.starts_with("change"))
    })
}

impl Field {
    /// An optional field that may not be `null`, with no documentation, example or flags.
    pub fn new(wire: impl Into<String>, name: impl Into<String>, ty: Ty) -> Self {
        Field {
            wire: wire.into(),
            name: name.into(),
            ty,
            required: false,
            nullable: false,
            doc: None,
            example: None,
            boxed: false,
            secret: false,
            deprecated: false,
            absent: Absent::Nothing,
        }
    }

    /// Whether `null` is a value of its own, apart from the field being absent: the field is
    /// nullable and its type cannot hold `null` itself (any JSON can).
    pub fn keeps_null(&self) -> bool {
        self.nullable && self.ty != Ty::Json
    }

    /// Whether the Rust field is an `Option`: not required and without a spec default, or
    /// keeping `null`.
    pub fn is_option(&self) -> bool {
        (!self.required && !matches!(self.absent, Absent::Default(_))) || self.keeps_null()
    }

    /// Whether the Rust field is an `Option<Option<T>>`: absent (`None`), `null`
    /// (`Some(None)`) and a value (`Some(Some(_))`) are three things.
    pub fn is_double_option(&self) -> bool {
        !self.required && self.keeps_null()
    }
}

/// The fields of a struct.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct StructDef {
    /// The named fields, in spec order.
    pub fields: Vec<Field>,
    /// `additionalProperties`: further fields of this type, kept in a map.
    pub additional: Option<Ty>,
    /// `additionalProperties: false`: the schema allows no further fields.
    pub closed: bool,
}

/// A string enum: known values plus a catch-all that keeps unknown ones.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EnumDef {
    /// The known values.
    pub variants: Vec<Variant>,
}

/// One known value of an enum.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Variant {
    /// The value on the wire.
    pub wire: String,
    /// The Rust name, unique in its enum.
    pub name: String,
}

/// A value of one of several JSON kinds (`oneOf`, `anyOf`, `type: [string, integer]`): an
/// untagged enum, a variant per kind, so that decoding is never ambiguous and encoding gives the
/// value back unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnionDef {
    /// The variants, in the order they are tried.
    pub variants: Vec<UnionVariant>,
}

/// One variant of a union.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnionVariant {
    /// The Rust name: the JSON kind (`String`, `Integer`, `Object`, ...).
    pub name: String,
    /// What it holds (a named type is boxed).
    pub ty: Ty,
}

/// What a named type is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeKind {
    /// A struct.
    Struct(StructDef),
    /// An open string enum.
    Enum(EnumDef),
    /// A value of one of several JSON kinds.
    Union(UnionDef),
}

/// A named type.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeDef {
    /// The Rust name, unique in the crate.
    pub name: String,
    /// The spec's `title`, Markdown.
    pub title: Option<String>,
    /// Its documentation, Markdown.
    pub doc: Option<String>,
    /// What it is.
    pub kind: TypeKind,
    /// Where the spec defines it.
    pub origin: Location,
    /// An example value.
    pub example: Option<Example>,
}

/// All named types, in a deterministic order.
#[derive(Clone, Debug, Default)]
pub struct TypeSpace {
    /// The types, by [`TypeId`].
    pub defs: Vec<TypeDef>,
    /// How many of the first types are defined in the shared crate of a set of APIs (see
    /// [`Seed`]), not in this crate.
    pub shared: usize,
}

/// The types a set of APIs shares (those of the schemas two or more of them use, and the event
/// types), built once with their final names: each API's type space starts from them, so that
/// a schema the APIs share is one type, defined in the shared crate.
#[derive(Clone, Debug, Default)]
pub struct Seed {
    /// The shared types.
    pub space: TypeSpace,
    /// The type of each named schema among them, by its key.
    pub refs: HashMap<String, Ty>,
}

impl TypeSpace {
    /// The type `id` names.
    pub fn get(&self, id: TypeId) -> &TypeDef {
        &self.defs[id.0]
    }

    /// The named types reachable from `roots` (through lists, maps, struct fields, further
    /// properties and union variants), each once, in the order first met.
    pub fn reachable<'t>(&self, roots: impl IntoIterator<Item = &'t Ty>) -> Vec<TypeId> {
        self.reach(roots).0
    }

    /// The types reachable from `roots` (as [`TypeSpace::reachable`]), and whether an event
    /// ([`Ty::Event`]) is among what they hold.
    pub fn reach<'t>(&self, roots: impl IntoIterator<Item = &'t Ty>) -> (Vec<TypeId>, bool) {
        struct Walk<'s> {
            space: &'s TypeSpace,
            seen: HashSet<TypeId>,
            out: Vec<TypeId>,
            events: bool,
        }
        fn walk(ty: &Ty, w: &mut Walk<'_>) {
            match ty {
                Ty::Vec(t) | Ty::Map(t) | Ty::Nullable(t) => walk(t, w),
                Ty::Event(_) => w.events = true,
                Ty::Named(id) if w.seen.insert(*id) => {
                    w.out.push(*id);
                    match &w.space.get(*id).kind {
                        TypeKind::Struct(def) => {
                            for t in def.fields.iter().map(|f| &f.ty).chain(&def.additional) {
                                walk(t, w);
                            }
                        }
                        TypeKind::Union(u) => {
                            for v in &u.variants {
                                walk(&v.ty, w);
                            }
                        }
                        TypeKind::Enum(_) => {}
                    }
                }
                _ => {}
            }
        }
        let mut w = Walk {
            space: self,
            seen: HashSet::new(),
            out: Vec::new(),
            events: false,
        };
        for ty in roots {
            walk(ty, &mut w);
        }
        (w.out, w.events)
    }

    /// Every type with its id.
    pub fn iter(&self) -> impl Iterator<Item = (TypeId, &TypeDef)> {
        self.defs.iter().enumerate().map(|(i, d)| (TypeId(i), d))
    }
}

/// Field names whose values are secrets.
pub const SECRET_FIELDS: &[&str] = &[
    "access_token",
    "client_secret",
    "password",
    "new_password",
    "refresh_token",
    "token",
];

struct Pending {
    def: TypeDef,
    candidates: Vec<String>,
    /// For an inline enum that several places declare alike: the candidates of each of them
    /// (the first is `candidates`), from which its name is made.
    uses: Vec<Vec<String>>,
}

enum RefState {
    Building(Option<TypeId>),
    Done(Ty),
}

/// Names to try, best first, for a type that has no title.
#[derive(Clone, Debug)]
pub struct Naming {
    /// The candidates, best first.
    pub candidates: Vec<String>,
    /// Last resorts for this type alone, not handed on to the types inside it: its candidates
    /// qualified by the folder it lives in.
    pub qualified: Vec<String>,
}

impl Naming {
    /// One candidate.
    pub fn new(first: impl Into<String>) -> Self {
        Naming {
            candidates: vec![first.into()],
            qualified: Vec::new(),
        }
    }

    /// Naming for a property `prop` of a type whose best name is `short` and most qualified one
    /// `full`: the property, then the short parent and the property, then the full one.
    pub fn property(short: &str, full: &str, prop: &str) -> Self {
        let p = pascal(prop);
        let mut candidates = vec![p.clone(), format!("{short}{p}"), format!("{full}{p}")];
        candidates.dedup();
        Naming {
            candidates,
            qualified: Vec::new(),
        }
    }

    fn with_suffix(&self, suffix: &str) -> Self {
        Naming {
            candidates: self.candidates.iter().map(|c| format!("{c}{suffix}")).collect(),
            qualified: Vec::new(),
        }
    }

    /// Every candidate, the qualified last resorts last.
    fn all(&self) -> Vec<String> {
        self.candidates.iter().chain(&self.qualified).cloned().collect()
    }

    fn primary(&self) -> String {
        self.candidates.last().cloned().unwrap_or_default()
    }
}

/// The parts of an object schema, its `allOf` merged, borrowed from the schemas. A property
/// that several parts declare has each of their schemas (all of which apply).
#[derive(Default)]
struct ObjectParts<'s> {
    properties: IndexMap<&'s str, Vec<&'s SchemaRef>>,
    required: BTreeSet<&'s str>,
    additional: Option<&'s Additional>,
    /// The schemas of keys by pattern, of every part.
    patterns: Vec<&'s SchemaRef>,
}

/// What a schema stands for, read from its keywords.
enum Shape<'s> {
    /// `allOf` of one schema and nothing else: that schema.
    Alias(&'s SchemaRef),
    /// An object (properties, `allOf`, `additionalProperties`, or `type: object`).
    Object,
    /// `oneOf` / `anyOf`.
    Alternatives(&'s [SchemaRef]),
    /// A single JSON type.
    Scalar(JsonType),
    /// Anything (no type, several types, `not`).
    Any,
}

/// The one named schema of an `allOf` whose other parts constrain nothing (a description, an
/// example), where the schema itself constrains nothing either.
fn annotated_ref(s: &Schema) -> Option<&SchemaRef> {
    let constrains = |s: &Schema| {
        !s.types.is_empty()
            || !s.enumeration.is_empty()
            || s.constant.is_some()
            || s.format.is_some()
            || s.items.is_some()
            || !s.prefix_items.is_empty()
            || !s.properties.is_empty()
            || s.additional.is_some()
            || !s.pattern_properties.is_empty()
            || !s.one_of.is_empty()
            || !s.any_of.is_empty()
            || !s.all_of.is_empty()
            || s.not.is_some()
    };
    let mut named = s.all_of.iter().filter(|p| matches!(p, SchemaRef::Ref(_)));
    let (Some(one), None) = (named.next(), named.next()) else {
        return None;
    };
    let others_describe = s.all_of.iter().all(|p| match p {
        SchemaRef::Ref(_) => true,
        SchemaRef::Inline(inner) => !constrains(inner),
    });
    let own = Schema {
        all_of: Vec::new(),
        ..s.clone()
    };
    (others_describe && !constrains(&own)).then_some(one)
}

/// The values of a string enum: `None` unless every value is a string (or `null`).
fn string_enum(s: &Schema) -> Option<Vec<String>> {
    if s.enumeration.iter().any(|v| !v.is_string() && !v.is_null()) {
        return None;
    }
    let values: Vec<String> = s
        .enumeration
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    (!values.is_empty()).then_some(values)
}

/// Converts schemas into types. Shared by the whole spec.
pub struct TypeBuilder<'a> {
    schemas: &'a IndexMap<String, NamedSchema>,
    pending: Vec<Pending>,
    by_ref: HashMap<String, RefState>,
    /// Declared inline types by their wanted name and a hash of their shape.
    by_shape: HashMap<(String, u64), Vec<TypeId>>,
    warnings: Vec<Warning>,
    /// Whether the spec has event schemas: an object of a `type` and a `content` is then an
    /// event of the events output.
    pub events: bool,
    /// How many of the first types come from a [`Seed`], named already.
    seeded: usize,
}

impl<'a> TypeBuilder<'a> {
    /// A builder over the spec's named schemas.
    pub fn new(schemas: &'a IndexMap<String, NamedSchema>) -> Self {
        TypeBuilder {
            schemas,
            pending: Vec::new(),
            by_ref: HashMap::new(),
            by_shape: HashMap::new(),
            warnings: Vec::new(),
            events: false,
            seeded: 0,
        }
    }

    /// A builder whose first types are the shared ones of `seed`, with their names: a schema
    /// among them is that type, and no other type takes one of their names.
    pub fn seeded(schemas: &'a IndexMap<String, NamedSchema>, seed: &Seed) -> Self {
        let mut builder = TypeBuilder::new(schemas);
        builder.pending = seed
            .space
            .defs
            .iter()
            .map(|def| Pending {
                def: def.clone(),
                candidates: vec![def.name.clone()],
                uses: Vec::new(),
            })
            .collect();
        builder.by_ref = seed
            .refs
            .iter()
            .map(|(k, t)| (k.clone(), RefState::Done(t.clone())))
            .collect();
        builder.seeded = seed.space.defs.len();
        builder
    }

    /// The types built so far and the type of each named schema built, as a [`Seed`] for the
    /// APIs that share them (names settled as by [`TypeBuilder::finish`]).
    pub fn finish_seed(self, pins: &BTreeMap<String, String>) -> (Seed, Vec<Warning>) {
        let refs = self
            .by_ref
            .iter()
            .filter_map(|(k, state)| match state {
                RefState::Done(t) => Some((k.clone(), t.clone())),
                RefState::Building(_) => None,
            })
            .collect();
        let (space, warnings) = self.finish(pins);
        (Seed { space, refs }, warnings)
    }

    fn lookup(&self, key: &str) -> Result<(&'a str, &'a NamedSchema)> {
        self.schemas
            .get_key_value(key)
            .map(|(k, v)| (k.as_str(), v))
            .ok_or_else(|| Error::internal(format!("reference `{key}` names no schema")))
    }

    /// The schema behind a reference (or the schema itself).
    fn deref<'s>(&self, s: &'s SchemaRef) -> Result<&'s Schema>
    where
        'a: 's,
    {
        match s {
            SchemaRef::Inline(schema) => Ok(schema),
            SchemaRef::Ref(key) => Ok(&self.lookup(key)?.1.schema),
        }
    }

    /// Gives a declared type documentation where its schema had none (an event's content, by
    /// the event schema's description).
    pub fn document(&mut self, ty: &Ty, doc: String) {
        if let Ty::Named(id) = ty {
            if let Some(p) = self.pending.get_mut(id.0) {
                if p.def.doc.is_none() {
                    p.def.doc = Some(doc);
                }
            }
        }
    }

    /// Whether a type is a string enum.
    pub fn is_enum(&self, ty: &Ty) -> bool {
        matches!(ty, Ty::Named(id) if self.pending.get(id.0).is_some_and(|p| matches!(p.def.kind, TypeKind::Enum(_))))
    }

    /// The spec's `default:` of a schema (or of the schema it refers to).
    pub fn default_of(&self, s: &SchemaRef) -> Option<serde_json::Value> {
        self.deref(s).ok().and_then(|s| s.default.clone())
    }

    /// The schema of property `name` of an object schema, its `allOf` parts merged (where
    /// several parts declare it as objects, an `allOf` of them all).
    pub fn property(&self, s: &Schema, name: &str) -> Result<Option<SchemaRef>> {
        let parts = self.object_parts(s, 0)?;
        let Some(schemas) = parts.properties.get(name) else {
            return Ok(None);
        };
        let all_objects = schemas
            .iter()
            .all(|s| self.deref(s).is_ok_and(|s| matches!(self.shape(s), Shape::Object)));
        Ok(match schemas.as_slice() {
            [one] => Some((*one).clone()),
            // where the most specific part (the last) is written, so that the merged type says
            // where the spec defines it
            many if all_objects => Some(SchemaRef::Inline(Box::new(Schema {
                all_of: many.iter().map(|s| (*s).clone()).collect(),
                origin: many
                    .last()
                    .and_then(|s| self.deref(s).ok())
                    .map(|s| s.origin.clone())
                    .unwrap_or_default(),
                ..Schema::default()
            }))),
            [first, ..] => Some((*first).clone()),
            [] => None,
        })
    }

    /// The properties of an object schema, its `allOf` parts merged, in order, each with its
    /// schema (as [`TypeBuilder::property`] gives it).
    pub fn properties(&self, s: &Schema) -> Result<Vec<(String, SchemaRef)>> {
        let names: Vec<String> = self
            .object_parts(s, 0)?
            .properties
            .keys()
            .map(|k| (*k).to_owned())
            .collect();
        let mut out = Vec::new();
        for name in names {
            if let Some(schema) = self.property(s, &name)? {
                out.push((name, schema));
            }
        }
        Ok(out)
    }

    /// The kind of event a schema builds on: the first core event schema its `allOf` names;
    /// `None` for a schema that builds on none (a part other event schemas share).
    pub fn event_kind(&self, s: &Schema) -> Option<super::events::EventKind> {
        use super::events::EventKind;
        s.all_of.iter().find_map(|part| {
            let SchemaRef::Ref(key) = part else { return None };
            let (_, file) = key.rsplit_once("core-event-schema/")?;
            Some(match file.split('.').next().unwrap_or_default() {
                "state_event" | "sync_state_event" | "stripped_state" => EventKind::State,
                "room_event" | "sync_room_event" | "call_event" => EventKind::Message,
                _ => EventKind::Basic,
            })
        })
    }

    /// The events a schema stands for, where the spec has event schemas and the schema is an
    /// object of a string `type` and a `content` object of no declared properties (an event's
    /// envelope): required `state_key` and `event_id`, state events; a required `state_key`
    /// alone, stripped state; a required `event_id`, timeline events; else events of any kind.
    fn event_set(&self, s: &Schema) -> Result<Option<super::events::EventSet>> {
        use super::events::EventSet;
        if !self.events || !matches!(self.shape(s), Shape::Object) {
            return Ok(None);
        }
        let parts = self.object_parts(s, 0)?;
        let is = |name: &str, want: fn(&Self, &Schema) -> bool| -> Result<bool> {
            Ok(match parts.properties.get(name).map(Vec::as_slice) {
                Some([one]) => want(self, self.deref(one)?),
                _ => false,
            })
        };
        let string = |b: &Self, s: &Schema| matches!(b.shape(s), Shape::Scalar(JsonType::String));
        let open_object = |b: &Self, s: &Schema| {
            matches!(b.shape(s), Shape::Object) && b.object_parts(s, 0).is_ok_and(|p| p.properties.is_empty())
        };
        if !is("type", string)? || !is("content", open_object)? {
            return Ok(None);
        }
        // an object that requires more than an event has (a push notification's `devices`) is
        // something else that carries an event's type and content
        const ENVELOPE: &[&str] = &[
            "type",
            "content",
            "event_id",
            "sender",
            "origin_server_ts",
            "unsigned",
            "room_id",
            "state_key",
            "redacts",
            "prev_content",
            "age",
            "user_id",
            "membership",
            "replaces_state",
            "prev_sender",
            "txn_id",
        ];
        if parts.required.iter().any(|r| !ENVELOPE.contains(r)) {
            return Ok(None);
        }
        let required = |name: &str| parts.required.contains(name);
        Ok(Some(match (required("state_key"), required("event_id")) {
            (true, true) => EventSet::State,
            (true, false) => EventSet::StrippedState,
            (false, true) => EventSet::Timeline,
            (false, false) => EventSet::All,
        }))
    }

    /// The type of a schema used at a place named by `naming`.
    pub fn ty(&mut self, s: &SchemaRef, naming: &Naming) -> Result<Ty> {
        match s {
            SchemaRef::Ref(key) => self.ref_ty(key),
            SchemaRef::Inline(schema) => self.schema_ty(schema, naming, None),
        }
    }

    fn ref_ty(&mut self, key: &str) -> Result<Ty> {
        let (key, named) = self.lookup(key)?;
        match self.by_ref.get(key) {
            Some(RefState::Done(t)) => return Ok(t.clone()),
            Some(RefState::Building(Some(id))) => return Ok(Ty::Named(*id)),
            Some(RefState::Building(None)) => {
                self.warnings.push(Warning::new(
                    named.location.clone(),
                    "this schema contains itself without an object in between; typed as any JSON",
                ));
                return Ok(Ty::Json);
            }
            None => {}
        }
        let mut naming = Naming {
            candidates: Vec::new(),
            qualified: Vec::new(),
        };
        if let Some(t) = named.schema.title.as_deref().and_then(pascal_title) {
            naming.candidates.push(t);
        }
        naming.candidates.push(pascal(&named.name_hint));
        naming.candidates.dedup();
        // distinct schemas sharing a name are told apart by the folder they live in
        if let Some(folder) = context_folder(&named.location) {
            naming.qualified = naming.candidates.iter().map(|c| format!("{folder}{c}")).collect();
        }
        if let Some(set) = self.event_set(&named.schema)? {
            self.by_ref.insert(key.to_owned(), RefState::Done(Ty::Event(set)));
            return Ok(Ty::Event(set));
        }
        let reserved = if self.needs_def(&named.schema)? {
            Some(self.reserve(named.location.clone()))
        } else {
            None
        };
        self.by_ref.insert(key.to_owned(), RefState::Building(reserved));
        let ty = self.schema_ty(&named.schema, &naming, reserved)?;
        self.by_ref.insert(key.to_owned(), RefState::Done(ty.clone()));
        Ok(ty)
    }

    fn reserve(&mut self, origin: Location) -> TypeId {
        self.pending.push(Pending {
            def: TypeDef {
                name: String::new(),
                title: None,
                doc: None,
                kind: TypeKind::Struct(StructDef::default()),
                origin,
                example: None,
            },
            candidates: Vec::new(),
            uses: Vec::new(),
        });
        TypeId(self.pending.len() - 1)
    }

    /// What a schema stands for, read from its keywords. An `allOf` makes an object only where a
    /// part constrains one (or no part says what it is): `allOf: [{type: string}, {minLength: 1}]`
    /// is a string (see [`TypeBuilder::merged_all_of`]).
    fn shape<'s>(&self, s: &'s Schema) -> Shape<'s> {
        if let [only] = s.all_of.as_slice() {
            if s.properties.is_empty() && s.additional.is_none() {
                return Shape::Alias(only);
            }
        }
        // one named schema and parts that only describe it (`allOf: [{$ref: Kind}, {description:
        // ...}]`): the named schema's type
        if let Some(named) = annotated_ref(s) {
            return Shape::Alias(named);
        }
        let types = s.non_null_types();
        if types == [JsonType::Object]
            || !s.properties.is_empty()
            || (!s.all_of.is_empty() && self.all_of_is_object(s, 0))
            || s.additional.is_some()
            || !s.pattern_properties.is_empty()
        {
            return Shape::Object;
        }
        if !s.one_of.is_empty() {
            return Shape::Alternatives(&s.one_of);
        }
        if !s.any_of.is_empty() {
            return Shape::Alternatives(&s.any_of);
        }
        match types.as_slice() {
            [one] if s.not.is_none() => Shape::Scalar(*one),
            _ => Shape::Any,
        }
    }

    /// Whether an `allOf` schema is an object: a part (through references and nested `allOf`s)
    /// constrains an object, or no part names a type at all.
    fn all_of_is_object(&self, s: &Schema, depth: usize) -> bool {
        let (mut objects, mut others) = (false, false);
        self.all_of_types(s, depth, &mut objects, &mut others);
        objects || !others
    }

    /// Finds whether `s` or its `allOf` parts constrain an object, or name another type.
    fn all_of_types(&self, s: &Schema, depth: usize, objects: &mut bool, others: &mut bool) {
        let types = s.non_null_types();
        let object_keywords = !s.properties.is_empty() || s.additional.is_some() || !s.pattern_properties.is_empty();
        if types.contains(&JsonType::Object) || object_keywords || depth > 32 {
            *objects = true;
        }
        if types.iter().any(|t| *t != JsonType::Object) {
            *others = true;
        }
        for part in &s.all_of {
            match self.deref(part) {
                Ok(inner) => self.all_of_types(inner, depth + 1, objects, others),
                // (a broken reference is reported where the part is built)
                Err(_) => *objects = true,
            }
        }
    }

    /// An `allOf` of schemas that are not objects, as the one schema they make together: the
    /// types every part allows, the first format, enum, pattern and items each part gives (the
    /// items of several parts are an `allOf` of them), the schema's own title and description
    /// or the first part's. `None` for anything else.
    fn merged_all_of(&self, s: &Schema) -> Result<Option<Schema>> {
        if s.all_of.is_empty() || matches!(self.shape(s), Shape::Object | Shape::Alias(_)) {
            return Ok(None);
        }
        let mut parts = vec![s.clone()];
        let mut i = 0;
        while i < parts.len() {
            let nested = std::mem::take(&mut parts[i].all_of);
            for part in &nested {
                if parts.len() > 64 {
                    return Err(Error::new(s.origin.clone(), "`allOf` nests more than 64 parts deep"));
                }
                parts.push(self.deref(part)?.clone());
            }
            i += 1;
        }
        let mut merged = Schema {
            all_of: Vec::new(),
            ..s.clone()
        };
        // the types every part that names types allows (`integer` is a `number`)
        let mut types: Option<Vec<JsonType>> = None;
        let mut items = Vec::new();
        for part in &parts {
            if !part.types.is_empty() {
                types = Some(match types {
                    None => part.types.clone(),
                    Some(so_far) => so_far
                        .into_iter()
                        .filter_map(|t| match t {
                            _ if part.types.contains(&t) => Some(t),
                            JsonType::Number if part.types.contains(&JsonType::Integer) => Some(JsonType::Integer),
                            JsonType::Integer if part.types.contains(&JsonType::Number) => Some(JsonType::Integer),
                            _ => None,
                        })
                        .collect(),
                });
            }
            merged.format = merged.format.or_else(|| part.format.clone());
            merged.pattern = merged.pattern.or_else(|| part.pattern.clone());
            merged.title = merged.title.or_else(|| part.title.clone());
            merged.description = merged.description.or_else(|| part.description.clone());
            merged.constant = merged.constant.or_else(|| part.constant.clone());
            merged.default = merged.default.or_else(|| part.default.clone());
            merged.deprecated |= part.deprecated;
            if merged.enumeration.is_empty() {
                merged.enumeration = part.enumeration.clone();
            }
            if merged.one_of.is_empty() {
                merged.one_of = part.one_of.clone();
            }
            if merged.any_of.is_empty() {
                merged.any_of = part.any_of.clone();
            }
            if merged.examples.is_empty() {
                merged.examples = part.examples.clone();
            }
            items.extend(part.items.clone());
        }
        merged.types = types.unwrap_or_default();
        merged.items = match items.len() {
            0 => None,
            1 => items.pop(),
            _ => Some(SchemaRef::Inline(Box::new(Schema {
                origin: s.origin.clone(),
                all_of: items,
                ..Schema::default()
            }))),
        };
        Ok(Some(merged))
    }

    /// Whether a schema is declared as a type of its own (a struct or an enum).
    fn needs_def(&self, s: &Schema) -> Result<bool> {
        if let Some(merged) = self.merged_all_of(s)? {
            return self.needs_def(&merged);
        }
        Ok(match self.shape(s) {
            Shape::Scalar(JsonType::String) => string_enum(s).is_some(),
            Shape::Object => !self.object_parts(s, 0)?.properties.is_empty(),
            _ => false,
        })
    }

    /// Converts a schema; `reserved` is the type id set aside for a named schema that needs a
    /// declaration.
    fn schema_ty(&mut self, s: &Schema, naming: &Naming, reserved: Option<TypeId>) -> Result<Ty> {
        // a named schema was asked already (`ref_ty`), before it reserved its id
        if reserved.is_none() {
            if let Some(set) = self.event_set(s)? {
                return Ok(Ty::Event(set));
            }
        }
        let mut naming = naming.clone();
        if reserved.is_none() {
            if let Some(t) = s.title.as_deref().and_then(pascal_title) {
                naming.candidates.insert(0, t);
            }
        }
        if let Some(merged) = self.merged_all_of(s)? {
            return self.schema_ty(&merged, &naming, reserved);
        }
        Ok(match self.shape(s) {
            Shape::Alias(inner) => self.ty(inner, &naming)?,
            Shape::Scalar(JsonType::String) => match string_enum(s) {
                Some(values) => self.enum_def(s, values, &naming, reserved),
                None => match s.format.as_deref().and_then(IdKind::from_format) {
                    Some(kind) => Ty::Id(kind),
                    None => Ty::String,
                },
            },
            Shape::Scalar(JsonType::Integer) => match s.format.as_deref() {
                Some("int32") => Ty::I32,
                _ => Ty::I64,
            },
            Shape::Scalar(JsonType::Number) => Ty::Number,
            Shape::Scalar(JsonType::Boolean) => Ty::Bool,
            Shape::Scalar(JsonType::Array) => {
                let item = match &s.items {
                    Some(items) => {
                        let item = self.ty(items, &naming.with_suffix("Item"))?;
                        self.nullable(items, item)
                    }
                    None => Ty::Json,
                };
                Ty::Vec(Box::new(item))
            }
            Shape::Any if s.non_null_types().len() > 1 && s.not.is_none() => self.type_list(s, &naming)?,
            Shape::Scalar(JsonType::Null | JsonType::Object) | Shape::Any => Ty::Json,
            Shape::Object => {
                let parts = self.object_parts(s, 0)?;
                if parts.properties.is_empty() {
                    match &parts.additional {
                        Some(Additional::Schema(inner)) => {
                            let value = self.ty(inner, &naming.with_suffix("Value"))?;
                            Ty::Map(Box::new(self.nullable(inner, value)))
                        }
                        // keys by pattern (`^@` for user ids): a map of the values' type when
                        // every pattern agrees on it
                        None | Some(Additional::Allowed(false)) if !parts.patterns.is_empty() => {
                            let mut values = Vec::new();
                            for inner in parts.patterns.clone() {
                                let value = self.ty(inner, &naming.with_suffix("Value"))?;
                                values.push(self.nullable(inner, value));
                            }
                            values.dedup();
                            match values.as_slice() {
                                [one] => Ty::Map(Box::new(one.clone())),
                                _ => Ty::JsonObject,
                            }
                        }
                        _ => Ty::JsonObject,
                    }
                } else {
                    let short = naming.candidates.first().cloned().unwrap_or_default();
                    let def = self.struct_def(&parts, &short, &naming.primary())?;
                    self.declare(s, TypeKind::Struct(def), &naming, reserved)
                }
            }
            Shape::Alternatives(alts) => self.alternatives(s, alts, &naming)?,
        })
    }

    /// `ty`, or `Option<ty>` where the schema of a list's items or a map's values allows `null`.
    fn nullable(&self, s: &SchemaRef, ty: Ty) -> Ty {
        let nullable = self.deref(s).is_ok_and(Schema::is_nullable);
        if nullable && ty != Ty::Json {
            Ty::Nullable(Box::new(ty))
        } else {
            ty
        }
    }

    /// `oneOf`/`anyOf`: a common type when every alternative is the same; a union when each is
    /// of another JSON kind; else any JSON (which keeps every value). An alternative that is
    /// only `null` makes the place nullable instead (see [`Schema::is_nullable`]).
    fn alternatives(&mut self, s: &Schema, alts: &[SchemaRef], naming: &Naming) -> Result<Ty> {
        let mut tys = Vec::new();
        for (i, alt) in alts.iter().enumerate() {
            if matches!(alt, SchemaRef::Inline(a) if a.is_null_only()) {
                continue;
            }
            tys.push(self.ty(alt, &naming.with_suffix(&format!("Variant{}", i + 1)))?);
        }
        Ok(self.union(s, tys, naming))
    }

    /// `type: [string, integer, ...]`: a union of the listed types.
    fn type_list(&mut self, s: &Schema, naming: &Naming) -> Result<Ty> {
        let mut tys = Vec::new();
        for t in s.non_null_types() {
            let mut one = s.clone();
            one.types = vec![t];
            one.title = None;
            tys.push(self.schema_ty(&one, naming, None)?);
        }
        Ok(self.union(s, tys, naming))
    }

    /// The one type of `tys` when they agree; else a union when each is of another JSON kind;
    /// else any JSON.
    fn union(&mut self, s: &Schema, mut tys: Vec<Ty>, naming: &Naming) -> Ty {
        tys.dedup();
        // identifiers of several formats (a room ID or a room alias): text
        if tys.len() > 1 && tys.iter().all(|t| matches!(t, Ty::String | Ty::Id(_))) {
            return Ty::String;
        }
        if let [one] = tys.as_slice() {
            return one.clone();
        }
        let mut variants: Vec<(u8, UnionVariant)> = Vec::new();
        for ty in tys {
            let Some((rank, name)) = self.json_kind(&ty) else {
                return Ty::Json;
            };
            if variants.iter().any(|(r, _)| *r == rank) {
                return Ty::Json; // two alternatives of one kind: not told apart without trying
            }
            variants.push((
                rank,
                UnionVariant {
                    name: name.to_owned(),
                    ty,
                },
            ));
        }
        variants.sort_by_key(|(rank, _)| *rank);
        let def = UnionDef {
            variants: variants.into_iter().map(|(_, v)| v).collect(),
        };
        self.declare(s, TypeKind::Union(def), naming, None)
    }

    /// The JSON kind a type decodes, in the order a union tries them, and its variant's name.
    fn json_kind(&self, ty: &Ty) -> Option<(u8, &'static str)> {
        Some(match ty {
            Ty::Bool => (0, "Boolean"),
            Ty::I32 | Ty::I64 => (1, "Integer"),
            Ty::Number => (2, "Number"),
            Ty::String | Ty::ErrorCode | Ty::Id(_) => (3, "String"),
            Ty::Vec(_) => (4, "List"),
            Ty::Map(_) | Ty::JsonObject => (5, "Object"),
            Ty::Named(id) => match &self.pending.get(id.0)?.def.kind {
                TypeKind::Enum(_) => (3, "String"),
                TypeKind::Struct(_) => (5, "Object"),
                TypeKind::Union(_) => return None,
            },
            Ty::Event(_) => (5, "Object"),
            Ty::Json | Ty::Nullable(_) | Ty::Bytes => return None,
        })
    }

    /// Collects the properties of an object schema, merging `allOf` (also through references).
    fn object_parts<'s>(&self, s: &'s Schema, depth: usize) -> Result<ObjectParts<'s>>
    where
        'a: 's,
    {
        if depth > 32 {
            return Err(Error::new(
                s.origin.clone(),
                "`allOf` nests more than 32 deep (a cycle of `allOf`?)",
            ));
        }
        let mut parts = ObjectParts::default();
        for part in &s.all_of {
            let inner = self.deref(part)?;
            let p = self.object_parts(inner, depth + 1)?;
            for (k, v) in p.properties {
                parts.properties.entry(k).or_default().extend(v);
            }
            parts.required.extend(p.required);
            if p.additional.is_some() {
                parts.additional = p.additional;
            }
            parts.patterns.extend(p.patterns);
        }
        for (k, v) in &s.properties {
            parts.properties.entry(k.as_str()).or_default().push(v);
        }
        parts.required.extend(s.required.iter().map(String::as_str));
        parts.patterns.extend(s.pattern_properties.values());
        if let Some(a) = &s.additional {
            parts.additional = Some(a);
        }
        Ok(parts)
    }

    fn struct_def(&mut self, parts: &ObjectParts<'_>, short: &str, parent: &str) -> Result<StructDef> {
        let mut def = StructDef::default();
        let mut taken = HashSet::new();
        for (&wire, schemas) in &parts.properties {
            // declared by several parts of an `allOf`: all of their schemas apply (objects are
            // merged; for anything else the parts agree on the type, and the first says it)
            let merged;
            let all_objects = schemas
                .iter()
                .all(|s| self.deref(s).is_ok_and(|s| matches!(self.shape(s), Shape::Object)));
            let schema: &SchemaRef = match schemas.as_slice() {
                [one, ..] if !all_objects => one,
                [one] => one,
                many => {
                    merged = SchemaRef::Inline(Box::new(Schema {
                        all_of: many.iter().map(|s| (*s).clone()).collect(),
                        ..Schema::default()
                    }));
                    &merged
                }
            };
            let mut ty = self.ty(schema, &Naming::property(short, parent, wire))?;
            if wire == "errcode" && ty == Ty::String {
                ty = Ty::ErrorCode;
            }
            let inline = schemas.iter().filter_map(|s| match s {
                SchemaRef::Inline(s) => Some(s),
                SchemaRef::Ref(_) => None,
            });
            let (mut doc, mut example, mut nullable, mut deprecated) = (None, None, false, false);
            let (mut default, mut description) = (None, None);
            for s in inline.clone() {
                default = default.or(s.default.as_ref());
                description = description.or(s.description.as_deref());
            }
            if let (None, [one, ..]) = (default, schemas.as_slice()) {
                default = self.deref(one)?.default.as_ref();
            }
            for s in inline {
                doc = doc.or_else(|| s.description.as_deref().map(|t| render(t, s.markup)));
                example = example.or_else(|| s.example().map(Example::new));
                nullable |= s.is_nullable();
                deprecated |= s.deprecated;
                if let Some(keys) = key_doc(s) {
                    doc = Some(match doc {
                        Some(d) if !d.is_empty() => format!("{d}\n\n{keys}"),
                        _ => keys,
                    });
                }
                let versions = super::Versions::from_extensions(&s.extensions, s.markup).doc();
                if !versions.is_empty() {
                    doc = Some(match doc {
                        Some(d) if !d.is_empty() => format!("{d}\n\n{versions}"),
                        _ => versions,
                    });
                }
            }
            let required = parts.required.contains(wire);
            if let Some(d) = default {
                let line = format!("When absent: `{d}`.");
                doc = Some(match doc {
                    Some(text) if !text.is_empty() => format!("{text}\n\n{line}"),
                    _ => line,
                });
            }
            def.fields.push(Field {
                wire: wire.to_owned(),
                name: unique(&snake(wire), &mut taken),
                absent: Absent::of(&ty, required, nullable && ty != Ty::Json, default, description, false),
                ty,
                required,
                nullable,
                doc,
                example,
                boxed: false,
                secret: SECRET_FIELDS.contains(&wire),
                deprecated,
            });
        }
        match parts.additional {
            Some(Additional::Schema(inner)) => {
                def.additional = Some(self.ty(inner, &Naming::new(format!("{parent}Value")))?);
            }
            Some(Additional::Allowed(true)) => def.additional = Some(Ty::Json),
            Some(Additional::Allowed(false)) => def.closed = true,
            None => {}
        }
        Ok(def)
    }

    /// The fields of an inline object schema, for a struct the caller declares itself (an
    /// operation's `Request` or `Response`). `None` when the schema is not an inline object.
    pub fn inline_struct(&mut self, s: &SchemaRef, parent: &str) -> Result<Option<StructDef>> {
        let SchemaRef::Inline(schema) = s else { return Ok(None) };
        if !matches!(self.shape(schema), Shape::Object) || !self.needs_def(schema)? {
            return Ok(None);
        }
        let parts = self.object_parts(schema, 0)?;
        Ok(Some(self.struct_def(&parts, parent, parent)?))
    }

    fn enum_def(&mut self, s: &Schema, values: Vec<String>, naming: &Naming, reserved: Option<TypeId>) -> Ty {
        let mut taken = HashSet::new();
        let variants = values
            .into_iter()
            .map(|wire| Variant {
                name: unique(&pascal(&wire), &mut taken),
                wire,
            })
            .collect();
        self.declare(s, TypeKind::Enum(EnumDef { variants }), naming, reserved)
    }

    /// Declares a named type (or finds an identical one that wants the same name).
    fn declare(&mut self, s: &Schema, kind: TypeKind, naming: &Naming, reserved: Option<TypeId>) -> Ty {
        let doc = match (&kind, reserved) {
            // an inline enum's description describes its field, not the enum
            (TypeKind::Enum(_), None) => None,
            _ => s.description.as_deref().map(|t| render(t, s.markup)),
        };
        let def = TypeDef {
            name: String::new(),
            title: s.title.as_deref().map(|t| render(t.trim_end_matches('.'), s.markup)),
            doc,
            kind,
            origin: s.origin.clone(),
            example: s.example().map(Example::new),
        };
        if let Some(id) = reserved {
            self.pending[id.0].def = def;
            self.pending[id.0].candidates = naming.all();
            return Ty::Named(id);
        }
        // an enum with no title is its values: one type wherever it is declared alike
        let untitled_enum = matches!(def.kind, TypeKind::Enum(_)) && def.title.is_none();
        // an untitled enum is the set of its values, in whichever order a place lists them
        let key = if untitled_enum {
            (String::new(), shape_hash(&value_set(&def.kind)))
        } else {
            (
                naming.candidates.first().cloned().unwrap_or_default(),
                shape_hash(&def.kind),
            )
        };
        let same = self.by_shape.get(&key).and_then(|ids| {
            ids.iter().copied().find(|id| {
                let kind = &self.pending[id.0].def.kind;
                if untitled_enum {
                    value_set(kind) == value_set(&def.kind)
                } else {
                    *kind == def.kind
                }
            })
        });
        if let Some(id) = same {
            let pending = &mut self.pending[id.0];
            let candidates = naming.all();
            if untitled_enum && !pending.uses.contains(&candidates) {
                // where it is defined, and the order of its values: the first of its places,
                // whichever was read first
                if def.origin.to_string() < pending.def.origin.to_string() {
                    pending.def.origin = def.origin;
                    pending.def.kind = def.kind;
                }
                pending.uses.push(candidates);
            }
            return Ty::Named(id);
        }
        let id = TypeId(self.pending.len());
        let candidates = naming.all();
        self.pending.push(Pending {
            def,
            uses: if untitled_enum {
                vec![candidates.clone()]
            } else {
                Vec::new()
            },
            candidates,
        });
        self.by_shape.entry(key).or_default().push(id);
        Ty::Named(id)
    }

    /// Gives every type its final name and boxes recursive fields.
    ///
    /// Each type has candidate names, best first. Where several types want the same name, none
    /// of them keeps it by having come first: each that has a further candidate moves on to it
    /// (more context: the parent type, the operation, the folder), until no two types want one
    /// name or none can move. So a type's name depends on its own schema and on the types that
    /// would share it, never on the order the spec is read in. Types still sharing a name after
    /// all that are numbered in the order of where they are defined.
    ///
    /// `pins` (the spec folder's `names.toml`) fix a type's name by where it is defined; no
    /// other type takes a pinned name. A pin that matches no type is a warning.
    pub fn finish(mut self, pins: &BTreeMap<String, String>) -> (TypeSpace, Vec<Warning>) {
        let defined: Vec<String> = self.pending.iter().map(|p| defined_at(&p.def.origin)).collect();
        let seeded = self.seeded;
        let pinned_at: Vec<Option<String>> = defined
            .iter()
            .enumerate()
            .map(|(i, at)| {
                if i < seeded {
                    Some(self.pending[i].def.name.clone())
                } else {
                    pins.get(at).cloned()
                }
            })
            .collect();
        let names_file = Location {
            file: Some(NAMES_FILE.to_owned()),
            line: None,
            column: None,
            pointer: None,
        };
        for (at, name) in pins {
            if !defined[seeded..].contains(at) {
                self.warnings.push(Warning::new(
                    names_file.clone(),
                    format!("`{name}` is pinned to `{at}`, where no type is defined; the pin does nothing"),
                ));
            }
        }
        let pinned_names: HashSet<String> = pinned_at.iter().flatten().cloned().collect();
        let candidates: Vec<Vec<String>> = self
            .pending
            .iter()
            .zip(&pinned_at)
            .map(|(p, pin)| {
                if let Some(name) = pin {
                    return vec![name.clone()];
                }
                let own = if p.uses.len() > 1 {
                    shared_candidates(&p.uses)
                } else {
                    p.candidates.clone()
                };
                let free: Vec<String> = own.into_iter().filter(|c| !pinned_names.contains(c)).collect();
                if free.is_empty() {
                    vec!["Type".to_owned()]
                } else {
                    free
                }
            })
            .collect();
        let places: Vec<usize> = self.pending.iter().map(|p| p.uses.len().max(1)).collect();
        let pick = settle(&candidates, &places);
        let mut defs: Vec<TypeDef> = self.pending.into_iter().map(|p| p.def).collect();
        let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, c) in candidates.iter().enumerate() {
            by_name.entry(c[pick[i]].as_str()).or_default().push(i);
        }
        let mut taken: HashSet<String> = by_name.keys().map(|k| (*k).to_owned()).collect();
        for (name, mut members) in by_name {
            // a shared type keeps its name; else the first by where it is defined; the others
            // are numbered
            members.sort_by_key(|&i| (i >= seeded, defs[i].origin.to_string()));
            for (k, &i) in members.iter().enumerate() {
                defs[i].name = if k == 0 {
                    name.to_owned()
                } else {
                    unique(name, &mut taken)
                };
            }
        }
        let mut space = TypeSpace { defs, shared: seeded };
        box_cycles(&mut space);
        (space, self.warnings)
    }
}

/// Which candidate each type takes (an index into its list): all start at their best; while
/// several want one name, the one declared in the most places keeps it (if it alone is), and
/// each of the others that has a further candidate moves on to it.
fn settle(candidates: &[Vec<String>], places: &[usize]) -> Vec<usize> {
    let mut pick = vec![0usize; candidates.len()];
    loop {
        let mut wanted: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, c) in candidates.iter().enumerate() {
            wanted.entry(c[pick[i]].as_str()).or_default().push(i);
        }
        let mut moved = false;
        for members in wanted.values().filter(|m| m.len() > 1) {
            let most = members.iter().map(|&i| places[i]).max().unwrap_or_default();
            let keeper = match members.iter().filter(|&&i| places[i] == most).count() {
                1 => members.iter().copied().find(|&i| places[i] == most),
                _ => None,
            };
            for &i in members {
                if Some(i) != keeper && pick[i] + 1 < candidates[i].len() {
                    pick[i] += 1;
                    moved = true;
                }
            }
        }
        if !moved {
            return pick;
        }
    }
}

/// The names of a type declared alike in several places, best first: the words their best
/// names share, in order, but a leading verb (`GetPushRuleKind`, `SetPushRuleActionsKind`, ...
/// → `PushRuleKind`; `GetRoomEventsDir`, `GetEventByTimestampDir` → `Dir`),
/// then each place's own candidates, shortest first, so that the result does not depend on
/// which place was read first.
fn shared_candidates(uses: &[Vec<String>]) -> Vec<String> {
    let mut out = Vec::new();
    let mut common: Option<Vec<String>> = None;
    for first in uses.iter().filter_map(|u| u.first()) {
        let w = words(first);
        common = Some(match common {
            None => w,
            Some(c) => common_subsequence(&c, &w),
        });
    }
    // a verb the places' operations share (`get` of `getRoomEvents` and `getEventByTimestamp`)
    // says nothing of the type
    const VERBS: &[&str] = &["get", "set", "put", "post", "delete", "create", "update"];
    if let Some(mut c) = common.filter(|c| !c.is_empty()) {
        if c.len() > 1 && VERBS.iter().any(|v| c[0].eq_ignore_ascii_case(v)) {
            c.remove(0);
        }
        out.push(pascal(&c.join(" ")));
    }
    let mut rest: Vec<String> = uses.iter().flatten().cloned().collect();
    rest.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    rest.dedup();
    for r in rest {
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// The longest common subsequence of two lists of words (case-insensitive).
fn common_subsequence(a: &[String], b: &[String]) -> Vec<String> {
    let mut table = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            table[i][j] = if a[i].eq_ignore_ascii_case(&b[j]) {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        if a[i].eq_ignore_ascii_case(&b[j]) {
            out.push(a[i].clone());
            i += 1;
            j += 1;
        } else if table[i + 1][j] >= table[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The file, in the spec folder, that pins type names.
pub const NAMES_FILE: &str = "names.toml";

/// Where a type is defined, as its rustdoc's "Defined in" says and `names.toml` keys it:
/// the file, and `#` and the JSON pointer inside it unless it is the whole file.
pub fn defined_at(origin: &Location) -> String {
    let file = origin.file.as_deref().unwrap_or_default();
    match origin.pointer.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => format!("{file}#{p}"),
        None => file.to_owned(),
    }
}

/// The folder that tells a named schema apart from others of the same name, as a name part:
/// the API it belongs to (`api/identity/definitions/x.yaml` → `Identity`), or for other trees
/// the folder nearest the file that is not a generic one (`definitions`, `schema`, ...).
fn context_folder(location: &Location) -> Option<String> {
    let file = location.file.as_deref()?;
    let parts: Vec<&str> = file.split('/').collect();
    let mut folders = parts.get(..parts.len().saturating_sub(1))?;
    // the spec's areas: an API's folder (`api/client-server`) or the event schemas, wherever
    // they are laid (a copy of `event-schemas` inside an API's `definitions` is still the event
    // schemas, as the link it stands for says)
    if let Some(i) = folders.iter().rposition(|p| *p == "api" || *p == "event-schemas") {
        if folders[i] == "api" {
            if let Some(api) = folders.get(i + 1) {
                return Some(pascal(api));
            }
        } else {
            folders = &folders[i..];
        }
    }
    folders
        .iter()
        .rev()
        .find(|f| {
            !matches!(
                **f,
                "definitions" | "schema" | "schemas" | "components" | "core-event-schema"
            )
        })
        .map(|f| pascal(f))
}

/// What the keys of a map under `patternProperties` are, for its documentation: the
/// `x-pattern-format` of each pattern (`mx-user-id`) and the pattern itself.
fn key_doc(s: &Schema) -> Option<String> {
    let keys: Vec<String> = s
        .pattern_properties
        .iter()
        .filter(|(pattern, _)| !pattern.is_empty())
        .map(|(pattern, value)| {
            let format = match value {
                SchemaRef::Inline(v) => v.extensions.get("x-pattern-format").and_then(|f| f.as_str()),
                SchemaRef::Ref(_) => None,
            };
            match format {
                Some(f) => format!("`{f}` (`{}`)", pattern.replace('`', "'")),
                None => format!("`{}`", pattern.replace('`', "'")),
            }
        })
        .collect();
    (!keys.is_empty()).then(|| format!("Keys: {}.", keys.join(", ")))
}

/// A hash of a type's structure (fixed keys: the same on every run).
/// The values of an enum, sorted (empty for any other type).
fn value_set(kind: &TypeKind) -> Vec<&str> {
    let mut values: Vec<&str> = match kind {
        TypeKind::Enum(e) => e.variants.iter().map(|v| v.wire.as_str()).collect(),
        _ => Vec::new(),
    };
    values.sort_unstable();
    values
}

fn shape_hash(kind: &(impl std::hash::Hash + ?Sized)) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    kind.hash(&mut h);
    h.finish()
}

/// The named struct a field holds directly (not behind a `Vec` or map), if any.
fn direct(ty: &Ty) -> Option<TypeId> {
    match ty {
        Ty::Named(id) => Some(*id),
        _ => None,
    }
}

/// Marks as boxed every field that closes a cycle of structs holding each other directly.
fn box_cycles(space: &mut TypeSpace) {
    let edges: Vec<Vec<TypeId>> = space
        .defs
        .iter()
        .map(|d| match &d.kind {
            TypeKind::Struct(s) => s.fields.iter().filter_map(|f| direct(&f.ty)).collect(),
            // a union holds named types boxed
            TypeKind::Enum(_) | TypeKind::Union(_) => Vec::new(),
        })
        .collect();
    let reaches = |from: TypeId, to: TypeId| -> bool {
        let mut seen = vec![false; edges.len()];
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if std::mem::replace(&mut seen[n.0], true) {
                continue;
            }
            stack.extend(edges[n.0].iter().copied());
        }
        false
    };
    for id in 0..space.defs.len() {
        let boxed: Vec<bool> = match &space.defs[id].kind {
            TypeKind::Struct(s) => s
                .fields
                .iter()
                .map(|f| direct(&f.ty).is_some_and(|to| reaches(to, TypeId(id))))
                .collect(),
            TypeKind::Enum(_) | TypeKind::Union(_) => continue,
        };
        if let TypeKind::Struct(s) = &mut space.defs[id].kind {
            for (f, b) in s.fields.iter_mut().zip(boxed) {
                f.boxed = b;
            }
        }
    }
}
