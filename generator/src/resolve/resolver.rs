//! The resolver: walks each document and every schema it reaches, following each `$ref`
//! relative to the file that holds it, confined to the spec root.

use std::collections::HashSet;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::bundle::{Bundle, HoistedSchema, Input, ResolvedDocument};
use super::nodes::{Container, Nodes};
use super::same;
use crate::error::{push_token, Error, Location, Result, Warning};
use crate::load::{FileId, Loader};

/// The JSON types a schema's `type` may name.
pub const SCHEMA_TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "array", "object", "null", "file",
];

/// The kind of position a node stands in, which decides what its `$ref` means.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Position {
    /// The root of an API document.
    Document,
    /// A schema.
    Schema,
    /// Example or default data: a `$ref` includes the data it points to.
    Data,
    /// Anything else: a `$ref` is replaced by what it points to.
    Other,
}

/// How much of a document the resolver reads.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Reach {
    /// All of it: every schema, example and definition it reaches.
    Everything,
    /// Its operations and what they name outside schemas and data (paths, methods, parameters,
    /// security, extensions, servers): each schema is read as `{}` and each example and table
    /// of schema definitions left out, their references not followed (defaults are kept: a
    /// server variable's default is the base path). What a version history reads
    /// of a release: its operations' heads do not depend on their schemas.
    Operations,
}

/// Resolves documents one at a time, sharing the schemas they reach.
pub struct Resolver {
    loader: Loader,
    reach: Reach,
    schemas: IndexMap<String, HoistedSchema>,
    /// Non-schema references being inlined, to refuse a cycle.
    inlining: Vec<(FileId, String)>,
    /// The index of the document being walked.
    document: usize,
    documents: Vec<ResolvedDocument>,
    events: Vec<String>,
    /// What it read past.
    warnings: Vec<Warning>,
    /// Where each schema node of the output stands, and which are references to hoisted schemas.
    nodes: Nodes,
    /// Where the walk writes: the container, and which source pointer is which output pointer.
    place: Place,
}

/// Where the walk writes its output: the container, and the pointer in the output that the
/// source pointer `source` is written at (a reference inlined, or a schema hoisted, starts
/// another place).
#[derive(Clone)]
struct Place {
    container: Container,
    source: String,
    out: String,
}

/// Whether a key is an extension (`x-...`).
fn is_extension(key: &str) -> bool {
    key.starts_with("x-")
}

/// Where a reference points.
struct Target {
    file: FileId,
    pointer: String,
}

impl Resolver {
    /// A resolver loading referenced files with `loader`.
    pub fn new(loader: Loader) -> Self {
        Self::reaching(loader, Reach::Everything)
    }

    /// A resolver reading as much of each document as `reach` says.
    pub fn reaching(loader: Loader, reach: Reach) -> Self {
        Resolver {
            loader,
            reach,
            schemas: IndexMap::new(),
            inlining: Vec::new(),
            document: 0,
            documents: Vec::new(),
            events: Vec::new(),
            warnings: Vec::new(),
            nodes: Nodes::default(),
            place: Place {
                container: Container::Document(0),
                source: String::new(),
                out: String::new(),
            },
        }
    }

    /// The output pointer of the source `pointer` in the current place.
    fn out_at(&self, pointer: &str) -> String {
        let rest = pointer.strip_prefix(self.place.source.as_str()).unwrap_or(pointer);
        format!("{}{rest}", self.place.out)
    }

    /// Walks with `place` as the current place.
    fn walk_in(&mut self, place: Place, file: FileId, pointer: &str, value: &Value, ctx: Position) -> Result<Value> {
        let outer = std::mem::replace(&mut self.place, place);
        let out = self.walk(file, pointer, value, ctx);
        self.place = outer;
        out
    }

    /// The loader, to load the next document with.
    pub fn loader(&mut self) -> &mut Loader {
        &mut self.loader
    }

    /// Resolves one more document.
    pub fn add(&mut self, input: Input) -> Result<()> {
        self.document = self.documents.len();
        let place = Place {
            container: Container::Document(self.document),
            source: String::new(),
            out: String::new(),
        };
        let value = self.walk_in(place, input.file, "", &input.value, Position::Document)?;
        self.documents.push(ResolvedDocument {
            file: self.loader.file(input.file).display.clone(),
            version: input.version,
            value,
        });
        Ok(())
    }

    /// Hoists an event schema, a whole file, as a schema (read in the dialect of the last
    /// document).
    pub fn add_event_schema(&mut self, file: FileId) -> Result<()> {
        let target = Target {
            file,
            pointer: String::new(),
        };
        let key = self.hoist(target, file, "")?;
        self.events.push(key);
        Ok(())
    }

    /// The documents resolved so far and every schema they reach.
    pub fn finish(mut self, mut warnings: Vec<Warning>) -> Bundle {
        warnings.extend(self.loader.warnings());
        warnings.extend(std::mem::take(&mut self.warnings));
        let mut bundle = Bundle {
            documents: self.documents,
            schemas: self.schemas,
            warnings,
            loader: self.loader,
            events: self.events,
            nodes: self.nodes,
        };
        same::merge(&mut bundle);
        bundle
    }

    fn at(&self, file: FileId, pointer: &str) -> Location {
        self.loader.file(file).locate(pointer)
    }

    fn walk(&mut self, file: FileId, pointer: &str, value: &Value, ctx: Position) -> Result<Value> {
        if ctx == Position::Schema && !matches!(value, Value::Object(_) | Value::Bool(_)) {
            return Err(Error::new(
                self.at(file, pointer),
                format!(
                    "a schema must be a mapping (or `true` or `false`), not {}",
                    kind_of(value)
                ),
            ));
        }
        if ctx == Position::Schema && self.reach == Reach::Operations {
            return Ok(Value::Object(Map::new()));
        }
        match value {
            Value::Array(items) => {
                let child_ctx = if ctx == Position::Document {
                    Position::Other
                } else {
                    ctx
                };
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    out.push(self.walk(file, &format!("{pointer}/{i}"), item, child_ctx)?);
                }
                Ok(Value::Array(out))
            }
            Value::Object(map) => match ctx {
                Position::Schema => self.walk_schema(file, pointer, map),
                Position::Data => self.walk_data(file, pointer, map),
                Position::Document | Position::Other => self.walk_other(file, pointer, map, ctx),
            },
            other => Ok(other.clone()),
        }
    }

    fn walk_other(&mut self, file: FileId, pointer: &str, map: &Map<String, Value>, ctx: Position) -> Result<Value> {
        if let Some(reference) = map.get("$ref") {
            let target = self.parse_ref(file, pointer, reference)?;
            let mut inlined = self.inline(target, Position::Other, file, pointer)?;
            // keys beside the `$ref` refine what it points to
            if let Value::Object(target_map) = &mut inlined {
                for (k, v) in map {
                    if k != "$ref" {
                        let child = push_token(pointer, k);
                        target_map.insert(k.clone(), self.walk(file, &child, v, Position::Other)?);
                    }
                }
            }
            return Ok(inlined);
        }
        let mut out = Map::with_capacity(map.len());
        for (k, v) in map {
            let child = push_token(pointer, k);
            let operations_only = self.reach == Reach::Operations;
            let walked = match (ctx, k.as_str()) {
                (Position::Document, "definitions") if operations_only => continue,
                (_, "example" | "examples") if operations_only => continue,
                (Position::Document, "definitions") => {
                    self.hoist_all(file, &child, v)?;
                    continue;
                }
                (Position::Document, "components") => {
                    let mut comps = v.as_object().cloned().unwrap_or_default();
                    if let Some(schemas) = comps.shift_remove("schemas").filter(|_| !operations_only) {
                        self.hoist_all(file, &push_token(&child, "schemas"), &schemas)?;
                    }
                    self.walk(file, &child, &Value::Object(comps), Position::Other)?
                }
                (_, "schema") => self.walk(file, &child, v, Position::Schema)?,
                (_, "example" | "examples" | "default") => self.walk(file, &child, v, Position::Data)?,
                // extensions are carried, not read: their references are followed where they can be
                (_, k) if is_extension(k) => self.walk(file, &child, v, Position::Data)?,
                _ => self.walk(file, &child, v, Position::Other)?,
            };
            out.insert(k.clone(), walked);
        }
        Ok(Value::Object(out))
    }

    /// Example or default data, or an extension's value: carried, not read, so a `$ref` in it
    /// that cannot be followed is a warning, and the data keeps it as written.
    fn walk_data(&mut self, file: FileId, pointer: &str, map: &Map<String, Value>) -> Result<Value> {
        if let Some(reference @ Value::String(_)) = map.get("$ref") {
            let inlined = self
                .parse_ref(file, pointer, reference)
                .and_then(|target| self.inline(target, Position::Data, file, pointer));
            let mut out = match inlined {
                Ok(out) => out,
                Err(e) if e.kind() == crate::ErrorKind::Spec => {
                    self.warnings.push(Warning::new(
                        e.location().clone(),
                        format!(
                            "{}; the example, default or extension keeps the `$ref` as written",
                            e.message()
                        ),
                    ));
                    return Ok(Value::Object(map.clone()));
                }
                Err(e) => return Err(e),
            };
            // the Matrix spec composes examples: the keys beside `$ref` are added to (or replace
            // keys of) the example it brings in
            if let Value::Object(o) = &mut out {
                for (k, v) in map.iter().filter(|(k, _)| *k != "$ref") {
                    o.insert(k.clone(), self.walk(file, &push_token(pointer, k), v, Position::Data)?);
                }
            }
            return Ok(out);
        }
        let mut out = Map::with_capacity(map.len());
        for (k, v) in map {
            out.insert(k.clone(), self.walk(file, &push_token(pointer, k), v, Position::Data)?);
        }
        Ok(Value::Object(out))
    }

    fn walk_schema(&mut self, file: FileId, pointer: &str, map: &Map<String, Value>) -> Result<Value> {
        let repaired = crate::fixups::schema(map, &self.loader.file(file).node_location(pointer));
        let map = match &repaired {
            Some((fixed, warnings)) => {
                self.warnings.extend(warnings.iter().cloned());
                fixed
            }
            None => map,
        };
        let mut out = Map::with_capacity(map.len());
        let at = self.out_at(pointer);
        let mut refined = false;
        if let Some(reference) = map.get("$ref") {
            let target = self.parse_ref(file, pointer, reference)?;
            let key = self.hoist(target, file, pointer)?;
            // the reference, in the side table: the node itself is left empty
            if map.len() == 1 {
                self.nodes.table(&self.place.container).refs.insert(at, key);
                return Ok(Value::Object(Map::new()));
            }
            // `$ref` with siblings (a description, say): the reference, refined.
            self.nodes
                .table(&self.place.container)
                .refs
                .insert(format!("{at}/allOf/0"), key);
            out.insert("allOf".to_owned(), Value::Array(vec![Value::Object(Map::new())]));
            refined = true;
        }
        for (k, v) in map {
            let child = push_token(pointer, k);
            let walked = match k.as_str() {
                "$ref" => continue,
                "properties" | "patternProperties" | "definitions" => {
                    let Some(props) = v.as_object() else {
                        return Err(Error::new(
                            self.at(file, &child),
                            format!("`{k}` must be a mapping of schemas"),
                        ));
                    };
                    let mut o = Map::with_capacity(props.len());
                    for (name, s) in props {
                        o.insert(
                            name.clone(),
                            self.walk(file, &push_token(&child, name), s, Position::Schema)?,
                        );
                    }
                    Value::Object(o)
                }
                // draft 4's `items` may be a list of schemas, one per position
                "items" | "prefixItems" if v.is_array() => self.walk_schemas(file, &child, v)?,
                "items" | "additionalProperties" | "not" | "propertyNames" => {
                    self.walk(file, &child, v, Position::Schema)?
                }
                "allOf" | "oneOf" | "anyOf" => {
                    if !v.is_array() {
                        return Err(Error::new(
                            self.at(file, &child),
                            format!("`{k}` must be a list of schemas"),
                        ));
                    }
                    // after a refined reference, the schema's own `allOf` parts come second
                    let offset = usize::from(refined && k == "allOf");
                    let walked = self.walk_schemas_from(file, &child, v, offset)?;
                    if let (Some(Value::Array(mine)), Value::Array(more)) = (out.get_mut(k), &walked) {
                        mine.extend(more.iter().cloned());
                        continue;
                    }
                    walked
                }
                "example" | "examples" | "default" | "enum" | "const" => self.walk(file, &child, v, Position::Data)?,
                k if is_extension(k) => self.walk(file, &child, v, Position::Data)?,
                "type" => {
                    self.check_type(file, &child, v)?;
                    v.clone()
                }
                _ => self.walk(file, &child, v, Position::Other)?,
            };
            out.insert(k.clone(), walked);
        }
        let origin = self.loader.file(file).node_location(pointer);
        self.nodes.table(&self.place.container).origins.insert(at, origin);
        Ok(Value::Object(out))
    }

    /// A list of schemas (`allOf`, `prefixItems`).
    fn walk_schemas(&mut self, file: FileId, pointer: &str, v: &Value) -> Result<Value> {
        self.walk_schemas_from(file, pointer, v, 0)
    }

    /// A list of schemas whose items are written `offset` places further in the output.
    fn walk_schemas_from(&mut self, file: FileId, pointer: &str, v: &Value, offset: usize) -> Result<Value> {
        let Value::Array(items) = v else {
            return Err(Error::new(self.at(file, pointer), "must be a list of schemas"));
        };
        let list = self.out_at(pointer);
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let source = format!("{pointer}/{i}");
            let place = Place {
                container: self.place.container.clone(),
                out: format!("{list}/{}", i + offset),
                source: source.clone(),
            };
            out.push(self.walk_in(place, file, &source, item, Position::Schema)?);
        }
        Ok(Value::Array(out))
    }

    fn check_type(&self, file: FileId, pointer: &str, v: &Value) -> Result<()> {
        let names: Vec<&Value> = match v {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        for name in names {
            match name.as_str() {
                Some(n) if SCHEMA_TYPES.contains(&n) => {}
                _ => {
                    return Err(Error::new(
                        self.at(file, pointer),
                        format!(
                            "unknown schema type {name}; expected one of {}",
                            SCHEMA_TYPES.join(", ")
                        ),
                    ))
                }
            }
        }
        Ok(())
    }

    fn hoist_all(&mut self, file: FileId, pointer: &str, defs: &Value) -> Result<()> {
        let Some(defs) = defs.as_object() else {
            return Err(Error::new(self.at(file, pointer), "must be a mapping of schemas"));
        };
        for name in defs.keys() {
            let child = push_token(pointer, name);
            self.hoist(
                Target {
                    file,
                    pointer: child.clone(),
                },
                file,
                &child,
            )?;
        }
        Ok(())
    }

    /// Hoists the schema `target` into the table (once) and returns its key. A chain of
    /// references is followed to its end; a chain that comes back to itself is an error.
    fn hoist(&mut self, mut target: Target, from: FileId, from_pointer: &str) -> Result<String> {
        let mut seen = HashSet::new();
        loop {
            let node = self.node(&target)?;
            let pure_ref = node
                .as_object()
                .filter(|o| o.len() == 1)
                .and_then(|o| o.get("$ref"))
                .cloned();
            let Some(next) = pure_ref else { break };
            if !seen.insert((target.file, target.pointer.clone())) {
                return Err(Error::new(
                    self.at(from, &push_token(from_pointer, "$ref")),
                    "this `$ref` leads to a chain of references that only refers to itself",
                ));
            }
            target = self.parse_ref(target.file, &target.pointer.clone(), &next)?;
        }
        let file = self.loader.file(target.file);
        let key = if target.pointer.is_empty() {
            file.display.clone()
        } else {
            format!("{}#{}", file.display, target.pointer)
        };
        if self.schemas.contains_key(&key) {
            return Ok(key);
        }
        let name_hint = match target.pointer.rsplit('/').next() {
            Some(last) if !target.pointer.is_empty() => last.replace("~1", "/").replace("~0", "~"),
            _ => file_stem(&file.display),
        };
        let location = file.node_location(&target.pointer);
        let node = self.node(&target)?;
        if !matches!(node, Value::Object(_) | Value::Bool(_)) {
            let what = if target.pointer.is_empty() {
                "the file"
            } else {
                "the node"
            };
            return Err(Error::new(
                self.at(from, &push_token(from_pointer, "$ref")),
                format!(
                    "this `$ref` names a schema, but {what} it points to (`{key}`) is {}",
                    kind_of(&node)
                ),
            ));
        }
        // reserve the key first, so that recursion finds it and the outer schema comes first
        self.schemas.insert(
            key.clone(),
            HoistedSchema {
                location,
                name_hint,
                value: Value::Null,
                document: self.document,
                file: target.file,
            },
        );
        let place = Place {
            container: Container::Schema(key.clone()),
            source: target.pointer.clone(),
            out: String::new(),
        };
        let value = self.walk_in(place, target.file, &target.pointer, &node, Position::Schema)?;
        if let Some(entry) = self.schemas.get_mut(&key) {
            entry.value = value;
        }
        Ok(key)
    }

    /// Replaces a reference by a copy of what it points to, itself resolved.
    fn inline(&mut self, target: Target, ctx: Position, from: FileId, from_pointer: &str) -> Result<Value> {
        let id = (target.file, target.pointer.clone());
        if self.inlining.contains(&id) {
            return Err(Error::new(
                self.at(from, &push_token(from_pointer, "$ref")),
                "this `$ref` is part of a cycle of references that can never be expanded",
            ));
        }
        if self.inlining.len() > 64 {
            return Err(Error::new(
                self.at(from, &push_token(from_pointer, "$ref")),
                "references nest more than 64 deep",
            ));
        }
        let node = self.node(&target)?;
        self.inlining.push(id);
        // what it points to is written where the reference stands
        let place = Place {
            container: self.place.container.clone(),
            out: self.out_at(from_pointer),
            source: target.pointer.clone(),
        };
        let out = self.walk_in(place, target.file, &target.pointer, &node, ctx);
        self.inlining.pop();
        out
    }

    fn node(&self, target: &Target) -> Result<Value> {
        let file = self.loader.file(target.file);
        file.get(&target.pointer).cloned().ok_or_else(|| {
            Error::new(
                Location::node(file.display.clone(), target.pointer.clone()),
                format!("`{}` has no node at `#{}`", file.display, target.pointer),
            )
        })
    }

    /// Parses a `$ref` standing at `pointer` of `file`.
    fn parse_ref(&mut self, file: FileId, pointer: &str, reference: &Value) -> Result<Target> {
        let ref_pointer = push_token(pointer, "$ref");
        // cheap: the line is looked up only if the reference turns out to be bad
        let at = self.loader.file(file).node_location(&ref_pointer);
        let Some(raw) = reference.as_str() else {
            return Err(Error::new(self.loader.complete(&at), "`$ref` must be a string"));
        };
        if raw.contains("://") {
            return Err(Error::new(
                self.loader.complete(&at),
                format!("`{raw}`: remote references are not supported"),
            ));
        }
        let (path, fragment) = match raw.split_once('#') {
            Some((p, f)) if f.is_empty() || f.starts_with('/') => (p, f),
            Some((p, f)) => {
                // `m.room.message#m.text` is a file name with a `#` in it, if such a file exists
                match self.loader.confine(Some(file), raw, &at) {
                    Ok(_) if !p.is_empty() => (raw, ""),
                    _ => {
                        return Err(Error::new(
                            self.loader.complete(&at),
                            format!(
                            "`{raw}`: the fragment `{f}` is not a JSON pointer (it must be empty or start with `/`)"
                        ),
                        ))
                    }
                }
            }
            None => (raw, ""),
        };
        let fragment = percent_decode(fragment);
        if let Some(bad) = invalid_escape(&fragment) {
            return Err(Error::new(
                self.loader.complete(&at),
                format!(
                    "`{raw}`: `{bad}` is not an escape of a JSON pointer (RFC 6901 has `~0` for `~` and `~1` for `/`)"
                ),
            ));
        }
        let target_file = if path.is_empty() {
            file
        } else {
            let canonical = self.loader.confine(Some(file), path, &at)?;
            self.loader.load(&canonical)?
        };
        if self.loader.file(target_file).get(&fragment).is_none() {
            return Err(Error::new(
                self.loader.complete(&at),
                format!(
                    "`{raw}`: `{}` has no node at `#{fragment}`",
                    self.loader.file(target_file).display
                ),
            ));
        }
        Ok(Target {
            file: target_file,
            pointer: fragment,
        })
    }
}

/// The first `~` of `pointer` that is not `~0` or `~1`, with what follows it.
fn invalid_escape(pointer: &str) -> Option<String> {
    let mut chars = pointer.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '~' && !matches!(chars.peek(), Some((_, '0' | '1'))) {
            let end = chars.peek().map_or(pointer.len(), |(j, c)| j + c.len_utf8());
            return Some(pointer[i..end].to_owned());
        }
    }
    None
}

/// What a JSON value is, for messages: `a list`, `a string`, ...
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// `definitions/errors/error.yaml` → `error`; `m.room.message` (no extension) stays whole.
fn file_stem(display: &str) -> String {
    let name = display.rsplit('/').next().unwrap_or(display);
    for ext in [".yaml", ".yml", ".json"] {
        if let Some(stem) = name.strip_suffix(ext) {
            return stem.to_owned();
        }
    }
    name.to_owned()
}

fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}
