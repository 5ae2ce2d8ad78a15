//! `cargo xtask bench-decode`: decoding a realistic `/sync` body with the crate generated from
//! the v1.18 Client-Server API and its event types, against ruma's types of the same response,
//! in one release build of one program (`xtask/bench/decode.rs`), the two interleaved. Needs
//! `../shared` (the spec) and fetches ruma.

use std::path::Path;
use std::process::{Command, ExitCode};

use matrix_api_generator::{generate, write, Settings};

const HARNESS: &str = include_str!("../bench/decode.rs");

const MANIFEST: &str = r#"[package]
name = "decode-bench"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
api = { package = "matrix-client-server-api-v1-18", path = "../api", features = ["client"] }
http = "1"
ruma-client-api = { version = "0.25", features = ["client"] }
ruma-common = { version = "0.20", features = ["api"] }
ruma-events = "0.35"
serde_json = { version = "1", features = ["raw_value"] }
"#;

pub fn run(args: &[String], root: &Path) -> ExitCode {
    let runs = match args {
        [] => "21".to_owned(),
        [flag, n] if flag == "--runs" && n.parse::<usize>().is_ok() => n.clone(),
        _ => {
            eprintln!("usage: cargo xtask bench-decode [--runs N]");
            return ExitCode::from(2);
        }
    };
    let data = root.join("../shared/corpus/matrix-spec-v1.18/data");
    if !data.is_dir() {
        eprintln!(
            "error: {} is absent: the benchmark needs the v1.18 spec",
            data.display()
        );
        return ExitCode::FAILURE;
    }
    let dir = root.join("target/bench-decode");
    let mut settings = Settings::new(data.join("api/client-server"));
    settings.root = Some(data.clone());
    settings.events = Some(data.join("event-schemas/schema"));
    settings.crate_name = "matrix-client-server-api-v1-18".to_owned();
    let written = generate(&settings).map_err(|e| e.to_string()).and_then(|g| {
        write::write(&dir.join("api"), &g.files).map_err(|e| e.to_string())?;
        let bench = dir.join("bench");
        std::fs::create_dir_all(bench.join("src")).map_err(|e| e.to_string())?;
        std::fs::write(bench.join("Cargo.toml"), MANIFEST).map_err(|e| e.to_string())?;
        std::fs::write(bench.join("src/main.rs"), HARNESS).map_err(|e| e.to_string())?;
        std::fs::write(
            dir.join("Cargo.toml"),
            "[workspace]\nresolver = \"2\"\nmembers = [\"api\", \"bench\"]\n",
        )
        .map_err(|e| e.to_string())?;
        if !dir.join("Cargo.lock").exists() {
            std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map_err(|e| e.to_string())?;
        }
        Ok(())
    });
    if let Err(e) = written {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["run", "--quiet", "--release", "-p", "decode-bench", "--", &runs])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}
