//! Reading one API across the releases of a series for its history, each document read once
//! for as long as nothing it depends on changes.
//!
//! Consecutive Matrix releases share most of their files: of the Client-Server API's 60-odd
//! documents, a release typically changes a dozen. A document's operations, as a history reads
//! them ([`crate::ir::HeadOf`]), are a function of the bytes of the files its reading reaches and
//! of what each relative path it asks for names (a file, or none): the generator's own code
//! being the same within a run. So a document whose own bytes, whose reached files' bytes and
//! whose answers are those of a document already read (in an earlier release, at the same path
//! below the release's root) is not read again: its operations and warnings are that reading's.
//! Anything else (a new or changed document, or one whose schemas or security definitions
//! changed) is read, with the other such documents of its release. A release where reading
//! some of its documents fails, or whose operation ids clash across them, is read whole, as a
//! release without reuse is, so that its error (or its answer) is exactly that reading's.
//! `tests/tests/history.rs` holds it to the reading without reuse on every release of the corpus.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{ApiEntry, Release};
use crate::error::{Result, Warning};
use crate::load::{Asked, Loader};
use crate::outcome::Timings;
use crate::parallel::in_parallel;
use crate::read::{completed, located};
use crate::resolve::Reach;
use crate::settings::Settings;

/// What reading one document gives: its operations (as `T`, from each
/// [`crate::ir::HeadOf`]) and warnings, and what the reading depends on.
struct DocRead<T> {
    seen: Vec<T>,
    warnings: Vec<Warning>,
    /// Each file reached (the document first), by how diagnostics name it, with its bytes.
    files: Vec<(String, Arc<[u8]>)>,
    asked: Vec<Asked>,
}

/// One API document of a release: how diagnostics name it (relative to the root), its canonical
/// path and its bytes.
struct Listed {
    display: String,
    path: PathBuf,
    bytes: Arc<[u8]>,
}

/// The operations (each made by `of`) and warnings of `api` in every release of `releases`, in
/// order; `settings` gives each release's settings (an error when it has no such API), `whole`
/// reads a release whole, without reuse (its error is the one reported).
///
/// In waves: each document not yet given a reading takes one of the same path and bytes whose
/// dependencies are alike in its release; of those left, the earliest release's of each path and
/// bytes are read (each release's together, the releases in parallel); until none is left.
pub(crate) fn read_all<T: Clone + Send + Sync>(
    releases: &[Release],
    api: &ApiEntry,
    settings: impl Fn(&Release, &ApiEntry) -> Result<Settings> + Sync,
    of: impl Fn(crate::ir::HeadOf) -> T + Sync,
    id: impl Fn(&T) -> &str + Sync,
    whole: impl Fn(&Release, &ApiEntry) -> ReleaseRead<T> + Sync,
) -> Result<Vec<ReleaseRead<T>>> {
    let interner = Interner::default();
    // each release's documents and their bytes; a release that cannot list them is read whole
    let listed = in_parallel(releases.iter().collect(), |r| list(&settings(r, api)?, &interner))?;
    let mut whole_read: Vec<bool> = listed.iter().map(Result::is_err).collect();
    let mut given: Vec<Vec<Option<Arc<DocRead<T>>>>> = listed
        .iter()
        .map(|l| l.as_ref().map_or(Vec::new(), |docs| vec![None; docs.len()]))
        .collect();
    let mut readings: Readings<'_, T> = HashMap::new();
    loop {
        // a reading whose dependencies are alike, for each document without one
        let found = in_parallel((0..releases.len()).collect(), |index| {
            let (Some(release), Ok(docs)) = (releases.get(index), &listed[index]) else {
                return Vec::new();
            };
            if whole_read[index] {
                return Vec::new();
            }
            alike_readings(release, docs, &given[index], &readings, &interner)
        })?;
        for (index, found) in found.into_iter().enumerate() {
            for (i, read) in found {
                given[index][i] = Some(read);
            }
        }
        // of the documents left, the earliest release's of each path and bytes, read
        let wanted = earliest_left(&listed, &whole_read, &given);
        if wanted.iter().all(Vec::is_empty) {
            break;
        }
        let reads = in_parallel((0..releases.len()).collect(), |index| {
            let (release, Ok(docs)) = (&releases[index], &listed[index]) else {
                return None;
            };
            if wanted[index].is_empty() {
                return Some(HashMap::new());
            }
            let paths: Vec<&Path> = wanted[index]
                .iter()
                .filter_map(|&i| docs.get(i))
                .map(|d| d.path.as_path())
                .collect();
            read_some(&settings(release, api).ok()?, &paths, &of, &interner).ok()
        })?;
        for (index, read) in reads.into_iter().enumerate() {
            let Ok(docs) = &listed[index] else { continue };
            let Some(mut read) = read else {
                whole_read[index] = true;
                continue;
            };
            for &i in &wanted[index] {
                let Some(d) = docs.get(i) else { continue };
                match read.remove(&d.display) {
                    Some(r) => {
                        let r = Arc::new(r);
                        readings
                            .entry((d.display.as_str(), &*d.bytes))
                            .or_default()
                            .push(r.clone());
                        given[index][i] = Some(r);
                    }
                    // (a document the front ends did not keep: the release is read whole)
                    None => whole_read[index] = true,
                }
            }
        }
    }
    // each release's operations, document by document in file order
    let mut out = Vec::new();
    for (index, release) in releases.iter().enumerate() {
        let assembled = if whole_read[index] {
            None
        } else {
            assemble(&given[index], &id)
        };
        out.push(match assembled {
            Some(done) => Ok(done),
            None => whole(release, api),
        });
    }
    Ok(out)
}

/// The readings made so far, by each document's path (as diagnostics name it) and bytes.
type Readings<'a, T> = HashMap<(&'a str, &'a [u8]), Vec<Arc<DocRead<T>>>>;

/// A release's operations and warnings, or the error reading it gave.
type ReleaseRead<T> = Result<(Vec<T>, Vec<Warning>)>;

/// For each of `docs` (a release's) not yet `given` a reading, one of `readings` of the same path
/// and bytes whose dependencies are alike in `release`, by the document's index.
fn alike_readings<T>(
    release: &Release,
    docs: &[Listed],
    given: &[Option<Arc<DocRead<T>>>],
    readings: &Readings<'_, T>,
    interner: &Interner,
) -> Vec<(usize, Arc<DocRead<T>>)> {
    if given.iter().all(Option::is_some) {
        return Vec::new();
    }
    let Ok(loader) = Loader::new(&release.root) else {
        return Vec::new();
    };
    let mut here: HashMap<String, Option<Arc<[u8]>>> = docs
        .iter()
        .map(|d| (d.display.clone(), Some(d.bytes.clone())))
        .collect();
    let mut found = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        if given.get(i).is_none_or(Option::is_some) {
            continue;
        }
        let alike = readings
            .get(&(d.display.as_str(), &*d.bytes))
            .and_then(|reads| reads.iter().find(|r| depends_alike(r, &loader, &mut here, interner)));
        if let Some(read) = alike {
            found.push((i, read.clone()));
        }
    }
    found
}

/// Of the documents of each release (by index) left without a reading, the earliest release's
/// of each path and bytes: those to read next, by the documents' indexes.
fn earliest_left<'a, T>(
    listed: &'a [Result<Vec<Listed>>],
    whole_read: &[bool],
    given: &[Vec<Option<Arc<DocRead<T>>>>],
) -> Vec<Vec<usize>> {
    let mut claimed: std::collections::HashSet<(&'a str, &'a [u8])> = std::collections::HashSet::new();
    let mut wanted: Vec<Vec<usize>> = vec![Vec::new(); listed.len()];
    for (index, docs) in listed.iter().enumerate() {
        let Ok(docs) = docs else { continue };
        if whole_read.get(index).is_none_or(|&w| w) {
            continue;
        }
        for (i, d) in docs.iter().enumerate() {
            let left = given.get(index).and_then(|g| g.get(i)).is_some_and(Option::is_none);
            if left && claimed.insert((d.display.as_str(), &*d.bytes)) {
                wanted[index].push(i);
            }
        }
    }
    wanted
}

/// A release's operations and warnings from the readings `given` its documents, in file order;
/// `None` where a document has none or operation ids clash across documents (as a whole reading
/// checks).
fn assemble<T: Clone>(given: &[Option<Arc<DocRead<T>>>], id: &impl Fn(&T) -> &str) -> Option<(Vec<T>, Vec<Warning>)> {
    let mut seen = Vec::new();
    let mut warnings: Vec<Warning> = Vec::new();
    for read in given {
        let read = read.as_ref()?;
        seen.extend(read.seen.iter().cloned());
        for w in &read.warnings {
            if !warnings.contains(w) {
                warnings.push(w.clone());
            }
        }
    }
    let mut ids = std::collections::HashSet::new();
    if !seen.iter().all(|s| ids.insert(id(s).to_owned())) {
        return None;
    }
    Some((seen, warnings))
}

/// One copy of each file content met, shared by every reading and release that has it.
#[derive(Default)]
struct Interner(std::sync::Mutex<std::collections::HashSet<Arc<[u8]>>>);

impl Interner {
    fn intern(&self, bytes: Vec<u8>) -> Arc<[u8]> {
        let Ok(mut set) = self.0.lock() else {
            return bytes.into();
        };
        if let Some(known) = set.get(bytes.as_slice()) {
            return known.clone();
        }
        let new: Arc<[u8]> = bytes.into();
        set.insert(new.clone());
        new
    }
}

/// The API documents of `settings`' spec folder, with their bytes.
fn list(settings: &Settings, interner: &Interner) -> Result<Vec<Listed>> {
    let (loader, paths) = crate::inputs::open(settings)?;
    paths
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).map_err(|e| crate::error::Error::io(&path, "cannot read", &e))?;
            Ok(Listed {
                display: loader.display(&path),
                path,
                bytes: interner.intern(bytes),
            })
        })
        .collect()
}

/// Whether what `read` depended on is the same below `loader`'s root: every file it reached
/// has the same bytes there, and every relative path it asked for names the same file (or none,
/// for the same reason). `bytes_here` holds the files of this release read so far.
fn depends_alike<T>(
    read: &DocRead<T>,
    loader: &Loader,
    bytes_here: &mut HashMap<String, Option<Arc<[u8]>>>,
    interner: &Interner,
) -> bool {
    let same_answers = read
        .asked
        .iter()
        .all(|a| loader.confine_from(&a.folder, &a.relative) == a.answer);
    same_answers
        && read.files.iter().all(|(display, bytes)| {
            let here = bytes_here.entry(display.clone()).or_insert_with(|| {
                let mut path = loader.root().to_path_buf();
                path.extend(display.split('/'));
                std::fs::read(path).ok().map(|b| interner.intern(b))
            });
            here.as_ref().is_some_and(|h| Arc::ptr_eq(h, bytes) || **h == **bytes)
        })
}

/// Reads the documents `paths` of `settings`' API together: each one's operations, warnings
/// and what it depended on.
fn read_some<T>(
    settings: &Settings,
    paths: &[&Path],
    of: &impl Fn(crate::ir::HeadOf) -> T,
    interner: &Interner,
) -> Result<HashMap<String, DocRead<T>>> {
    let keep = |p: &Path| paths.contains(&p);
    let bundle = crate::read::resolve_documents(settings, &mut Timings::default(), keep, Reach::Operations)?;
    let spec = crate::frontend::read(bundle, &settings.placeholders)?;
    let heads = located(&spec.loader, crate::ir::heads(&spec))?;
    let loader = &spec.loader;
    let starts: Vec<_> = spec.documents.iter().filter_map(|d| loader.id_of(&d.file)).collect();
    if starts.len() != spec.documents.len() {
        return Err(crate::error::Error::internal(
            "a document read is not among the loaded files",
        ));
    }
    let warnings = completed(loader, spec.warnings.clone());
    let mut out = HashMap::new();
    let mut bytes_of = HashMap::new();
    for (((files, asked), ops), doc) in loader.reached(&starts).into_iter().zip(heads).zip(&spec.documents) {
        let displays: Vec<&str> = files.iter().map(|&f| loader.file(f).display.as_str()).collect();
        let mut contents = Vec::new();
        for &f in &files {
            let file = loader.file(f);
            let bytes = match bytes_of.get(&f) {
                Some(known) => Arc::clone(known),
                None => {
                    let read = std::fs::read(&file.path)
                        .map_err(|e| crate::error::Error::io(&file.path, "cannot read", &e))?;
                    let bytes = interner.intern(read);
                    bytes_of.insert(f, bytes.clone());
                    bytes
                }
            };
            contents.push((file.display.clone(), bytes));
        }
        let read = DocRead {
            seen: ops.into_iter().map(of).collect(),
            // a warning is the document's where it stands in a file the document reaches, or
            // in no file
            warnings: warnings
                .iter()
                .filter(|w| w.location.file.as_deref().is_none_or(|f| displays.contains(&f)))
                .cloned()
                .collect(),
            files: contents,
            asked,
        };
        out.insert(doc.file.clone(), read);
    }
    Ok(out)
}
