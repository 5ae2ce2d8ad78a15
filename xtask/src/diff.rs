//! `cargo xtask diff --from DIR [--from-root DIR] --to DIR [--to-root DIR] [--out FILE]`: what
//! changes for code built on the generated crate when its spec goes from one folder to the
//! other, as a Markdown report (see `matrix_api_generator::diff`).
//!
//! `cargo xtask diff --config FILE --from VERSION --to VERSION [--api NAME] [--out FILE]`: the
//! same between two releases of a series configuration, for each of its APIs (or one), with the
//! releases' history: an operation the spec renamed is one operation, renamed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use matrix_api_generator::config::{ApiEntry, Config, MatrixVersion, Release};
use matrix_api_generator::diff::{compare, compare_renamed, Report, Surface};
use matrix_api_generator::history::derive;
use matrix_api_generator::{generate, Settings};

pub const USAGE: &str = "cargo xtask diff --from DIR [--from-root DIR] --to DIR [--to-root DIR] [--out FILE]\n       cargo xtask diff --config FILE --from VERSION --to VERSION [--api NAME] [--out FILE]";

#[derive(Default)]
struct Args {
    from: Option<String>,
    from_root: Option<PathBuf>,
    to: Option<String>,
    to_root: Option<PathBuf>,
    out: Option<PathBuf>,
    config: Option<PathBuf>,
    api: Option<String>,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-h" || a == "--help" {
            return Err(String::new());
        }
        let Some(value) = it.next().cloned() else {
            return Err(format!("`{a}` needs a value"));
        };
        match a.as_str() {
            "--from" => parsed.from = Some(value),
            "--from-root" => parsed.from_root = Some(PathBuf::from(value)),
            "--to" => parsed.to = Some(value),
            "--to-root" => parsed.to_root = Some(PathBuf::from(value)),
            "--out" => parsed.out = Some(PathBuf::from(value)),
            "--config" => parsed.config = Some(PathBuf::from(value)),
            "--api" => parsed.api = Some(value),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if parsed.from.is_none() || parsed.to.is_none() {
        return Err("--from and --to are required".to_owned());
    }
    if parsed.config.is_none() && parsed.api.is_some() {
        return Err("--api names an API of --config".to_owned());
    }
    if parsed.config.is_some() && (parsed.from_root.is_some() || parsed.to_root.is_some()) {
        return Err("with --config, the releases' roots come from the file".to_owned());
    }
    Ok(parsed)
}

pub fn run(args: &[String]) -> ExitCode {
    let args = match parse(args) {
        Ok(args) => args,
        Err(e) if e.is_empty() => {
            println!("usage: {USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\nusage: {USAGE}");
            return ExitCode::from(2);
        }
    };
    let reports = match &args.config {
        Some(file) => between_releases(file, &args),
        None => between_folders(&args).map(|r| vec![r]),
    };
    let reports = match reports {
        Ok(reports) => reports,
        Err((code, e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(code);
        }
    };
    let text: String = reports.iter().map(Report::markdown).collect::<Vec<_>>().join("\n");
    match &args.out {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: {}: cannot write: {e}", path.display());
                return ExitCode::FAILURE;
            }
            for report in &reports {
                let api = if args.config.is_some() {
                    format!("{}: ", report.to)
                } else {
                    String::new()
                };
                println!("{api}{} ({} written)", report.summary(), path.display());
            }
        }
        None => print!("{text}"),
    }
    ExitCode::SUCCESS
}

/// An error and the exit code it gives (2: usage, 1: the spec).
type Failure = (u8, String);

/// The surface of the API in `spec`, under `root`.
fn surface(label: &str, spec: &Path, root: Option<PathBuf>) -> Result<Surface, Failure> {
    let mut settings = Settings::new(spec);
    settings.root = root;
    let generated = generate(&settings).map_err(|e| (1, format!("{label} {}: {e}", spec.display())))?;
    generated.surface().ok_or_else(|| {
        (
            1,
            format!("{label} {}: the generator gave no API surface", spec.display()),
        )
    })
}

fn between_folders(args: &Args) -> Result<Report, Failure> {
    let (from, to) = (
        args.from.as_deref().unwrap_or_default(),
        args.to.as_deref().unwrap_or_default(),
    );
    let a = surface("--from", Path::new(from), args.from_root.clone())?;
    let b = surface("--to", Path::new(to), args.to_root.clone())?;
    let mut report = compare(&a, &b);
    // the folders say which releases these are better than the title of their first document
    report.from = from.to_owned();
    report.to = to.to_owned();
    Ok(report)
}

fn between_releases(file: &Path, args: &Args) -> Result<Vec<Report>, Failure> {
    let usage = |e: String| (2, e);
    let config = Config::read(file).map_err(|e| usage(e.to_string()))?;
    let release = |flag: &str, text: Option<&str>| -> Result<&Release, Failure> {
        let text = text.unwrap_or_default();
        let version = MatrixVersion::parse(text)
            .ok_or_else(|| usage(format!("{flag} `{text}` is not a version such as 1.11")))?;
        config.releases.iter().find(|r| r.version == version).ok_or_else(|| {
            let known: Vec<String> = config.releases.iter().map(|r| r.version.to_string()).collect();
            usage(format!(
                "{flag} {version}: {} lists {}",
                file.display(),
                known.join(", ")
            ))
        })
    };
    let (from, to) = (
        release("--from", args.from.as_deref())?,
        release("--to", args.to.as_deref())?,
    );
    if from.version >= to.version {
        return Err(usage(format!(
            "--from {} is not before --to {}",
            from.version, to.version
        )));
    }
    let apis: Vec<&ApiEntry> = match &args.api {
        Some(name) => vec![config
            .api(name)
            .ok_or_else(|| usage(format!("{}: no API `{name}`", file.display())))?],
        None => config.apis.iter().collect(),
    };
    apis.into_iter()
        .map(|api| api_between(&config, api, from, to))
        .collect()
}

/// One API's report between two releases, renames from the history.
fn api_between(config: &Config, api: &ApiEntry, from: &Release, to: &Release) -> Result<Report, Failure> {
    let side = |label: &str, r: &Release| surface(label, &r.root.join(&api.dir), Some(r.root.clone()));
    let (a, b) = (side("--from", from)?, side("--to", to)?);
    let history = derive(config, api).map_err(|e| (1, e.to_string()))?;
    // each earlier id of an operation, to the one `to` knows it by
    let mut renamed = BTreeMap::new();
    for op in &history.operations {
        let ids: Vec<&String> = op.renamed_from.iter().chain(std::iter::once(&op.operation)).collect();
        if let Some(now) = ids.iter().rev().find(|id| b.operations.contains_key(id.as_str())) {
            for old in ids.iter().filter(|id| *id != now) {
                renamed.insert((*old).clone(), (*now).clone());
            }
        }
    }
    let mut report = compare_renamed(&a, &b, &renamed);
    report.from = format!("{} {}", api.name, from.version);
    report.to = format!("{} {}", api.name, to.version);
    Ok(report)
}
