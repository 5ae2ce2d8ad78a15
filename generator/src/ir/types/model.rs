//! The model of the type space, which the emitters read: type expressions ([`Ty`]), named types
//! ([`TypeDef`]) in a [`TypeSpace`], their fields, enums and unions, and the kinds of events a
//! place holds.

use std::collections::{HashMap, HashSet};

use super::super::docs::Example;
use crate::error::Location;

/// A named type: its index in the [`TypeSpace`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(pub(crate) usize);

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
    Event(EventSet),
}

/// One level of a type expression, its inner types already rendered: what a renderer of type
/// expressions (the emitted Rust, the surface's text) gives a name to. [`Ty::render`] walks the
/// expression, so that each renderer says only what each level is called.
pub enum TyLevel<'a, T> {
    /// A type without inner types: `String`, `bool`, `i32`, `i64`, any JSON number, any JSON, any
    /// JSON object, `ErrorCode`, bytes.
    Leaf(&'a Ty),
    /// A list of the inner type.
    Vec(T),
    /// A map from strings to the inner type.
    Map(T),
    /// The inner type or `null`.
    Nullable(T),
    /// The named type of this name.
    Named(&'a str),
    /// A Matrix identifier.
    Id(IdKind),
    /// An event of a kind.
    Event(EventSet),
}

impl Ty {
    /// The expression rendered by `name`, which names one level given its inner types rendered.
    pub fn render<T>(&self, space: &TypeSpace, name: &mut impl FnMut(TyLevel<'_, T>) -> T) -> T {
        let level = match self {
            Ty::Vec(inner) => TyLevel::Vec(inner.render(space, name)),
            Ty::Map(inner) => TyLevel::Map(inner.render(space, name)),
            Ty::Nullable(inner) => TyLevel::Nullable(inner.render(space, name)),
            Ty::Named(id) => TyLevel::Named(&space.get(*id).name),
            Ty::Id(kind) => TyLevel::Id(*kind),
            Ty::Event(set) => TyLevel::Event(*set),
            Ty::String
            | Ty::Bool
            | Ty::I32
            | Ty::I64
            | Ty::Number
            | Ty::Json
            | Ty::JsonObject
            | Ty::ErrorCode
            | Ty::Bytes => TyLevel::Leaf(self),
        };
        name(level)
    }
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

/// What kind of event a schema builds on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    /// A room event of the timeline (`core-event-schema/room_event.yaml`).
    Message,
    /// A state event (`state_event.yaml`): in the timeline and the room's state.
    State,
    /// Any other event (`event.yaml`): account data, to-device, ephemeral, presence.
    Basic,
}

impl EventKind {
    /// `message`, `state` or `basic`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Message => "message",
            EventKind::State => "state",
            EventKind::Basic => "basic",
        }
    }
}

/// The events of a kind, as a place of the API or an enum of the events output holds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventSet {
    /// Events of any kind.
    All,
    /// Room events of the timeline: message and state events.
    Timeline,
    /// State events.
    State,
    /// Stripped state: a state event's `type`, `state_key`, `sender` and `content` (invites,
    /// knocks, the space hierarchy).
    StrippedState,
    /// Ephemeral room events (typing, receipts).
    Ephemeral,
    /// Account data, global or of a room.
    AccountData,
    /// To-device messages.
    ToDevice,
    /// Presence.
    Presence,
}

impl EventSet {
    /// Every kind an enum of the events output stands for, in order.
    pub const KINDS: [EventSet; 8] = [
        EventSet::All,
        EventSet::Timeline,
        EventSet::State,
        EventSet::StrippedState,
        EventSet::Ephemeral,
        EventSet::AccountData,
        EventSet::ToDevice,
        EventSet::Presence,
    ];

    /// The words of its names: `Timeline` (`TimelineEvent`, `AnyTimelineEventContent`); empty
    /// for events of any kind (`Event`, `AnyEventContent`).
    pub fn words(self) -> &'static str {
        match self {
            EventSet::All => "",
            EventSet::Timeline => "Timeline",
            EventSet::State => "State",
            EventSet::StrippedState => "StrippedState",
            EventSet::Ephemeral => "Ephemeral",
            EventSet::AccountData => "AccountData",
            EventSet::ToDevice => "ToDevice",
            EventSet::Presence => "Presence",
        }
    }

    /// An event of the kind, for documentation: `a timeline event`.
    pub fn noun(self) -> &'static str {
        match self {
            EventSet::All => "an event of any kind",
            EventSet::Timeline => "a timeline event",
            EventSet::State => "a state event",
            EventSet::StrippedState => "a stripped state event",
            EventSet::Ephemeral => "an ephemeral event",
            EventSet::AccountData => "an account data event",
            EventSet::ToDevice => "a to-device event",
            EventSet::Presence => "a presence event",
        }
    }

    /// The content enum of its events: stripped state has a state event's content.
    pub fn content(self) -> EventSet {
        match self {
            EventSet::StrippedState => EventSet::State,
            other => other,
        }
    }
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
