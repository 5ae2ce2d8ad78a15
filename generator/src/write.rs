//! Stage 7, write: all or nothing. Every changed file is first written beside its target, then
//! all are renamed into place; on any failure the temporary files are removed and the output
//! folder is as it was. Files whose bytes did not change are not touched. Files the generator
//! wrote before (recognised by their header) that it no longer writes are removed; files
//! without the header (hand-written examples) are never touched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::format::MARKER;

/// What a write changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteReport {
    pub written: Vec<String>,
    pub removed: Vec<String>,
    pub unchanged: usize,
}

/// How the output folder differs from `files`: paths to write and generated files to remove.
pub fn diff(out_dir: &Path, files: &BTreeMap<String, String>) -> Result<(Vec<String>, Vec<String>)> {
    let mut stale = Vec::new();
    for (rel, text) in files {
        let path = out_dir.join(rel);
        match std::fs::read(&path) {
            Ok(bytes) if bytes == text.as_bytes() => {}
            Ok(_) => stale.push(rel.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => stale.push(rel.clone()),
            Err(e) => return Err(Error::io(&path, "cannot read", &e)),
        }
    }
    let mut orphans = Vec::new();
    for rel in generated_files(out_dir)? {
        if !files.contains_key(&rel) {
            orphans.push(rel);
        }
    }
    Ok((stale, orphans))
}

/// Files under `out_dir` that carry the generator's header.
fn generated_files(out_dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = out_dir.join(&rel);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(&dir, "cannot list", &e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&dir, "cannot list", &e))?;
            let name = entry.file_name();
            let child = rel.join(&name);
            let file_type = entry
                .file_type()
                .map_err(|e| Error::io(&entry.path(), "cannot stat", &e))?;
            if file_type.is_dir() {
                if rel.as_os_str().is_empty() && (name == "target" || name == ".git") {
                    continue;
                }
                stack.push(child);
            } else if file_type.is_file() {
                let is_ours = std::fs::read(entry.path())
                    .map(|b| b.iter().take(200).copied().collect::<Vec<u8>>())
                    .map(|head| {
                        String::from_utf8_lossy(&head)
                            .lines()
                            .next()
                            .is_some_and(|l| l.contains(MARKER))
                    })
                    .unwrap_or(false);
                if is_ours {
                    out.push(child.to_string_lossy().replace('\\', "/"));
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Writes `files` under `out_dir`, all or nothing.
pub fn write(out_dir: &Path, files: &BTreeMap<String, String>) -> Result<WriteReport> {
    let (stale, orphans) = diff(out_dir, files)?;
    let mut temps: Vec<(PathBuf, PathBuf)> = Vec::new();
    let cleanup = |temps: &[(PathBuf, PathBuf)]| {
        for (tmp, _) in temps {
            let _ = std::fs::remove_file(tmp);
        }
    };
    for rel in &stale {
        let target = out_dir.join(rel);
        let result = (|| -> std::io::Result<PathBuf> {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let name = target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let tmp = target.with_file_name(format!(".{name}.gen-tmp"));
            std::fs::write(&tmp, files[rel].as_bytes())?;
            Ok(tmp)
        })();
        match result {
            Ok(tmp) => temps.push((tmp, target)),
            Err(e) => {
                cleanup(&temps);
                return Err(Error::io(&target, "cannot write", &e));
            }
        }
    }
    for (i, (tmp, target)) in temps.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, target) {
            cleanup(&temps[i..]);
            return Err(Error::io(target, "cannot replace", &e));
        }
    }
    for rel in &orphans {
        let path = out_dir.join(rel);
        std::fs::remove_file(&path).map_err(|e| Error::io(&path, "cannot remove", &e))?;
    }
    Ok(WriteReport {
        unchanged: files.len() - stale.len(),
        written: stale,
        removed: orphans,
    })
}
