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

pub mod load;

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
