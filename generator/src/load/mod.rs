//! Stage 1, load: read YAML files from disk into JSON values, remembering for every node the
//! line and column where it stands, so that later stages can point at it.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::error::{push_token, Error, Location, Result, Warning};

mod json;

/// The largest spec file read, in bytes; anything bigger is refused before parsing.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Index of a loaded file in the [`Loader`].
pub type FileId = usize;

/// One parsed file.
#[derive(Debug)]
pub struct SourceFile {
    /// Canonical path on disk.
    pub path: PathBuf,
    /// Path relative to the spec root, `/`-separated: how diagnostics name the file.
    pub display: String,
    /// The file's content as JSON.
    pub value: Value,
    /// The text, kept to find positions when a diagnostic needs them.
    text: String,
    /// Line and column (1-based) of every node, by JSON pointer: computed on first use, since
    /// only diagnostics need them.
    positions: std::cell::OnceCell<HashMap<String, (usize, usize)>>,
    /// What reading it found to warn of.
    pub warnings: Vec<Warning>,
}

impl SourceFile {
    /// The location of a node without its line and column (cheap): see [`Loader::complete`].
    pub fn node_location(&self, pointer: &str) -> Location {
        Location::node(self.display.clone(), pointer)
    }

    /// The location of `pointer` in this file: the line of the node itself or, for a pointer
    /// the file does not hold, of its nearest ancestor that it does.
    pub fn locate(&self, pointer: &str) -> Location {
        let positions = self.positions.get_or_init(|| positions(&self.text));
        let mut probe = pointer;
        let position = loop {
            if let Some(p) = positions.get(probe) {
                break Some(*p);
            }
            match probe.rfind('/') {
                Some(i) => probe = &probe[..i],
                None => break None,
            }
        };
        Location {
            file: Some(self.display.clone()),
            line: position.map(|p| p.0),
            column: position.map(|p| p.1),
            pointer: Some(pointer.to_owned()),
        }
    }

    /// The file's text, as read (without a byte order mark).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The node at `pointer`, if any.
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        self.value.pointer(pointer)
    }
}

/// Loads files below one root, each once, and refuses any path that leaves the root.
#[derive(Debug)]
pub struct Loader {
    root: PathBuf,
    files: Vec<SourceFile>,
    by_path: HashMap<PathBuf, FileId>,
    /// Files parsed ahead by [`Loader::preload`], not yet loaded.
    parsed: HashMap<PathBuf, SourceFile>,
    /// What [`Loader::confine`] made of a relative path in a folder: the same `$ref` stands in
    /// many places, and each answer takes a dozen file-system calls.
    confined: std::cell::RefCell<HashMap<(PathBuf, String), std::result::Result<PathBuf, String>>>,
}

impl Loader {
    /// A loader confined to `root`, which must be an existing folder.
    pub fn new(root: &Path) -> Result<Self> {
        let canonical = root
            .canonicalize()
            .map_err(|e| Error::new(Location::default(), format!("spec root {}: {e}", root.display())))?;
        if !canonical.is_dir() {
            return Err(Error::new(
                Location::default(),
                format!("spec root {} is not a folder", root.display()),
            ));
        }
        Ok(Loader {
            root: canonical,
            files: Vec::new(),
            by_path: HashMap::new(),
            parsed: HashMap::new(),
            confined: std::cell::RefCell::default(),
        })
    }

    /// What reading the loaded files found to warn of, file by file in load order.
    pub fn warnings(&self) -> Vec<Warning> {
        self.files.iter().flat_map(|f| f.warnings.iter().cloned()).collect()
    }

    /// The canonical root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    /// Locates `pointer` in the loaded file that diagnostics call `display`.
    pub fn locate_by_display(&self, display: &str, pointer: &str) -> Location {
        match self.files.iter().find(|f| f.display == display) {
            Some(f) => f.locate(pointer),
            None => Location::node(display, pointer),
        }
    }

    /// Adds the line and column to a location that names a file and a pointer.
    pub fn complete(&self, location: &Location) -> Location {
        match (&location.file, &location.pointer, location.line) {
            (Some(file), Some(pointer), None) => self.locate_by_display(file, pointer),
            _ => location.clone(),
        }
    }

    /// How diagnostics name `path` (canonical): relative to the root where possible.
    pub fn display(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        let mut out = String::new();
        for (i, c) in rel.components().enumerate() {
            if i > 0 {
                out.push('/');
            }
            out.push_str(&c.as_os_str().to_string_lossy());
        }
        out
    }

    /// Resolves `relative` against the folder of `base` (or the root when `base` is `None`),
    /// refusing anything that leaves the root, lexically or through a symbolic link.
    /// `at` is where the reference stands, for the error.
    pub fn confine(&self, base: Option<FileId>, relative: &str, at: &Location) -> Result<PathBuf> {
        let base_dir = match base {
            Some(id) => self.files[id].path.parent().map(Path::to_path_buf).unwrap_or_default(),
            None => self.root.clone(),
        };
        // the line is found only for an error (it may take a second parse of the file)
        self.confine_in(base_dir, relative)
            .map_err(|message| Error::new(self.complete(at), message))
    }

    /// [`Loader::confine`] against the folder `base_dir`; the error is its message.
    fn confine_in(&self, base_dir: PathBuf, relative: &str) -> std::result::Result<PathBuf, String> {
        let key = (base_dir, relative.to_owned());
        if let Some(known) = self.confined.borrow().get(&key) {
            return known.clone();
        }
        let answer = self.confine_uncached(key.0.clone(), relative);
        self.confined.borrow_mut().insert(key, answer.clone());
        answer
    }

    fn confine_uncached(&self, base_dir: PathBuf, relative: &str) -> std::result::Result<PathBuf, String> {
        let rel = Path::new(relative);
        if rel.is_absolute() || relative.starts_with('\\') || relative.contains(':') {
            return Err(format!(
                "`{relative}` is an absolute path or URL; only paths relative to the referring file inside the spec root are allowed"
            ));
        }
        let mut lexical = base_dir;
        for c in rel.components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir => {
                    lexical.pop();
                }
                Component::Normal(n) => lexical.push(n),
                Component::RootDir | Component::Prefix(_) => {
                    return Err(format!("`{relative}` is not a relative path"))
                }
            }
        }
        if !lexical.starts_with(&self.root) {
            return Err(format!("`{relative}` leaves the spec root"));
        }
        let canonical = follow_link_stubs(&lexical)
            .canonicalize()
            .map_err(|e| format!("cannot open `{relative}`: {}", describe_io(&e)))?;
        if !canonical.starts_with(&self.root) {
            return Err(format!("`{relative}` leaves the spec root through a symbolic link"));
        }
        if canonical.is_dir() {
            return Err(format!("`{relative}` is a folder, not a file"));
        }
        Ok(canonical)
    }

    /// Loads (once) the file at `path`, which must be canonical and inside the root.
    pub fn load(&mut self, path: &Path) -> Result<FileId> {
        if let Some(id) = self.by_path.get(path) {
            return Ok(*id);
        }
        let file = match self.parsed.remove(path) {
            Some(file) => file,
            None => parse_file(path, self.display(path))?,
        };
        let id = self.files.len();
        self.files.push(file);
        self.by_path.insert(path.to_path_buf(), id);
        Ok(id)
    }
}

impl Loader {
    /// Parses ahead, on every core, the files at `paths` (canonical, inside the root) and the
    /// files their `$ref`s name, transitively, so that [`Loader::load`] finds them parsed. Files
    /// are still loaded, and given their ids, in the order the resolver asks for them, so nothing
    /// else depends on this; a file that fails to read or parse here is left for `load` to
    /// report where the resolver meets it.
    pub fn preload(&mut self, paths: &[PathBuf]) {
        let mut wanted: Vec<PathBuf> = paths.to_vec();
        let mut seen: std::collections::HashSet<PathBuf> = wanted.iter().cloned().collect();
        while !wanted.is_empty() {
            let todo: Vec<(PathBuf, String)> = wanted
                .drain(..)
                .filter(|path| !self.by_path.contains_key(path) && !self.parsed.contains_key(path))
                .map(|path| {
                    let display = self.display(&path);
                    (path, display)
                })
                .collect();
            // (a worker's panic, a bug, leaves the files for `load` to parse again)
            let parsed = crate::parallel::in_parallel(todo, |(path, display)| {
                parse_file(&path, display).ok().map(|file| (path, file))
            })
            .unwrap_or_default();
            for (path, file) in parsed.into_iter().flatten() {
                let mut refs = Vec::new();
                collect_refs(&file.value, &mut refs);
                for reference in refs {
                    let relative = reference.split_once('#').map_or(reference, |(p, _)| p);
                    if relative.is_empty() || relative.contains("://") {
                        continue;
                    }
                    let Some(dir) = path.parent() else { continue };
                    if let Ok(target) = self.confine_in(dir.to_path_buf(), relative) {
                        if seen.insert(target.clone()) {
                            wanted.push(target);
                        }
                    }
                }
                self.parsed.insert(path, file);
            }
        }
    }
}

/// Every `$ref` string in `value`.
fn collect_refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Git writes a symbolic link as a small file holding the link's target where the checkout has
/// no symbolic links (the Matrix spec's `definitions/event-schemas` is one). Such a file in the
/// middle of a path is followed like the link it stands for; the result is still confined.
fn follow_link_stubs(path: &Path) -> PathBuf {
    let parts: Vec<Component> = path.components().collect();
    let mut cur = PathBuf::new();
    let mut expansions = 0;
    for (i, c) in parts.iter().enumerate() {
        cur.push(c.as_os_str());
        let more = i + 1 < parts.len();
        if !more || expansions > 40 || !cur.is_file() {
            continue;
        }
        let Some(target) = link_stub_target(&cur) else { continue };
        expansions += 1;
        let mut next = cur.parent().map(Path::to_path_buf).unwrap_or_default();
        for tc in Path::new(&target).components() {
            match tc {
                Component::ParentDir => {
                    next.pop();
                }
                Component::Normal(n) => next.push(n),
                _ => {}
            }
        }
        cur = next;
    }
    cur
}

fn link_stub_target(file: &Path) -> Option<String> {
    let meta = std::fs::metadata(file).ok()?;
    if meta.len() > 1024 {
        return None;
    }
    let text = std::fs::read_to_string(file).ok()?;
    let target = text.trim_end_matches('\n');
    let plausible = !target.is_empty()
        && !target.contains('\n')
        && !target.contains('\0')
        && !Path::new(target).is_absolute()
        && !target.contains(':');
    plausible.then(|| target.to_owned())
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        _ => e.to_string(),
    }
}

/// Reads and parses one file.
fn parse_file(path: &Path, display: String) -> Result<SourceFile> {
    let at = Location::file(display.clone());
    let meta =
        std::fs::metadata(path).map_err(|e| Error::new(at.clone(), format!("cannot read: {}", describe_io(&e))))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(Error::new(
            at,
            format!("file is {} bytes; the limit is {MAX_FILE_BYTES}", meta.len()),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::new(at.clone(), format!("cannot read: {}", describe_io(&e))))?;
    let mut file = parse_bytes(&bytes, display)?;
    file.path = path.to_path_buf();
    Ok(file)
}

/// Parses YAML (or JSON, which is YAML) text into a [`SourceFile`] with node positions.
pub fn parse_bytes(bytes: &[u8], display: String) -> Result<SourceFile> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col(bytes, e.valid_up_to());
        Error::new(
            Location {
                file: Some(display.clone()),
                line: Some(line),
                column: Some(column),
                pointer: None,
            },
            "file is not valid UTF-8",
        )
    })?;
    // a byte order mark is no part of the YAML
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reading = json::Reading::default();
    let parsed =
        serde::de::DeserializeSeed::deserialize(json::Node(&mut reading), serde_yaml::Deserializer::from_str(text));
    let mut file = SourceFile {
        path: PathBuf::new(),
        display: display.clone(),
        value: Value::Null,
        text: text.to_owned(),
        positions: std::cell::OnceCell::new(),
        warnings: Vec::new(),
    };
    if let Some(failure) = reading.failure {
        return Err(Error::new(file.locate(&failure.pointer), failure.message));
    }
    let value = parsed.map_err(|e| {
        let loc = e.location();
        let message = e.to_string();
        // serde_yaml appends " at line L column C"; the location says it already.
        let message = match message.find(" at line ") {
            Some(i) => message[..i].to_owned(),
            None => message,
        };
        Error::new(
            Location {
                file: Some(display.clone()),
                line: loc.as_ref().map(|l| l.line()),
                column: loc.as_ref().map(|l| l.column()),
                pointer: None,
            },
            format!("invalid YAML: {message}"),
        )
    })?;
    for (pointer, number) in reading.approximated {
        let message = format!(
            "the integer {number} is beyond 64 bits: it is carried as the nearest double, and a Rust integer cannot hold it"
        );
        file.warnings.push(Warning::new(file.locate(&pointer), message));
    }
    file.value = value;
    Ok(file)
}

fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, column)
}

enum Frame {
    Map { pointer: String, key: Option<String> },
    Seq { pointer: String, index: usize },
}

#[derive(Default)]
struct Recorder {
    stack: Vec<Frame>,
    positions: HashMap<String, (usize, usize)>,
    skip_depth: usize,
    /// A mapping whose position is not known yet, with its start mark.
    unplaced: Option<(String, Marker)>,
}

impl Recorder {
    /// The pointer of the node that comes next, or `None` when it is a mapping key.
    fn next_pointer(&self) -> Option<String> {
        match self.stack.last() {
            None => Some(String::new()),
            Some(Frame::Map { pointer, key: Some(k) }) => Some(push_token(pointer, k)),
            Some(Frame::Map { key: None, .. }) => None,
            Some(Frame::Seq { pointer, index }) => Some(format!("{pointer}/{index}")),
        }
    }

    fn advance(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Map { key, .. }) => *key = None,
            Some(Frame::Seq { index, .. }) => *index += 1,
            _ => {}
        }
    }

    fn record(&mut self, pointer: &str, mark: Marker) {
        self.positions
            .entry(pointer.to_owned())
            .or_insert((mark.line(), mark.col() + 1));
    }
}

impl MarkedEventReceiver for Recorder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.skip_depth > 0 {
            match ev {
                Event::MappingStart(..) | Event::SequenceStart(..) => self.skip_depth += 1,
                Event::MappingEnd | Event::SequenceEnd => {
                    self.skip_depth -= 1;
                    if self.skip_depth == 0 {
                        // the complex key is over; its value follows under a placeholder key
                        if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                            *key = Some("?".to_owned());
                        }
                    }
                }
                _ => {}
            }
            return;
        }
        match ev {
            Event::Scalar(text, ..) => match self.next_pointer() {
                None => {
                    if let Some((p, _)) = self.unplaced.take() {
                        self.record(&p, mark);
                    }
                    if let Some(Frame::Map { pointer, key }) = self.stack.last_mut() {
                        let child = push_token(pointer, &text);
                        *key = Some(text);
                        self.record(&child, mark);
                    }
                }
                Some(p) => {
                    self.record(&p, mark);
                    self.advance();
                }
            },
            Event::Alias(_) => {
                if let Some(p) = self.next_pointer() {
                    self.record(&p, mark);
                    self.advance();
                } else if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                    *key = Some("?".to_owned());
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => match self.next_pointer() {
                None => self.skip_depth = 1,
                Some(p) => {
                    let frame = if matches!(ev, Event::MappingStart(..)) {
                        // a block mapping's start mark points past its first key: the mapping is
                        // placed at that key instead, when it comes
                        self.unplaced = Some((p.clone(), mark));
                        Frame::Map { pointer: p, key: None }
                    } else {
                        self.record(&p, mark);
                        Frame::Seq { pointer: p, index: 0 }
                    };
                    self.stack.push(frame);
                }
            },
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some((p, m)) = self.unplaced.take() {
                    self.record(&p, m);
                }
                self.stack.pop();
                self.advance();
            }
            _ => {}
        }
    }
}

/// Positions of every node of the first YAML document in `text`, by JSON pointer. Best effort:
/// text that this second parser cannot read simply yields fewer positions.
fn positions(text: &str) -> HashMap<String, (usize, usize)> {
    let mut recorder = Recorder::default();
    let mut parser = Parser::new_from_str(text);
    let _ = parser.load(&mut recorder, false);
    recorder.positions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_follow_pointers() {
        let text = "a:\n  b: 1\n  200:\n    - x\n    - y: 2\n";
        let f = parse_bytes(text.as_bytes(), "t.yaml".into()).unwrap();
        assert_eq!(f.locate("/a/b").line, Some(2));
        assert_eq!(f.locate("/a/200").line, Some(3));
        assert_eq!(f.locate("/a/200/1/y").line, Some(5));
        assert_eq!(f.locate("/a/200/1/y").column, Some(7));
        // a pointer the file does not hold falls back to its nearest ancestor
        assert_eq!(f.locate("/a/b/missing").line, Some(2));
        assert_eq!(f.value["a"]["200"][1]["y"], 2);
    }

    #[test]
    fn escaped_keys_are_located() {
        let text = "paths:\n  \"/account/3pid\":\n    get: {}\n";
        let f = parse_bytes(text.as_bytes(), "t.yaml".into()).unwrap();
        assert_eq!(f.locate("/paths/~1account~13pid/get").line, Some(3));
    }

    #[test]
    fn yaml_without_a_json_equivalent_is_located() {
        let text = "paths:\n  \"/a/b\":\n    get:\n      - ok\n      - !custom x\n";
        let err = parse_bytes(text.as_bytes(), "t.yaml".into()).unwrap_err();
        assert_eq!(err.location().pointer.as_deref(), Some("/paths/~1a~1b/get/1"));
        assert_eq!(err.location().line, Some(5));
        assert!(err.message().contains("YAML tag `!custom`"), "{err}");

        let text = "a:\n  b:\n    [1, 2]: x\n";
        let err = parse_bytes(text.as_bytes(), "t.yaml".into()).unwrap_err();
        assert_eq!(err.location().pointer.as_deref(), Some("/a/b"));
        assert_eq!(err.location().line, Some(2));
        assert!(err.message().contains("not a scalar"), "{err}");

        let text = "a: .nan\n";
        let err = parse_bytes(text.as_bytes(), "t.yaml".into()).unwrap_err();
        assert_eq!(err.location().pointer.as_deref(), Some("/a"));
        assert!(err.message().contains("no JSON equivalent"), "{err}");
    }

    #[test]
    fn preloading_parses_referenced_files_and_changes_no_id_or_error() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("defs")).unwrap();
        std::fs::write(
            root.join("api.yaml"),
            "a:\n  $ref: defs/a.yaml\nb:\n  $ref: 'defs/b.yaml#/x'\n",
        )
        .unwrap();
        std::fs::write(root.join("defs/a.yaml"), "type: object\nc:\n  $ref: c.yaml\n").unwrap();
        std::fs::write(root.join("defs/b.yaml"), "x: {type: string}\n").unwrap();
        std::fs::write(root.join("defs/c.yaml"), "type: integer\n").unwrap();
        std::fs::write(root.join("defs/bad.yaml"), "a: [1, 2\n").unwrap();
        let mut loader = Loader::new(&root).unwrap();
        loader.preload(&[root.join("api.yaml"), root.join("defs/bad.yaml")]);
        // every file the references reach, transitively, is parsed ahead; the bad one is not
        for name in ["api.yaml", "defs/a.yaml", "defs/b.yaml", "defs/c.yaml"] {
            assert!(loader.parsed.contains_key(&root.join(name)), "{name}");
        }
        assert!(!loader.parsed.contains_key(&root.join("defs/bad.yaml")));
        assert!(loader.files.is_empty());
        // ids follow the order of loading, whatever was parsed ahead
        assert_eq!(loader.load(&root.join("defs/c.yaml")).unwrap(), 0);
        assert_eq!(loader.load(&root.join("api.yaml")).unwrap(), 1);
        assert_eq!(loader.file(0).display, "defs/c.yaml");
        assert_eq!(loader.file(0).value["type"], "integer");
        // the bad file fails where it is loaded, as it would have without preloading
        let err = loader.load(&root.join("defs/bad.yaml")).unwrap_err();
        assert_eq!(err.location().file.as_deref(), Some("defs/bad.yaml"));
        assert!(err.message().starts_with("invalid YAML"), "{err}");
    }

    #[test]
    fn invalid_yaml_is_located() {
        let err = parse_bytes(b"a: [1, 2\nb: 3\n", "bad.yaml".into()).unwrap_err();
        assert_eq!(err.location().file.as_deref(), Some("bad.yaml"));
        assert!(err.location().line.is_some());
        assert!(err.message().starts_with("invalid YAML"), "{err}");
    }

    #[test]
    fn invalid_utf8_is_located() {
        let err = parse_bytes(b"a: 1\nb: \xff\n", "bad.yaml".into()).unwrap_err();
        assert_eq!(err.location().line, Some(2));
        assert_eq!(err.location().column, Some(4));
        assert_eq!(err.message(), "file is not valid UTF-8");
    }

    #[test]
    fn alias_bomb_stops() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..30 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse_bytes(text.as_bytes(), "bomb.yaml".into()).unwrap_err();
        assert!(err.message().starts_with("invalid YAML"), "{err}");
    }
}
