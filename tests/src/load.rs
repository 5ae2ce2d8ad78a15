//! A load generator for the example homeserver (`cargo xtask load`): many keep-alive
//! connections, each sending requests one after another from a fixed mix, until the total is
//! reached or the time is up. It counts every answer by status, checks each against what its
//! request should get, and times them; it can watch the server's memory through `/proc`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;

/// What to send, and for how long.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    /// Connections open at once, each sending its next request when the last is answered.
    pub connections: usize,
    /// Requests in all.
    pub requests: usize,
    /// Past this, no further request is sent (the run then counts as failed).
    pub max_time: Duration,
    /// The server's process, to sample its memory (Linux only).
    pub server_pid: Option<u32>,
    /// Whether each answer's status is checked against what its request should get (not for
    /// [`serve_floor`], which answers everything alike).
    pub check: bool,
}

/// What came back.
#[derive(Clone, Debug, Default)]
pub struct LoadReport {
    /// Requests answered.
    pub answered: usize,
    /// Answers whose status is not the one the request should get (5xx included).
    pub unexpected: usize,
    /// Answers with a 5xx status.
    pub server_errors: usize,
    /// Connections that failed (could not connect, reset, closed mid-answer).
    pub dropped: usize,
    /// Answers by status.
    pub by_status: std::collections::BTreeMap<u16, usize>,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Latency percentiles: p50, p99, max.
    pub p50: Duration,
    /// See `p50`.
    pub p99: Duration,
    /// See `p50`.
    pub max: Duration,
    /// Resident memory of the server (KiB) when 10 %, 50 % and 100 % of the requests were
    /// answered, and its peak, if sampled.
    pub rss_kib: Option<([u64; 3], u64)>,
    /// The first unexpected answers, for the report.
    pub examples: Vec<String>,
}

impl LoadReport {
    /// Whether the run met its bar: every request answered as expected, no 5xx, nothing dropped.
    pub fn passed(&self, config: &LoadConfig) -> bool {
        self.answered == config.requests && self.unexpected == 0 && self.server_errors == 0 && self.dropped == 0
    }

    /// Requests per second.
    pub fn throughput(&self) -> f64 {
        self.answered as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "requests answered  {} in {:.2} s",
            self.answered,
            self.elapsed.as_secs_f64()
        )?;
        writeln!(f, "throughput         {:.0} requests/s", self.throughput())?;
        writeln!(
            f,
            "latency            p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            ms(self.p50),
            ms(self.p99),
            ms(self.max)
        )?;
        let statuses: Vec<String> = self.by_status.iter().map(|(s, n)| format!("{s}: {n}")).collect();
        writeln!(f, "statuses           {}", statuses.join(", "))?;
        writeln!(
            f,
            "unexpected         {} (5xx: {}), dropped connections: {}",
            self.unexpected, self.server_errors, self.dropped
        )?;
        if let Some(([tenth, half, end], peak)) = self.rss_kib {
            writeln!(
                f,
                "server memory      RSS {:.1} MiB at 10 %, {:.1} MiB at 50 %, {:.1} MiB at 100 % of the requests; peak {:.1} MiB",
                mib(tenth),
                mib(half),
                mib(end),
                mib(peak)
            )?;
        }
        for e in &self.examples {
            writeln!(f, "  unexpected: {e}")?;
        }
        Ok(())
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// One request of the mix and the status it should get.
struct Planned {
    request: http::Request<Full<Bytes>>,
    expect: u16,
}

const PREFIX: &str = "/_matrix/client/v3";

/// The `i`-th request of connection `c`: in every hundred, 54 list the user's 3PIDs, 14 open a
/// validation session by email, 14 add a 3PID, 14 delete one, and 4 are bad (a body that is not
/// JSON, no access token, JSON of the wrong shape, an unknown path).
fn plan(i: usize, c: usize) -> Planned {
    let token = format!("Bearer token-load{c}");
    let json = |method: &str, path: &str, body: String, auth: bool| {
        let mut b = http::Request::builder()
            .method(method)
            .uri(format!("{PREFIX}{path}"))
            .header(http::header::HOST, "localhost")
            .header(http::header::CONTENT_TYPE, "application/json");
        if auth {
            b = b.header(http::header::AUTHORIZATION, token.as_str());
        }
        b.body(Full::new(Bytes::from(body))).unwrap_or_default()
    };
    let address = format!("load{c}@example.org");
    let secret = format!("secret-{c}");
    let (request, expect) = match i % 100 {
        0..=53 => (json("GET", "/account/3pid", String::new(), true), 200),
        54..=67 => {
            let body = serde_json::json!({"client_secret": secret, "email": address, "send_attempt": 1});
            (
                json("POST", "/account/3pid/email/requestToken", body.to_string(), false),
                200,
            )
        }
        68..=81 => {
            let creds = serde_json::json!({"client_secret": secret, "id_server": "id.example.org", "sid": format!("valid-load{c}")});
            (
                json(
                    "POST",
                    "/account/3pid",
                    serde_json::json!({"three_pid_creds": creds}).to_string(),
                    true,
                ),
                200,
            )
        }
        82..=95 => {
            let body = serde_json::json!({"medium": "email", "address": format!("valid-load{c}@example.invalid")});
            (json("POST", "/account/3pid/delete", body.to_string(), true), 200)
        }
        96 => (json("POST", "/account/3pid", "{not json".to_owned(), true), 400),
        97 => (json("GET", "/account/3pid", String::new(), false), 401),
        98 => (
            json("POST", "/account/3pid/delete", r#"{"medium": 5}"#.to_owned(), true),
            400,
        ),
        _ => (json("GET", "/no/such/endpoint", String::new(), true), 404),
    };
    Planned { request, expect }
}

struct Shared {
    next: AtomicUsize,
    answered: AtomicUsize,
    unexpected: AtomicUsize,
    server_errors: AtomicUsize,
    dropped: AtomicUsize,
    statuses: std::sync::Mutex<std::collections::BTreeMap<u16, usize>>,
    examples: std::sync::Mutex<Vec<String>>,
    deadline: Instant,
    total: usize,
    check: bool,
    /// Whether 10 %, 50 % and 100 % of the requests have been answered: the memory sampler's
    /// marks.
    reached: [AtomicBool; 3],
}

/// Runs the load against `addr` and reports.
pub async fn run(addr: SocketAddr, config: &LoadConfig) -> LoadReport {
    let start = Instant::now();
    let shared = Arc::new(Shared {
        next: AtomicUsize::new(0),
        answered: AtomicUsize::new(0),
        unexpected: AtomicUsize::new(0),
        server_errors: AtomicUsize::new(0),
        dropped: AtomicUsize::new(0),
        statuses: Default::default(),
        examples: Default::default(),
        deadline: start + config.max_time,
        total: config.requests,
        check: config.check,
        reached: Default::default(),
    });
    let sampler = config
        .server_pid
        .map(|pid| tokio::spawn(sample_memory(pid, shared.clone())));
    let tasks: Vec<_> = (0..config.connections)
        .map(|c| tokio::spawn(connection(addr, c, shared.clone())))
        .collect();
    let mut latencies = Vec::with_capacity(config.requests);
    for t in tasks {
        if let Ok(mut l) = t.await {
            latencies.append(&mut l);
        }
    }
    let elapsed = start.elapsed();
    let rss_kib = match sampler {
        Some(s) => s.await.ok().flatten(),
        None => None,
    };
    latencies.sort_unstable();
    let at = |q: f64| {
        let i = ((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1);
        latencies
            .get(i)
            .map(|&us| Duration::from_micros(u64::from(us)))
            .unwrap_or_default()
    };
    LoadReport {
        answered: shared.answered.load(Ordering::SeqCst),
        unexpected: shared.unexpected.load(Ordering::SeqCst),
        server_errors: shared.server_errors.load(Ordering::SeqCst),
        dropped: shared.dropped.load(Ordering::SeqCst),
        by_status: take(&shared.statuses),
        elapsed,
        p50: at(0.50),
        p99: at(0.99),
        max: at(1.0),
        rss_kib,
        examples: take(&shared.examples),
    }
}

fn take<T: Default>(m: &std::sync::Mutex<T>) -> T {
    m.lock().map(|mut g| std::mem::take(&mut *g)).unwrap_or_default()
}

/// How many source addresses a load on loopback comes from: the server limits connections per
/// peer (128 by default), as a public homeserver's clients come from many addresses.
const LOOPBACK_PEERS: usize = 16;

/// Connection `c`'s TCP connection. On IPv4 loopback it comes from one of [`LOOPBACK_PEERS`]
/// addresses (`127.0.0.1`, `127.0.0.2`, ...), so the load stands for many clients, not one.
async fn connect(addr: SocketAddr, c: usize) -> Option<tokio::net::TcpStream> {
    match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_loopback() => {
            let socket = tokio::net::TcpSocket::new_v4().ok()?;
            let last = u8::try_from(1 + c % LOOPBACK_PEERS).ok()?;
            socket.bind(SocketAddr::from(([127, 0, 0, last], 0))).ok()?;
            socket.connect(addr).await.ok()
        }
        _ => tokio::net::TcpStream::connect(addr).await.ok(),
    }
}

/// One connection: sends the next request of the run when the last is answered; reconnects
/// (counting a dropped connection) when the connection fails.
async fn connection(addr: SocketAddr, c: usize, shared: Arc<Shared>) -> Vec<u32> {
    let mut latencies = Vec::new();
    'connect: loop {
        let sender = async {
            let stream = connect(addr, c).await?;
            let _ = stream.set_nodelay(true);
            let (sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .ok()?;
            tokio::spawn(conn);
            Some(sender)
        };
        let Some(mut sender) = sender.await else {
            shared.dropped.fetch_add(1, Ordering::SeqCst);
            if Instant::now() > shared.deadline {
                return latencies;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue 'connect;
        };
        loop {
            if Instant::now() > shared.deadline {
                return latencies;
            }
            let i = shared.next.fetch_add(1, Ordering::SeqCst);
            if i >= shared.total {
                return latencies;
            }
            let Planned { request, expect } = plan(i, c);
            let sent = Instant::now();
            let answer = async {
                sender.ready().await.ok()?;
                let response = sender.send_request(request).await.ok()?;
                let status = response.status().as_u16();
                let body = response.into_body().collect().await.ok()?.to_bytes();
                Some((status, body))
            };
            let Some((status, body)) = answer.await else {
                // the request is lost, and the run fails
                shared.dropped.fetch_add(1, Ordering::SeqCst);
                continue 'connect;
            };
            latencies.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
            let n = shared.answered.fetch_add(1, Ordering::SeqCst) + 1;
            for (k, mark) in [shared.total / 10, shared.total / 2, shared.total].iter().enumerate() {
                if n == *mark {
                    shared.reached[k].store(true, Ordering::SeqCst);
                }
            }
            if let Ok(mut s) = shared.statuses.lock() {
                *s.entry(status).or_default() += 1;
            }
            if status >= 500 {
                shared.server_errors.fetch_add(1, Ordering::SeqCst);
            }
            if shared.check && status != expect {
                shared.unexpected.fetch_add(1, Ordering::SeqCst);
                if let Ok(mut e) = shared.examples.lock() {
                    if e.len() < 5 {
                        e.push(format!(
                            "request {i}: {status} instead of {expect}: {}",
                            String::from_utf8_lossy(&body)
                        ));
                    }
                }
            }
        }
    }
}

/// Samples the server's resident memory every 50 ms; returns it at the 10 %, 50 % and 100 %
/// marks and the peak (`VmHWM`).
async fn sample_memory(pid: u32, shared: Arc<Shared>) -> Option<([u64; 3], u64)> {
    let field = |name: &str| -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    let mut marks = [None; 3];
    loop {
        let rss = field("VmRSS:")?;
        for (k, mark) in marks.iter_mut().enumerate() {
            if mark.is_none() && shared.reached[k].load(Ordering::SeqCst) {
                *mark = Some(rss);
            }
        }
        let finished = shared.answered.load(Ordering::SeqCst) >= shared.total || Instant::now() > shared.deadline;
        if finished {
            let end = marks[2].unwrap_or(rss);
            return Some((
                [marks[0].unwrap_or(end), marks[1].unwrap_or(end), end],
                field("VmHWM:")?,
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The anchor of the figures: an HTTP/1.1 server on the same stack (hyper, tokio) that reads each
/// request whole and answers `200 {"threepids":[]}` without looking at it. What the load gets
/// from it is the ceiling of this machine and this load generator; the example homeserver's
/// figures are read beside it. Prints `listening on http://ADDR` and serves until killed.
pub async fn serve_floor() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(|request: http::Request<hyper::body::Incoming>| async move {
                let _ = request.into_body().collect().await;
                let mut response = http::Response::new(Full::new(Bytes::from_static(b"{\"threepids\":[]}")));
                response.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/json"),
                );
                Ok::<_, std::convert::Infallible>(response)
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}
