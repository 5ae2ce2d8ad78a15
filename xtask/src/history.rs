//! `cargo xtask history [--config FILE] [--api NAME]`: each operation's version history across
//! the configuration's releases (`matrix-api.toml` by default), one JSON object per line on
//! standard output; what it read, on standard error. With `--from A --to B`, what changed
//! between the two versions instead: each operation added, deprecated, removed, moved or given
//! other places to send its access token.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use matrix_api_generator::config::MatrixVersion;
use matrix_api_generator::history::{changes, Change, History};

/// What changed between `from` and `to`, a line per operation: `added`, `deprecated`,
/// `removed` with the method and path, `moved` with both paths, `token` with where the access
/// token may be sent before and after.
fn changes_text(history: &History, from: MatrixVersion, to: MatrixVersion) -> String {
    let mut out = String::new();
    for (op, change) in changes(history, from, to) {
        let path = op.stable.last().map(|(_, p)| p.as_str()).unwrap_or_default();
        let line = match change {
            Change::Added => format!("added       {} {} {path}", op.operation, op.method),
            Change::Deprecated => format!("deprecated  {} {} {path}", op.operation, op.method),
            Change::Removed => format!("removed     {} {} {path}", op.operation, op.method),
            Change::Moved(a, b) => format!("moved       {} {} {a} -> {b}", op.operation, op.method),
            Change::Token(a, b) => format!(
                "token       {} {} {path}: in the {a} -> in the {b}",
                op.operation, op.method
            ),
        };
        out.push_str(&format!("{}: {line}\n", op.api));
    }
    out
}

pub const USAGE: &str = "usage: cargo xtask history [--config FILE] [--api NAME] [--from VERSION --to VERSION]";

pub fn run(args: &[String], root: &std::path::Path) -> ExitCode {
    let mut config = root.join("matrix-api.toml");
    let mut only = None;
    let (mut from, mut to) = (None, None);
    let mut args = args.iter();
    while let Some(a) = args.next() {
        let version = |v: &String| MatrixVersion::parse(v);
        match (a.as_str(), args.next()) {
            ("--config", Some(v)) => config = PathBuf::from(v),
            ("--api", Some(v)) => only = Some(v.clone()),
            ("--from", Some(v)) if version(v).is_some() => from = version(v),
            ("--to", Some(v)) if version(v).is_some() => to = version(v),
            _ => {
                eprintln!("error: unknown or incomplete argument `{a}`\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let range = match (from, to) {
        (None, None) => None,
        (Some(f), Some(t)) if f < t => Some((f, t)),
        _ => {
            eprintln!("error: --from and --to go together, the first version earlier\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    match matrix_api_generator::history::derive_all(&config, only.as_deref()) {
        Ok(histories) => {
            let mut out = String::new();
            for history in &histories {
                match range {
                    None => {
                        for op in &history.operations {
                            out.push_str(&op.to_json_line());
                            out.push('\n');
                        }
                    }
                    Some((from, to)) => out.push_str(&changes_text(history, from, to)),
                }
            }
            print!("{out}");
            for history in &histories {
                if let Some(first) = history.operations.first() {
                    let removed = history.operations.iter().filter(|o| o.removed.is_some()).count();
                    let deprecated = history.operations.iter().filter(|o| o.deprecated.is_some()).count();
                    eprintln!(
                        "{}: {} operations ({} deprecated, {} removed); {} warnings reading the releases",
                        first.api,
                        history.operations.len(),
                        deprecated,
                        removed,
                        history.warnings.len()
                    );
                }
            }
            eprintln!("read {} in {} ms", config.display(), started.elapsed().as_millis());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(if e.kind() == matrix_api_generator::ErrorKind::Usage {
                2
            } else {
                1
            })
        }
    }
}
