//! Stage 8, write: all or nothing. Every changed file is first written beside its target, then
//! all are renamed into place; on any failure the temporary files are removed and the output
//! folder is as it was. Files whose bytes did not change are not touched. Files the generator
//! wrote before (recognised by their header) that it no longer writes are removed; files
//! without the header (hand-written examples) are never touched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::header::MARKER;

/// What a write changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteReport {
    /// The files written, relative to the output folder.
    pub written: Vec<String>,
    /// The generated files removed because they are no longer generated.
    pub removed: Vec<String>,
    /// How many files were already up to date.
    pub unchanged: usize,
}

/// Refuses a path that would leave the output folder or is no plain relative path: every
/// output path is confined to the output folder, as every input is to the spec root. The paths
/// come from the generator, so one that is not confined is a bug of it.
fn confined(rel: &str) -> Result<()> {
    let plain = !rel.is_empty()
        && !rel.contains('\\')
        && !rel.contains(':')
        && rel
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..");
    if plain {
        Ok(())
    } else {
        Err(Error::internal(format!(
            "the generated path `{rel}` is not a plain path inside the output folder"
        )))
    }
}

/// How the output folder differs from `files`: paths to write and generated files to remove.
pub fn diff(out_dir: &Path, files: &BTreeMap<String, String>) -> Result<(Vec<String>, Vec<String>)> {
    for rel in files.keys() {
        confined(rel)?;
    }
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
    for rel in &stale {
        let target = out_dir.join(rel);
        if target.is_dir() {
            return Err(Error::io(
                &target,
                "cannot write",
                &std::io::Error::other("a folder stands in the way"),
            ));
        }
    }
    // 1. every new file beside its target; 2. old files aside, new files in place, files no
    // longer generated aside too; on a failure every step taken is undone
    let temps = stage(out_dir, files, &stale)?;
    let mut done = swap_in(&temps)?;
    if let Err(e) = set_aside(out_dir, &orphans, &mut done) {
        undo(&done);
        return Err(e);
    }
    // 3. committed: drop the old files
    for (_, backup) in &done {
        if let Some(b) = backup {
            let _ = std::fs::remove_file(b);
        }
    }
    Ok(WriteReport {
        unchanged: files.len() - stale.len(),
        written: stale,
        removed: orphans,
    })
}

/// A file written beside its target: (the temporary file, the target).
type Staged = (PathBuf, PathBuf);

/// A step taken: the target, and where its old file was set aside (none where there was none).
type Done = (PathBuf, Option<PathBuf>);

fn remove_temps(temps: &[Staged]) {
    for (tmp, _) in temps {
        let _ = std::fs::remove_file(tmp);
    }
}

/// Writes each file of `stale` beside its target; on a failure removes them all.
fn stage(out_dir: &Path, files: &BTreeMap<String, String>, stale: &[String]) -> Result<Vec<Staged>> {
    let mut temps: Vec<Staged> = Vec::new();
    for rel in stale {
        let target = out_dir.join(rel);
        let tmp = sibling(&target, "gen-tmp");
        let result = (|| -> std::io::Result<()> {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&tmp, files[rel].as_bytes())
        })();
        if let Err(e) = result {
            remove_temps(&temps);
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::io(&target, "cannot write", &e));
        }
        temps.push((tmp, target));
    }
    Ok(temps)
}

/// Sets each target's old file aside and renames its new one into place; on a failure undoes
/// every step taken and removes the files not yet in place.
fn swap_in(temps: &[Staged]) -> Result<Vec<Done>> {
    let mut done: Vec<Done> = Vec::new();
    for (i, (tmp, target)) in temps.iter().enumerate() {
        let step = (|| -> std::io::Result<Option<PathBuf>> {
            let backup = if target.exists() {
                let b = sibling(target, "gen-old");
                std::fs::rename(target, &b)?;
                Some(b)
            } else {
                None
            };
            if let Err(e) = std::fs::rename(tmp, target) {
                if let Some(b) = &backup {
                    let _ = std::fs::rename(b, target);
                }
                return Err(e);
            }
            Ok(backup)
        })();
        match step {
            Ok(backup) => done.push((target.clone(), backup)),
            Err(e) => {
                undo(&done);
                remove_temps(&temps[i..]);
                return Err(Error::io(target, "cannot replace", &e));
            }
        }
    }
    Ok(done)
}

/// Sets aside the files no longer generated, so that a failure can restore them.
fn set_aside(out_dir: &Path, orphans: &[String], done: &mut Vec<Done>) -> Result<()> {
    for rel in orphans {
        let path = out_dir.join(rel);
        let b = sibling(&path, "gen-old");
        std::fs::rename(&path, &b).map_err(|e| Error::io(&path, "cannot remove", &e))?;
        done.push((path, Some(b)));
    }
    Ok(())
}

/// Undoes the steps taken, last first.
fn undo(done: &[Done]) {
    for (target, backup) in done.iter().rev() {
        match backup {
            Some(b) => {
                let _ = std::fs::rename(b, target);
            }
            None => {
                let _ = std::fs::remove_file(target);
            }
        }
    }
}

/// `dir/.name.SUFFIX`, a hidden file beside `path`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn writes_only_changed_files_and_removes_orphans() {
        let dir = tempfile::tempdir().unwrap();
        let first = files(&[
            ("a.rs", "// @generated by matrix-api-generator\nA"),
            ("src/b.rs", "// @generated by matrix-api-generator\nB"),
        ]);
        let r = write(dir.path(), &first).unwrap();
        assert_eq!(r.written, vec!["a.rs", "src/b.rs"]);
        std::fs::write(dir.path().join("hand.rs"), "hand-written").unwrap();
        let second = files(&[("a.rs", "// @generated by matrix-api-generator\nA2")]);
        let r = write(dir.path(), &second).unwrap();
        assert_eq!(r.written, vec!["a.rs"]);
        assert_eq!(r.removed, vec!["src/b.rs"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("hand.rs")).unwrap(),
            "hand-written"
        );
        assert!(!dir.path().join("src/b.rs").exists());
        assert_eq!(diff(dir.path(), &second).unwrap(), (vec![], vec![]));
    }

    #[test]
    fn no_path_leaves_the_output_folder() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("out");
        for bad in ["../x.rs", "a/../../x.rs", "/etc/x", "a//b", "./a", "", "C:x", "a\\b"] {
            let err = write(&inner, &files(&[(bad, "// @generated by matrix-api-generator\nX")])).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Internal, "{bad}");
            assert!(err.message().contains("not a plain path"), "{err}");
        }
        assert!(!inner.exists());
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    }

    #[test]
    fn a_failure_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let first = files(&[
            ("a.rs", "// @generated by matrix-api-generator\nA"),
            ("z.rs", "// @generated by matrix-api-generator\nZ"),
        ]);
        write(dir.path(), &first).unwrap();
        // `m/x.rs` cannot be created: `m` is a file
        std::fs::write(dir.path().join("m"), "in the way").unwrap();
        let second = files(&[("a.rs", "A2"), ("m/x.rs", "X"), ("z.rs", "Z2")]);
        assert!(write(dir.path(), &second).is_err());
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, vec!["a.rs", "m", "z.rs"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.rs")).unwrap(),
            "// @generated by matrix-api-generator\nA"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("z.rs")).unwrap(),
            "// @generated by matrix-api-generator\nZ"
        );
    }
}
