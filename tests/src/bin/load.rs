//! `cargo xtask load` runs this: starts the example homeserver (or uses one already running),
//! sends it the load, prints the report, and exits non-zero unless every request was answered
//! as expected with no 5xx and no dropped connection. With `--floor`, the same load first goes to
//! a bare hyper server answering a fixed body (the anchor: this machine's and this generator's
//! ceiling), in the same run.
//!
//! ```sh
//! load --server target/release/examples/server [--floor] [--connections 200] [--requests 200000] [--max-seconds 300]
//! load --addr 127.0.0.1:8448 ...
//! ```

use std::process::ExitCode;
use std::time::Duration;

use matrix_api_tests::load::{run, serve_floor, LoadConfig};
use matrix_api_tests::process::{start, stop};

const USAGE: &str =
    "usage: load (--server PATH | --addr HOST:PORT) [--floor] [--connections N] [--requests N] [--max-seconds N]";

fn main() -> ExitCode {
    match main_inner() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn main_inner() -> Result<bool, String> {
    if std::env::args().nth(1).as_deref() == Some("--serve-floor") {
        let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        runtime.block_on(serve_floor()).map_err(|e| e.to_string())?;
        return Ok(true);
    }
    let mut floor = false;
    let mut server = None;
    let mut addr = None;
    let mut config = LoadConfig {
        connections: 200,
        requests: 200_000,
        max_time: Duration::from_secs(300),
        server_pid: None,
        check: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |v: String| v.parse::<usize>().map_err(|e| format!("`{v}`: {e}"));
        match a.as_str() {
            "--server" => server = Some(value("--server")?),
            "--floor" => floor = true,
            "--addr" => addr = Some(value("--addr")?),
            "--connections" => config.connections = number(value("--connections")?)?.max(1),
            "--requests" => config.requests = number(value("--requests")?)?,
            "--max-seconds" => config.max_time = Duration::from_secs(number(value("--max-seconds")?)? as u64),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    if floor {
        let me = std::env::current_exe().map_err(|e| e.to_string())?;
        let (mut c, addr) = start(&me, &["--serve-floor"])?;
        let addr = addr.parse().map_err(|e| format!("`{addr}`: {e}"))?;
        println!("anchor: the same load against a bare hyper server answering a fixed body");
        let anchor = LoadConfig {
            server_pid: Some(c.id()),
            check: false,
            ..config.clone()
        };
        print!("{}", runtime.block_on(run(addr, &anchor)));
        let _ = c.kill();
        let _ = c.wait();
        println!();
    }
    let mut child = None;
    let addr = match (server, addr) {
        (Some(path), None) => {
            let (c, addr) = start(std::path::Path::new(&path), &["--listen", "127.0.0.1:0"])?;
            config.server_pid = Some(c.id());
            child = Some(c);
            addr
        }
        (None, Some(a)) => a,
        _ => return Err("give one of --server and --addr".to_owned()),
    };
    let addr = addr.parse().map_err(|e| format!("`{addr}`: {e}"))?;
    println!(
        "the example homeserver: {} requests over {} connections against {addr} (at most {} s)",
        config.requests,
        config.connections,
        config.max_time.as_secs()
    );
    let report = runtime.block_on(run(addr, &config));
    print!("{report}");
    if let Some(c) = child {
        // a graceful stop, as an operator would do it
        if !stop(c) {
            println!("the server did not stop within 5 s of SIGTERM");
            return Ok(false);
        }
    }
    let passed = report.passed(&config);
    println!("{}", if passed { "load: passed" } else { "load: FAILED" });
    Ok(passed)
}
