//! `cargo xtask diff --from DIR [--from-root DIR] --to DIR [--to-root DIR] [--out FILE]`: what
//! changes for code built on the generated crate when its spec goes from one folder to the
//! other, as a Markdown report (see `matrix_api_generator::diff`).

use std::path::PathBuf;
use std::process::ExitCode;

use matrix_api_generator::diff::compare;
use matrix_api_generator::{generate, Settings};

pub const USAGE: &str = "cargo xtask diff --from DIR [--from-root DIR] --to DIR [--to-root DIR] [--out FILE]";

struct Side {
    spec: Option<PathBuf>,
    root: Option<PathBuf>,
}

pub fn run(args: &[String]) -> ExitCode {
    let (mut from, mut to) = (Side { spec: None, root: None }, Side { spec: None, root: None });
    let mut out: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let Some(value) = it.next().map(PathBuf::from) else {
            if a == "-h" || a == "--help" {
                println!("usage: {USAGE}");
                return ExitCode::SUCCESS;
            }
            eprintln!("error: `{a}` needs a value\nusage: {USAGE}");
            return ExitCode::from(2);
        };
        match a.as_str() {
            "--from" => from.spec = Some(value),
            "--from-root" => from.root = Some(value),
            "--to" => to.spec = Some(value),
            "--to-root" => to.root = Some(value),
            "--out" => out = Some(value),
            other => {
                eprintln!("error: unknown argument `{other}`\nusage: {USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let mut surfaces = Vec::new();
    for (label, side) in [("--from", &from), ("--to", &to)] {
        let Some(spec) = &side.spec else {
            eprintln!("error: {label} is required\nusage: {USAGE}");
            return ExitCode::from(2);
        };
        let mut settings = Settings::new(spec);
        settings.root = side.root.clone();
        let surface = match generate(&settings) {
            Ok(generated) => generated.surface(),
            Err(e) => {
                eprintln!("error: {label} {}: {e}", spec.display());
                return ExitCode::FAILURE;
            }
        };
        let Some(surface) = surface else {
            eprintln!("error: {label} {}: the generator gave no API surface", spec.display());
            return ExitCode::FAILURE;
        };
        surfaces.push(surface);
    }
    let [a, b] = surfaces.as_slice() else {
        return ExitCode::FAILURE;
    };
    let mut report = compare(a, b);
    // the folders say which releases these are better than the title of their first document
    for (label, side) in [(&mut report.from, &from), (&mut report.to, &to)] {
        if let Some(spec) = &side.spec {
            *label = spec.display().to_string();
        }
    }
    let text = report.markdown();
    match out {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!("error: {}: cannot write: {e}", path.display());
                return ExitCode::FAILURE;
            }
            println!("{} ({} written)", report.summary(), path.display());
        }
        None => print!("{text}"),
    }
    ExitCode::SUCCESS
}
