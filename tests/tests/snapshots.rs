//! Snapshots of the generator: one small spec per feature in `tests/fixtures/snapshots/`, the
//! generated types and operations held in `tests/tests/snapshots/` (review changes with
//! `cargo insta review`). Every snapshotted crate is also compiled, with clippy, so a snapshot can
//! never hold code that does not build.

use std::path::{Path, PathBuf};

use matrix_api_generator::{generate, write, Settings};
use matrix_api_tests::{fixture, workspace};

fn fixtures() -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(fixture("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    all.sort();
    all
}

fn name(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

fn settings(dir: &Path) -> Settings {
    let mut s = Settings::new(dir);
    s.crate_name = format!("snap-{}", name(dir).replace('_', "-"));
    // a fixture's event schemas, if it has them
    if dir.join("events").is_dir() {
        s.events = Some(dir.join("events"));
    }
    s
}

/// What is snapshotted: the files that depend on the spec (not the copied support code).
fn snapshot_text(files: &std::collections::BTreeMap<String, String>) -> String {
    let mut out = String::new();
    for (path, text) in files {
        if path.starts_with("src/runtime/") || path == "rustfmt.toml" {
            continue;
        }
        out.push_str(&format!("==> {path} <==\n{text}\n"));
    }
    out
}

#[test]
fn generated_code_matches_the_snapshots() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 15, "{} fixtures", fixtures.len());
    for dir in fixtures {
        let generated = generate(&settings(&dir)).unwrap_or_else(|e| panic!("{}: {e}", name(&dir)));
        let mut text = snapshot_text(&generated.files);
        if !generated.warnings.is_empty() {
            text.insert_str(
                0,
                &format!(
                    "warnings:\n{}\n\n",
                    generated
                        .warnings
                        .iter()
                        .map(|w| format!("  {w}\n"))
                        .collect::<String>()
                ),
            );
        }
        insta::assert_snapshot!(name(&dir), text);
    }
}

#[test]
fn every_snapshot_compiles_warning_free_and_the_parameters_round_trip() {
    let ws = tempfile::tempdir().unwrap();
    let mut members = Vec::new();
    for dir in fixtures() {
        let generated = generate(&settings(&dir)).unwrap();
        let out = ws.path().join(name(&dir));
        write::write(&out, &generated.files).unwrap();
        // the crate's own router builds and serves every route
        matrix_api_tests::write_router_test(&out, &generated.files);
        if dir.join("roundtrip.rs").exists() {
            std::fs::create_dir_all(out.join("tests")).unwrap();
            std::fs::copy(dir.join("roundtrip.rs"), out.join("tests/roundtrip.rs")).unwrap();
        }
        members.push(format!("{:?}", name(&dir)));
    }
    std::fs::write(
        ws.path().join("Cargo.toml"),
        format!("[workspace]\nresolver = \"2\"\nmembers = [{}]\n", members.join(", ")),
    )
    .unwrap();
    let _ = std::fs::copy(workspace().join("Cargo.lock"), ws.path().join("Cargo.lock"));
    for args in [
        &[
            "clippy",
            "--offline",
            "--quiet",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ][..],
        &["test", "--offline", "--quiet", "--workspace", "--all-features"],
    ] {
        let out = matrix_api_tests::cargo_command(ws.path()).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "cargo {} failed:\n{}{}",
            args[0],
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
