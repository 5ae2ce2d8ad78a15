//! Helpers shared by the end-to-end tests in `tests/tests/`.

pub mod conformance;
pub mod oracle;

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// `../shared` beside the workspace, if present. Absent: under CI the test fails, elsewhere it
/// is skipped with a printed reason.
/// `MATRIX_API_SHARED` names another folder to read instead (a corpus laid out otherwise: see
/// [`lay_out`]).
pub fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("MATRIX_API_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("../shared"));
    if dir.join("corpus").is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{} is absent, and CI is set: tests that need ../shared must run in CI",
            dir.display()
        );
    }
    eprintln!("skipped: {} is absent (set CI to make this a failure)", dir.display());
    None
}

/// The corpus of the real Matrix spec in `../shared`.
pub fn corpus() -> Option<PathBuf> {
    shared().map(|s| s.join("corpus/matrix-doc-5da3072e"))
}

/// The current Matrix spec (v1.18, OpenAPI 3.1) in `../shared`: its `data` folder.
pub fn current_spec() -> Option<PathBuf> {
    shared().map(|s| s.join("corpus/matrix-spec-v1.18/data"))
}

/// A series configuration (as `matrix-api.toml` writes one) of every release in `shared`'s
/// corpus, 1.0 (r0.6.1) to 1.18, with the `[[api]]` entries `apis`.
pub fn real_series(shared: &Path, apis: &str) -> String {
    let corpus = shared.join("corpus");
    let mut roots = vec![("1.0".to_owned(), corpus.join("matrix-doc-r0.6.1"))];
    for minor in 1..=17 {
        roots.push((
            format!("1.{minor}"),
            corpus.join(format!("matrix-spec-releases/v1.{minor}/data")),
        ));
    }
    roots.push(("1.18".to_owned(), corpus.join("matrix-spec-v1.18/data")));
    let mut text = String::new();
    for (version, root) in roots {
        text.push_str(&format!(
            "[[release]]\nversion = \"{version}\"\nroot = \"{}\"\n",
            root.display()
        ));
    }
    text + apis
}

/// A test fixture folder.
pub fn fixture(name: &str) -> PathBuf {
    workspace().join("tests/fixtures").join(name)
}

/// A cargo command in `dir`, building into the shared `target/conformance` folder (so that
/// dependencies are built once for every crate the tests generate). Every build there uses the
/// same settings, or cargo would build the dependencies again beside the first ones: no
/// `RUSTFLAGS`, no incremental compilation and line tables only for debug information, which keep
/// that folder to a few GiB (with incremental compilation and full debug information it grew past
/// 10 GiB in one CI run and filled the CI machine's disk). `tests/peers/run.sh` builds there with
/// the same settings.
pub fn cargo_command(dir: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO"));
    cmd.current_dir(dir)
        .env("CARGO_TARGET_DIR", workspace().join("target/conformance"))
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")
        .env_remove("RUSTFLAGS");
    cmd
}

/// Runs cargo in the folder of a crate the generator wrote, as a user of it would: with the
/// workspace's lock file (so that nothing is fetched: `--offline` works) and the shared
/// `target/conformance` folder ([`cargo_command`]).
/// Panics with cargo's output if it fails; returns that output.
pub fn cargo_in(crate_dir: &Path, args: &[&str], rustdocflags: Option<&str>) -> String {
    let _ = std::fs::copy(workspace().join("Cargo.lock"), crate_dir.join("Cargo.lock"));
    let mut cmd = cargo_command(crate_dir);
    cmd.args(args);
    if let Some(flags) = rustdocflags {
        cmd.env("RUSTDOCFLAGS", flags);
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run cargo: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "cargo {} failed:\n{text}", args.join(" "));
    text
}

pub mod attack;
pub mod load;
pub mod process;

/// How a corpus lays the spec's symbolic link `api/client-server/definitions/event-schemas ->
/// ../../../event-schemas`: a Linux checkout has the link, a checkout with links off has Git's stub
/// file (its text is the link's target), an archive or a copy by a tool that follows links has a
/// copy of the folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// A symbolic link.
    Link,
    /// Git's stub file.
    Stub,
    /// A copy of the folder.
    Copy,
}

/// The spec's link in a corpus folder (`matrix-doc-5da3072e`, `matrix-doc-r0.6.1`).
pub const LINK: &str = "api/client-server/definitions/event-schemas";

/// How `corpus` lays the spec's link.
pub fn layout(corpus: &Path) -> Layout {
    let link = corpus.join(LINK);
    match std::fs::symlink_metadata(&link) {
        Ok(m) if m.file_type().is_symlink() => Layout::Link,
        Ok(m) if m.is_dir() => Layout::Copy,
        _ => Layout::Stub,
    }
}

/// Copies the corpus folder `from` into `to` with its link laid as `layout` (made from whichever
/// layout `from` has).
pub fn lay_out(from: &Path, to: &Path, layout: Layout) {
    conformance::copy_crate(from, to);
    let link = to.join(LINK);
    if std::fs::symlink_metadata(&link).is_ok_and(|m| m.is_dir()) {
        std::fs::remove_dir_all(&link).unwrap();
    } else if std::fs::symlink_metadata(&link).is_ok() {
        std::fs::remove_file(&link).unwrap();
    }
    let target = "../../../event-schemas";
    match layout {
        Layout::Link => std::os::unix::fs::symlink(target, &link).unwrap(),
        Layout::Stub => std::fs::write(&link, target).unwrap(),
        Layout::Copy => conformance::copy_crate(&to.join("event-schemas"), &link),
    }
}

/// The test `tests/router.rs` that [`write_router_test`] writes into a generated crate.
const ROUTER_TEST: &str = r#"//! Written by the tests of `tests/`: the router the crate emits builds, and serves every route.
#![cfg(feature = "server")]
use CRATE as api;

struct Nothing;
impl api::server::Api for Nothing {
    AUTHENTICATE
}
KEY_LOOKUP

#[tokio::test]
async fn the_router_serves_every_route() {
    use tower::ServiceExt;
    // (axum refuses overlapping or malformed routes with a panic, here)
    let app = api::server::router_with_config(std::sync::Arc::new(Nothing), api::ServerConfig::default().with_version("v3"));
    assert!(!api::operations::ALL.is_empty());
    for meta in api::operations::ALL {
        // the path as a URI carries it: the literal segments as the metadata writes them
        let path: String = meta.segments.iter().map(|s| match s {
            api::PathSegment::Literal(text) => format!("/{text}"),
            api::PathSegment::Param(_) => "/x".to_owned(),
        }).collect();
        let request = http::Request::builder()
            .method(meta.method.as_str())
            .uri(format!("{}{}", meta.base_path, path))
            .header("authorization", "Bearer t")
            .body(axum::body::Body::from("{}"))
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        // every route is served: a default implementation answers 404 M_UNRECOGNIZED, never 405
        // and never 500 (decoding may also refuse the made-up request with a 400)
        let status = response.status().as_u16();
        // (an operation a server signs refuses the bearer token first: 401 M_UNAUTHORIZED)
        let signed = meta.auth == api::AuthKind::ServerSignatures && status == 401;
        assert!(status == 404 || status == 400 || signed, "{} {}: {status}", meta.method, meta.path);
        // and the path is routed (a 404 above could be the router's own, for a path it lacks):
        // a method no operation has is 405, with `Allow`
        let probe = http::Request::builder()
            .method(http::Method::from_bytes(b"X-PROBE").unwrap())
            .uri(format!("{}{}", meta.base_path, path))
            .body(axum::body::Body::empty())
            .unwrap();
        let response = app.clone().oneshot(probe).await.unwrap();
        assert_eq!(response.status().as_u16(), 405, "{} {}: not routed", meta.method, meta.path);
        assert!(response.headers().contains_key("allow"), "{}", meta.path);
    }
}
"#;

/// Writes `tests/router.rs` into the crate the generator wrote in `crate_dir` (its `files`): the
/// crate's own router, with default implementations of every operation, built and sent a request
/// for each route. Adds the test's dev-dependency (`tower`) to the crate's manifest.
pub fn write_router_test(crate_dir: &Path, files: &std::collections::BTreeMap<String, String>) {
    let toml = &files["Cargo.toml"];
    let lib = toml
        .lines()
        .find_map(|l| l.strip_prefix("name = "))
        .map(|n| n.trim_matches('"').replace('-', "_"))
        .unwrap_or_default();
    // the trait's items the API needs: `authenticate` where operations take an access token,
    // the key lookup where servers sign them
    let server = files.get("src/server.rs").map(String::as_str).unwrap_or_default();
    let authenticate = if server.contains("fn authenticate(") {
        "type Identity = ();\n    async fn authenticate(&self, _: api::AccessToken, _: &api::RequestContext) -> Result<(), api::MatrixError> {\n        Ok(())\n    }"
    } else {
        ""
    };
    let key_lookup = if server.contains("crate::KeyLookup +") {
        "impl api::KeyLookup for Nothing {\n    fn server_name(&self) -> &str {\n        \"example.org\"\n    }\n    async fn verify_key(&self, _: &str, _: &str) -> Result<Option<api::VerifyKey>, api::MatrixError> {\n        Ok(None)\n    }\n}"
    } else {
        ""
    };
    let test = ROUTER_TEST
        .replace("CRATE", &lib)
        .replace("AUTHENTICATE", authenticate)
        .replace("KEY_LOOKUP", key_lookup);
    std::fs::create_dir_all(crate_dir.join("tests")).unwrap();
    std::fs::write(crate_dir.join("tests/router.rs"), test).unwrap();
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap();
    if !manifest.contains("\ntower = ") {
        std::fs::write(
            crate_dir.join("Cargo.toml"),
            manifest.replace(
                "[dev-dependencies]\n",
                "[dev-dependencies]\ntower = { version = \"0.5\", features = [\"util\"] }\n",
            ),
        )
        .unwrap();
    }
}

/// Every API folder of every corpus in `../shared`, as (a name such as `v1.2 server-server`,
/// the spec root, the API's folder): the seed era's Client-Server API, and each API of r0.6.1,
/// of every release v1.1 to v1.17 and of v1.18.
pub fn every_api() -> Option<Vec<(String, PathBuf, PathBuf)>> {
    let corpus = shared()?.join("corpus");
    let mut roots = vec![
        ("seed era".to_owned(), corpus.join("matrix-doc-5da3072e")),
        ("r0.6.1".to_owned(), corpus.join("matrix-doc-r0.6.1")),
    ];
    let mut releases: Vec<(u32, String)> = std::fs::read_dir(corpus.join("matrix-spec-releases"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter_map(|n| Some((n.strip_prefix("v1.")?.parse().ok()?, n)))
                .collect()
        })
        .unwrap_or_default();
    releases.sort();
    for (_, name) in releases {
        roots.push((
            name.clone(),
            corpus.join("matrix-spec-releases").join(&name).join("data"),
        ));
    }
    roots.push(("v1.18".to_owned(), corpus.join("matrix-spec-v1.18/data")));
    let mut out = Vec::new();
    for (release, root) in roots {
        for api in [
            "client-server",
            "server-server",
            "application-service",
            "identity",
            "push-gateway",
        ] {
            let dir = root.join("api").join(api);
            let has_documents = std::fs::read_dir(&dir)
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .any(|e| e.path().extension().is_some_and(|x| x == "yaml"))
                })
                .unwrap_or(false);
            if has_documents {
                out.push((format!("{release} {api}"), root.clone(), dir));
            }
        }
    }
    Some(out)
}
