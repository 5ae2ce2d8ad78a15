//! One spec file, parsed: YAML read into JSON (see `json`), and the line and column of each
//! node, found when a diagnostic needs them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::json;
use crate::error::{push_token, Error, Location, Result, Warning};

/// The largest spec file read, in bytes; anything bigger is refused before parsing.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

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

pub(super) fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        _ => e.to_string(),
    }
}

/// Reads and parses one file.
pub(super) fn parse_file(path: &Path, display: String) -> Result<SourceFile> {
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
