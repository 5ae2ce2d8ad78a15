//! The server process the load and attack commands run against.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Starts `program ARGS` and reads the address from its first line, `listening on http://ADDR`.
pub fn start(program: &std::path::Path, args: &[&str]) -> Result<(Child, String), String> {
    let mut c = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let mut line = String::new();
    if let Some(out) = c.stdout.take() {
        let _ = std::io::BufReader::new(out).read_line(&mut line);
    }
    match line.trim().strip_prefix("listening on http://") {
        Some(addr) => Ok((c, addr.to_owned())),
        None => {
            let _ = c.kill();
            Err(format!(
                "{} did not say where it listens (it printed {line:?})",
                program.display()
            ))
        }
    }
}

/// Stops the server as an operator would (SIGTERM); kills it if it has not stopped within 5 s.
/// Returns whether it stopped by itself.
pub fn stop(mut child: Child) -> bool {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let stopped = (0..50).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        matches!(child.try_wait(), Ok(Some(_)))
    });
    if !stopped {
        let _ = child.kill();
        let _ = child.wait();
    }
    stopped
}
