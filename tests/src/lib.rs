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
pub fn shared() -> Option<PathBuf> {
    let dir = workspace().join("../shared");
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
