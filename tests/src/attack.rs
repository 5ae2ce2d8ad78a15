//! The attack harness (`cargo xtask attack`): each class of hostile client the generated server
//! must hold against, sent to a running server, with what a reader needs to judge it: the server's
//! memory before, at its peak during and after the attack, how many normal requests (fresh
//! connections from another peer, a few a second) were answered within a second meanwhile, and how
//! soon the server cut the attacker off.
//!
//! Every attacker comes from loopback addresses of its own (`127.0.A.B`), the normal client from
//! `127.0.1.1`: the server limits connections per peer, and on loopback every address is a peer.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the server is configured with: the example homeserver serves the default configuration.
pub fn defaults() -> matrix_client_server_api::ServerConfig {
    matrix_client_server_api::ServerConfig::default()
}

/// Raises this process's open-file limit to its hard limit (a server it starts inherits it), and
/// returns the limit now in force.
pub fn raise_open_files() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` and `setrlimit` read and write only the struct passed
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
            limit = raised;
        }
    }
    // `rlim_t` is `u64` on Linux, not on every system
    #[allow(clippy::unnecessary_cast)]
    let limit = limit.rlim_cur as u64;
    limit
}

/// How long the attacks last, and how hard they are.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Bytes each one-byte-writes connection sends, one write each.
    pub one_byte_writes: usize,
    /// How long the idle, flood and slow attacks go on.
    pub hold: Duration,
    /// Whether to include slow headers (cut at the 30 s header timeout).
    pub slow_headers: bool,
    /// The most connections the idle attack opens: the server's `max_connections`, unless the
    /// open-file limit is lower.
    pub idle: usize,
}

impl Plan {
    /// The full run, by hand: the issue's figures (8 × 250,000 one-byte writes, 30 s attacks).
    pub fn full() -> Self {
        Plan {
            one_byte_writes: 250_000,
            hold: Duration::from_secs(30),
            slow_headers: true,
            idle: defaults().max_connections,
        }
    }

    /// The short run CI does: each class, held just past the timeouts that cut it.
    pub fn quick() -> Self {
        Plan {
            one_byte_writes: 50_000,
            hold: Duration::from_secs(13),
            slow_headers: false,
            idle: defaults().max_connections,
        }
    }
}

/// One attack's figures, and whether it held.
pub struct Outcome {
    pub name: &'static str,
    pub what: String,
    /// The server's resident memory, in KiB: before, the peak during, and 2 s after.
    pub memory: [u64; 3],
    /// The bound the peak must stay under, in KiB.
    pub bound: u64,
    /// Normal requests: sent, answered within a second, the slowest answer.
    pub probes: (usize, usize, Duration),
    /// How soon the attacker's connections were cut (or answered): each one's time.
    pub cut: Vec<Duration>,
    /// What [`Outcome::cut`] measures: "cut" or "answered".
    pub cut_is: &'static str,
    /// What the attacker got, in words.
    pub attacker: String,
    /// The class's own checks: what each states, and whether it held.
    pub checks: Vec<(String, bool)>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.probes.0 > 0
            && self.probes.1 == self.probes.0
            && self.memory[1] <= self.bound
            && self.checks.iter().all(|(_, ok)| *ok)
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}: {}", self.name, self.what)?;
        let [before, peak, after] = self.memory;
        writeln!(
            f,
            "  memory           RSS {:.1} MiB before, {:.1} MiB at the peak, {:.1} MiB 2 s after (bound {:.1} MiB)",
            mib(before),
            mib(peak),
            mib(after),
            mib(self.bound)
        )?;
        let (sent, in_time, slowest) = self.probes;
        writeln!(
            f,
            "  normal requests  {in_time} of {sent} answered within 1 s (slowest {:.1} ms), fresh connections from another peer",
            slowest.as_secs_f64() * 1000.0
        )?;
        if !self.cut.is_empty() {
            let mut cut = self.cut.clone();
            cut.sort();
            writeln!(
                f,
                "  attacker         {} after {:.2} s (first), {:.2} s (median), {:.2} s (last), {} connections",
                self.cut_is,
                secs(cut[0]),
                secs(cut[cut.len() / 2]),
                secs(cut[cut.len() - 1]),
                cut.len()
            )?;
        }
        writeln!(f, "  attacker got     {}", self.attacker)?;
        for (check, ok) in &self.checks {
            writeln!(f, "  {} {check}", if *ok { "ok  " } else { "FAIL" })?;
        }
        writeln!(f, "  {}", if self.passed() { "held" } else { "DID NOT HOLD" })
    }
}

/// The server under attack.
#[derive(Clone, Copy)]
pub struct Target {
    pub addr: SocketAddr,
    pub pid: Option<u32>,
}

impl Target {
    /// Its resident memory in KiB (0 when its pid is not known).
    fn rss(&self) -> u64 {
        let Some(pid) = self.pid else { return 0 };
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }
}

/// A TCP connection to the target from the loopback address `source` (any port).
async fn connect(target: SocketAddr, source: Ipv4Addr) -> std::io::Result<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    if target.ip().is_loopback() {
        socket.bind(SocketAddr::from((source, 0)))?;
    }
    let stream = socket.connect(target).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// The address of attacker `i` of the group `group` (`127.0.group.*`), `per_address` connections
/// to an address.
fn source(group: u8, i: usize, per_address: usize) -> Ipv4Addr {
    let n = i / per_address.max(1);
    Ipv4Addr::new(
        127,
        group,
        u8::try_from(n / 250).unwrap_or(u8::MAX),
        u8::try_from(1 + n % 250).unwrap_or(u8::MAX),
    )
}

/// The address of the normal client.
const NORMAL: Ipv4Addr = Ipv4Addr::new(127, 0, 1, 1);

/// `POST /account/3pid` (`post_3pids`): an operation that needs a token and takes a JSON body.
const ADD_3PID: &str = "/_matrix/client/v3/account/3pid";

/// Reads an HTTP answer's status and `errcode` from `stream`, up to 64 KiB or its end.
async fn read_answer(stream: &mut (impl tokio::io::AsyncRead + Unpin)) -> Option<(u16, String)> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        bytes.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&bytes);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length || n == 0 {
                let status = head.split(' ').nth(1)?.parse().ok()?;
                let errcode = serde_json::from_str::<serde_json::Value>(body)
                    .ok()
                    .and_then(|v| v.get("errcode")?.as_str().map(str::to_owned))
                    .unwrap_or_default();
                return Some((status, errcode));
            }
        }
        if n == 0 || bytes.len() > 64 * 1024 {
            return None;
        }
    }
}

/// Counts answers by status and errcode, in words ("8 × 408 M_UNKNOWN, 2 × closed").
#[derive(Default)]
struct Tally(Mutex<std::collections::BTreeMap<String, usize>>);

impl Tally {
    fn add(&self, answer: Option<&(u16, String)>) {
        let key = match answer {
            Some((status, errcode)) => format!("{status} {errcode}").trim().to_owned(),
            None => "closed without an answer".to_owned(),
        };
        if let Ok(mut t) = self.0.lock() {
            *t.entry(key).or_default() += 1;
        }
    }

    fn count(&self, key: &str) -> usize {
        self.0.lock().map(|t| t.get(key).copied().unwrap_or(0)).unwrap_or(0)
    }

    fn total(&self) -> usize {
        self.0.lock().map(|t| t.values().sum()).unwrap_or(0)
    }

    fn words(&self) -> String {
        let t = self.0.lock().map(|t| t.clone()).unwrap_or_default();
        if t.is_empty() {
            return "nothing".to_owned();
        }
        t.iter()
            .map(|(k, n)| format!("{n} × {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What runs beside every attack: the normal client and the memory sampler.
struct Watch {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    probes: tokio::task::JoinHandle<Vec<Option<Duration>>>,
    sampler: tokio::task::JoinHandle<()>,
}

/// A normal request: `GET /account/3pid` on a fresh connection from [`NORMAL`], with a token.
async fn probe(target: SocketAddr) -> Option<Duration> {
    let started = Instant::now();
    let answer = async {
        let stream = connect(target, NORMAL).await.ok()?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .ok()?;
        tokio::spawn(conn);
        let request = http::Request::get("/_matrix/client/v3/account/3pid")
            .header("host", "localhost")
            .header("authorization", "Bearer token-normal")
            .body(http_body_util::Empty::<hyper::body::Bytes>::new())
            .ok()?;
        let response = sender.send_request(request).await.ok()?;
        let ok = response.status() == 200;
        response.into_body().collect().await.ok()?;
        ok.then_some(())
    };
    match tokio::time::timeout(Duration::from_secs(5), answer).await {
        Ok(Some(())) => Some(started.elapsed()),
        _ => None,
    }
}

impl Watch {
    fn start(target: Target) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(target.rss()));
        let probes = {
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut out = Vec::new();
                // at least 10, however short the attack
                while out.len() < 10 || !stop.load(Ordering::SeqCst) {
                    let next = tokio::time::Instant::now() + Duration::from_millis(200);
                    out.push(probe(target.addr).await);
                    tokio::time::sleep_until(next).await;
                }
                out
            })
        };
        let sampler = {
            let (stop, peak) = (stop.clone(), peak.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    peak.fetch_max(target.rss(), Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        };
        Watch {
            stop,
            peak,
            probes,
            sampler,
        }
    }

    /// Stops the normal client: (sent, answered within a second, slowest answer) and the peak.
    async fn finish(self) -> ((usize, usize, Duration), u64) {
        self.stop.store(true, Ordering::SeqCst);
        let probes = self.probes.await.unwrap_or_default();
        let _ = self.sampler.await;
        let in_time = probes
            .iter()
            .filter(|p| p.is_some_and(|d| d <= Duration::from_secs(1)))
            .count();
        let slowest = probes
            .iter()
            .map(|p| p.unwrap_or(Duration::from_secs(5)))
            .max()
            .unwrap_or_default();
        ((probes.len(), in_time, slowest), self.peak.load(Ordering::SeqCst))
    }
}

/// What an attack returns to [`run_one`].
struct Attacked {
    what: String,
    /// Bytes the attack may make the server hold by its limits, beyond its fixed cost.
    in_flight: u64,
    cut: Vec<Duration>,
    cut_is: &'static str,
    tally: Tally,
    checks: Vec<(String, bool)>,
}

/// The fixed part of the memory bound: the server's own memory, with room for its buffers, its
/// allocator and thousands of connections.
pub const BASE_BOUND_MIB: u64 = 64;

async fn run_one(target: Target, name: &'static str, attack: impl std::future::Future<Output = Attacked>) -> Outcome {
    let before = target.rss();
    let watch = Watch::start(target);
    let attacked = attack.await;
    let (probes, peak) = watch.finish().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    Outcome {
        name,
        what: attacked.what,
        memory: [before, peak, target.rss()],
        bound: BASE_BOUND_MIB * 1024 + attacked.in_flight / 1024,
        probes,
        cut: attacked.cut,
        cut_is: attacked.cut_is,
        attacker: attacked.tally.words(),
        checks: attacked.checks,
    }
}

/// Every attack of `plan`, one after another.
pub async fn run(target: Target, plan: &Plan) -> Vec<Outcome> {
    let mut out = vec![
        run_one(
            target,
            "one-byte writes",
            one_byte_writes(target.addr, 8, plan.one_byte_writes),
        )
        .await,
        run_one(
            target,
            "idle connections",
            idle_connections(target.addr, plan.idle, plan.hold),
        )
        .await,
        run_one(target, "one peer's flood", one_peer_flood(target.addr, 1000, plan.hold)).await,
        run_one(target, "slow bodies", slow_bodies(target.addr, 64)).await,
        run_one(target, "unauthenticated upload", unauthenticated_upload(target.addr)).await,
        run_one(target, "invalid JSON", invalid_json(target.addr, 2000)).await,
    ];
    if plan.slow_headers {
        out.push(run_one(target, "slow headers", slow_headers(target.addr, 64)).await);
    }
    out
}

/// A JSON body for [`ADD_3PID`] of exactly `size` bytes (the padding in a field the
/// type does not know).
fn padded_body(size: usize) -> Vec<u8> {
    let head = br#"{"three_pid_creds":{"client_secret":"s","id_server":"i","sid":"valid-attack"},"padding":""#;
    let mut body = head.to_vec();
    body.resize(size.saturating_sub(2).max(head.len()), b'a');
    body.extend_from_slice(b"\"}");
    body
}

fn request_head(path: &str, token: Option<&str>, framing: &str) -> Vec<u8> {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    format!("POST {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: application/json\r\n{framing}\r\n")
        .into_bytes()
}

/// Memory by write: `connections` bodies of `bytes` bytes each, every byte its own write.
async fn one_byte_writes(target: SocketAddr, connections: usize, bytes: usize) -> Attacked {
    let tally = Arc::new(Tally::default());
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|i| {
            let tally = tally.clone();
            tokio::spawn(async move {
                let body = padded_body(bytes);
                let sent = async {
                    let mut stream = connect(target, source(2, i, 1)).await.ok()?;
                    let framing = format!("Content-Length: {}\r\n", body.len());
                    stream
                        .write_all(&request_head(ADD_3PID, Some("token-attacker"), &framing))
                        .await
                        .ok()?;
                    for byte in &body {
                        stream.write_all(std::slice::from_ref(byte)).await.ok()?;
                    }
                    read_answer(&mut stream).await
                };
                let answer = sent.await;
                tally.add(answer.as_ref());
                started.elapsed()
            })
        })
        .collect();
    let mut cut = Vec::new();
    for t in tasks {
        cut.extend(t.await.ok());
    }
    let tally = Arc::try_unwrap(tally).unwrap_or_default();
    let answered = tally.count("200");
    Attacked {
        what: format!("{connections} connections, each a {bytes}-byte JSON body in one-byte writes (authenticated)"),
        in_flight: (connections * bytes) as u64,
        checks: vec![(
            format!("every body read whole and answered ({answered} of {connections})"),
            answered == connections,
        )],
        cut,
        cut_is: "answered",
        tally,
    }
}

/// Holds connections that send nothing, reopening each as the server closes it, for `hold`.
async fn hold_idle(target: SocketAddr, from: Ipv4Addr, hold: Duration, tally: Arc<Tally>) -> Vec<Duration> {
    let until = Instant::now() + hold;
    let mut lives = Vec::new();
    while Instant::now() < until {
        let opened = Instant::now();
        let Ok(mut stream) = connect(target, from).await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let left = until.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, read_answer(&mut stream)).await {
            Ok(answer) => {
                tally.add(answer.as_ref());
                lives.push(opened.elapsed());
            }
            Err(_) => break,
        }
    }
    lives
}

/// One client locking everyone out: as many idle connections as the server takes in all
/// (`max_connections`, or `total` where the open-file limit is lower), from peers each under the
/// per-peer limit, reopened as they are closed.
async fn idle_connections(target: SocketAddr, total: usize, hold: Duration) -> Attacked {
    let config = defaults();
    let per_address = config.max_connections_per_peer.clamp(1, 64);
    let tally = Arc::new(Tally::default());
    let tasks: Vec<_> = (0..total)
        .map(|i| tokio::spawn(hold_idle(target, source(3, i, per_address), hold, tally.clone())))
        .collect();
    let mut cut = Vec::new();
    for t in tasks {
        cut.extend(t.await.unwrap_or_default());
    }
    let tally = Arc::try_unwrap(tally).unwrap_or_default();
    let limit = config.first_request_timeout + Duration::from_secs(2);
    let late = cut.iter().filter(|d| **d > limit).count();
    Attacked {
        what: format!(
            "{total} connections that send nothing from {} addresses, reopened as they close, for {} s",
            total.div_ceil(per_address),
            hold.as_secs()
        ),
        in_flight: 0,
        checks: vec![(
            format!("every idle connection closed within the first-request timeout + 2 s ({late} later)"),
            late == 0 && !cut.is_empty(),
        )],
        cut,
        cut_is: "cut",
        tally,
    }
}

/// One peer opening `connections` connections at once and holding them.
async fn one_peer_flood(target: SocketAddr, connections: usize, hold: Duration) -> Attacked {
    let config = defaults();
    let tally = Arc::new(Tally::default());
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let tally = tally.clone();
            tokio::spawn(async move {
                let opened = Instant::now();
                let mut stream = connect(target, Ipv4Addr::new(127, 0, 4, 1)).await.ok()?;
                let answer = tokio::time::timeout(hold, read_answer(&mut stream)).await.ok()?;
                tally.add(answer.as_ref());
                let refused = answer.is_some_and(|(status, _)| status == 429);
                refused.then(|| opened.elapsed())
            })
        })
        .collect();
    let mut cut = Vec::new();
    for t in tasks {
        cut.extend(t.await.ok().flatten());
    }
    let tally = Arc::try_unwrap(tally).unwrap_or_default();
    let limit = config.max_connections_per_peer;
    let expected = connections.saturating_sub(limit);
    // past `MAX_REFUSALS` refusals at once, the server closes without answering
    let refused = tally.count("429 M_LIMIT_EXCEEDED") + tally.count("closed without an answer");
    let held = tally.count("408 M_UNKNOWN");
    Attacked {
        what: format!("{connections} connections at once from one address, held for {} s", hold.as_secs()),
        in_flight: 0,
        checks: vec![
            (
                format!("those past the per-peer limit refused at once, 429 M_LIMIT_EXCEEDED or closed ({refused} of {expected}; cut = time to the 429)"),
                refused == expected,
            ),
            (format!("the {limit} within it held until the first-request timeout ({held})"), held == limit),
        ],
        cut,
        cut_is: "refused",
        tally,
    }
}

/// Bodies that trickle: half with a `Content-Length`, half chunked and never ending, a byte a
/// second each, until the server cuts them.
async fn slow_bodies(target: SocketAddr, connections: usize) -> Attacked {
    let config = defaults();
    let tally = Arc::new(Tally::default());
    let tasks: Vec<_> = (0..connections)
        .map(|i| {
            let tally = tally.clone();
            tokio::spawn(async move {
                let opened = Instant::now();
                let stream = connect(target, source(5, i, 8)).await.ok()?;
                let (mut read, mut write) = stream.into_split();
                let chunked = i % 2 == 1;
                let framing = if chunked {
                    "Transfer-Encoding: chunked\r\n"
                } else {
                    "Content-Length: 100000\r\n"
                };
                write
                    .write_all(&request_head(ADD_3PID, Some("token-attacker"), framing))
                    .await
                    .ok()?;
                let trickle = async move {
                    loop {
                        let piece: &[u8] = if chunked { b"1\r\na\r\n" } else { b"a" };
                        if write.write_all(piece).await.is_err() {
                            // cut: wait for the answer
                            std::future::pending::<()>().await;
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                };
                let answer = tokio::select! {
                    answer = read_answer(&mut read) => answer,
                    () = trickle => None,
                    () = tokio::time::sleep(Duration::from_secs(150)) => None,
                };
                tally.add(answer.as_ref());
                Some(opened.elapsed())
            })
        })
        .collect();
    let mut cut = Vec::new();
    for t in tasks {
        cut.extend(t.await.ok().flatten());
    }
    let tally = Arc::try_unwrap(tally).unwrap_or_default();
    let limit = config.body_grace + Duration::from_secs(3);
    let late = cut.iter().filter(|d| **d > limit).count();
    let timed_out = tally.count("408 M_UNKNOWN");
    Attacked {
        what: format!("{connections} bodies at a byte a second (half with a length, half chunked without end)"),
        in_flight: 0,
        checks: vec![
            (
                format!("each answered 408 M_UNKNOWN ({timed_out} of {connections})"),
                timed_out == connections,
            ),
            (
                format!("each cut within the body grace + 3 s ({late} later)"),
                late == 0,
            ),
        ],
        cut,
        cut_is: "cut",
        tally,
    }
}

/// Work before auth: 40 MiB bodies sent as fast as possible, without a token and with one the
/// server does not know; the answer must come before the body is read.
async fn unauthenticated_upload(target: SocketAddr) -> Attacked {
    const SIZE: usize = 40 * 1024 * 1024;
    let tally = Arc::new(Tally::default());
    let written = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let (tally, written) = (tally.clone(), written.clone());
            tokio::spawn(async move {
                let opened = Instant::now();
                let stream = connect(target, source(6, i, 1)).await.ok()?;
                let (mut read, mut write) = stream.into_split();
                let token = (i % 2 == 1).then_some("nobody");
                let sent = Arc::new(AtomicU64::new(0));
                write
                    .write_all(&request_head(ADD_3PID, token, &format!("Content-Length: {SIZE}\r\n")))
                    .await
                    .ok()?;
                let pushing = {
                    let sent = sent.clone();
                    async move {
                        let chunk = vec![b'a'; 64 * 1024];
                        let mut n = 0;
                        while n < SIZE && write.write_all(&chunk).await.is_ok() {
                            n += chunk.len();
                            sent.store(n as u64, Ordering::SeqCst);
                        }
                        std::future::pending::<()>().await;
                    }
                };
                let answer = tokio::select! {
                    answer = read_answer(&mut read) => answer,
                    () = pushing => None,
                    () = tokio::time::sleep(Duration::from_secs(60)) => None,
                };
                let at = opened.elapsed();
                tally.add(answer.as_ref());
                if let Ok(mut w) = written.lock() {
                    w.push(sent.load(Ordering::SeqCst));
                }
                Some(at)
            })
        })
        .collect();
    let mut cut = Vec::new();
    for t in tasks {
        cut.extend(t.await.ok().flatten());
    }
    let tally = Arc::try_unwrap(tally).unwrap_or_default();
    let most = written
        .lock()
        .map(|w| w.iter().copied().max().unwrap_or(0))
        .unwrap_or(0);
    let refused = tally.count("401 M_MISSING_TOKEN") + tally.count("401 M_UNKNOWN_TOKEN");
    Attacked {
        what: "4 bodies of 40 MiB as fast as loopback takes them, 2 without a token and 2 with an unknown one"
            .to_owned(),
        in_flight: 0,
        checks: vec![
            (
                format!("each answered 401 M_MISSING_TOKEN or M_UNKNOWN_TOKEN ({refused} of 4)"),
                refused == 4,
            ),
            (
                format!(
                    "answered before the body was read: at most {:.1} MiB sent (the sockets' buffers) of 40",
                    most as f64 / 1024.0 / 1024.0
                ),
                most < (SIZE / 4) as u64,
            ),
        ],
        cut,
        cut_is: "answered",
        tally,
    }
}

/// Bodies no JSON parser takes, in a field the type does not know, on kept-alive connections.
async fn invalid_json(target: SocketAddr, requests: usize) -> Attacked {
    let wrap = |inner: &[u8]| {
        let mut body =
            br#"{"three_pid_creds":{"client_secret":"s","id_server":"i","sid":"valid-attack"},"unknown":"#.to_vec();
        body.extend_from_slice(inner);
        body.push(b'}');
        body
    };
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let bodies: Arc<Vec<(Vec<u8>, &'static str)>> = Arc::new(vec![
        (wrap(b"\"\xff\xfe\""), "400 M_NOT_JSON"),
        (wrap(br#""\ud800""#), "400 M_NOT_JSON"),
        (wrap(b"1e999999"), "400 M_NOT_JSON"),
        (wrap(deep.as_bytes()), "400 M_BAD_JSON"),
    ]);
    let tally = Arc::new(Tally::default());
    let wrong = Arc::new(AtomicU64::new(0));
    let connections = 16;
    let tasks: Vec<_> = (0..connections)
        .map(|c| {
            let (bodies, tally, wrong) = (bodies.clone(), tally.clone(), wrong.clone());
            tokio::spawn(async move {
                let stream = connect(target, source(7, c, 4)).await.ok()?;
                let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                    .await
                    .ok()?;
                tokio::spawn(conn);
                for i in (c..requests).step_by(connections) {
                    let (body, expect) = &bodies[i % bodies.len()];
                    let request = http::Request::post(ADD_3PID)
                        .header("host", "localhost")
                        .header("authorization", "Bearer token-attacker")
                        .header("content-type", "application/json")
                        .body(http_body_util::Full::new(hyper::body::Bytes::from(body.clone())))
                        .ok()?;
                    sender.ready().await.ok()?;
                    let response = sender.send_request(request).await.ok()?;
                    let status = response.status().as_u16();
                    let bytes = response.into_body().collect().await.ok()?.to_bytes();
                    let errcode = serde_json::from_slice::<serde_json::Value>(&bytes)
                        .ok()
                        .and_then(|v| v.get("errcode")?.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    let answer = (status, errcode);
                    if format!("{} {}", answer.0, answer.1) != *expect {
                        wrong.fetch_add(1, Ordering::SeqCst);
                    }
                    tally.add(Some(&answer));
                }
                Some(())
            })
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
    let tally = Arc::try_unwrap(tally).unwrap_or_default();
    let wrong = wrong.load(Ordering::SeqCst);
    let answered = tally.total();
    Attacked {
        what: format!(
            "{requests} bodies over {connections} connections: invalid UTF-8, a lone surrogate, 1e999999, 100,000-deep nesting, each inside an unknown field"
        ),
        in_flight: (connections * 200_001) as u64,
        checks: vec![(
            format!("each answered 400 M_NOT_JSON (M_BAD_JSON for the nesting): {answered} answered, {wrong} otherwise"),
            answered == requests && wrong == 0,
        )],
        cut: Vec::new(),
        cut_is: "answered",
        tally,
    }
}

/// Slowloris: request headers at a byte a second.
async fn slow_headers(target: SocketAddr, connections: usize) -> Attacked {
    let config = defaults();
    let tally = Arc::new(Tally::default());
    let tasks: Vec<_> = (0..connections)
        .map(|i| {
            let tally = tally.clone();
            tokio::spawn(async move {
                let opened = Instant::now();
                let stream = connect(target, source(8, i, 8)).await.ok()?;
                let (mut read, mut write) = stream.into_split();
                let trickle = async move {
                    for byte in b"GET /_matrix/client/v3/account/3pid HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
                        .iter()
                        .cycle()
                    {
                        if write.write_all(std::slice::from_ref(byte)).await.is_err() {
                            break;
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    std::future::pending::<()>().await;
                };
                let answer = tokio::select! {
                    answer = read_answer(&mut read) => answer,
                    () = trickle => None,
                    () = tokio::time::sleep(Duration::from_secs(150)) => None,
                };
                tally.add(answer.as_ref());
                Some(opened.elapsed())
            })
        })
        .collect();
    let mut cut = Vec::new();
    for t in tasks {
        cut.extend(t.await.ok().flatten());
    }
    let tally = Arc::try_unwrap(tally).unwrap_or_default();
    let limit = config.header_timeout + Duration::from_secs(3);
    let late = cut.iter().filter(|d| **d > limit).count();
    Attacked {
        what: format!("{connections} connections sending request headers at a byte a second"),
        in_flight: 0,
        checks: vec![(
            format!("each cut within the header timeout + 3 s ({late} later)"),
            late == 0 && cut.len() == connections,
        )],
        cut,
        cut_is: "cut",
        tally,
    }
}
