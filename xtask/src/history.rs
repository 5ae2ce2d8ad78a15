//! `cargo xtask history [--config FILE] [--api NAME]`: each operation's version history across
//! the configuration's releases (`matrix-api.toml` by default), one JSON object per line on
//! standard output; what it read, on standard error.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

pub const USAGE: &str = "usage: cargo xtask history [--config FILE] [--api NAME]";

pub fn run(args: &[String], root: &std::path::Path) -> ExitCode {
    let mut config = root.join("matrix-api.toml");
    let mut only = None;
    let mut args = args.iter();
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--config", Some(v)) => config = PathBuf::from(v),
            ("--api", Some(v)) => only = Some(v.clone()),
            _ => {
                eprintln!("error: unknown or incomplete argument `{a}`\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let started = Instant::now();
    match matrix_api_generator::history::derive_all(&config, only.as_deref()) {
        Ok(histories) => {
            let mut out = String::new();
            for history in &histories {
                for op in &history.operations {
                    out.push_str(&op.to_json_line());
                    out.push('\n');
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
