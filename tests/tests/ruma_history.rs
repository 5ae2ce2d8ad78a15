//! The derived history beside ruma's hand-written one: for every endpoint of ruma-client-api
//! (0.25, from the registry) that has a stable path, the operation of the same method and path
//! (parameter names left out) in the history of the releases 1.0 to 1.18, and each version's
//! path, the deprecation and the removal compared. The differences must be the known ones, each
//! with the spec text that settles it (`KNOWN`); any other is a failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use matrix_api_generator::config::{Config, MatrixVersion};
use matrix_api_generator::history::{derive, OperationHistory};
use matrix_api_tests::shared;
use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

/// Where ruma differs from the releases, by ruma's file, and what settles it.
const KNOWN: &[(&str, &str)] = &[
    ("backup/add_backup_keys_for_room.rs", BACKUP),
    ("backup/add_backup_keys_for_session.rs", BACKUP),
    ("backup/delete_backup_keys.rs", BACKUP),
    ("backup/delete_backup_keys_for_room.rs", BACKUP),
    ("backup/delete_backup_keys_for_session.rs", BACKUP),
    ("backup/delete_backup_version.rs", BACKUP),
    ("backup/get_backup_keys.rs", BACKUP),
    ("backup/get_backup_keys_for_room.rs", BACKUP),
    ("backup/get_backup_keys_for_session.rs", BACKUP),
    ("backup/get_latest_backup_info.rs", BACKUP),
    ("push/delete_pushrule.rs", PUSH_RULE_SCOPE),
    ("push/get_pushrule.rs", PUSH_RULE_SCOPE),
    ("push/get_pushrule_actions.rs", PUSH_RULE_SCOPE),
    ("push/get_pushrule_enabled.rs", PUSH_RULE_SCOPE),
    ("push/set_pushrule.rs", PUSH_RULE_SCOPE),
    ("push/set_pushrule_actions.rs", PUSH_RULE_SCOPE),
    ("push/set_pushrule_enabled.rs", PUSH_RULE_SCOPE),
    ("push/get_pushrules_global_scope.rs", PUSH_RULES_GLOBAL),
    ("peeking/get_current_state.rs", DEPRECATED_IN_R0),
    ("peeking/listen_to_new_events.rs", DEPRECATED_IN_R0),
    ("profile/get_avatar_url.rs", PROFILE_FIELDS),
    ("profile/get_display_name.rs", PROFILE_FIELDS),
    ("profile/set_avatar_url.rs", PROFILE_FIELDS),
    ("profile/set_display_name.rs", PROFILE_FIELDS),
    ("profile/get_profile_field.rs", PROFILE_FIELDS),
    ("profile/set_profile_field.rs", PROFILE_FIELDS),
];

/// r0.6.1 has no `room_keys` endpoints; v1.1's `key_backup.yaml` says `x-addedInMatrixVersion:
/// "1.1"` of each. ruma lists the r0 paths servers served before the spec had them.
const BACKUP: &str = "absent from 1.0 (r0.6.1); added in 1.1, as the release says";
/// 1.0 to 1.11 write `/pushrules/{scope}/{kind}/{ruleId}` ("`scope`: `global` to specify global
/// rules"); 1.12 writes the literal `/pushrules/global/{kind}/{ruleId}`. The same URL; the
/// history follows the template each release writes, ruma writes the later one throughout.
const PUSH_RULE_SCOPE: &str = "the template's `{scope}` became the literal `global` in 1.12";
/// `GET /pushrules/global/` first appears in 1.12's `pushrules.yaml` (before, `GET /pushrules/`
/// only); ruma dates it from 1.0, where servers answered it as `/pushrules/{scope}/` would.
const PUSH_RULES_GLOBAL: &str = "first in 1.12's documents";
/// r0.6.1's `old_sync.yaml` and `room_initial_sync.yaml` mark them `deprecated: true` ("This
/// endpoint was deprecated in r0 of this specification"); ruma does not.
const DEPRECATED_IN_R0: &str = "deprecated: true in 1.0 (r0.6.1)";
/// 1.16 drops `getDisplayName`/`getAvatarUrl` and their `PUT`s and has `getProfileField`, whose
/// `x-changedInMatrixVersion` says "This endpoint now accepts a variable `keyName` parameter
/// ... Previously only `displayname` and `avatar_url` were accepted": the text makes the new
/// operation the old two generalised (ruma's reading, though ruma also keeps the old two, not
/// removed); by the releases' ids they are removed and it is new. Not settled: the rule follows
/// the ids.
const PROFILE_FIELDS: &str =
    "1.16 generalised two operations into one: ids say removed and added, the text says changed";

/// One ruma endpoint's `metadata!`.
#[derive(Debug, Default)]
struct RumaEndpoint {
    file: String,
    method: String,
    stable: Vec<(MatrixVersion, String)>,
    deprecated: Option<MatrixVersion>,
    removed: Option<MatrixVersion>,
}

/// ruma-client-api's sources, fetched by cargo into its registry (no build).
fn ruma_sources() -> Option<PathBuf> {
    let probe = matrix_api_tests::workspace().join("target/ruma-probe");
    std::fs::create_dir_all(probe.join("src")).ok()?;
    std::fs::write(
        probe.join("Cargo.toml"),
        "[package]\nname = \"ruma-probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nruma-client-api = \"=0.25.2\"\n\n[workspace]\n",
    )
    .ok()?;
    std::fs::write(probe.join("src/lib.rs"), "").ok()?;
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(probe.join("Cargo.toml"))
        .output()
        .ok()?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            std::env::var_os("CI").is_none(),
            "cargo metadata failed under CI: {why}"
        );
        eprintln!("skipped: cannot fetch ruma-client-api: {why}");
        return None;
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let package = meta["packages"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == "ruma-client-api")?;
    Some(Path::new(package["manifest_path"].as_str()?).parent()?.join("src"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The `metadata!` invocations of one file.
struct Metadata<'a> {
    file: &'a str,
    found: Vec<RumaEndpoint>,
}

impl<'ast> Visit<'ast> for Metadata<'_> {
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if m.path.segments.last().is_some_and(|s| s.ident == "metadata") {
            self.found.push(read_metadata(self.file, m.tokens.clone()));
        }
    }
}

/// `method: GET, ..., history: { 1.0 => "/path", 1.11 => deprecated, ... }`.
fn read_metadata(file: &str, tokens: TokenStream) -> RumaEndpoint {
    let mut endpoint = RumaEndpoint {
        file: file.to_owned(),
        ..RumaEndpoint::default()
    };
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, t) in tokens.iter().enumerate() {
        let TokenTree::Ident(key) = t else { continue };
        match (key.to_string().as_str(), tokens.get(i + 2)) {
            ("method", Some(TokenTree::Ident(m))) => endpoint.method = m.to_string(),
            ("history", Some(TokenTree::Group(g))) => read_history(g.stream(), &mut endpoint),
            _ => {}
        }
    }
    endpoint
}

fn read_history(tokens: TokenStream, endpoint: &mut RumaEndpoint) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for entry in tokens.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
        // KEY => VALUE, where `=>` is two punctuation tokens
        let Some(arrow) = entry
            .iter()
            .position(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == '='))
        else {
            continue;
        };
        let key: String = entry[..arrow].iter().map(ToString::to_string).collect();
        let Some(version) = MatrixVersion::parse(&key) else {
            continue;
        };
        match entry.get(arrow + 2) {
            Some(TokenTree::Literal(l)) => {
                let path = l.to_string().trim_matches('"').to_owned();
                endpoint.stable.push((version, path));
            }
            Some(TokenTree::Ident(i)) if i == "deprecated" => endpoint.deprecated = Some(version),
            Some(TokenTree::Ident(i)) if i == "removed" => endpoint.removed = Some(version),
            _ => {}
        }
    }
}

/// A path with its parameters' names left out: `/rooms/{roomId}` and `/rooms/{room_id}` (or
/// ruma's older `:room_id`) are one path.
fn anonymous(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if (s.starts_with('{') && s.ends_with('}')) || s.starts_with(':') {
                "{}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn series(corpus: &Path) -> Config {
    let mut text = format!(
        "[[release]]\nversion = \"1.0\"\nroot = \"{}\"\n",
        corpus.join("matrix-doc-r0.6.1").display()
    );
    for minor in 1..=17 {
        let root = corpus.join(format!("matrix-spec-releases/v1.{minor}/data"));
        text.push_str(&format!(
            "[[release]]\nversion = \"1.{minor}\"\nroot = \"{}\"\n",
            root.display()
        ));
    }
    text.push_str(&format!(
        "[[release]]\nversion = \"1.18\"\nroot = \"{}\"\n",
        corpus.join("matrix-spec-v1.18/data").display()
    ));
    text.push_str("[[api]]\nname = \"client-server\"\ndir = \"api/client-server\"\n");
    Config::parse(&text, Path::new("series.toml")).unwrap()
}

/// What differs between ruma's history and the derived one, in words (empty when they agree).
fn differences(ruma: &RumaEndpoint, ours: &OperationHistory) -> Vec<String> {
    let mut out = Vec::new();
    let paths = |s: &[(MatrixVersion, String)]| -> Vec<(String, String)> {
        s.iter().map(|(v, p)| (v.to_string(), anonymous(p))).collect()
    };
    if paths(&ruma.stable) != paths(&ours.stable) {
        out.push(format!(
            "paths: ruma {:?}, the releases {:?}",
            paths(&ruma.stable),
            paths(&ours.stable)
        ));
    }
    let v = |v: Option<MatrixVersion>| v.map_or("-".to_owned(), |v| v.to_string());
    if ruma.deprecated != ours.deprecated {
        out.push(format!(
            "deprecated: ruma {}, the releases {}",
            v(ruma.deprecated),
            v(ours.deprecated)
        ));
    }
    if ruma.removed != ours.removed {
        out.push(format!(
            "removed: ruma {}, the releases {}",
            v(ruma.removed),
            v(ours.removed)
        ));
    }
    out
}

#[test]
fn the_derived_history_is_ruma_s() {
    let Some(shared) = shared() else { return };
    let Some(src) = ruma_sources() else { return };
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut endpoints = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.strip_prefix(&src).unwrap().display().to_string();
        let mut visitor = Metadata {
            file: &name,
            found: Vec::new(),
        };
        visitor.visit_file(&file);
        endpoints.extend(visitor.found.into_iter().filter(|e| !e.stable.is_empty()));
    }
    assert!(
        endpoints.len() > 150,
        "{} endpoints with stable paths in ruma",
        endpoints.len()
    );

    let config = series(&shared.join("corpus"));
    let history = derive(&config, &config.apis[0]).unwrap();
    let mut report: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut equal = 0;
    let mut unmatched = Vec::new();
    for ruma in &endpoints {
        let ruma_paths: Vec<String> = ruma.stable.iter().map(|(_, p)| anonymous(p)).collect();
        let ours = history
            .operations
            .iter()
            .find(|o| o.method == ruma.method && o.stable.iter().any(|(_, p)| ruma_paths.contains(&anonymous(p))));
        let Some(ours) = ours else {
            unmatched.push(format!("{} {} {:?}", ruma.file, ruma.method, ruma_paths));
            continue;
        };
        let diff = differences(ruma, ours);
        if diff.is_empty() {
            equal += 1;
        } else {
            report.insert(format!("{} ({})", ruma.file, ours.operation), diff);
        }
    }
    let compared = endpoints.len() - unmatched.len();
    eprintln!(
        "ruma-client-api 0.25.2: {} endpoints with stable paths; {compared} compared, {equal} equal, {} different; {} not in the releases",
        endpoints.len(),
        report.len(),
        unmatched.len()
    );
    for (what, diff) in &report {
        eprintln!("  {what}: {}", diff.join("; "));
    }
    for u in &unmatched {
        eprintln!("  not in the releases: {u}");
    }
    let known: Vec<&str> = KNOWN.iter().map(|(file, _)| *file).collect();
    let unexplained: Vec<&String> = report
        .keys()
        .filter(|k| !known.iter().any(|f| k.starts_with(&format!("{f} ("))))
        .collect();
    assert!(
        unexplained.is_empty(),
        "differences from ruma without a reason: {unexplained:#?}"
    );
    // the fallback page of user-interactive authentication is prose in the spec, not an
    // operation of its API documents
    let unexplained: Vec<&String> = unmatched
        .iter()
        .filter(|u| !u.starts_with("uiaa/get_uiaa_fallback_page.rs"))
        .collect();
    assert!(
        unexplained.is_empty(),
        "ruma endpoints the releases lack: {unexplained:#?}"
    );
    // and a known difference that is no longer one is taken out of `KNOWN`
    for (file, why) in KNOWN {
        assert!(
            report.keys().any(|k| k.starts_with(&format!("{file} ("))),
            "{file} now agrees with ruma ({why}): take it out of KNOWN"
        );
    }
}
