//! The loader and the whole pipeline up to formatting, in memory, on arbitrary input: it may
//! fail, but only with an error about the spec, never a panic and never an internal error. What
//! it accepts must hold, as classes:
//!
//! - every `.rs` file parses as Rust (so every identifier is one) and `Cargo.toml` as TOML;
//! - file names are unique even to a file system that ignores case, every path is a plain path
//!   inside the output folder, and every name in it is bounded (at most 100 bytes);
//! - the router axum builds from the routes (no two overlap, no segment it reads as a capture);
//! - the crate builds: every `FUZZ_BUILD_EVERY`th accepted spec (500 by default; 0: never) is
//!   written and checked with `cargo check --all-features` (into `FUZZ_TARGET_DIR`, by default a
//!   folder beside the fuzz target).
//!
//! The input is split into files at lines `#---`: the first is the API document `api.yaml`, the
//! others `defs/1.yaml`, `defs/2.yaml`, … so that references between files are exercised too.
//! Every other input is fed a second time with multi-byte white space (U+3000, U+00A0, U+2028)
//! written into each description, summary and title and each enum, so that every text field
//! meets it.
#![no_main]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
static ACCEPTED: AtomicUsize = AtomicUsize::new(0);

fuzz_target!(|data: &[u8]| {
    run(data);
    if data.first().is_some_and(|b| b % 2 == 1) {
        run(&with_wide_white_space(data));
    }
});

fn run(data: &[u8]) {
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("a temporary folder")).path();
    let spec = dir.join("spec");
    let _ = std::fs::remove_dir_all(&spec);
    std::fs::create_dir_all(spec.join("defs")).expect("the spec folder");
    let mut parts = split(data);
    let first = if parts.is_empty() { Vec::new() } else { parts.remove(0) };
    std::fs::write(spec.join("api.yaml"), first).expect("api.yaml");
    for (i, part) in parts.iter().enumerate().take(8) {
        std::fs::write(spec.join(format!("defs/{}.yaml", i + 1)), part).expect("a definitions file");
    }
    let mut settings = matrix_api_generator::Settings::new(&spec);
    settings.crate_name = "fuzzed".to_owned();
    match matrix_api_generator::generate(&settings) {
        Err(e) if e.kind() != matrix_api_generator::ErrorKind::Spec => panic!("not an error of the spec: {e}"),
        Err(_) => {}
        Ok(generated) => {
            files_hold(&generated.files);
            router_builds(&settings);
            let n = ACCEPTED.fetch_add(1, Ordering::Relaxed) + 1;
            let every: usize = std::env::var("FUZZ_BUILD_EVERY").ok().and_then(|v| v.parse().ok()).unwrap_or(500);
            if every > 0 && n % every == 0 {
                crate_builds(dir, &generated.files);
            }
        }
    }
}

/// Every file parses, names are unique to any file system, paths are plain and inside the
/// output folder, and names are bounded.
fn files_hold(files: &std::collections::BTreeMap<String, String>) {
    let mut folded = std::collections::HashSet::new();
    for (path, text) in files {
        assert!(folded.insert(path.to_lowercase()), "{path}: a second file of this name to a case-insensitive file system");
        let plain = !path.starts_with('/')
            && !path.contains(['\\', ':', '\0'])
            && path.split('/').all(|part| !part.is_empty() && part != "." && part != ".." && part.len() <= 100);
        assert!(plain, "{path}: not a plain, bounded path inside the output folder");
        if path.ends_with(".rs") {
            if let Err(e) = syn::parse_file(text) {
                panic!("{path} does not parse as Rust: {e}");
            }
        } else if path.ends_with(".toml") {
            if let Err(e) = text.parse::<toml_edit::DocumentMut>() {
                panic!("{path} does not parse as TOML: {e}");
            }
        }
    }
}

/// Writes the crate and checks it with cargo: it must build with every feature.
fn crate_builds(dir: &std::path::Path, files: &std::collections::BTreeMap<String, String>) {
    let out = dir.join("crate");
    let _ = std::fs::remove_dir_all(&out);
    matrix_api_generator::write::write(&out, files).expect("the crate is written");
    // its own workspace, so that cargo does not look for one above the temporary folder
    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).expect("Cargo.toml");
    std::fs::write(out.join("Cargo.toml"), format!("{manifest}\n[workspace]\n")).expect("Cargo.toml");
    let fuzz_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let _ = std::fs::copy(fuzz_dir.join("../../Cargo.lock"), out.join("Cargo.lock"));
    let target = std::env::var_os("FUZZ_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| fuzz_dir.join("target-crates"));
    let result = std::process::Command::new("cargo")
        .args(["check", "--offline", "--quiet", "--all-features", "--lib"])
        .current_dir(&out)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("cargo runs");
    assert!(
        result.status.success(),
        "an accepted spec gave a crate that does not build:\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
}

/// Builds an axum router of the routes the generated router registers, as it does; axum panics
/// on overlapping or malformed routes.
fn router_builds(settings: &matrix_api_generator::Settings) {
    use matrix_api_generator::stages;
    let bundle = stages::resolve_spec(settings, &mut Default::default()).expect("it generated once");
    let spec = stages::front_end(bundle, &settings.placeholders).expect("it generated once");
    let (api, _) = stages::ir(&spec).expect("it generated once");
    let mut router: axum::Router = axum::Router::new().without_v07_checks();
    for (path, methods) in stages::server_routes(&api) {
        let mut chain = axum::routing::MethodRouter::new();
        for m in methods {
            let method = http::Method::from_bytes(m.as_bytes()).expect("a method");
            chain = chain.on(axum::routing::MethodFilter::try_from(method).expect("a filter"), || async {});
        }
        router = router.route(&path, chain.fallback(|| async {}));
    }
    let _ = router.fallback(|| async {});
}

/// The input with multi-byte white space written at the start of the value of each
/// `description`, `summary` and `title`, and as a first value of each flow `enum`.
fn with_wide_white_space(data: &[u8]) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(data) else {
        return data.to_vec();
    };
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let mut line = line.to_owned();
        for key in ["description: ", "summary: ", "title: "] {
            if let Some(i) = line.find(key) {
                let at = i + key.len();
                let value = &line[at..];
                let insert = match value.chars().next() {
                    Some('"') => Some((at + 1, "\u{3000}\u{a0} \u{2028}")),
                    Some('\'') => Some((at + 1, "\u{3000}\u{a0} ")),
                    Some('|' | '>' | '{' | '[' | '&' | '*' | '!') | None => None,
                    Some(_) => Some((at, "\u{3000}\u{a0}")),
                };
                if let Some((at, ws)) = insert {
                    line.insert_str(at, ws);
                }
            }
        }
        if let Some(i) = line.find("enum: [") {
            line.insert_str(i + "enum: [".len(), "\"\u{3000}\", \"a\u{3000}\u{2028}b\", ");
        }
        out.push_str(&line);
    }
    out.into_bytes()
}

fn split(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![Vec::new()];
    for line in data.split_inclusive(|b| *b == b'\n') {
        if line.starts_with(b"#---") {
            out.push(Vec::new());
        } else if let Some(last) = out.last_mut() {
            last.extend_from_slice(line);
        }
    }
    out
}
