//! `cargo xtask bench-compile`: how long the generated crate takes to build, by feature set,
//! with its dependencies already built, so that the figure is the crate's own. With `--ruma`,
//! ruma-client-api and ruma-events (hand-written types of the same API and its events) are built
//! the same way in the same run. `--events DIR` generates the event types too.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use matrix_api_generator::{generate, write, Settings};

const FEATURE_SETS: &[(&str, &[&str])] = &[
    ("no features", &[]),
    ("client", &["--features", "client"]),
    ("server", &["--features", "server"]),
    ("client + server", &["--features", "client,server"]),
];

fn cargo(dir: &Path, args: &[&str]) -> Result<f64, String> {
    let start = Instant::now();
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(start.elapsed().as_secs_f64())
}

/// Builds `package` once (and so its dependencies), then from clean again, timed.
fn timed(dir: &Path, package: &str, extra: &[&str], release: bool) -> Result<f64, String> {
    let mut build = vec!["build", "--quiet", "-p", package];
    if release {
        build.push("--release");
    }
    build.extend_from_slice(extra);
    cargo(dir, &build)?;
    let mut clean = vec!["clean", "--quiet", "-p", package];
    if release {
        clean.push("--release");
    }
    cargo(dir, &clean)?;
    cargo(dir, &build)
}

pub fn run(args: &[String], root: &Path) -> ExitCode {
    let corpus = root.join("../shared/corpus/matrix-doc-5da3072e");
    let mut spec = corpus.join("api/client-server");
    let mut spec_root = Some(corpus.clone());
    let mut ruma = false;
    let mut release = false;
    let mut events = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--spec" => spec = it.next().map(PathBuf::from).unwrap_or_default(),
            "--root" => spec_root = it.next().map(PathBuf::from),
            "--events" => events = it.next().map(PathBuf::from),
            "--ruma" => ruma = true,
            "--release" => release = true,
            other => {
                eprintln!("error: unknown argument `{other}`\nusage: cargo xtask bench-compile [--spec DIR --root DIR] [--events DIR] [--ruma] [--release]");
                return ExitCode::from(2);
            }
        }
    }
    let dir = root.join("target/bench-compile");
    let mut settings = Settings::new(&spec);
    settings.root = spec_root;
    settings.events = events;
    let generated = match generate(&settings) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = write::write(&dir.join("api"), &generated.files) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let mut members = vec!["\"api\""];
    if ruma {
        let probe = dir.join("ruma");
        let _ = std::fs::create_dir_all(probe.join("src"));
        let _ = std::fs::write(
            probe.join("Cargo.toml"),
            "[package]\nname = \"ruma-probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nruma-client-api = { version = \"0.25\", features = [\"client\", \"server\"] }\nruma-events = \"0.35\"\n",
        );
        let _ = std::fs::write(
            probe.join("src/lib.rs"),
            "pub use ruma_client_api;\npub use ruma_events;\n",
        );
        members.push("\"ruma\"");
    }
    let _ = std::fs::write(
        dir.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"2\"\nmembers = [{}]\n", members.join(", ")),
    );
    let _ = std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"));
    let profile = if release { "release" } else { "debug" };
    println!(
        "compile time of the crate generated for {} ({} operations, {} types), {profile}, dependencies pre-built, {} cores:",
        spec.display(),
        generated.operations,
        generated.types,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    for (label, extra) in FEATURE_SETS {
        match timed(&dir, "matrix-client-server-api", extra, release) {
            Ok(s) => println!("  generated, {label:<16} {s:>6.1} s"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if ruma {
        let mut pair = 0.0;
        for (package, label) in [
            ("ruma-events", "ruma-events (hand-written events)"),
            ("ruma-client-api", "ruma-client-api (client + server, hand-written)"),
        ] {
            match timed(&dir, package, &[], release) {
                Ok(s) => {
                    pair += s;
                    println!("  {label:<48} {s:>6.1} s");
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        println!("  {:<48} {pair:>6.1} s", "ruma-events + ruma-client-api");
    }
    ExitCode::SUCCESS
}
