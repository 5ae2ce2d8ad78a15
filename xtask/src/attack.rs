//! `cargo xtask attack [--quick] [--debug]`: builds the example homeserver and the attack harness
//! (release by default), then sends the server each class of hostile client
//! (`tests/src/attack.rs`), printing each attack's figures. `--quick` is the short run CI does
//! (each attack held just past the timeout that cuts it, no slow headers).

use std::path::Path;
use std::process::ExitCode;

pub fn run(args: &[String], root: &Path) -> ExitCode {
    let debug = args.iter().any(|a| a == "--debug");
    let rest: Vec<String> = args.iter().filter(|a| *a != "--debug").cloned().collect();
    super::load::build_and_run("attack", &rest, debug, root)
}
