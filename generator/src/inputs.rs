//! The spec's files: the API documents of a spec folder, the event schemas of a folder, the
//! names file; each found inside the spec root.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};
use crate::settings::Settings;
use crate::{ir, load, resolve};

/// A folder the spec names (`what`: `spec folder`, ...), canonical, refused when it is not
/// there or lies outside the spec root.
pub fn confined_folder(loader: &load::Loader, dir: &Path, what: &str) -> Result<PathBuf> {
    let canonical = dir
        .canonicalize()
        .map_err(|e| Error::new(Location::default(), format!("{what} {}: {e}", dir.display())))?;
    if !canonical.starts_with(loader.root()) {
        return Err(Error::new(
            Location::default(),
            format!(
                "the {what} {} is outside the spec root {}",
                canonical.display(),
                loader.root().display()
            ),
        ));
    }
    Ok(canonical)
}

/// The API documents of a spec folder: its top-level `*.yaml` files, sorted by name.
pub fn api_documents(loader: &load::Loader, spec_dir: &Path) -> Result<Vec<PathBuf>> {
    let dir = confined_folder(loader, spec_dir, "spec folder")?;
    let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, "cannot list", &e))?;
    let mut docs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&dir, "cannot list", &e))?;
        let path = entry.path();
        let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        // a plain file of the canonical folder is canonical as it stands (no call per component)
        let plain = entry.file_type().is_ok_and(|t| t.is_file());
        if is_yaml && (plain || path.is_file()) {
            let canonical = if plain {
                path.clone()
            } else {
                path.canonicalize().map_err(|e| Error::io(&path, "cannot open", &e))?
            };
            if !canonical.starts_with(loader.root()) {
                let name = entry.file_name().to_string_lossy().into_owned();
                return Err(Error::new(
                    Location::file(loader.display(&dir.join(&name))),
                    "this API document leaves the spec root through a symbolic link",
                ));
            }
            docs.push(canonical);
        }
    }
    docs.sort();
    if docs.is_empty() {
        return Err(Error::new(
            Location::default(),
            format!(
                "no API document in {}: expected top-level `*.yaml` files",
                spec_dir.display()
            ),
        ));
    }
    Ok(docs)
}

/// A loader confined to the settings' root, and the spec folder's API documents.
pub fn open(settings: &Settings) -> Result<(load::Loader, Vec<PathBuf>)> {
    let root = settings.root.clone().unwrap_or_else(|| settings.spec_dir.clone());
    let loader = load::Loader::new(&root)?;
    let paths = api_documents(&loader, &settings.spec_dir)?;
    Ok((loader, paths))
}

/// Stage 1, load: one API document, parsed, with the version it declares.
pub fn load_document(loader: &mut load::Loader, path: &Path) -> Result<resolve::Input> {
    let id = loader.load(path)?;
    let file = loader.file(id);
    if file.value.is_null() {
        return Err(Error::new(Location::file(file.display.clone()), "the file is empty"));
    }
    let version = load::Version::detect(&file.value, file)?;
    match file.value.get("paths") {
        Some(serde_json::Value::Object(_)) => {}
        Some(_) => return Err(Error::new(file.locate("/paths"), "`paths` must be a mapping")),
        // OpenAPI 3.1 asks for `paths`, `components` or `webhooks`, not all three
        None if version == load::Version::OpenApi31
            && (file.value.get("components").is_some() || file.value.get("webhooks").is_some()) => {}
        None => return Err(Error::new(file.locate(""), "the document has no `paths`")),
    }
    Ok(resolve::Input {
        file: id,
        version,
        value: file.value.clone(),
    })
}

/// The event schemas of a folder: its top-level files (`m.room.member.yaml`, or without an
/// extension as in the seed era), sorted by name, each inside the root.
pub fn event_schemas(loader: &load::Loader, dir: &Path) -> Result<Vec<PathBuf>> {
    let canonical = confined_folder(loader, dir, "event schema folder")?;
    let entries = std::fs::read_dir(&canonical).map_err(|e| Error::io(&canonical, "cannot list", &e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&canonical, "cannot list", &e))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let schema_like = !name.starts_with('.') && !name.ends_with(".md");
        if schema_like && path.is_file() {
            let path = path.canonicalize().map_err(|e| Error::io(&path, "cannot open", &e))?;
            if path.starts_with(loader.root()) {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The type names pinned by the spec folder's `names.toml`, if it has one:
///
/// ```toml
/// [types]
/// # where the type is defined, as its rustdoc's "Defined in" says = its name
/// "api/client-server/definitions/push_rule.yaml" = "PushRule"
/// ```
pub fn read_names(spec_dir: &Path) -> Result<BTreeMap<String, String>> {
    let path = spec_dir.join(ir::NAMES_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(Error::io(&path, "cannot read", &e)),
    };
    let at = |line: Option<usize>, pointer: &str| Location {
        file: Some(ir::NAMES_FILE.to_owned()),
        line,
        column: None,
        pointer: Some(pointer.to_owned()),
    };
    let line_of = |offset: usize| Some(text[..offset.min(text.len())].matches('\n').count() + 1);
    let doc: toml_edit::Document<String> = text.parse().map_err(|e: toml_edit::TomlError| {
        Error::new(
            at(e.span().and_then(|s| line_of(s.start)), ""),
            format!("not TOML: {}", e.message()),
        )
    })?;
    let mut names = BTreeMap::new();
    for (key, item) in doc.iter() {
        let Some(table) = item.as_table_like().filter(|_| key == "types") else {
            return Err(Error::new(
                at(None, &format!("/{key}")),
                "only a `[types]` table is read: `\"where it is defined\" = \"Name\"`",
            ));
        };
        for (defined, value) in table.iter() {
            let pointer = format!("/types/{}", defined.replace('~', "~0").replace('/', "~1"));
            let line = value.span().and_then(|s| line_of(s.start));
            let Some(name) = value.as_str() else {
                return Err(Error::new(at(line, &pointer), "the name must be a string"));
            };
            let valid =
                name.starts_with(|c: char| c.is_ascii_uppercase()) && name.chars().all(|c| c.is_ascii_alphanumeric());
            if !valid {
                return Err(Error::new(
                    at(line, &pointer),
                    format!("`{name}` is not a Rust type name (`UpperCamelCase`, letters and digits)"),
                ));
            }
            if let Some((other, _)) = names.iter().find(|(_, n)| *n == name) {
                return Err(Error::new(
                    at(line, &pointer),
                    format!("`{name}` is pinned twice (also to `{other}`)"),
                ));
            }
            names.insert(defined.to_owned(), name.to_owned());
        }
    }
    Ok(names)
}
