//! The loader: files below one root, each loaded once, no path leaving the root (lexically or
//! through a symbolic link, a link laid as Git's stub file followed).

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::file::{describe_io, parse_file, SourceFile};
use crate::error::{Error, Location, Result, Warning};

/// Index of a loaded file in the [`Loader`].
pub type FileId = usize;

/// What a relative path names from a folder: a file's path, or why it names none.
type Answer = std::result::Result<PathBuf, String>;

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
    confined: std::cell::RefCell<HashMap<(PathBuf, String), Answer>>,
    /// Each relative path [`Loader::confine`] was asked for from a file, and what it gave: the
    /// references the resolver followed, from which [`Loader::reached`] tells what a document
    /// depends on.
    asked: std::cell::RefCell<Vec<(FileId, String, Answer)>>,
    /// The canonical path of each folder [`Loader::confine`] met (see `Loader::canonical`).
    folders: std::cell::RefCell<HashMap<PathBuf, Answer>>,
}

/// What a document's reading depends on besides its own bytes (see [`Loader::reached`]): each
/// relative path a file it reaches asked for, from the folder of that file, and what that gave
/// (a file, by how diagnostics name it, or why not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asked {
    /// The folder asked from, relative to the root (`""`: the root), `/`-separated.
    pub folder: String,
    /// The path as the reference writes it.
    pub relative: String,
    /// The file it names, relative to the root; or why it names none.
    pub answer: std::result::Result<String, String>,
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
            asked: std::cell::RefCell::default(),
            folders: std::cell::RefCell::default(),
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
        let answer = self.confine_in(base_dir, relative);
        if let Some(id) = base {
            self.asked.borrow_mut().push((id, relative.to_owned(), answer.clone()));
        }
        answer.map_err(|message| Error::new(self.complete(at), message))
    }

    /// [`Loader::confine`] of `relative` from the folder `folder` (relative to the root, as
    /// [`Asked::folder`] gives it): the file it names, by how diagnostics name it, or why none.
    pub fn confine_from(&self, folder: &str, relative: &str) -> std::result::Result<String, String> {
        let mut dir = self.root.clone();
        if !folder.is_empty() {
            dir.extend(folder.split('/'));
        }
        self.confine_in(dir, relative).map(|p| self.display(&p))
    }

    /// The file loaded under `display` (how diagnostics name it), if any.
    pub fn id_of(&self, display: &str) -> Option<FileId> {
        self.files.iter().position(|f| f.display == display)
    }

    /// For each file of `starts`, the files it reaches through the references followed from it,
    /// transitively (itself first, then in the order met), and every path those files asked
    /// [`Loader::confine`] for, with its answer: given the same bytes in each of those files and
    /// the same answers, the resolver reads it the same.
    pub fn reached(&self, starts: &[FileId]) -> Vec<(Vec<FileId>, Vec<Asked>)> {
        let asked = self.asked.borrow();
        let mut by_file: HashMap<FileId, Vec<usize>> = HashMap::new();
        for (i, (from, ..)) in asked.iter().enumerate() {
            by_file.entry(*from).or_default().push(i);
        }
        let folder_of = |file: FileId| {
            self.files[file]
                .display
                .rsplit_once('/')
                .map_or(String::new(), |(dir, _)| dir.to_owned())
        };
        starts
            .iter()
            .map(|&start| {
                let mut files = vec![start];
                let mut met: std::collections::HashSet<FileId> = files.iter().copied().collect();
                let mut seen_asked = std::collections::HashSet::new();
                let mut out = Vec::new();
                let mut i = 0;
                while let Some(&file) = files.get(i) {
                    i += 1;
                    let folder = folder_of(file);
                    for &k in by_file.get(&file).map(Vec::as_slice).unwrap_or_default() {
                        let (_, relative, answer) = &asked[k];
                        if !seen_asked.insert((file, relative.as_str())) {
                            continue;
                        }
                        out.push(Asked {
                            folder: folder.clone(),
                            relative: relative.clone(),
                            answer: answer.as_ref().map(|p| self.display(p)).map_err(Clone::clone),
                        });
                        if let Some(&target) = answer.as_ref().ok().and_then(|p| self.by_path.get(p)) {
                            if met.insert(target) {
                                files.push(target);
                            }
                        }
                    }
                }
                (files, out)
            })
            .collect()
    }

    /// [`Loader::confine`] against the folder `base_dir`; the error is its message.
    fn confine_in(&self, base_dir: PathBuf, relative: &str) -> Answer {
        let key = (base_dir, relative.to_owned());
        if let Some(known) = self.confined.borrow().get(&key) {
            return known.clone();
        }
        let answer = self.confine_uncached(key.0.clone(), relative);
        self.confined.borrow_mut().insert(key, answer.clone());
        answer
    }

    fn confine_uncached(&self, base_dir: PathBuf, relative: &str) -> Answer {
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
        let canonical = self
            .canonical(&lexical)
            .map_err(|why| format!("cannot open `{relative}`: {why}"))?;
        if !canonical.starts_with(&self.root) {
            return Err(format!("`{relative}` leaves the spec root through a symbolic link"));
        }
        if canonical.is_dir() {
            return Err(format!("`{relative}` is a folder, not a file"));
        }
        Ok(canonical)
    }

    /// The canonical path of `lexical` (Git's stubs of symbolic links followed), or why there is
    /// none: that of its folder (found once per folder, since every file of a folder shares it)
    /// and its name, unless the name is itself a symbolic link.
    fn canonical(&self, lexical: &Path) -> Answer {
        let whole = || follow_link_stubs(lexical).canonicalize().map_err(|e| describe_io(&e));
        let (Some(parent), Some(name)) = (lexical.parent(), lexical.file_name()) else {
            return whole();
        };
        let known = self.folders.borrow().get(parent).cloned();
        let folder = match known {
            Some(folder) => folder,
            None => {
                // the folder's every component may be a stub, its last one too (a name follows)
                let mut stubs_followed = follow_link_stubs(&parent.join("_"));
                stubs_followed.pop();
                let folder = stubs_followed.canonicalize().map_err(|e| describe_io(&e));
                self.folders.borrow_mut().insert(parent.to_path_buf(), folder.clone());
                folder
            }
        }?;
        let path = folder.join(name);
        let meta = std::fs::symlink_metadata(&path).map_err(|e| describe_io(&e))?;
        if meta.file_type().is_symlink() {
            return path.canonicalize().map_err(|e| describe_io(&e));
        }
        Ok(path)
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
    /// report where the resolver meets it. With `follow` false, only the files at `paths`.
    pub fn preload(&mut self, paths: &[PathBuf], follow: bool) {
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
                if follow {
                    collect_refs(&file.value, &mut refs);
                }
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
#[cfg(test)]
mod tests {
    use super::*;

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
        loader.preload(&[root.join("api.yaml"), root.join("defs/bad.yaml")], true);
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
}
