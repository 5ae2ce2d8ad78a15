//! Each operation's version history across the releases of a series ([`Config`]): its path in
//! each version, and the versions that added, deprecated and removed it, derived from the
//! releases themselves.
//!
//! **When two releases' operations are the same operation.** In order, for each operation of a
//! release:
//! 1. the same `operationId` as an operation of an earlier release (the spec keeps its ids across
//!    releases);
//! 2. else, among the operations of earlier releases not already matched in this one, the same
//!    method and the same path with its parameters' names left out and the version segment of
//!    its base path left out (`/_matrix/client/r0/rooms/{roomId}/invite` and
//!    `/_matrix/client/v3/rooms/{room_id}/invite`): an id renamed, or a parameter renamed;
//! 3. else a new operation.
//!
//! Exceptions, where the rule does not follow the path: the authenticated media of v1.11
//! (`/_matrix/client/v1/media/...`) are new operations with ids of their own, not moves of
//! `/_matrix/media/v3/...`, which the same release deprecates: the rule keeps them apart, as the
//! spec (and ruma) does, since their security differs.
//!
//! **What each field is.** `stable`: each version whose path differs from the version before (the
//! first always). `added`: the first release that has the operation, or the version its
//! `x-addedInMatrixVersion` names where that lies after the release before it in the series (a
//! series that skips releases learns the exact one from the text). `deprecated`: the first release
//! whose spec marks it `deprecated`. `removed`: the release after the last that has it, when the
//! newest does not.

use std::path::Path;

use crate::config::{ApiEntry, Config, MatrixVersion, Release};
use crate::error::{Error, Result, Warning};
use crate::frontend::Method;
use crate::ir::path::{PathTemplate, Segment};
use crate::ir::TokenPlaces;
use crate::outcome::Timings;
use crate::parallel::in_parallel;
use crate::read::{completed, located, read_spec};
use crate::settings::Settings;

/// One operation's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationHistory {
    /// The API's name, as the configuration gives it.
    pub api: String,
    /// Its `operationId` in the newest release that has it.
    pub operation: String,
    /// Earlier `operationId`s, oldest first, where the spec renamed it.
    pub renamed_from: Vec<String>,
    /// Its HTTP method, upper case.
    pub method: &'static str,
    /// Its path (with the spec's own parameter names) from each version where it changes.
    pub stable: Vec<(MatrixVersion, String)>,
    /// Where its access token may be sent (`header`, `query`, `header or query`; empty: no
    /// token) from each version where that changes.
    pub token: Vec<(MatrixVersion, &'static str)>,
    /// The version that added it.
    pub added: MatrixVersion,
    /// The version that deprecated it.
    pub deprecated: Option<MatrixVersion>,
    /// The version that removed it.
    pub removed: Option<MatrixVersion>,
    /// The base path, path template and token places from each version where one changes.
    pub(crate) templates: Vec<(MatrixVersion, String, PathTemplate, TokenPlaces)>,
}

impl OperationHistory {
    /// One line of JSON: `{"api": ..., "operation": ..., "method": ..., "stable": {"1.0": ...},
    /// "added": ..., "deprecated": ..., "removed": ...}` (the versions in order).
    pub fn to_json_line(&self) -> String {
        let text = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
        let version = |v: Option<MatrixVersion>| v.map_or("null".to_owned(), |v| text(&v.to_string()));
        let stable: Vec<String> = self
            .stable
            .iter()
            .map(|(v, p)| format!("{}: {}", text(&v.to_string()), text(p)))
            .collect();
        let mut line = format!(
            "{{\"api\": {}, \"operation\": {}, \"method\": {}, \"stable\": {{{}}}, \"added\": {}, \"deprecated\": {}, \"removed\": {}",
            text(&self.api),
            text(&self.operation),
            text(self.method),
            stable.join(", "),
            version(Some(self.added)),
            version(self.deprecated),
            version(self.removed),
        );
        if self.token.iter().any(|(_, t)| !t.is_empty()) {
            let token: Vec<String> = self
                .token
                .iter()
                .map(|(v, t)| format!("{}: {}", text(&v.to_string()), text(t)))
                .collect();
            line.push_str(&format!(", \"token\": {{{}}}", token.join(", ")));
        }
        if !self.renamed_from.is_empty() {
            let ids: Vec<String> = self.renamed_from.iter().map(|id| text(id)).collect();
            line.push_str(&format!(", \"renamed_from\": [{}]", ids.join(", ")));
        }
        line.push('}');
        line
    }
}

/// The history of every operation of one API across the configuration's releases, and the
/// warnings of reading them (each release's).
#[derive(Clone, Debug)]
pub struct History {
    /// The operations, in the order they first appear (release by release, in spec order).
    pub operations: Vec<OperationHistory>,
    /// What reading each release warned of, with the release's version.
    pub warnings: Vec<(MatrixVersion, Warning)>,
}

/// An operation as one release has it.
#[derive(Clone)]
struct Seen {
    id: String,
    method: Method,
    base_path: String,
    path: PathTemplate,
    deprecated: bool,
    added: Option<MatrixVersion>,
    token: TokenPlaces,
}

impl Seen {
    fn full_path(&self) -> String {
        format!("{}{}", self.base_path.trim_end_matches('/'), self.path)
    }

    /// The method and the path without parameter names or the base path's version segment.
    fn key(&self) -> String {
        let mut base: Vec<&str> = self.base_path.trim_end_matches('/').split('/').collect();
        if base.last().is_some_and(|s| is_version_segment(s)) {
            base.pop();
        }
        let mut key = format!("{} {}", self.method.key(), base.join("/"));
        for s in &self.path.segments {
            match s {
                Segment::Literal(text) => key.push_str(&format!("/{text}")),
                Segment::Param(_) => key.push_str("/{}"),
            }
        }
        key
    }
}

/// `r0`, `v1`, `v3`, `unstable`: the segment a base path names its version with.
fn is_version_segment(s: &str) -> bool {
    let numbered = |p: char| {
        s.strip_prefix(p)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    numbered('r') || numbered('v') || s == "unstable"
}

/// Reads one release's API to its operations, as far as a history needs them: load, fixups,
/// resolve and the front end, then each operation's [`crate::ir::HeadOf`] (its schemas are not
/// read, its types not built, nor is the names file read: nothing of a history depends on them).
fn read_release(release: &Release, api: &ApiEntry) -> Result<(Vec<Seen>, Vec<Warning>)> {
    read_release_as_far_as(release, api, crate::resolve::Reach::Operations)
}

/// [`read_release`], resolving as far as `reach`.
fn read_release_as_far_as(
    release: &Release,
    api: &ApiEntry,
    reach: crate::resolve::Reach,
) -> Result<(Vec<Seen>, Vec<Warning>)> {
    let spec = read_front_end(release, api, reach)?;
    let heads = located(&spec.loader, crate::ir::heads(&spec))?;
    let seen = heads.into_iter().flatten().map(Seen::of).collect();
    let warnings = spec.warnings.clone();
    Ok((seen, completed(&spec.loader, warnings)))
}

impl Seen {
    fn of(h: crate::ir::HeadOf) -> Seen {
        Seen {
            added: h.head.versions.added.as_deref().and_then(MatrixVersion::parse),
            id: h.head.id,
            method: h.method,
            base_path: h.base_path,
            path: h.head.path,
            deprecated: h.deprecated,
            token: h.head.token,
        }
    }
}

/// The settings that read `api` of `release`; a usage error when the release has no such folder.
fn release_settings(release: &Release, api: &ApiEntry) -> Result<Settings> {
    let dir = release.root.join(&api.dir);
    if !dir.is_dir() {
        return Err(Error::usage(format!(
            "release {}: the API `{}` has no folder {}",
            release.version,
            api.name,
            dir.display()
        )));
    }
    let mut settings = Settings::new(&dir);
    settings.root = Some(release.root.clone());
    Ok(settings)
}

/// Reads `api` of `release` through the front ends as far as `reach` (a history: its operations,
/// not their schemas), without its names file.
fn read_front_end(release: &Release, api: &ApiEntry, reach: crate::resolve::Reach) -> Result<crate::frontend::Spec> {
    let settings = release_settings(release, api)?;
    let bundle = crate::read::resolve_documents(&settings, &mut Timings::default(), |_| true, reach)?;
    crate::frontend::read(bundle, &settings.placeholders)
}

/// Reads one release's API to its IR, with the warnings of reading it.
fn read_ir(release: &Release, api: &ApiEntry) -> Result<(crate::ir::Api, Vec<Warning>)> {
    let settings = release_settings(release, api)?;
    let spec = read_spec(&settings, &mut Timings::default())?;
    let (ir, ir_warnings) = located(&spec.loader, crate::ir::build(&spec))?;
    let mut warnings = spec.warnings.clone();
    warnings.extend(ir_warnings);
    Ok((ir, completed(&spec.loader, warnings)))
}

/// An operation across releases, as it is being matched.
struct Entry {
    ids: Vec<String>,
    method: Method,
    key: String,
    /// Each release that has it.
    seen: Vec<SeenIn>,
    added_text: Option<MatrixVersion>,
}

/// An operation as the release of index `release` has it.
struct SeenIn {
    release: usize,
    path: String,
    deprecated: bool,
    base_path: String,
    template: PathTemplate,
    token: TokenPlaces,
}

/// The history of `api` across the releases of `config`. An error names the release.
pub fn derive(config: &Config, api: &ApiEntry) -> Result<History> {
    let read = crate::release_reads::read_all(
        &config.releases,
        api,
        release_settings,
        Seen::of,
        |s| s.id.as_str(),
        read_release,
    )?;
    derive_from(config, api, read)
}

/// [`derive`], every release read whole (no document's reading reused): what `derive` is held to.
#[doc(hidden)]
pub fn derive_without_reuse(config: &Config, api: &ApiEntry) -> Result<History> {
    let read = in_parallel(config.releases.iter().collect(), |r| read_release(r, api))?;
    derive_from(config, api, read)
}

/// [`derive_without_reuse`], every schema of every release read too (as generating a crate of it
/// does): what reading only the operations is held to.
#[doc(hidden)]
pub fn derive_reading_everything(config: &Config, api: &ApiEntry) -> Result<History> {
    let reach = crate::resolve::Reach::Everything;
    let read = in_parallel(config.releases.iter().collect(), |r| {
        read_release_as_far_as(r, api, reach)
    })?;
    derive_from(config, api, read)
}

/// The history from each release's operations and warnings, read.
fn derive_from(config: &Config, api: &ApiEntry, read: Vec<Result<(Vec<Seen>, Vec<Warning>)>>) -> Result<History> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut warnings = Vec::new();
    for (index, (release, result)) in config.releases.iter().zip(read).enumerate() {
        let (seen, release_warnings) = result.map_err(|e| in_release(e, release))?;
        warnings.extend(release_warnings.into_iter().map(|w| (release.version, w)));
        match_release(&mut entries, index, seen);
    }
    let newest = config.releases.len().saturating_sub(1);
    let operations = entries
        .into_iter()
        .map(|e| summarise(e, &config.releases, newest, &api.name))
        .collect();
    Ok(History { operations, warnings })
}

/// Names the release in an error that does not already.
fn in_release(e: Error, release: &Release) -> Error {
    if e.message().starts_with("release ") {
        e
    } else {
        let located = e.location().clone();
        Error::new(
            located,
            format!(
                "release {} ({}): {}",
                release.version,
                release.root.display(),
                e.message()
            ),
        )
    }
}

/// Matches the operations of release `index` to the entries (the module's rule), adding an entry
/// for each new one.
fn match_release(entries: &mut Vec<Entry>, index: usize, seen: Vec<Seen>) {
    let matched_here = |e: &Entry| e.seen.last().is_some_and(|s| s.release == index);
    let mut left = Vec::new();
    for op in seen {
        match entries.iter_mut().find(|e| !matched_here(e) && e.ids.contains(&op.id)) {
            Some(e) => record(e, index, &op),
            None => left.push(op),
        }
    }
    for op in left {
        let key = op.key();
        match entries.iter_mut().find(|e| !matched_here(e) && e.key == key) {
            Some(e) => {
                if !e.ids.contains(&op.id) {
                    e.ids.push(op.id.clone());
                }
                record(e, index, &op);
            }
            None => {
                let mut e = Entry {
                    ids: vec![op.id.clone()],
                    method: op.method,
                    key,
                    seen: Vec::new(),
                    added_text: None,
                };
                record(&mut e, index, &op);
                entries.push(e);
            }
        }
    }
}

fn record(e: &mut Entry, index: usize, op: &Seen) {
    e.key = op.key();
    e.method = op.method;
    if e.seen.is_empty() {
        e.added_text = op.added;
    }
    e.seen.push(SeenIn {
        release: index,
        path: op.full_path(),
        deprecated: op.deprecated,
        base_path: op.base_path.clone(),
        template: op.path.clone(),
        token: op.token,
    });
}

fn summarise(e: Entry, releases: &[Release], newest: usize, api: &str) -> OperationHistory {
    let version = |i: usize| {
        releases
            .get(i)
            .map(|r| r.version)
            .unwrap_or(MatrixVersion { major: 0, minor: 0 })
    };
    let mut stable: Vec<(MatrixVersion, String)> = Vec::new();
    let mut token: Vec<(MatrixVersion, &'static str)> = Vec::new();
    let mut templates: Vec<(MatrixVersion, String, PathTemplate, TokenPlaces)> = Vec::new();
    for s in &e.seen {
        let v = version(s.release);
        if stable.last().is_none_or(|(_, last)| *last != s.path) {
            stable.push((v, s.path.clone()));
        }
        if token.last().is_none_or(|(_, last)| *last != s.token.as_str()) {
            token.push((v, s.token.as_str()));
        }
        let changed = |(_, base, template, t): &(MatrixVersion, String, PathTemplate, TokenPlaces)| {
            *base != s.base_path || *template != s.template || *t != s.token
        };
        if templates.last().is_none_or(changed) {
            templates.push((v, s.base_path.clone(), s.template.clone(), s.token));
        }
    }
    let first = e.seen.first().map_or(0, |s| s.release);
    let last = e.seen.last().map_or(0, |s| s.release);
    let after_previous = |v: MatrixVersion| first == 0 || v > version(first - 1);
    let added = match e.added_text {
        Some(v) if v <= version(first) && after_previous(v) => v,
        _ => version(first),
    };
    let deprecated = e.seen.iter().find(|s| s.deprecated).map(|s| version(s.release));
    let removed = (last < newest).then(|| version(last + 1));
    let mut ids = e.ids;
    let operation = ids.pop().unwrap_or_default();
    OperationHistory {
        api: api.to_owned(),
        operation,
        renamed_from: ids,
        method: method_name(e.method),
        stable,
        token,
        added,
        deprecated,
        removed,
        templates,
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Put => "PUT",
        Method::Post => "POST",
        Method::Delete => "DELETE",
        Method::Options => "OPTIONS",
        Method::Head => "HEAD",
        Method::Patch => "PATCH",
        Method::Trace => "TRACE",
    }
}

/// The operations of `history` that a release before the newest removed, each from the last
/// release that has it: that release's API read to its IR, with the indices of those operations
/// in it. In the order of the releases.
pub(crate) fn removed_operations(
    config: &Config,
    api: &ApiEntry,
    history: &History,
) -> Result<Vec<(crate::ir::Api, Vec<usize>)>> {
    let mut by_release: Vec<(usize, Vec<&OperationHistory>)> = Vec::new();
    for op in &history.operations {
        let Some(removed) = op.removed else { continue };
        let Some(index) = config.releases.iter().position(|r| r.version == removed) else {
            continue;
        };
        let last = index.saturating_sub(1);
        match by_release.iter_mut().find(|(i, _)| *i == last) {
            Some((_, ops)) => ops.push(op),
            None => by_release.push((last, vec![op])),
        }
    }
    by_release.sort_by_key(|(i, _)| *i);
    let by_release: Vec<(&Release, Vec<&OperationHistory>)> = by_release
        .into_iter()
        .filter_map(|(i, ops)| Some((config.releases.get(i)?, ops)))
        .collect();
    // the releases read side by side
    let read = in_parallel(by_release.iter().map(|(release, _)| *release).collect(), |release| {
        read_ir(release, api).map_err(|e| in_release(e, release))
    })?;
    let mut out = Vec::new();
    for ((_, ops), read) in by_release.into_iter().zip(read) {
        let (ir, _) = read?;
        let indices = ir
            .operations
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                ops.iter()
                    .any(|h| h.operation == o.id && h.method == method_name(o.method))
            })
            .map(|(i, _)| i)
            .collect();
        out.push((ir, indices));
    }
    Ok(out)
}

/// Gives each operation of `api` (an API of the newest release of the series) its history, from
/// the operation of the same id and method in `history`.
pub(crate) fn attach(api: &mut crate::ir::Api, history: &History) {
    for op in &mut api.operations {
        let method = method_name(op.method);
        let Some(h) = history
            .operations
            .iter()
            .find(|h| h.operation == op.id && h.method == method)
        else {
            continue;
        };
        let paths = h
            .templates
            .iter()
            .map(|(version, base, template, token)| {
                let fitted = fitted_base(base, template, &op.base_path, &op.path);
                let fits = fitted.is_some();
                let (base_path, segments) = fitted.unwrap_or_else(|| (base.clone(), Vec::new()));
                crate::ir::VersionedPath {
                    version: version.to_string(),
                    fits,
                    base_path,
                    token: *token,
                    segments,
                }
            })
            .collect();
        op.history = Some(crate::ir::History {
            paths,
            added: h.added.to_string(),
            deprecated: h.deprecated.map(|v| v.to_string()),
            removed: h.removed.map(|v| v.to_string()),
        });
    }
}

/// The base path under which a request built for `newest` (a path below `newest_base`) is sent
/// where an older release had `older_base` and `older`, if it can be, and the version segments
/// of `newest` it writes otherwise there (by index). The two full paths must have as many
/// segments; the first as many as `newest_base` has are the base path it is sent under (literals,
/// whatever they say); below them, segment by segment, the same literal, a parameter for a
/// parameter, a parameter where `newest` has a literal (the value it then takes), or, where the
/// older release had its base path's version segment, another version segment (`r0` for `v3`).
/// A release may split a path otherwise than the newest (1.7 moved media's `v3` from the base
/// path into each path): the full path is what counts.
fn fitted_base(
    older_base: &str,
    older: &PathTemplate,
    newest_base: &str,
    newest: &PathTemplate,
) -> Option<(String, Vec<(usize, String)>)> {
    let literals = |base: &str| -> Vec<Segment> {
        base.split('/')
            .filter(|s| !s.is_empty())
            .map(|s| Segment::Literal(s.to_owned()))
            .collect()
    };
    let mut full = literals(older_base);
    let older_base_len = full.len();
    full.extend(older.segments.iter().cloned());
    let split = literals(newest_base).len();
    if full.len() != split + newest.segments.len() {
        return None;
    }
    let (prefix, tail) = full.split_at(split);
    let mut renamed = Vec::new();
    for (i, pair) in tail.iter().zip(&newest.segments).enumerate() {
        match pair {
            (Segment::Literal(a), Segment::Literal(b)) if a == b => {}
            // the older base path's own version segment (which every operation's base path
            // trades as the API's version), now written in the path; a version segment of the
            // older path itself is the operation's own version, another wire format
            (Segment::Literal(a), Segment::Literal(b))
                if split + i < older_base_len && is_version_segment(a) && is_version_segment(b) =>
            {
                renamed.push((i, a.clone()));
            }
            (Segment::Param(_), _) => {}
            (Segment::Literal(_), _) => return None,
        }
    }
    let mut base = String::new();
    for s in prefix {
        match s {
            Segment::Literal(text) => {
                base.push('/');
                base.push_str(text);
            }
            // a parameter of the older path would have to be part of the base path
            Segment::Param(_) => return None,
        }
    }
    Some((base, renamed))
}

/// What changed of one operation between two versions of a series.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Added after `from`, by `to`.
    Added,
    /// Deprecated after `from`, by `to`.
    Deprecated,
    /// Removed after `from`, by `to`.
    Removed,
    /// Its path changed after `from`, by `to`: the paths at `from` and at `to`.
    Moved(String, String),
    /// Where its access token may be sent changed after `from`, by `to`: the places at `from`
    /// and at `to` (`query`, `header or query`).
    Token(&'static str, &'static str),
}

/// Where `op`'s token may be sent at version `v` (`None`: before it was added).
fn token_at(op: &OperationHistory, v: MatrixVersion) -> Option<&'static str> {
    op.token.iter().rev().find(|(since, _)| *since <= v).map(|(_, t)| *t)
}

/// The operations of `history` that were added, deprecated, removed, moved or given other token
/// places after `from` and by `to` (versions of the series; `from` earlier than `to`), in the
/// history's order, with what changed. An operation added and moved in the range is only added.
pub fn changes(history: &History, from: MatrixVersion, to: MatrixVersion) -> Vec<(&OperationHistory, Change)> {
    let within = |v: MatrixVersion| v > from && v <= to;
    let path_at = |op: &OperationHistory, v: MatrixVersion| {
        op.stable
            .iter()
            .rev()
            .find(|(since, _)| *since <= v)
            .map(|(_, p)| p.clone())
    };
    let mut out = Vec::new();
    for op in &history.operations {
        if within(op.added) {
            out.push((op, Change::Added));
            continue;
        }
        if op.added > to || op.removed.is_some_and(|r| r <= from) {
            continue;
        }
        if op.removed.is_some_and(within) {
            out.push((op, Change::Removed));
            continue;
        }
        if op.deprecated.is_some_and(within) {
            out.push((op, Change::Deprecated));
        }
        if let (Some(a), Some(b)) = (path_at(op, from), path_at(op, to)) {
            if a != b {
                out.push((op, Change::Moved(a, b)));
            }
        }
        // a token where there was none (or none where there was one) is another authentication,
        // not another place to send the token
        if let (Some(a), Some(b)) = (token_at(op, from), token_at(op, to)) {
            if a != b && !a.is_empty() && !b.is_empty() {
                out.push((op, Change::Token(a, b)));
            }
        }
    }
    out
}

/// Reads `file` and derives the history of each of its APIs (or of `only`), in its order.
pub fn derive_all(file: &Path, only: Option<&str>) -> Result<Vec<History>> {
    let config = Config::read(file)?;
    let apis: Vec<&ApiEntry> = match only {
        Some(name) => vec![config.api(name).ok_or_else(|| {
            let known: Vec<&str> = config.apis.iter().map(|a| a.name.as_str()).collect();
            Error::usage(format!(
                "{}: no API `{name}` (it lists {})",
                file.display(),
                known.join(", ")
            ))
        })?],
        None => config.apis.iter().collect(),
    };
    in_parallel(apis, |api| derive(&config, api))?.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(text: &str) -> PathTemplate {
        PathTemplate::parse(text).unwrap_or(PathTemplate { segments: Vec::new() })
    }

    #[test]
    fn a_path_fits_an_older_one_by_its_full_path() {
        let media = template("/media/v3/download/{serverName}/{mediaId}");
        // 1.1 to 1.6 wrote the same path with `v3` in the base path
        let v11 = fitted_base(
            "/_matrix/media/v3",
            &template("/download/{serverName}/{mediaId}"),
            "/_matrix",
            &media,
        );
        assert_eq!(v11, Some(("/_matrix".to_owned(), Vec::new())));
        // 1.0 wrote `r0` where it has `v3`: its version segment, by index
        let v10 = fitted_base(
            "/_matrix/media/r0",
            &template("/download/{serverName}/{mediaId}"),
            "/_matrix",
            &media,
        );
        assert_eq!(v10, Some(("/_matrix".to_owned(), vec![(1, "r0".to_owned())])));
        // a parameter for a literal fits; another literal, or another shape, does not
        let rules = template("/pushrules/global/{kind}");
        let cs = "/_matrix/client/v3";
        let r0 = fitted_base("/_matrix/client/r0", &template("/pushrules/{scope}/{kind}"), cs, &rules);
        assert_eq!(r0, Some(("/_matrix/client/r0".to_owned(), Vec::new())));
        assert!(fitted_base("/_matrix/client/r0", &template("/pushrules/local/{kind}"), cs, &rules).is_none());
        let key = template("/server");
        assert!(fitted_base("/_matrix/key/v2", &template("/server/{keyId}"), "/_matrix/key/v2", &key).is_none());
        // nor where a parameter of the older path would be in the base path
        assert!(fitted_base("/x", &template("/{a}/b"), "/x/y", &template("/b")).is_none());
        // an operation's own version in its path (a v1 API and its v2) is another wire format
        let v2 = template("/v2/send_join/{roomId}");
        assert!(fitted_base(
            "/_matrix/federation",
            &template("/v1/send_join/{roomId}"),
            "/_matrix/federation",
            &v2
        )
        .is_none());
    }

    #[test]
    fn version_segments_are_what_base_paths_name_versions_with() {
        for s in ["r0", "v1", "v3", "unstable"] {
            assert!(is_version_segment(s), "{s}");
        }
        for s in ["client", "media", "v", "r", "v1a", "_matrix"] {
            assert!(!is_version_segment(s), "{s}");
        }
    }
}
