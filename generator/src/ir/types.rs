//! The type space: every schema of the spec becomes a Rust type expression ([`Ty`]), and every
//! schema that needs a declaration (an object or an enum) becomes a [`TypeDef`] with a stable,
//! unique Rust name. Named by `title`, else by the file or definition it lives in, else by where
//! it is used; identical inline shapes wanting the same name are one type; recursive types are
//! boxed where the cycle closes.

use std::collections::{BTreeSet, HashMap, HashSet};

use indexmap::IndexMap;
use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type};
use serde_json::Value;

use crate::error::{Error, Location, Result, Warning};
use crate::naming::{pascal, pascal_title, snake, unique};
use crate::normalize::NamedSchema;
use crate::resolve::{origin_of, SCHEMA_REF_PREFIX};

/// Index of a [`TypeDef`] in the [`TypeSpace`].
pub type TypeId = usize;

/// A Rust type expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    String,
    Bool,
    I32,
    I64,
    F32,
    F64,
    /// Any JSON (`serde_json::Value`).
    Json,
    /// Any JSON object (`serde_json::Map<String, Value>`).
    JsonObject,
    Vec(Box<Ty>),
    /// An object used as a map from string keys (`BTreeMap<String, T>`).
    Map(Box<Ty>),
    Named(TypeId),
    /// A Matrix error code (`errcode`): the crate's `ErrorCode` open enum.
    ErrorCode,
    /// Raw bytes (a body that is not JSON).
    Bytes,
}

/// A field of a struct.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The JSON name.
    pub wire: String,
    /// The Rust name, unique in its struct.
    pub name: String,
    pub ty: Ty,
    pub required: bool,
    pub nullable: bool,
    pub doc: Option<String>,
    pub example: Option<Value>,
    /// `Box`ed to break a cycle of types containing each other.
    pub boxed: bool,
    /// Hidden from `Debug` (access tokens, client secrets, passwords).
    pub secret: bool,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct StructDef {
    pub fields: Vec<Field>,
    /// `additionalProperties`: further fields of this type, kept in a map.
    pub additional: Option<Ty>,
}

/// A string enum: known values plus a catch-all that keeps unknown ones.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumDef {
    pub variants: Vec<Variant>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub wire: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    Struct(StructDef),
    Enum(EnumDef),
}

/// A named type.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeDef {
    pub name: String,
    /// The spec's `title`, if any.
    pub title: Option<String>,
    pub doc: Option<String>,
    pub kind: TypeKind,
    pub origin: Location,
    pub example: Option<Value>,
}

/// All named types, in a deterministic order.
#[derive(Clone, Debug, Default)]
pub struct TypeSpace {
    pub defs: Vec<TypeDef>,
}

impl TypeSpace {
    pub fn get(&self, id: TypeId) -> &TypeDef {
        &self.defs[id]
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
}

enum RefState {
    Building(Option<TypeId>),
    Done(Ty),
}

/// Names to try, best first, for a type that has no title.
#[derive(Clone, Debug)]
pub struct Naming {
    pub candidates: Vec<String>,
}

impl Naming {
    pub fn new(first: impl Into<String>) -> Self {
        Naming {
            candidates: vec![first.into()],
        }
    }

    /// Naming for a property `prop` of a type named `parent`.
    pub fn property(parent: &str, prop: &str) -> Self {
        let p = pascal(prop);
        Naming {
            candidates: vec![p.clone(), format!("{parent}{p}")],
        }
    }

    fn with_suffix(&self, suffix: &str) -> Self {
        Naming {
            candidates: self.candidates.iter().map(|c| format!("{c}{suffix}")).collect(),
        }
    }

    fn primary(&self) -> String {
        self.candidates.last().cloned().unwrap_or_default()
    }
}

/// Converts schemas into types. Shared by the whole spec.
pub struct TypeBuilder<'a> {
    schemas: &'a IndexMap<String, NamedSchema>,
    pending: Vec<Pending>,
    by_ref: HashMap<String, RefState>,
    by_shape: HashMap<String, TypeId>,
    pub warnings: Vec<Warning>,
}

/// A schema seen through its references.
type SchemaRef<'s> = &'s ReferenceOr<Schema>;

/// Properties, required names, additional properties and `allOf` of one object schema.
type ObjectFields<'s> = (
    Option<&'s IndexMap<String, ReferenceOr<Box<Schema>>>>,
    Vec<String>,
    Option<&'s AdditionalProperties>,
    &'s [ReferenceOr<Schema>],
);

/// The parts of an object schema, its `allOf` merged.
#[derive(Default)]
struct ObjectParts {
    properties: IndexMap<String, ReferenceOr<Schema>>,
    required: BTreeSet<String>,
    additional: Option<AdditionalProperties>,
}

impl<'a> TypeBuilder<'a> {
    pub fn new(schemas: &'a IndexMap<String, NamedSchema>) -> Self {
        TypeBuilder {
            schemas,
            pending: Vec::new(),
            by_ref: HashMap::new(),
            by_shape: HashMap::new(),
            warnings: Vec::new(),
        }
    }

    fn lookup(&self, reference: &str) -> Result<(&'a str, &'a NamedSchema)> {
        let key = reference
            .strip_prefix(SCHEMA_REF_PREFIX)
            .map(|k| k.replace("~1", "/").replace("~0", "~"))
            .unwrap_or_else(|| reference.to_owned());
        self.schemas
            .get_key_value(&key)
            .map(|(k, v)| (k.as_str(), v))
            .ok_or_else(|| Error::new(Location::default(), format!("reference `{reference}` names no schema")))
    }

    /// The schema behind a reference (or the schema itself).
    fn deref<'s>(&self, s: &'s ReferenceOr<Schema>) -> Result<&'s Schema>
    where
        'a: 's,
    {
        match s {
            ReferenceOr::Item(schema) => Ok(schema),
            ReferenceOr::Reference { reference } => Ok(&self.lookup(reference)?.1.schema),
        }
    }

    /// The type of a schema used at a place named by `naming`.
    pub fn ty(&mut self, s: SchemaRef<'_>, naming: &Naming) -> Result<Ty> {
        match s {
            ReferenceOr::Reference { reference } => self.ref_ty(reference),
            ReferenceOr::Item(schema) => self.schema_ty(schema, naming, None),
        }
    }

    /// Boxed schemas (`properties`, `items`) as plain ones.
    pub fn ty_boxed(&mut self, s: &ReferenceOr<Box<Schema>>, naming: &Naming) -> Result<Ty> {
        self.ty(&unbox(s), naming)
    }

    fn ref_ty(&mut self, reference: &str) -> Result<Ty> {
        let (key, named) = self.lookup(reference)?;
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
        let mut naming = Naming { candidates: Vec::new() };
        if let Some(t) = named
            .schema
            .schema_data
            .title
            .as_deref()
            .filter(|t| !t.trim().is_empty())
        {
            naming.candidates.push(pascal(t));
        }
        naming.candidates.push(pascal(&named.name_hint));
        naming.candidates.dedup();
        let key = key.to_owned();
        if self.needs_def(&named.schema)? {
            let id = self.reserve(named.location.clone());
            self.by_ref.insert(key.clone(), RefState::Building(Some(id)));
            let ty = self.schema_ty(&named.schema, &naming, Some(id))?;
            self.by_ref.insert(key, RefState::Done(ty.clone()));
            Ok(ty)
        } else {
            self.by_ref.insert(key.clone(), RefState::Building(None));
            let ty = self.schema_ty(&named.schema, &naming, None)?;
            self.by_ref.insert(key, RefState::Done(ty.clone()));
            Ok(ty)
        }
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
        });
        self.pending.len() - 1
    }

    /// Whether a schema is declared as a type of its own (a struct or an enum).
    fn needs_def(&self, s: &Schema) -> Result<bool> {
        Ok(match &s.schema_kind {
            SchemaKind::Type(Type::String(st)) => st.enumeration.iter().any(Option::is_some),
            SchemaKind::Type(Type::Object(o)) => !o.properties.is_empty(),
            SchemaKind::AllOf { all_of } => self.alias_of(all_of, s).is_none(),
            SchemaKind::Any(a) => {
                !a.properties.is_empty() || (!a.all_of.is_empty() && self.alias_of(&a.all_of, s).is_none())
            }
            _ => false,
        })
    }

    /// An `allOf` of a single schema and nothing else is that schema.
    fn alias_of<'s>(&self, all_of: &'s [ReferenceOr<Schema>], outer: &Schema) -> Option<&'s ReferenceOr<Schema>> {
        let extra_props = match &outer.schema_kind {
            SchemaKind::Any(a) => !a.properties.is_empty() || a.additional_properties.is_some(),
            _ => false,
        };
        match all_of {
            [only] if !extra_props => Some(only),
            _ => None,
        }
    }

    fn origin(s: &Schema) -> Location {
        origin_of(&s.schema_data.extensions)
    }

    /// Converts an inline schema; `reserved` is the type id set aside for a recursive reference.
    fn schema_ty(&mut self, s: &Schema, naming: &Naming, reserved: Option<TypeId>) -> Result<Ty> {
        let mut naming = naming.clone();
        if reserved.is_none() {
            if let Some(t) = s.schema_data.title.as_deref().and_then(pascal_title) {
                naming.candidates.insert(0, t);
            }
        }
        let ty = match &s.schema_kind {
            SchemaKind::Type(Type::String(st)) => {
                let values: Vec<String> = st.enumeration.iter().flatten().cloned().collect();
                if values.is_empty() {
                    Ty::String
                } else {
                    self.enum_def(s, values, &naming, reserved)
                }
            }
            SchemaKind::Type(Type::Integer(it)) => match &it.format {
                openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32) => Ty::I32,
                _ => Ty::I64,
            },
            SchemaKind::Type(Type::Number(nt)) => match &nt.format {
                openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::NumberFormat::Float) => Ty::F32,
                _ => Ty::F64,
            },
            SchemaKind::Type(Type::Boolean(_)) => Ty::Bool,
            SchemaKind::Type(Type::Array(a)) => {
                let item = match &a.items {
                    Some(items) => self.ty_boxed(items, &naming.with_suffix("Item"))?,
                    None => Ty::Json,
                };
                Ty::Vec(Box::new(item))
            }
            SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } | SchemaKind::Any(_) => {
                if let Some(alias) = self.alias_in(s) {
                    return self.ty(&alias, &naming);
                }
                if let SchemaKind::Any(a) = &s.schema_kind {
                    let objectish = a.typ.as_deref() == Some("object")
                        || !a.properties.is_empty()
                        || !a.all_of.is_empty()
                        || a.additional_properties.is_some();
                    if !objectish {
                        return Ok(any_ty(a));
                    }
                }
                let parts = self.object_parts(s, 0)?;
                if parts.properties.is_empty() {
                    match &parts.additional {
                        Some(AdditionalProperties::Schema(inner)) => {
                            Ty::Map(Box::new(self.ty(inner, &naming.with_suffix("Value"))?))
                        }
                        _ => Ty::JsonObject,
                    }
                } else {
                    let def = self.struct_def(&parts, &naming.primary())?;
                    self.declare(s, TypeKind::Struct(def), &naming, reserved)
                }
            }
            SchemaKind::OneOf { one_of } | SchemaKind::AnyOf { any_of: one_of } => {
                self.alternatives(one_of, &naming)?
            }
            SchemaKind::Not { .. } => Ty::Json,
        };
        Ok(ty)
    }

    /// `oneOf`/`anyOf`: a common type when every alternative is the same, else any JSON.
    fn alternatives(&mut self, alts: &[ReferenceOr<Schema>], naming: &Naming) -> Result<Ty> {
        let mut tys = Vec::new();
        for (i, alt) in alts.iter().enumerate() {
            tys.push(self.ty(alt, &naming.with_suffix(&format!("Variant{}", i + 1)))?);
        }
        tys.dedup();
        Ok(match tys.as_slice() {
            [one] => one.clone(),
            _ => Ty::Json,
        })
    }

    /// The single schema an `allOf` (without properties of its own) stands for.
    fn alias_in(&self, s: &Schema) -> Option<ReferenceOr<Schema>> {
        match &s.schema_kind {
            SchemaKind::AllOf { all_of } => self.alias_of(all_of, s).cloned(),
            SchemaKind::Any(a) if a.properties.is_empty() && a.additional_properties.is_none() => {
                self.alias_of(&a.all_of, s).cloned()
            }
            _ => None,
        }
    }

    /// Collects the properties of an object schema, merging `allOf` (also through references).
    fn object_parts(&self, s: &Schema, depth: usize) -> Result<ObjectParts> {
        if depth > 32 {
            return Err(Error::new(
                Self::origin(s),
                "`allOf` nests more than 32 deep (a cycle of `allOf`?)",
            ));
        }
        let mut parts = ObjectParts::default();
        let (props, required, additional, all_of): ObjectFields<'_> = match &s.schema_kind {
            SchemaKind::Type(Type::Object(o)) => (
                Some(&o.properties),
                o.required.clone(),
                o.additional_properties.as_ref(),
                &[],
            ),
            SchemaKind::AllOf { all_of } => (None, Vec::new(), None, all_of),
            SchemaKind::Any(a) => (
                Some(&a.properties),
                a.required.clone(),
                a.additional_properties.as_ref(),
                &a.all_of,
            ),
            _ => (None, Vec::new(), None, &[]),
        };
        for part in all_of {
            let inner = self.deref(part)?;
            let p = self.object_parts(inner, depth + 1)?;
            for (k, v) in p.properties {
                parts.properties.insert(k, v);
            }
            parts.required.extend(p.required);
            if p.additional.is_some() {
                parts.additional = p.additional;
            }
        }
        if let Some(props) = props {
            for (k, v) in props {
                parts.properties.insert(k.clone(), unbox(v));
            }
        }
        parts.required.extend(required);
        if let Some(a) = additional {
            parts.additional = Some(a.clone());
        }
        Ok(parts)
    }

    fn struct_def(&mut self, parts: &ObjectParts, parent: &str) -> Result<StructDef> {
        let mut def = StructDef::default();
        let mut taken = HashSet::new();
        for (wire, schema) in &parts.properties {
            let mut ty = self.ty(schema, &Naming::property(parent, wire))?;
            if wire == "errcode" && ty == Ty::String {
                ty = Ty::ErrorCode;
            }
            let (doc, example, nullable) = match schema {
                ReferenceOr::Item(s) => (
                    s.schema_data.description.clone(),
                    s.schema_data.example.clone(),
                    s.schema_data.nullable,
                ),
                ReferenceOr::Reference { .. } => (None, None, false),
            };
            def.fields.push(Field {
                wire: wire.clone(),
                name: unique(&snake(wire), &mut taken),
                ty,
                required: parts.required.contains(wire),
                nullable,
                doc,
                example,
                boxed: false,
                secret: SECRET_FIELDS.contains(&wire.as_str()),
            });
        }
        match &parts.additional {
            Some(AdditionalProperties::Schema(inner)) => {
                def.additional = Some(self.ty(inner, &Naming::new(format!("{parent}Value")))?);
            }
            Some(AdditionalProperties::Any(true)) => def.additional = Some(Ty::Json),
            _ => {}
        }
        Ok(def)
    }

    /// The fields of an inline object schema, for a struct the caller declares itself (an
    /// operation's `Request` or `Response`). `None` when the schema is not an inline object.
    pub fn inline_struct(&mut self, s: SchemaRef<'_>, parent: &str) -> Result<Option<StructDef>> {
        let ReferenceOr::Item(schema) = s else { return Ok(None) };
        if !self.needs_def(schema)? || matches!(schema.schema_kind, SchemaKind::Type(Type::String(_))) {
            return Ok(None);
        }
        if self.alias_in(schema).is_some() {
            return Ok(None);
        }
        let parts = self.object_parts(schema, 0)?;
        Ok(Some(self.struct_def(&parts, parent)?))
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
            _ => s.schema_data.description.clone(),
        };
        let def = TypeDef {
            name: String::new(),
            title: s.schema_data.title.clone(),
            doc,
            kind,
            origin: Self::origin(s),
            example: s.schema_data.example.clone(),
        };
        if let Some(id) = reserved {
            self.pending[id].def = def;
            self.pending[id].candidates = naming.candidates.clone();
            return Ty::Named(id);
        }
        let shape = format!(
            "{}|{:?}",
            naming.candidates.first().cloned().unwrap_or_default(),
            def.kind
        );
        if let Some(id) = self.by_shape.get(&shape) {
            return Ty::Named(*id);
        }
        let id = self.pending.len();
        self.pending.push(Pending {
            def,
            candidates: naming.candidates.clone(),
        });
        self.by_shape.insert(shape, id);
        Ty::Named(id)
    }

    /// Gives every type its final name and boxes recursive fields.
    pub fn finish(self, reserved_names: &HashSet<String>) -> (TypeSpace, Vec<Warning>) {
        let mut taken: HashSet<String> = reserved_names.clone();
        let mut defs = Vec::with_capacity(self.pending.len());
        for p in self.pending {
            let mut def = p.def;
            let free = p.candidates.iter().find(|c| !taken.contains(*c)).cloned();
            def.name = match free {
                Some(n) => {
                    taken.insert(n.clone());
                    n
                }
                None => unique(p.candidates.last().map(String::as_str).unwrap_or("Type"), &mut taken),
            };
            defs.push(def);
        }
        let mut space = TypeSpace { defs };
        box_cycles(&mut space);
        (space, self.warnings)
    }
}

/// A schema without a usable `type` (or with one that does not fit its other keywords).
fn any_ty(a: &openapiv3::AnySchema) -> Ty {
    match a.typ.as_deref() {
        Some("string") => Ty::String,
        Some("integer") => Ty::I64,
        Some("number") => Ty::F64,
        Some("boolean") => Ty::Bool,
        Some("array") => Ty::Vec(Box::new(Ty::Json)),
        _ => Ty::Json,
    }
}

fn unbox(s: &ReferenceOr<Box<Schema>>) -> ReferenceOr<Schema> {
    match s {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
        ReferenceOr::Item(b) => ReferenceOr::Item((**b).clone()),
    }
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
            TypeKind::Enum(_) => Vec::new(),
        })
        .collect();
    let reaches = |from: TypeId, to: TypeId| -> bool {
        let mut seen = vec![false; edges.len()];
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if std::mem::replace(&mut seen[n], true) {
                continue;
            }
            stack.extend(edges[n].iter().copied());
        }
        false
    };
    for id in 0..space.defs.len() {
        let boxed: Vec<bool> = match &space.defs[id].kind {
            TypeKind::Struct(s) => s
                .fields
                .iter()
                .map(|f| direct(&f.ty).is_some_and(|to| reaches(to, id)))
                .collect(),
            TypeKind::Enum(_) => continue,
        };
        if let TypeKind::Struct(s) = &mut space.defs[id].kind {
            for (f, b) in s.fields.iter_mut().zip(boxed) {
                f.boxed = b;
            }
        }
    }
}
