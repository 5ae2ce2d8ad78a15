//! `cargo xtask load [--quick] [--debug] [ARGS...]`: builds the example homeserver and the load
//! generator (release by default), then runs the load (`tests/src/bin/load.rs`) against it.
//! The full run first sends the same load to a bare hyper server (the anchor of its figures).
//! `--quick` is the short run CI does (20,000 requests, no anchor); further arguments go to the
//! generator (`--connections N`, `--requests N`, `--max-seconds N`).

use std::path::Path;
use std::process::{Command, ExitCode};

pub fn run(args: &[String], root: &Path) -> ExitCode {
    let debug = args.iter().any(|a| a == "--debug");
    let quick = args.iter().any(|a| a == "--quick");
    let mut rest: Vec<String> = args
        .iter()
        .filter(|a| *a != "--debug" && *a != "--quick")
        .cloned()
        .collect();
    if quick {
        rest.extend(["--requests", "20000", "--max-seconds", "120"].map(String::from));
    } else {
        // the anchor, in the same run
        rest.push("--floor".to_owned());
    }
    build_and_run("load", &rest, debug, root)
}

/// Builds the example homeserver and the harness binary `bin` of `matrix-api-tests` (release
/// unless `debug`), then runs `bin --server EXAMPLE ARGS...`.
pub fn build_and_run(bin: &str, args: &[String], debug: bool, root: &Path) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let profile: &[&str] = if debug { &[] } else { &["--release"] };
    let builds: [&[&str]; 2] = [
        &[
            "build",
            "--quiet",
            "-p",
            "matrix-client-server-api",
            "--features",
            "client,server",
            "--example",
            "server",
        ],
        &["build", "--quiet", "-p", "matrix-api-tests", "--bin", bin],
    ];
    for build in builds {
        let status = Command::new(&cargo)
            .args(build)
            .args(profile)
            .current_dir(root)
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("error: cargo {} failed", build.join(" "));
            return ExitCode::FAILURE;
        }
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let dir = target.join(if debug { "debug" } else { "release" });
    let server = dir.join("examples/server");
    let status = Command::new(dir.join(bin))
        .arg("--server")
        .arg(&server)
        .args(args)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: cannot run {bin}: {e}");
            ExitCode::FAILURE
        }
    }
}
