//! Project tasks. `cargo xtask gen [--spec DIR] [--root DIR] [--out DIR] [--crate-name NAME]
//! [--check]` regenerates the `generated` crate from `spec/` (or checks that it is up to date),
//! and says what a spec change changes for code built on the crate; `cargo xtask diff --from DIR
//! --to DIR` reports that between two spec folders.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use matrix_api_generator::diff::{compare, Surface, SURFACE_FILE};
use matrix_api_generator::{generate, generate_set, write, ApiSettings, SetSettings, Settings};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod diff;
mod history;

mod attack;
mod bench_compile;
mod bench_decode;
mod load;

const USAGE: &str =
    "usage: cargo xtask gen [--spec DIR] [--root DIR] [--out DIR] [--crate-name NAME] [--events DIR] [--check] [--timings]
       cargo xtask gen --root DIR --api CRATE=DIR [--api CRATE=DIR ...] [--events DIR] --out DIR [--crate-name NAME] [--check]
       cargo xtask gen --config FILE --out DIR [--check] [--timings]

  --spec DIR        the spec folder; every top-level *.yaml in it is an API document
                    (default: spec/client-server)
  --root DIR        no $ref may leave this folder (default: the spec folder)
  --out DIR         the crate folder to write (default: generated)
  --crate-name NAME the generated crate's package name (default: matrix-client-server-api)
  --events DIR      the spec's event schemas (event-schemas/schema, inside the root): adds the
                    `events` module
  --api CRATE=DIR   generate several APIs in one run: each spec folder DIR becomes the crate
                    CRATE in the output folder, and what they share (support code, errors,
                    identifiers, event types, schemas two or more use) one shared crate beside
                    them, named by --crate-name (default: matrix-api-shared)
  --config FILE     generate every API of a series of releases (matrix-api.toml): each API's
                    crate of the newest release, each operation with its path in every
                    version, into --out DIR (see docs/history.md)
  --check           write nothing; fail if the output folder is not up to date
  --timings         print the time each stage took";

fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest.to_path_buf())
}

struct Args {
    spec: PathBuf,
    root: Option<PathBuf>,
    out: PathBuf,
    crate_name: Option<String>,
    events: Option<PathBuf>,
    apis: Vec<(String, PathBuf)>,
    config: Option<PathBuf>,
    check: bool,
    timings: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let ws = workspace_root();
    let mut parsed = Args {
        spec: ws.join("spec/client-server"),
        root: None,
        out: ws.join("generated"),
        crate_name: None,
        events: None,
        apis: Vec::new(),
        config: None,
        check: false,
        timings: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--spec" => parsed.spec = PathBuf::from(value("--spec")?),
            "--root" => parsed.root = Some(PathBuf::from(value("--root")?)),
            "--out" => parsed.out = PathBuf::from(value("--out")?),
            "--crate-name" => parsed.crate_name = Some(value("--crate-name")?),
            "--events" => parsed.events = Some(PathBuf::from(value("--events")?)),
            "--api" => {
                let given = value("--api")?;
                let Some((name, dir)) = given.split_once('=') else {
                    return Err(format!("--api takes CRATE=DIR, not `{given}`"));
                };
                parsed.apis.push((name.to_owned(), PathBuf::from(dir)));
            }
            "--config" => parsed.config = Some(PathBuf::from(value("--config")?)),
            "--check" => parsed.check = true,
            "--timings" => parsed.timings = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if parsed.config.is_some() {
        let alone =
            parsed.apis.is_empty() && parsed.crate_name.is_none() && parsed.events.is_none() && parsed.root.is_none();
        if !alone {
            return Err(
                "--config names the releases, APIs, crates and events itself: give it with --out only".to_owned(),
            );
        }
        if parsed.out == ws.join("generated") {
            return Err("--config needs --out DIR: generated/ is the crate of spec/".to_owned());
        }
    }
    // crate names are also folders and Rust paths: refused before anything is read
    let names = parsed.crate_name.iter().chain(parsed.apis.iter().map(|(name, _)| name));
    for name in names {
        matrix_api_generator::crate_name::check(name)?;
    }
    Ok(parsed)
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The time of each stage, as `--timings` prints it; with the emitting and formatting of the
/// files if `format` (a set has that stage once, for all its crates).
fn stages(t: &matrix_api_generator::Timings, format: bool) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut line = format!(
        "load {:.1} ms, fixups {:.1} ms, resolve {:.1} ms, front end {:.1} ms, IR {:.1} ms, assembly {:.1} ms",
        ms(t.load),
        ms(t.fixups),
        ms(t.resolve),
        ms(t.front_end),
        ms(t.ir),
        ms(t.emit)
    );
    if format {
        line.push_str(&format!(", emit and format {:.1} ms", ms(t.format)));
    }
    line
}

/// What the spec change since the crate in `out` was generated changes for code built on it: one
/// paragraph, or nothing when the crate has no surface yet (a new crate) or nothing changed.
fn change_summary(out: &Path, generated: &matrix_api_generator::Generated) -> Option<String> {
    let old = Surface::from_json(&std::fs::read_to_string(out.join(SURFACE_FILE)).ok()?).ok()?;
    let report = compare(&old, &generated.surface()?);
    (!report.is_empty()).then(|| {
        format!(
            "{} `cargo xtask diff` gives each change, with where the spec defines it.",
            report.summary()
        )
    })
}

/// What [`run_generator`] gives: each crate by its folder (empty for one crate), and a set's one
/// format stage (for all its crates).
type Run = (Vec<(String, matrix_api_generator::Generated)>, Option<Duration>);

/// What one run generated: the crate (`generated/`), or a set of crates, each in a folder of the
/// output folder named after it.
fn run_generator(args: &Args) -> Result<Run, String> {
    if let Some(file) = &args.config {
        let config = matrix_api_generator::config::Config::read(file).map_err(|e| e.to_string())?;
        return matrix_api_generator::generate_series(&config)
            .map(|crates| (crates, None))
            .map_err(|e| e.to_string());
    }
    if args.apis.is_empty() {
        let mut settings = Settings::new(&args.spec);
        settings.root = args.root.clone();
        settings.events = args.events.clone();
        if let Some(name) = &args.crate_name {
            settings.crate_name = name.clone();
        }
        return generate(&settings)
            .map(|g| (vec![(String::new(), g)], None))
            .map_err(|e| e.to_string());
    }
    let Some(root) = args.root.clone() else {
        return Err("--api needs --root, the folder every API and the event schemas are in".to_owned());
    };
    let apis = args
        .apis
        .iter()
        .map(|(name, dir)| ApiSettings {
            spec_dir: dir.clone(),
            crate_name: name.clone(),
        })
        .collect();
    let mut settings = SetSettings::new(root, apis);
    settings.events = args.events.clone();
    if let Some(name) = &args.crate_name {
        settings.shared_crate = name.clone();
    }
    generate_set(&settings)
        .map(|set| (set.crates, Some(set.format)))
        .map_err(|e| e.to_string())
}

fn gen(args: &Args) -> ExitCode {
    let start = Instant::now();
    let (crates, set_format) = match run_generator(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut files = std::collections::BTreeMap::new();
    for (dir, g) in &crates {
        for w in &g.warnings {
            eprintln!("warning: {w}");
        }
        if args.timings {
            let name = if dir.is_empty() {
                String::new()
            } else {
                format!("{dir}: ")
            };
            println!("{name}stages: {}", stages(&g.timings, set_format.is_none()));
        }
        for (path, text) in &g.files {
            let path = if dir.is_empty() {
                path.clone()
            } else {
                format!("{dir}/{path}")
            };
            files.insert(path, text.clone());
        }
    }
    if let (true, Some(format)) = (args.timings, set_format) {
        let mut sum = matrix_api_generator::Timings::default();
        for (_, g) in &crates {
            let t = &g.timings;
            sum.load += t.load;
            sum.fixups += t.fixups;
            sum.resolve += t.resolve;
            sum.front_end += t.front_end;
            sum.ir += t.ir;
            sum.emit += t.emit;
        }
        sum.format = format;
        println!(
            "all crates: stages: {} (each stage summed over the crates, which are read side by side; emitting and formatting is one stage for the set)",
            stages(&sum, true)
        );
    }
    let count = |f: fn(&matrix_api_generator::Generated) -> usize| crates.iter().map(|(_, g)| f(g)).sum::<usize>();
    let mut summary = format!(
        "{}, {}, {}",
        plural(count(|g| g.documents), "document"),
        plural(count(|g| g.operations), "operation"),
        plural(count(|g| g.types), "type")
    );
    if crates.len() > 1 {
        summary = format!("{} ({summary})", plural(crates.len(), "crate"));
    }
    let change_summary = |out: &Path| -> Option<String> {
        let lines: Vec<String> = crates
            .iter()
            .filter_map(|(dir, g)| {
                let text = change_summary(&out.join(dir), g)?;
                Some(if dir.is_empty() { text } else { format!("{dir}: {text}") })
            })
            .collect();
        (!lines.is_empty()).then(|| lines.join("\n"))
    };
    if args.check {
        match write::diff(&args.out, &files) {
            Ok((stale, orphans)) if stale.is_empty() && orphans.is_empty() => {
                println!(
                    "{} is up to date ({summary}, {}) in {} ms",
                    args.out.display(),
                    plural(files.len(), "file"),
                    start.elapsed().as_millis()
                );
                ExitCode::SUCCESS
            }
            Ok((stale, orphans)) => {
                for f in &stale {
                    eprintln!("stale: {}", args.out.join(f).display());
                }
                for f in &orphans {
                    eprintln!("stale: {} (no longer generated)", args.out.join(f).display());
                }
                if let Some(changes) = change_summary(&args.out) {
                    eprintln!("{changes}");
                }
                eprintln!(
                    "error: {} is out of date ({}); run `cargo xtask gen`",
                    args.out.display(),
                    plural(stale.len() + orphans.len(), "file")
                );
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    } else {
        // read before writing: what the crate's users had
        let changes = change_summary(&args.out);
        match write::write(&args.out, &files) {
            Ok(report) => {
                if let Some(changes) = changes {
                    println!("{changes}");
                }
                println!(
                    "{summary}: {} written, {} removed, {} unchanged in {} in {} ms",
                    plural(report.written.len(), "file"),
                    report.removed.len(),
                    report.unchanged,
                    args.out.display(),
                    start.elapsed().as_millis()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("gen") => match parse(&args[1..]) {
            Ok(a) => gen(&a),
            Err(msg) if msg.is_empty() => {
                println!("{USAGE}");
                ExitCode::SUCCESS
            }
            Err(msg) => {
                eprintln!("error: {msg}\n{USAGE}");
                ExitCode::from(2)
            }
        },
        Some("diff") => diff::run(&args[1..]),
        Some("bench-compile") => bench_compile::run(&args[1..], &workspace_root()),
        Some("bench-decode") => bench_decode::run(&args[1..], &workspace_root()),
        Some("load") => load::run(&args[1..], &workspace_root()),
        Some("attack") => attack::run(&args[1..], &workspace_root()),
        Some("history") => history::run(&args[1..], &workspace_root()),
        _ => {
            eprintln!(
                "{USAGE}\n\n       {}\n       cargo xtask bench-compile [--spec DIR --root DIR] [--ruma] [--release]\n       cargo xtask bench-decode [--runs N]\n       cargo xtask load [--quick] [--debug] [--connections N] [--requests N] [--max-seconds N]\n       cargo xtask attack [--quick] [--debug]\n       {}",
                diff::USAGE,
                history::USAGE
            );
            ExitCode::from(2)
        }
    }
}
