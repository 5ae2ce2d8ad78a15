//! The type builder: converts each schema into a type expression and declares the types that
//! need a declaration (objects, enums, unions), then names them all ([`super::names`]) and boxes
//! recursion ([`super::cycles`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use indexmap::IndexMap;

use super::super::docs::{render, Example};
use super::super::naming::{pascal, pascal_title, snake, unique};
use super::cycles::box_cycles;
use super::model::*;
use super::names::{context_folder, settle, shared_candidates, Naming};
use super::schemas::{string_enum, ObjectParts, SchemaKind, Schemas};
use crate::error::{Location, Result, Warning};
use crate::frontend::{Additional, JsonType, NamedSchema, Schema, SchemaRef};

/// What a property's schemas say of it beside its type (see [`TypeBuilder::field_docs`]).
struct FieldDocs<'s> {
    doc: Option<String>,
    example: Option<Example>,
    nullable: bool,
    deprecated: bool,
    default: Option<&'s serde_json::Value>,
    description: Option<&'s str>,
}

/// How the builder recognises the events a schema stands for (see [`TypeBuilder::events`]).
pub type EventRecogniser = fn(&Schemas<'_>, &Schema) -> Result<Option<EventSet>>;

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

/// Converts schemas into types. Shared by the whole spec.
pub struct TypeBuilder<'a> {
    schemas: Schemas<'a>,
    pending: Vec<Pending>,
    by_ref: HashMap<String, RefState>,
    /// Declared inline types by their wanted name and a hash of their shape.
    by_shape: HashMap<(String, u64), Vec<TypeId>>,
    warnings: Vec<Warning>,
    /// How to recognise an event in a schema, where the spec has event schemas (the events
    /// output's knowledge, handed in: an object of a `type` and a `content` is an event).
    pub events: Option<EventRecogniser>,
    /// How many of the first types come from a [`Seed`], named already.
    seeded: usize,
}

impl<'a> TypeBuilder<'a> {
    /// The schema of property `name` of an object schema (see [`Schemas::property`]).
    pub fn property(&self, s: &Schema, name: &str) -> Result<Option<SchemaRef>> {
        self.schemas.property(s, name)
    }

    /// The properties of an object schema (see [`Schemas::properties`]).
    pub fn properties(&self, s: &Schema) -> Result<Vec<(String, SchemaRef)>> {
        self.schemas.properties(s)
    }

    /// The events a schema stands for, where the builder was told how to recognise them.
    fn event_set(&self, s: &Schema) -> Result<Option<EventSet>> {
        match self.events {
            Some(recognise) => recognise(&self.schemas, s),
            None => Ok(None),
        }
    }

    /// A builder over the spec's named schemas.
    pub fn new(schemas: &'a IndexMap<String, NamedSchema>) -> Self {
        TypeBuilder {
            schemas: Schemas::new(schemas),
            pending: Vec::new(),
            by_ref: HashMap::new(),
            by_shape: HashMap::new(),
            warnings: Vec::new(),
            events: None,
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

    /// The schema behind a reference (or the schema itself).
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
        self.schemas.deref(s).ok().and_then(|s| s.default.clone())
    }

    /// The properties of an object schema, its `allOf` parts merged, in order, each with its
    /// schema (as [`TypeBuilder::property`] gives it).
    /// The kind of event a schema builds on: the first core event schema its `allOf` names;
    /// `None` for a schema that builds on none (a part other event schemas share).
    /// The events a schema stands for, where the spec has event schemas and the schema is an
    /// object of a string `type` and a `content` object of no declared properties (an event's
    /// envelope): required `state_key` and `event_id`, state events; a required `state_key`
    /// alone, stripped state; a required `event_id`, timeline events; else events of any kind.
    /// The type of a schema used at a place named by `naming`.
    pub fn ty(&mut self, s: &SchemaRef, naming: &Naming) -> Result<Ty> {
        match s {
            SchemaRef::Ref(key) => self.ref_ty(key),
            SchemaRef::Inline(schema) => self.schema_ty(schema, naming, None),
        }
    }

    fn ref_ty(&mut self, key: &str) -> Result<Ty> {
        let (key, named) = self.schemas.lookup(key)?;
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
    /// Whether an `allOf` schema is an object: a part (through references and nested `allOf`s)
    /// constrains an object, or no part names a type at all.
    /// Finds whether `s` or its `allOf` parts constrain an object, or name another type.
    /// An `allOf` of schemas that are not objects, as the one schema they make together: the
    /// types every part allows, the first format, enum, pattern and items each part gives (the
    /// items of several parts are an `allOf` of them), the schema's own title and description
    /// or the first part's. `None` for anything else.
    /// Whether a schema is declared as a type of its own (a struct or an enum).
    fn needs_def(&self, s: &Schema) -> Result<bool> {
        if let Some(merged) = self.schemas.merged_all_of(s)? {
            return self.needs_def(&merged);
        }
        Ok(match self.schemas.shape(s) {
            SchemaKind::Scalar(JsonType::String) => string_enum(s).is_some(),
            SchemaKind::Object => !self.schemas.object_parts(s, 0)?.properties.is_empty(),
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
        if let Some(merged) = self.schemas.merged_all_of(s)? {
            return self.schema_ty(&merged, &naming, reserved);
        }
        Ok(match self.schemas.shape(s) {
            SchemaKind::Alias(inner) => self.ty(inner, &naming)?,
            SchemaKind::Scalar(JsonType::String) => match string_enum(s) {
                Some(values) => self.enum_def(s, values, &naming, reserved),
                None => match s.format.as_deref().and_then(IdKind::from_format) {
                    Some(kind) => Ty::Id(kind),
                    None => Ty::String,
                },
            },
            SchemaKind::Scalar(JsonType::Integer) => match s.format.as_deref() {
                Some("int32") => Ty::I32,
                _ => Ty::I64,
            },
            SchemaKind::Scalar(JsonType::Number) => Ty::Number,
            SchemaKind::Scalar(JsonType::Boolean) => Ty::Bool,
            SchemaKind::Scalar(JsonType::Array) => {
                let item = match &s.items {
                    Some(items) => {
                        let item = self.ty(items, &naming.with_suffix("Item"))?;
                        self.nullable(items, item)
                    }
                    None => Ty::Json,
                };
                Ty::Vec(Box::new(item))
            }
            SchemaKind::Any if s.non_null_types().len() > 1 && s.not.is_none() => self.type_list(s, &naming)?,
            SchemaKind::Scalar(JsonType::Null | JsonType::Object) | SchemaKind::Any => Ty::Json,
            SchemaKind::Object => {
                let parts = self.schemas.object_parts(s, 0)?;
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
            SchemaKind::Alternatives(alts) => self.alternatives(s, alts, &naming)?,
        })
    }

    /// `ty`, or `Option<ty>` where the schema of a list's items or a map's values allows `null`.
    fn nullable(&self, s: &SchemaRef, ty: Ty) -> Ty {
        let nullable = self.schemas.deref(s).is_ok_and(Schema::is_nullable);
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
    fn struct_def(&mut self, parts: &ObjectParts<'_>, short: &str, parent: &str) -> Result<StructDef> {
        let mut def = StructDef::default();
        let mut taken = HashSet::new();
        for (&wire, schemas) in &parts.properties {
            // declared by several parts of an `allOf`: all of their schemas apply (objects are
            // merged; for anything else the parts agree on the type, and the first says it)
            let merged;
            let all_objects = schemas.iter().all(|s| {
                self.schemas
                    .deref(s)
                    .is_ok_and(|s| matches!(self.schemas.shape(s), SchemaKind::Object))
            });
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
            let required = parts.required.contains(wire);
            let FieldDocs {
                doc,
                example,
                nullable,
                deprecated,
                default,
                description,
            } = self.field_docs(schemas)?;
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

    /// What the schemas of a property say of it beside its type: its documentation (with what
    /// its keys are, when it was added or changed, and its default), example, whether it may be
    /// `null` or is deprecated, its default and description.
    fn field_docs<'s>(&self, schemas: &[&'s SchemaRef]) -> Result<FieldDocs<'s>>
    where
        'a: 's,
    {
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
        if let (None, [one, ..]) = (default, schemas) {
            default = self.schemas.deref(one)?.default.as_ref();
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
            let versions = super::super::versions::Versions::from_extensions(&s.extensions, s.markup).doc();
            if !versions.is_empty() {
                doc = Some(match doc {
                    Some(d) if !d.is_empty() => format!("{d}\n\n{versions}"),
                    _ => versions,
                });
            }
        }
        if let Some(d) = default {
            let line = format!("When absent: `{d}`.");
            doc = Some(match doc {
                Some(text) if !text.is_empty() => format!("{text}\n\n{line}"),
                _ => line,
            });
        }
        Ok(FieldDocs {
            doc,
            example,
            nullable,
            deprecated,
            default,
            description,
        })
    }

    /// The fields of an inline object schema, for a struct the caller declares itself (an
    /// operation's `Request` or `Response`). `None` when the schema is not an inline object.
    pub fn inline_struct(&mut self, s: &SchemaRef, parent: &str) -> Result<Option<StructDef>> {
        let SchemaRef::Inline(schema) = s else { return Ok(None) };
        if !matches!(self.schemas.shape(schema), SchemaKind::Object) || !self.needs_def(schema)? {
            return Ok(None);
        }
        let parts = self.schemas.object_parts(schema, 0)?;
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
        let mut space = TypeSpace { defs };
        box_cycles(&mut space);
        (space, self.warnings)
    }
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
