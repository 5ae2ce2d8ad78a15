//! The spec's named schemas, and what a schema stands for read from its keywords: an object (its
//! `allOf` parts merged by what they constrain), a scalar, alternatives, an alias of a named
//! schema. What the type builder and the event types read schemas with.

use std::collections::BTreeSet;

use indexmap::IndexMap;

use crate::error::{Error, Result};
use crate::frontend::{Additional, JsonType, NamedSchema, Schema, SchemaRef};

/// The spec's named schemas, by key.
#[derive(Clone, Copy)]
pub struct Schemas<'a> {
    map: &'a IndexMap<String, NamedSchema>,
}

/// The parts of an object schema, its `allOf` merged, borrowed from the schemas. A property
/// that several parts declare has each of their schemas (all of which apply).
#[derive(Default)]
pub struct ObjectParts<'s> {
    pub properties: IndexMap<&'s str, Vec<&'s SchemaRef>>,
    pub required: BTreeSet<&'s str>,
    pub additional: Option<&'s Additional>,
    /// The schemas of keys by pattern, of every part.
    pub patterns: Vec<&'s SchemaRef>,
}

/// What a schema stands for, read from its keywords.
pub enum SchemaKind<'s> {
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

impl<'a> Schemas<'a> {
    /// The named schemas of `map`.
    pub fn new(map: &'a IndexMap<String, NamedSchema>) -> Self {
        Schemas { map }
    }

    pub fn lookup(&self, key: &str) -> Result<(&'a str, &'a NamedSchema)> {
        self.map
            .get_key_value(key)
            .map(|(k, v)| (k.as_str(), v))
            .ok_or_else(|| Error::internal(format!("reference `{key}` names no schema")))
    }

    pub fn deref<'s>(&self, s: &'s SchemaRef) -> Result<&'s Schema>
    where
        'a: 's,
    {
        match s {
            SchemaRef::Inline(schema) => Ok(schema),
            SchemaRef::Ref(key) => Ok(&self.lookup(key)?.1.schema),
        }
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
            .all(|s| self.deref(s).is_ok_and(|s| matches!(self.shape(s), SchemaKind::Object)));
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

    pub fn shape<'s>(&self, s: &'s Schema) -> SchemaKind<'s> {
        if let [only] = s.all_of.as_slice() {
            if s.properties.is_empty() && s.additional.is_none() {
                return SchemaKind::Alias(only);
            }
        }
        // one named schema and parts that only describe it (`allOf: [{$ref: Kind}, {description:
        // ...}]`): the named schema's type
        if let Some(named) = annotated_ref(s) {
            return SchemaKind::Alias(named);
        }
        let types = s.non_null_types();
        if types == [JsonType::Object]
            || !s.properties.is_empty()
            || (!s.all_of.is_empty() && self.all_of_is_object(s, 0))
            || s.additional.is_some()
            || !s.pattern_properties.is_empty()
        {
            return SchemaKind::Object;
        }
        if !s.one_of.is_empty() {
            return SchemaKind::Alternatives(&s.one_of);
        }
        if !s.any_of.is_empty() {
            return SchemaKind::Alternatives(&s.any_of);
        }
        match types.as_slice() {
            [one] if s.not.is_none() => SchemaKind::Scalar(*one),
            _ => SchemaKind::Any,
        }
    }

    fn all_of_is_object(&self, s: &Schema, depth: usize) -> bool {
        let (mut objects, mut others) = (false, false);
        self.all_of_types(s, depth, &mut objects, &mut others);
        objects || !others
    }

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

    pub fn merged_all_of(&self, s: &Schema) -> Result<Option<Schema>> {
        if s.all_of.is_empty() || matches!(self.shape(s), SchemaKind::Object | SchemaKind::Alias(_)) {
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

    pub fn object_parts<'s>(&self, s: &'s Schema, depth: usize) -> Result<ObjectParts<'s>>
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
pub fn string_enum(s: &Schema) -> Option<Vec<String>> {
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
