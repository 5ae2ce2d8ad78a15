//! The loader and the whole pipeline up to formatting, in memory, on arbitrary input: it may
//! fail, but only with an error about the spec, never a panic and never an internal error; and
//! whatever it accepts gives files that parse (every `.rs` file as Rust, so every identifier is
//! one; `Cargo.toml` as TOML) and a router that axum builds (no two routes overlap, no path
//! segment axum would refuse). The input is split into files at lines
//! `#---`: the first is the API document `api.yaml`, the others `defs/1.yaml`, `defs/2.yaml`, …
//! so that references between files are exercised too.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
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
    let settings = matrix_api_generator::Settings::new(&spec);
    match matrix_api_generator::generate(&settings) {
        Err(e) if e.kind() == matrix_api_generator::ErrorKind::Internal => panic!("a bug of the generator: {e}"),
        Err(_) => {}
        Ok(generated) => {
            for (path, text) in &generated.files {
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
            router_builds(&settings);
        }
    }
});

/// Builds an axum router of the routes the generated router registers, as it does (see
/// `tests/tests/routers.rs`); axum panics on overlapping or malformed routes.
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
