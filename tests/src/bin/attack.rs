//! `cargo xtask attack` runs this: starts the example homeserver (or attacks one already
//! running), sends it each class of hostile client in turn (`matrix_api_tests::attack`), prints
//! each attack's figures, and exits non-zero unless the server held against every one and still
//! stops gracefully after.
//!
//! ```sh
//! attack --server target/release/examples/server [--quick]
//! attack --addr 127.0.0.1:8448 [--pid PID] [--quick]
//! ```

use std::process::ExitCode;

use matrix_api_tests::attack::{defaults, run, Plan, Target, BASE_BOUND_MIB};
use matrix_api_tests::process::{start, stop};

const USAGE: &str = "usage: attack (--server PATH | --addr HOST:PORT [--pid PID]) [--quick]";

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
    let (mut server, mut addr, mut pid, mut plan) = (None, None, None, Plan::full());
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--server" => server = Some(value("--server")?),
            "--addr" => addr = Some(value("--addr")?),
            "--pid" => pid = Some(value("--pid")?.parse::<u32>().map_err(|e| e.to_string())?),
            "--quick" => plan = Plan::quick(),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    // thousands of connections, on both ends: the server inherits the raised limit
    let open_files = matrix_api_tests::attack::raise_open_files();
    let room = usize::try_from(open_files.saturating_sub(512)).unwrap_or(usize::MAX);
    if room < plan.idle {
        println!(
            "the open-file limit is {open_files}: the idle attack opens {room} connections, not {}",
            plan.idle
        );
        plan.idle = room;
    }
    let (child, addr) = match (server, addr) {
        (Some(path), None) => {
            let (c, addr) = start(std::path::Path::new(&path), &["--listen", "127.0.0.1:0"])?;
            pid = Some(c.id());
            (Some(c), addr)
        }
        (None, Some(a)) => (None, a),
        _ => return Err("give one of --server and --addr".to_owned()),
    };
    let addr = addr.parse().map_err(|e| format!("`{addr}`: {e}"))?;
    let c = defaults();
    println!(
        "attacks on the example homeserver at {addr}, its ServerConfig the default: body limit {} KiB, \
         body stall {:?}, minimum rate {} B/s after {:?}, first-request timeout {:?}, header timeout {:?}, \
         {} connections ({} per peer), backlog {}",
        c.body_limit / 1024,
        c.body_timeout.unwrap_or_default(),
        c.body_min_rate,
        c.body_grace,
        c.first_request_timeout,
        c.header_timeout,
        c.max_connections,
        c.max_connections_per_peer,
        c.backlog
    );
    println!(
        "memory bound: {BASE_BOUND_MIB} MiB plus the bytes the attack's bodies may hold by the limits; \
         normal requests: GET /account/3pid on a fresh connection every 200 ms from 127.0.0.1's neighbour 127.0.1.1\n"
    );
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let outcomes = runtime.block_on(run(Target { addr, pid }, &plan));
    let mut held = true;
    for outcome in &outcomes {
        println!("{outcome}");
        held &= outcome.passed();
    }
    if let Some(c) = child {
        if !stop(c) {
            println!("the server did not stop within 5 s of SIGTERM after the attacks");
            held = false;
        }
    }
    println!("attack: {}", if held { "held" } else { "FAILED" });
    Ok(held)
}
