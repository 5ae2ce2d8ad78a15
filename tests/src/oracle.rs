//! The spec as the oracle: a plain walk of the YAML, sharing no code with the generator, that
//! lists what the generated crate must do — its operations, and cases built from every example
//! the spec gives (request bodies, responses, errors, parameters), with required properties
//! removed and enum values swapped in. Examples that do not fit their own schema are spec errors,
//! reported by name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Map, Value};

/// One operation as the spec declares it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct OpSpec {
    pub id: String,
    pub method: String,
    pub base_path: String,
    pub path: String,
}

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub enum Kind {
    /// A success response body: decode, encode, compare.
    Response,
    /// An error response body.
    Error,
    /// A request: URI and body decoded by the server side, encoded by the client side.
    Request,
}

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub enum Expect {
    /// Decodes, and encodes back to the same JSON (and URI).
    RoundTrip,
    /// Must not decode (a required property is missing).
    DecodeFails,
    /// A required property of a body that is a whole event is missing: a crate with the events
    /// output keeps events as JSON until read, and the envelope fields of its `Event` are
    /// optional, so it decodes and encodes back as it came.
    Deferred,
}

#[derive(Clone, Debug, Serialize)]
pub struct Case {
    pub op: String,
    pub name: String,
    pub kind: Kind,
    pub status: u16,
    pub uri: Option<String>,
    pub json: Option<Value>,
    pub expect: Expect,
    /// Query pairs of the URI (`name=value`, encoded) whose value is the parameter's spec
    /// default: leaving them out says the same, so an encoder may.
    pub at_default: Vec<String>,
    /// The body is a whole event (a string `type` and an object `content`).
    pub event_body: bool,
}

#[derive(Debug, Default)]
pub struct Spec {
    pub operations: Vec<OpSpec>,
    pub cases: Vec<Case>,
    /// Examples that do not fit their own schema: `name: reason`.
    pub spec_errors: Vec<String>,
    /// The response examples that do not fit their own schema: the events inside them are
    /// still the spec's examples of events.
    pub unfit_responses: Vec<Value>,
    /// Counts of what was found, for the report.
    pub examples: usize,
}

struct Files {
    root: PathBuf,
    cache: BTreeMap<PathBuf, Value>,
    /// While checking the parts of an `allOf`: the properties more than one part declares.
    shared: Vec<String>,
}

fn yaml_to_json(v: serde_yaml::Value) -> Value {
    match v {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(b),
        serde_yaml::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                json!(i)
            } else if let Some(u) = n.as_u64() {
                json!(u)
            } else {
                json!(n.as_f64())
            }
        }
        serde_yaml::Value::String(s) => Value::String(s),
        serde_yaml::Value::Sequence(s) => Value::Array(s.into_iter().map(yaml_to_json).collect()),
        serde_yaml::Value::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    serde_yaml::Value::String(s) => s,
                    serde_yaml::Value::Number(n) => n.to_string(),
                    serde_yaml::Value::Bool(b) => b.to_string(),
                    other => format!("{other:?}"),
                };
                out.insert(key, yaml_to_json(v));
            }
            Value::Object(out)
        }
        serde_yaml::Value::Tagged(t) => yaml_to_json(t.value),
    }
}

impl Files {
    /// A path with git's symbolic-link stubs (a file holding a relative path) followed.
    fn follow(&self, path: &Path) -> PathBuf {
        let mut out = PathBuf::new();
        let parts: Vec<_> = path.components().collect();
        for (i, c) in parts.iter().enumerate() {
            out.push(c);
            if i + 1 < parts.len() && out.is_file() {
                if let Ok(target) = std::fs::read_to_string(&out) {
                    if !target.contains('\n') && target.len() < 512 {
                        let base = out.parent().unwrap().to_path_buf();
                        out = base.join(target.trim());
                    }
                }
            }
        }
        out
    }

    fn load(&mut self, path: &Path) -> Value {
        let path = self.follow(path);
        let path = path.canonicalize().unwrap_or(path);
        assert!(path.starts_with(&self.root), "{} leaves the root", path.display());
        if let Some(v) = self.cache.get(&path) {
            return v.clone();
        }
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let v = yaml_to_json(serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
        self.cache.insert(path, v.clone());
        v
    }

    /// Follows `$ref`s at the top of `v` (relative to `file`): the value and the file it is in.
    fn deref(&mut self, file: &Path, v: &Value) -> (PathBuf, Value) {
        let mut file = file.to_path_buf();
        let mut v = v.clone();
        for _ in 0..32 {
            let Some(r) = v.get("$ref").and_then(Value::as_str).map(str::to_owned) else {
                break;
            };
            (file, v) = self.deref_once(&file, &r);
        }
        (file, v)
    }

    /// What one `$ref` (relative to `file`) points to, and the file it is in; a `$ref` in the
    /// target is left for the caller.
    fn deref_once(&mut self, file: &Path, r: &str) -> (PathBuf, Value) {
        let (path, frag) = match r.split_once('#') {
            Some((p, f)) if f.is_empty() || f.starts_with('/') => (p.to_owned(), f.to_owned()),
            _ => (r.to_owned(), String::new()),
        };
        let target = if path.is_empty() {
            file.to_path_buf()
        } else {
            file.parent().unwrap().join(&path)
        };
        let doc = self.load(&target);
        (self.follow(&target), doc.pointer(&frag).cloned().unwrap_or(Value::Null))
    }

    /// Example data with every `$ref` in it replaced by what it points to.
    fn inline_data(&mut self, file: &Path, v: &Value, depth: usize) -> Value {
        if depth > 16 {
            return v.clone();
        }
        match v {
            // the Matrix spec composes examples: `$ref` brings in another example, and the keys
            // beside it are added to (or replace keys of) what it brings
            Value::Object(m) if m.contains_key("$ref") => {
                let (f, t) = self.deref_once(file, m.get("$ref").and_then(Value::as_str).unwrap_or_default());
                let mut out = self.inline_data(&f, &t, depth + 1);
                if let Value::Object(o) = &mut out {
                    for (k, x) in m.iter().filter(|(k, _)| *k != "$ref") {
                        o.insert(k.clone(), self.inline_data(file, x, depth + 1));
                    }
                }
                out
            }
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), self.inline_data(file, x, depth + 1)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.inline_data(file, x, depth + 1)).collect()),
            other => other.clone(),
        }
    }

    /// Checks `instance` against `schema` as JSON Schema would (types, required, properties,
    /// items, additionalProperties, allOf/oneOf/anyOf, nullable). Enums are open: not checked.
    fn validate(
        &mut self,
        file: &Path,
        schema: &Value,
        instance: &Value,
        at: &str,
        depth: usize,
    ) -> Result<(), String> {
        self.validate_part(file, schema, instance, at, depth, false)
    }

    /// `part_of_all_of`: the schema is one part of an `allOf`, so properties that another part
    /// declares are not undeclared.
    fn validate_part(
        &mut self,
        file: &Path,
        schema: &Value,
        instance: &Value,
        at: &str,
        depth: usize,
        part_of_all_of: bool,
    ) -> Result<(), String> {
        if depth > 40 {
            return Ok(());
        }
        let (file, schema) = self.deref(file, schema);
        let Some(s) = schema.as_object() else { return Ok(()) };
        if let Some(Value::Array(all)) = s.get("allOf") {
            // a property declared by more than one part (or by a part and this schema) is
            // checked against each, and each sees only part of what the property may hold
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            let own: Vec<String> = s
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            for name in own {
                *seen.entry(name).or_default() += 1;
            }
            for part in all {
                for name in self.declared_properties(&file, part, 0).unwrap_or_default() {
                    *seen.entry(name).or_default() += 1;
                }
            }
            let shared: Vec<String> = seen.into_iter().filter(|(_, n)| *n > 1).map(|(k, _)| k).collect();
            let saved = std::mem::replace(&mut self.shared, shared);
            for part in all {
                let r = self.validate_part(&file, part, instance, at, depth + 1, true);
                if r.is_err() {
                    self.shared = saved;
                    return r;
                }
            }
            self.shared = saved;
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(alts)) = s.get(key) {
                let mut reasons = Vec::new();
                let ok = alts
                    .iter()
                    .any(|alt| match self.validate(&file, alt, instance, at, depth + 1) {
                        Ok(()) => true,
                        Err(e) => {
                            reasons.push(e);
                            false
                        }
                    });
                if !ok {
                    return Err(format!(
                        "{at}: matches none of the `{key}` alternatives ({})",
                        reasons.join("; ")
                    ));
                }
            }
        }
        let nullable = s
            .get("nullable")
            .or_else(|| s.get("x-nullable"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let types: Vec<String> = match s.get("type") {
            Some(Value::String(t)) => vec![t.clone()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            _ => Vec::new(),
        };
        if !types.is_empty() {
            let fits = |t: &str| match t {
                "string" => instance.is_string(),
                "integer" => instance.is_i64() || instance.is_u64(),
                "number" => instance.is_number(),
                "boolean" => instance.is_boolean(),
                "array" => instance.is_array(),
                "object" => instance.is_object(),
                "null" => instance.is_null(),
                _ => true,
            };
            if !(types.iter().any(|t| fits(t)) || (nullable && instance.is_null())) {
                return Err(format!("{at}: {instance} is not of type {}", types.join(" or ")));
            }
        }
        if let Some(obj) = instance.as_object() {
            if let Some(Value::Array(req)) = s.get("required") {
                for r in req.iter().filter_map(Value::as_str) {
                    if !obj.contains_key(r) {
                        return Err(format!("{at}: the required property `{r}` is missing"));
                    }
                }
            }
            let props = s
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            // the generated types keep what the schema declares: an example with properties its
            // schema does not declare (and no `additionalProperties`) shows an incomplete schema
            let declared = self.declared_properties(&file, &schema, 0);
            let open = s.get("additionalProperties").is_some() || s.get("patternProperties").is_some();
            if let Some(declared) = declared.filter(|_| !open && !part_of_all_of) {
                let undeclared: Vec<&String> = obj.keys().filter(|k| !declared.contains(*k)).collect();
                if !undeclared.is_empty() {
                    let list: Vec<String> = undeclared.iter().map(|k| format!("`{k}`")).collect();
                    return Err(format!(
                        "{at}: has properties its schema does not declare: {}",
                        list.join(", ")
                    ));
                }
            }
            for (k, v) in obj {
                let child = format!("{at}/{k}");
                let by_pattern = s.get("patternProperties").and_then(Value::as_object).and_then(|pp| {
                    pp.iter()
                        .find(|(pattern, _)| matches_pattern(pattern, k))
                        .map(|(_, p)| p.clone())
                });
                if let Some(p) = props.get(k) {
                    let shared = part_of_all_of && self.shared.contains(k);
                    let saved = std::mem::take(&mut self.shared);
                    let r = self.validate_part(&file, p, v, &child, depth + 1, shared);
                    self.shared = saved;
                    r?;
                } else if let Some(p) = by_pattern {
                    self.validate(&file, &p, v, &child, depth + 1)?;
                } else if let Some(add @ Value::Object(_)) = s.get("additionalProperties") {
                    self.validate(&file, add, v, &child, depth + 1)?;
                }
            }
        }
        if let (Some(items), Some(arr)) = (s.get("items"), instance.as_array()) {
            if items.is_object() {
                for (i, v) in arr.iter().enumerate() {
                    self.validate(&file, items, v, &format!("{at}/{i}"), depth + 1)?;
                }
            }
        }
        Ok(())
    }

    /// The properties an object schema declares (its `allOf` merged), or `None` when it is open:
    /// no properties at all, `additionalProperties`, or alternatives (`oneOf`/`anyOf`).
    fn declared_properties(&mut self, file: &Path, schema: &Value, depth: usize) -> Option<Vec<String>> {
        let (file, schema) = self.deref(file, schema);
        if depth > 16
            || schema.get("additionalProperties").is_some()
            || schema.get("patternProperties").is_some()
            || schema.get("oneOf").is_some()
            || schema.get("anyOf").is_some()
        {
            return None;
        }
        let mut out: Vec<String> = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        if let Some(Value::Array(all)) = schema.get("allOf") {
            for part in all {
                out.extend(self.declared_properties(&file, part, depth + 1)?);
            }
        }
        (!out.is_empty()).then_some(out)
    }

    /// An object built from the `example`s of its properties, when every required property has
    /// one.
    fn example_from_properties(&mut self, file: &Path, schema: &Value) -> Option<Value> {
        let (file, schema) = self.deref(file, schema);
        let props = schema.get("properties")?.as_object()?.clone();
        let required: Vec<String> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        let mut out = Map::new();
        for (k, v) in &props {
            let (_, pv) = self.deref(&file, v);
            if let Some(e) = pv.get("example").or_else(|| pv.get("examples").and_then(|e| e.get(0))) {
                out.insert(k.clone(), self.inline_data(&file, e, 0));
            }
        }
        let complete = required.iter().all(|r| out.contains_key(r));
        (complete && !out.is_empty()).then_some(Value::Object(out))
    }

    /// Every place in `instance` where the schema has a string enum: (JSON pointer, values).
    fn enum_sites(
        &mut self,
        file: &Path,
        schema: &Value,
        instance: &Value,
        at: &str,
        out: &mut Vec<(String, Vec<String>)>,
        depth: usize,
    ) {
        if depth > 24 {
            return;
        }
        let (file, schema) = self.deref(file, schema);
        if let Some(Value::Array(all)) = schema.get("allOf") {
            for part in all {
                self.enum_sites(&file, part, instance, at, out, depth + 1);
            }
        }
        if let (Some(Value::Array(values)), Some(_)) = (schema.get("enum"), instance.as_str()) {
            let string = match schema.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                _ => false,
            };
            if string {
                out.push((
                    at.to_owned(),
                    values.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                ));
            }
        }
        if let (Some(Value::Object(props)), Some(obj)) = (schema.get("properties"), instance.as_object()) {
            for (k, v) in obj {
                if let Some(p) = props.get(k) {
                    let child = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                    self.enum_sites(&file, p, v, &child, out, depth + 1);
                }
            }
        }
        if let (Some(items @ Value::Object(_)), Some(arr)) = (schema.get("items"), instance.as_array()) {
            for (i, v) in arr.iter().enumerate() {
                self.enum_sites(&file, items, v, &format!("{at}/{i}"), out, depth + 1);
            }
        }
    }

    /// The required property names of an object schema, its `allOf` merged.
    fn required_properties(&mut self, file: &Path, schema: &Value, depth: usize) -> Vec<String> {
        let (file, schema) = self.deref(file, schema);
        let mut required = Vec::new();
        if depth > 8 {
            return required;
        }
        if let Some(Value::Array(all)) = schema.get("allOf") {
            for part in all {
                required.extend(self.required_properties(&file, part, depth + 1));
            }
        }
        if let Some(Value::Array(req)) = schema.get("required") {
            required.extend(req.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        required
    }
}

/// Whether a property name matches a `patternProperties` key, for the patterns the Matrix spec
/// writes: empty (anything), `^prefix`, or a literal; anything richer is taken to match.
fn matches_pattern(pattern: &str, name: &str) -> bool {
    match pattern.strip_prefix('^') {
        _ if pattern.is_empty() => true,
        Some(prefix) if prefix.chars().all(|c| c.is_alphanumeric() || "@!#$+:_-.".contains(c)) => {
            name.starts_with(prefix)
        }
        _ => true,
    }
}

/// Whether the operation `op` of path item `item` is a POST, PUT or PATCH.
fn op_method_has_body(item: &Value, op: &Value) -> bool {
    ["post", "put", "patch"].iter().any(|m| item.get(m) == Some(op))
}

fn substitute(s: &str, placeholders: &BTreeMap<String, String>) -> String {
    let mut s = s.to_owned();
    for (k, v) in placeholders {
        s = s.replace(&format!("%{k}%"), v);
    }
    s
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn param_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A sample value for a parameter without an `x-example`.
fn sample(param: &Value) -> Value {
    let param = param_schema(param);
    match param.get("type").and_then(Value::as_str) {
        Some("integer") | Some("number") => json!(1),
        Some("boolean") => json!(true),
        _ => match param.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
            Some(v) => v.clone(),
            None => json!("x"),
        },
    }
}

/// OpenAPI 3.x: the path of the first server's URL, its variables at their defaults.
fn server_path(doc: &Value) -> String {
    let Some(server) = doc.get("servers").and_then(|s| s.get(0)) else {
        return String::new();
    };
    let mut url = server.get("url").and_then(Value::as_str).unwrap_or("").to_owned();
    if let Some(vars) = server.get("variables").and_then(Value::as_object) {
        for (name, var) in vars {
            let default = var.get("default").and_then(Value::as_str).unwrap_or("");
            url = url.replace(&format!("{{{name}}}"), default);
        }
    }
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map(|i| rest[i..].to_owned()).unwrap_or_default(),
        None => url,
    };
    path.trim_end_matches('/').to_owned()
}

/// OpenAPI 3.x: the examples of a media type or a parameter (`example`, or every value of
/// `examples`), each with its name.
fn examples_of(m: &Value) -> Vec<(String, Value)> {
    if let Some(e) = m.get("example") {
        return vec![("example".to_owned(), e.clone())];
    }
    m.get("examples")
        .and_then(Value::as_object)
        .map(|es| {
            es.iter()
                .filter_map(|(name, e)| e.get("value").map(|v| (format!("example `{name}`"), v.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// The schema of a parameter: its own keywords (Swagger 2.0) or its `schema` (OpenAPI 3.x).
fn param_schema(p: &Value) -> &Value {
    p.get("schema").unwrap_or(p)
}

/// Reads the spec folder (`root` bounds its references) and lists what the crate must do.
pub fn read(spec_dir: &Path, root: &Path, placeholders: &BTreeMap<String, String>) -> Spec {
    let root = root.canonicalize().unwrap();
    let mut files = Files {
        root,
        cache: BTreeMap::new(),
        shared: Vec::new(),
    };
    let mut docs: Vec<PathBuf> = std::fs::read_dir(spec_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml") && p.is_file())
        .collect();
    docs.sort();
    let mut spec = Spec::default();
    for doc_path in docs {
        let doc_path = doc_path.canonicalize().unwrap();
        let doc = files.load(&doc_path);
        let base = match doc.get("openapi") {
            Some(_) => server_path(&doc),
            None => substitute(doc.get("basePath").and_then(Value::as_str).unwrap_or(""), placeholders),
        };
        let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
            continue;
        };
        for (raw_path, item) in paths {
            // the spec's own slip: "/rooms/{roomId}/invite " ends in a space
            let path = raw_path.trim().to_owned();
            for method in ["get", "put", "post", "delete", "options", "head", "patch"] {
                let Some(op) = item.get(method) else { continue };
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                spec.operations.push(OpSpec {
                    id: id.clone(),
                    method: method.to_ascii_uppercase(),
                    base_path: base.trim_end_matches('/').to_owned(),
                    path: path.clone(),
                });
                operation_cases(&mut files, &mut spec, &doc_path, &id, &path, item, op);
            }
        }
    }
    spec
}

#[allow(clippy::too_many_arguments)]
fn operation_cases(files: &mut Files, spec: &mut Spec, file: &Path, id: &str, path: &str, item: &Value, op: &Value) {
    // parameters: path and query values from `x-example`, else a sample
    let mut params: Vec<Value> = Vec::new();
    for list in [op.get("parameters"), item.get("parameters")].into_iter().flatten() {
        if let Some(a) = list.as_array() {
            for p in a {
                let (_, p) = files.deref(file, p);
                params.push(p);
            }
        }
    }
    let mut uri_path = path.to_owned();
    let mut query = Vec::new();
    let mut at_default = Vec::new();
    let first_case = spec.cases.len();
    let mut body: Option<(PathBuf, Value)> = None;
    let openapi3 = files.load(file).get("openapi").is_some();
    for p in &params {
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        let value = p
            .get("x-example")
            .cloned()
            .or_else(|| examples_of(p).into_iter().next().map(|(_, v)| v));
        match p.get("in").and_then(Value::as_str) {
            Some("path") => {
                if value.is_some() {
                    spec.examples += 1;
                }
                let v = value.unwrap_or_else(|| sample(p));
                uri_path = uri_path.replace(&format!("{{{name}}}"), &encode(&param_text(&v)));
            }
            Some("query") => {
                let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
                if value.is_some() {
                    spec.examples += 1;
                }
                if name.ends_with("...") {
                    continue; // "any further query fields": not a parameter of its own
                }
                let v = match (value, required) {
                    (Some(v), _) => v,
                    (None, true) => sample(p),
                    (None, false) => continue,
                };
                let explode = if openapi3 {
                    // OpenAPI 3.x: query lists are `form` style, exploded unless it says not
                    p.get("explode")
                        .and_then(Value::as_bool)
                        .unwrap_or(p.get("style").and_then(Value::as_str).unwrap_or("form") == "form")
                } else {
                    // Swagger 2.0: arrays are comma-separated unless `collectionFormat: multi`
                    p.get("collectionFormat").and_then(Value::as_str) == Some("multi")
                };
                match (&v, param_schema(p).get("type").and_then(Value::as_str)) {
                    (Value::Array(items), Some("array")) => {
                        if explode {
                            for v in items {
                                query.push(format!("{}={}", encode(name), encode(&param_text(v))));
                            }
                        } else {
                            let joined: Vec<String> = items.iter().map(param_text).collect();
                            query.push(format!("{}={}", encode(name), encode(&joined.join(","))));
                        }
                    }
                    _ => {
                        let pair = format!("{}={}", encode(name), encode(&param_text(&v)));
                        if !required && param_schema(p).get("default") == Some(&v) {
                            at_default.push(pair.clone());
                        }
                        query.push(pair);
                    }
                }
            }
            Some("body") => {
                let (f, s) = files.deref(file, p.get("schema").unwrap_or(&Value::Null));
                body = Some((f, s));
            }
            _ => {}
        }
    }
    let uri = if query.is_empty() {
        uri_path
    } else {
        format!("{uri_path}?{}", query.join("&"))
    };
    // OpenAPI 3.x: the JSON media type of `requestBody`, with every example it gives
    let mut body_examples: Vec<(String, Value)> = Vec::new();
    let mut binary_body = false;
    if let Some(rb) = op.get("requestBody") {
        let (rfile, rb) = files.deref(file, rb);
        match rb.get("content").and_then(|c| c.get("application/json")) {
            Some(media) => {
                let (f, schema) = files.deref(&rfile, media.get("schema").unwrap_or(&Value::Null));
                body_examples = examples_of(media)
                    .into_iter()
                    .map(|(n, e)| (n, files.inline_data(&rfile, &e, 0)))
                    .collect();
                body = Some((f, schema));
            }
            None => binary_body = true,
        }
    }

    // the request; an operation that documents no body takes a free-form JSON object when its
    // method carries one (the contract of the generated crate)
    let method_has_body = op_method_has_body(item, op);
    match &body {
        None => spec.cases.push(Case {
            op: id.to_owned(),
            name: format!("{id}: request"),
            kind: Kind::Request,
            status: 0,
            uri: Some(uri.clone()),
            json: (method_has_body && !binary_body).then(|| json!({})),
            expect: Expect::RoundTrip,
            at_default: Vec::new(),
            event_body: false,
        }),
        Some((bfile, schema)) if !body_examples.is_empty() => {
            for (what, example) in &body_examples {
                spec.examples += 1;
                let name = format!("{id}: request body {what}");
                object_cases(
                    files,
                    spec,
                    bfile,
                    schema,
                    example,
                    &name,
                    id,
                    Kind::Request,
                    0,
                    Some(&uri),
                );
            }
        }
        Some((bfile, schema)) => {
            let example = match schema.get("example") {
                Some(e) => {
                    spec.examples += 1;
                    Some((files.inline_data(bfile, e, 0), "request body example"))
                }
                None => files
                    .example_from_properties(bfile, schema)
                    .map(|e| (e, "request body made of its property examples")),
            };
            if let Some((example, what)) = example {
                let name = format!("{id}: {what}");
                object_cases(
                    files,
                    spec,
                    bfile,
                    schema,
                    &example,
                    &name,
                    id,
                    Kind::Request,
                    0,
                    Some(&uri),
                );
            }
        }
    }

    // the responses
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        return;
    };
    for (status, r) in responses {
        let (rfile, r) = files.deref(file, r);
        // `4XX` stands for its first code
        let code: u16 = status.to_ascii_uppercase().replace("XX", "00").parse().unwrap_or(0);
        if code == 0 {
            continue;
        }
        let kind = if (200..300).contains(&code) {
            Kind::Response
        } else {
            Kind::Error
        };
        let (schema, examples) = match r.get("content") {
            // OpenAPI 3.x: the JSON media type, every example it gives
            Some(content) => match content.get("application/json") {
                Some(media) => (media.get("schema").cloned().unwrap_or(Value::Null), examples_of(media)),
                None => continue,
            },
            None => match r.get("examples").and_then(|e| e.get("application/json")) {
                Some(e) => (
                    r.get("schema").cloned().unwrap_or(Value::Null),
                    vec![("example".to_owned(), e.clone())],
                ),
                None => continue,
            },
        };
        for (what, example) in examples {
            spec.examples += 1;
            let example = files.inline_data(&rfile, &example, 0);
            let name = if what == "example" {
                format!("{id}: {status} response example")
            } else {
                format!("{id}: {status} response {what}")
            };
            object_cases(files, spec, &rfile, &schema, &example, &name, id, kind, code, None);
        }
    }
    for case in spec.cases.iter_mut().skip(first_case).filter(|c| c.uri.is_some()) {
        case.at_default = at_default.clone();
    }
}

/// Cases for one example of an object schema: the example itself, then each property removed
/// (must fail when required, round-trip when optional), then each enum property set to each of
/// its values and to an unknown one.
#[allow(clippy::too_many_arguments)]
fn object_cases(
    files: &mut Files,
    spec: &mut Spec,
    file: &Path,
    schema: &Value,
    example: &Value,
    name: &str,
    op: &str,
    kind: Kind,
    status: u16,
    uri: Option<&str>,
) {
    if !schema.is_null() {
        if let Err(reason) = files.validate(file, schema, example, "#", 0) {
            spec.spec_errors.push(format!("{name}: {reason}"));
            if kind == Kind::Response {
                spec.unfit_responses.push(example.clone());
            }
            return;
        }
    }
    let case = |json: Value, name: String, expect: Expect| Case {
        op: op.to_owned(),
        name,
        kind,
        status,
        uri: uri.map(str::to_owned),
        json: Some(json),
        expect,
        at_default: Vec::new(),
        event_body: example.get("type").is_some_and(Value::is_string)
            && example.get("content").is_some_and(Value::is_object),
    };
    spec.cases
        .push(case(example.clone(), name.to_owned(), Expect::RoundTrip));
    if kind == Kind::Error || schema.is_null() {
        return;
    }
    let required = files.required_properties(file, schema, 0);
    if let Some(obj) = example.as_object() {
        for key in obj.keys() {
            let mut reduced = obj.clone();
            reduced.remove(key);
            let expect = if required.contains(key) {
                Expect::DecodeFails
            } else {
                Expect::RoundTrip
            };
            spec.cases
                .push(case(Value::Object(reduced), format!("{name} without `{key}`"), expect));
        }
    }
    let mut sites = Vec::new();
    files.enum_sites(file, schema, example, "", &mut sites, 0);
    for (pointer, values) in sites {
        for v in values.iter().map(String::as_str).chain(["org.example.unknown_value"]) {
            let mut changed = example.clone();
            if let Some(slot) = changed.pointer_mut(&pointer) {
                *slot = json!(v);
            }
            spec.cases.push(case(
                changed,
                format!("{name} with `#{pointer}` = {v:?}"),
                Expect::RoundTrip,
            ));
        }
    }
}

/// The examples of the spec's event schemas (`event-schemas/examples`), by file name: each a
/// whole event, its `$ref` (to `core/room_event.json` and the like) merged in the way the spec
/// composes them (the example's own keys winning).
pub fn event_examples(dir: &Path) -> Vec<(String, Value)> {
    fn load(path: &Path, depth: usize) -> Value {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut value = yaml_to_json(serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
        if let Some(Value::String(reference)) = value.get("$ref").cloned() {
            assert!(depth < 8, "{}: `$ref`s nest too deep", path.display());
            let mut base = load(&path.parent().unwrap().join(reference), depth + 1);
            if let (Value::Object(b), Value::Object(own)) = (&mut base, &value) {
                for (k, v) in own.iter().filter(|(k, _)| *k != "$ref") {
                    b.insert(k.clone(), v.clone());
                }
            }
            value = base;
        }
        value
    }
    let mut out: Vec<(String, Value)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), load(&p, 0)))
        .filter(|(_, v)| v.get("type").is_some_and(Value::is_string))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
