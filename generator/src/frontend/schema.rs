//! The schema model: JSON Schema as the Matrix spec writes it (draft 4 as Swagger 2.0 bends it,
//! OpenAPI 3.0's subset, and the JSON Schema 2020-12 of OpenAPI 3.1), read from the resolved
//! JSON without losing a keyword the generator can use. Each front end reads its schemas with its
//! own [`Dialect`]; everything after the front ends sees only this model.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::Value;

use crate::error::push_token;
use crate::error::{Location, Warning};
use crate::resolve::NodeTable;

/// How the input version writes schemas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Swagger 2.0: `type: file`, `x-nullable`, a `discriminator` that is a property name.
    Swagger2,
    /// OpenAPI 3.0: `nullable: true`, a `discriminator` object.
    OpenApi30,
    /// OpenAPI 3.1, JSON Schema 2020-12: `type` lists, `examples` lists, `const`, `prefixItems`.
    OpenApi31,
}

/// How descriptions are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Markup {
    /// reStructuredText: the Matrix spec's Swagger 2.0 era.
    Rst,
    /// CommonMark: OpenAPI 3.x, and the Matrix spec since it moved to it.
    #[default]
    CommonMark,
}

impl From<crate::load::Version> for Dialect {
    fn from(version: crate::load::Version) -> Self {
        use crate::load::Version;
        match version {
            Version::Swagger2 => Dialect::Swagger2,
            Version::OpenApi30 => Dialect::OpenApi30,
            Version::OpenApi31 => Dialect::OpenApi31,
        }
    }
}

impl Dialect {
    /// How descriptions are written in this dialect (as the Matrix spec writes them).
    pub fn markup(self) -> Markup {
        match self {
            Dialect::Swagger2 => Markup::Rst,
            Dialect::OpenApi30 | Dialect::OpenApi31 => Markup::CommonMark,
        }
    }
}

/// The JSON types a schema's `type` may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JsonType {
    /// `null`
    Null,
    /// `boolean`
    Boolean,
    /// `integer`
    Integer,
    /// `number`
    Number,
    /// `string`
    String,
    /// `array`
    Array,
    /// `object`
    Object,
}

impl JsonType {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "null" => JsonType::Null,
            "boolean" => JsonType::Boolean,
            "integer" => JsonType::Integer,
            "number" => JsonType::Number,
            "string" => JsonType::String,
            "array" => JsonType::Array,
            "object" => JsonType::Object,
            _ => return None,
        })
    }
}

/// A schema, or a reference to one of the spec's named schemas (by its key in
/// [`Spec::schemas`](super::Spec::schemas)).
#[derive(Clone, Debug, PartialEq)]
pub enum SchemaRef {
    /// A named schema, by key.
    Ref(String),
    /// A schema written in place.
    Inline(Box<Schema>),
}

/// `additionalProperties`.
#[derive(Clone, Debug, PartialEq)]
pub enum Additional {
    /// `true` (any further property) or `false` (none).
    Allowed(bool),
    /// Further properties of this schema.
    Schema(SchemaRef),
}

/// One schema, every keyword the generator reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    /// Where the schema is written.
    pub origin: Location,
    /// `type` (a list in 2020-12); empty means any type. `nullable: true` adds [`JsonType::Null`].
    pub types: Vec<JsonType>,
    /// `title`
    pub title: Option<String>,
    /// `description`
    pub description: Option<String>,
    /// How `title` and `description` are written.
    pub markup: Markup,
    /// `deprecated`
    pub deprecated: bool,
    /// `format` (`int64`, `binary`, `mx-user-id`, ...); Swagger's `type: file` is `binary`.
    pub format: Option<String>,
    /// `pattern`
    pub pattern: Option<String>,
    /// `enum`
    pub enumeration: Vec<Value>,
    /// `const`
    pub constant: Option<Value>,
    /// `default`
    pub default: Option<Value>,
    /// `example`, then the items of 2020-12's `examples`.
    pub examples: Vec<Value>,
    /// `properties`, in the order written.
    pub properties: IndexMap<String, SchemaRef>,
    /// `required`
    pub required: Vec<String>,
    /// `additionalProperties`
    pub additional: Option<Additional>,
    /// `patternProperties`, in the order written.
    pub pattern_properties: IndexMap<String, SchemaRef>,
    /// `propertyNames`
    pub property_names: Option<SchemaRef>,
    /// `items` (a single schema).
    pub items: Option<SchemaRef>,
    /// `prefixItems` (2020-12), or draft 4's `items` as a list.
    pub prefix_items: Vec<SchemaRef>,
    /// `allOf`
    pub all_of: Vec<SchemaRef>,
    /// `oneOf`
    pub one_of: Vec<SchemaRef>,
    /// `anyOf`
    pub any_of: Vec<SchemaRef>,
    /// `not`
    pub not: Option<SchemaRef>,
    /// The `discriminator` property name.
    pub discriminator: Option<String>,
    /// The `x-` keywords, but the resolver's own.
    pub extensions: BTreeMap<String, Value>,
}

impl Schema {
    /// Whether `null` is one of the values the schema allows by its type.
    pub fn is_nullable(&self) -> bool {
        self.types.contains(&JsonType::Null)
            || self
                .one_of
                .iter()
                .chain(&self.any_of)
                .any(|alt| matches!(alt, SchemaRef::Inline(s) if s.is_null_only()))
    }

    /// Whether the schema allows `null` and nothing else (`type: "null"`).
    pub fn is_null_only(&self) -> bool {
        self.types == [JsonType::Null]
    }

    /// The types but `null`.
    pub fn non_null_types(&self) -> Vec<JsonType> {
        self.types.iter().copied().filter(|t| *t != JsonType::Null).collect()
    }

    /// The first example, if any.
    pub fn example(&self) -> Option<&Value> {
        self.examples.first()
    }
}

/// Reads schemas of one dialect, collecting warnings for slips it can read past. Where each
/// schema stands and which nodes are references come from the resolver's side table of the
/// container the schemas are read from, by their JSON pointer in it.
pub struct SchemaReader<'w> {
    dialect: Dialect,
    warnings: &'w mut Vec<Warning>,
    table: Option<&'w NodeTable>,
    /// The pointer of the node being read.
    at: String,
}

impl<'w> SchemaReader<'w> {
    /// A reader for `dialect`, of schemas in the container of `table`.
    pub fn new(dialect: Dialect, warnings: &'w mut Vec<Warning>, table: Option<&'w NodeTable>) -> Self {
        SchemaReader {
            dialect,
            warnings,
            table,
            at: String::new(),
        }
    }

    /// The schema or reference `v` standing at `pointer` of the container.
    pub fn read_ref_at(&mut self, v: &Value, pointer: &str) -> SchemaRef {
        self.at = pointer.to_owned();
        self.read_ref(v)
    }

    /// The schema `v` standing at `pointer` of the container.
    pub fn read_at(&mut self, v: &Value, pointer: &str) -> Schema {
        self.at = pointer.to_owned();
        self.read(v)
    }

    /// Reads `v`, the child `token` of the node being read.
    fn child<T>(&mut self, token: &str, v: &Value, read: impl FnOnce(&mut Self, &Value) -> T) -> T {
        let len = self.at.len();
        self.at = push_token(&self.at, token);
        let out = read(self, v);
        self.at.truncate(len);
        out
    }

    /// A schema or a reference. A value that is not a mapping (`true`, a stray string) is the
    /// schema that allows anything.
    fn read_ref(&mut self, v: &Value) -> SchemaRef {
        if let Some(key) = self.table.and_then(|t| t.refs.get(&self.at)) {
            return SchemaRef::Ref(key.clone());
        }
        SchemaRef::Inline(Box::new(self.read(v)))
    }

    /// One schema written in place.
    fn read(&mut self, v: &Value) -> Schema {
        let Some(map) = v.as_object() else {
            return Schema::default();
        };
        let origin = self.table.and_then(|t| t.origins.get(&self.at)).cloned();
        let mut s = Schema {
            origin: origin.unwrap_or_default(),
            markup: self.dialect.markup(),
            ..Schema::default()
        };
        self.read_values(map, &mut s);
        s.properties = self.read_map(map, "properties");
        s.pattern_properties = self.read_map(map, "patternProperties");
        match map.get("required") {
            Some(Value::Array(names)) => {
                s.required = names.iter().filter_map(Value::as_str).map(str::to_owned).collect();
            }
            Some(_) => {
                self.warnings.push(Warning::new(
                    s.origin.clone(),
                    "`required` must be a list of property names; ignoring it",
                ));
            }
            None => {}
        }
        s.additional = match map.get("additionalProperties") {
            Some(Value::Bool(b)) => Some(Additional::Allowed(*b)),
            Some(v) => Some(Additional::Schema(self.child(
                "additionalProperties",
                v,
                Self::read_ref,
            ))),
            None => None,
        };
        s.property_names = map
            .get("propertyNames")
            .map(|v| self.child("propertyNames", v, Self::read_ref));
        match map.get("items") {
            Some(Value::Array(_)) => s.prefix_items = self.read_list(map, "items"),
            Some(v) => s.items = Some(self.child("items", v, Self::read_ref)),
            None => {}
        }
        if let Some(Value::Array(_)) = map.get("prefixItems") {
            s.prefix_items = self.read_list(map, "prefixItems");
        }
        s.all_of = self.read_list(map, "allOf");
        s.one_of = self.read_list(map, "oneOf");
        s.any_of = self.read_list(map, "anyOf");
        s.not = map.get("not").map(|v| self.child("not", v, Self::read_ref));
        s.discriminator = match map.get("discriminator") {
            Some(Value::String(name)) => Some(name.clone()),
            Some(Value::Object(d)) => d.get("propertyName").and_then(Value::as_str).map(str::to_owned),
            _ => None,
        };
        s.extensions = super::values::extensions(map);
        s
    }

    /// The keywords of a schema that are values, not schemas: texts, types, `nullable`, enum,
    /// const, default, examples.
    fn read_values(&mut self, map: &serde_json::Map<String, Value>, s: &mut Schema) {
        let text = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_owned);
        s.title = text("title");
        s.description = text("description");
        s.format = text("format");
        s.pattern = text("pattern");
        s.deprecated = map.get("deprecated").and_then(Value::as_bool).unwrap_or(false);
        match map.get("type") {
            Some(Value::String(t)) => s.types.extend(self.type_name(t, &mut s.format)),
            Some(Value::Array(ts)) => {
                for t in ts.iter().filter_map(Value::as_str) {
                    if let Some(t) = self.type_name(t, &mut s.format) {
                        if !s.types.contains(&t) {
                            s.types.push(t);
                        }
                    }
                }
            }
            _ => {}
        }
        let nullable_key = match self.dialect {
            Dialect::Swagger2 => Some("x-nullable"),
            Dialect::OpenApi30 => Some("nullable"),
            Dialect::OpenApi31 => None,
        };
        // the Matrix spec's Swagger 2.0 also writes `nullable`; accept both spellings there
        let nullable = nullable_key.is_some_and(|k| map.get(k).and_then(Value::as_bool).unwrap_or(false))
            || (self.dialect == Dialect::Swagger2 && map.get("nullable").and_then(Value::as_bool).unwrap_or(false));
        if nullable && !s.types.is_empty() && !s.types.contains(&JsonType::Null) {
            s.types.push(JsonType::Null);
        }
        if let Some(Value::Array(values)) = map.get("enum") {
            s.enumeration = values.clone();
        }
        s.constant = map.get("const").cloned();
        s.default = map.get("default").cloned();
        if let Some(e) = map.get("example") {
            s.examples.push(e.clone());
        }
        if self.dialect == Dialect::OpenApi31 {
            if let Some(Value::Array(es)) = map.get("examples") {
                s.examples.extend(es.iter().cloned());
            }
        }
    }

    /// A mapping of schemas by name (`properties`); anything else is none.
    fn read_map(&mut self, map: &serde_json::Map<String, Value>, key: &str) -> IndexMap<String, SchemaRef> {
        let Some(Value::Object(m)) = map.get(key) else {
            return IndexMap::new();
        };
        self.child(key, &Value::Null, |this, _| {
            m.iter()
                .map(|(k, v)| (k.clone(), this.child(k, v, Self::read_ref)))
                .collect()
        })
    }

    /// A list of schemas (`allOf`); anything else is none.
    fn read_list(&mut self, map: &serde_json::Map<String, Value>, key: &str) -> Vec<SchemaRef> {
        let Some(Value::Array(items)) = map.get(key) else {
            return Vec::new();
        };
        self.child(key, &Value::Null, |this, _| {
            items
                .iter()
                .enumerate()
                .map(|(i, v)| this.child(&i.to_string(), v, Self::read_ref))
                .collect()
        })
    }

    /// A `type` name; Swagger 2.0's `file` is a binary string. Unknown names were refused by
    /// the resolver.
    fn type_name(&self, name: &str, format: &mut Option<String>) -> Option<JsonType> {
        if name == "file" {
            *format = Some("binary".to_owned());
            return Some(JsonType::String);
        }
        JsonType::parse(name)
    }
}
