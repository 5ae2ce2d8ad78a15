//! Serving connections (feature `server`): [`bind`] and [`serve`], and what they bound of what
//! one client may hold: connections (per peer and in all, idle ones shed first when full), the
//! time to a first byte and to each request's headers, and the listen queue.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::error::{ErrorCode, MatrixError};
use super::server::ServerConfig;

/// A listener on `addr` whose listen queue is `config.backlog` long (`TcpListener::bind`'s is
/// 128 connections). Call it within a Tokio runtime.
pub fn bind(addr: SocketAddr, config: &ServerConfig) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    // as the standard library's listener does, so that a restarted server can bind again
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(config.backlog.max(1))
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting, lets the
/// requests in flight finish (up to `config.shutdown_grace`), closes what is left and returns.
///
/// Unlike `axum::serve`, it bounds what slow, idle or many clients may hold (see
/// [`ServerConfig`]): a connection from a peer that has `max_connections_per_peer` open is
/// answered 429 `M_LIMIT_EXCEEDED` and closed; one that sends nothing within
/// `first_request_timeout` is answered 408 and closed, as is one whose request headers take
/// longer than `header_timeout`; at `max_connections` the connection idle the longest is closed
/// to make room (and when none is idle, new ones wait in the listen queue). Each of these is a
/// `tracing` event at `debug` level. Handlers can read the peer's address as the request
/// extension `axum::extract::ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    config: &ServerConfig,
    shutdown: impl Future<Output = ()> + Send,
) {
    let max = config.max_connections.max(1);
    let shared = Arc::new(Shared {
        config: config.clone(),
        router,
        http1: http1(config),
        epoch: Instant::now(),
        open: Mutex::new(Open::default()),
        phase: tokio::sync::watch::channel(Phase::Serving).0,
        refusals: Arc::new(tokio::sync::Semaphore::new(MAX_REFUSALS)),
        full: AtomicBool::new(false),
        became_idle: tokio::sync::Notify::new(),
    });
    let slots = Arc::new(tokio::sync::Semaphore::new(max));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => {
                    // out of file descriptors, or a connection reset before it was accepted:
                    // wait a little rather than spin, and go on
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        if shared.peer_count(peer.ip()) >= config.max_connections_per_peer.max(1) {
            tracing::debug!(%peer, "connection refused: too many from this peer");
            let error = MatrixError::new(
                http::StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::LimitExceeded,
                "Too many connections from this address",
            );
            shared.refuse(stream, error);
            continue;
        }
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                // full: make room by closing an idle connection, or wait for one to be idle or
                // closed
                shared.full.store(true, Ordering::SeqCst);
                let slot = loop {
                    shared.shed_idle();
                    tokio::select! {
                        () = &mut shutdown => break None,
                        // the semaphore is never closed
                        slot = slots.clone().acquire_owned() => break slot.ok(),
                        () = shared.became_idle.notified() => {}
                    }
                };
                shared.full.store(false, Ordering::SeqCst);
                match slot {
                    Some(slot) => slot,
                    None => break,
                }
            }
        };
        let connection = shared.register(peer);
        let shared = shared.clone();
        tokio::spawn(async move {
            shared.clone().run(stream, peer, connection.clone()).await;
            shared.deregister(&connection);
            drop(slot);
        });
    }
    drop(listener);
    shared.phase.send_replace(Phase::Finishing);
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    if tokio::time::timeout(config.shutdown_grace, slots.acquire_many(all)).await.is_err() {
        shared.phase.send_replace(Phase::Closing);
        let _ = tokio::time::timeout(Duration::from_secs(1), slots.acquire_many(all)).await;
    }
}

/// At most this many refused connections are answered at once; past it they are just closed.
const MAX_REFUSALS: usize = 256;

/// What [`serve`]'s connections share.
struct Shared {
    config: ServerConfig,
    router: axum::Router,
    http1: hyper::server::conn::http1::Builder,
    epoch: Instant,
    open: Mutex<Open>,
    phase: tokio::sync::watch::Sender<Phase>,
    refusals: Arc<tokio::sync::Semaphore>,
    /// Whether the accept loop waits for room (every connection busy).
    full: AtomicBool,
    /// Told, while the server is full, when a connection becomes idle.
    became_idle: tokio::sync::Notify,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Serving,
    /// Shutting down: requests in flight finish, idle connections close.
    Finishing,
    /// Past the grace: every connection closes now.
    Closing,
}

/// The connections open, and how many from each peer.
#[derive(Default)]
struct Open {
    next: u64,
    connections: HashMap<u64, Arc<Connection>>,
    per_peer: HashMap<IpAddr, usize>,
}

/// One open connection, as the accept loop sees it.
struct Connection {
    id: u64,
    peer: IpAddr,
    /// Requests in flight.
    busy: AtomicUsize,
    /// When it last became idle, in milliseconds since [`Shared::epoch`].
    idle_since: AtomicU64,
    /// Whether it has been told to close to make room.
    shed: AtomicBool,
    close: tokio::sync::Notify,
}

/// The peer a connection counts against: its IPv4 address, or its IPv6 /64 (one host's share of
/// a network; an IPv4 address mapped into IPv6 is that IPv4 address).
fn peer_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
    }
}

fn http1(config: &ServerConfig) -> hyper::server::conn::http1::Builder {
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(config.header_timeout);
    http1
}

impl Shared {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn open(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn peer_count(&self, ip: IpAddr) -> usize {
        self.open().per_peer.get(&peer_key(ip)).copied().unwrap_or(0)
    }

    fn register(&self, peer: SocketAddr) -> Arc<Connection> {
        let now = self.now_ms();
        let mut open = self.open();
        let id = open.next;
        open.next += 1;
        let connection = Arc::new(Connection {
            id,
            peer: peer_key(peer.ip()),
            busy: AtomicUsize::new(0),
            idle_since: AtomicU64::new(now),
            shed: AtomicBool::new(false),
            close: tokio::sync::Notify::new(),
        });
        open.connections.insert(id, connection.clone());
        *open.per_peer.entry(connection.peer).or_default() += 1;
        connection
    }

    fn deregister(&self, connection: &Connection) {
        let mut open = self.open();
        open.connections.remove(&connection.id);
        if let Some(n) = open.per_peer.get_mut(&connection.peer) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.per_peer.remove(&connection.peer);
            }
        }
    }

    /// Tells the connection idle the longest (none of its requests in flight) to close, if one
    /// is; a connection already told is not told again.
    fn shed_idle(&self) {
        let open = self.open();
        let oldest = open
            .connections
            .values()
            .filter(|c| c.busy.load(Ordering::SeqCst) == 0 && !c.shed.load(Ordering::SeqCst))
            .min_by_key(|c| (c.idle_since.load(Ordering::SeqCst), c.id));
        match oldest {
            Some(c) => {
                c.shed.store(true, Ordering::SeqCst);
                c.close.notify_one();
                let idle_ms = self.now_ms().saturating_sub(c.idle_since.load(Ordering::SeqCst));
                tracing::debug!(peer = %c.peer, idle_ms, "connection shed: idle while the server is full");
            }
            None => tracing::debug!("every connection busy: new ones wait in the listen queue"),
        }
    }

    /// Answers `error` on a connection not served and closes it, in a task of its own (at most
    /// [`MAX_REFUSALS`] at once; past that the connection is just closed).
    fn refuse(&self, stream: tokio::net::TcpStream, error: MatrixError) {
        if let Ok(permit) = self.refusals.clone().try_acquire_owned() {
            tokio::spawn(async move {
                answer_and_close(stream, &error).await;
                drop(permit);
            });
        }
    }

    /// A connection: its first byte within `first_request_timeout`, then HTTP/1 until it
    /// closes, is shed, or the server shuts down.
    async fn run(self: Arc<Self>, stream: tokio::net::TcpStream, peer: SocketAddr, connection: Arc<Connection>) {
        let mut phase = self.phase.subscribe();
        let mut probe = [0u8; 1];
        let first = tokio::select! {
            first = tokio::time::timeout(self.config.first_request_timeout, stream.peek(&mut probe)) => first,
            () = connection.close.notified() => return,
            _ = phase.wait_for(|p| *p >= Phase::Finishing) => return,
        };
        match first {
            Err(_) => {
                tracing::debug!(%peer, "connection closed: nothing sent within the first-request timeout");
                let error = MatrixError::new(
                    http::StatusCode::REQUEST_TIMEOUT,
                    ErrorCode::Unknown,
                    "Nothing was sent on this connection in time",
                );
                answer_and_close(stream, &error).await;
                return;
            }
            Ok(Ok(0) | Err(_)) => return,
            Ok(Ok(_)) => {}
        }
        let _ = stream.set_nodelay(true);
        let router = self.router.clone();
        let tracked = connection.clone();
        let shared = self.clone();
        let service = tower::service_fn(move |mut request: http::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            let busy = Busy::start(&tracked, &shared);
            let answer = tower::ServiceExt::oneshot(router.clone(), request);
            async move {
                let answer = answer.await;
                drop(busy);
                answer
            }
        });
        let serving = self.http1.serve_connection(
            hyper_util::rt::TokioIo::new(stream),
            hyper_util::service::TowerToHyperService::new(service),
        );
        let mut serving = std::pin::pin!(serving);
        tokio::select! {
            _ = serving.as_mut() => return,
            () = connection.close.notified() => {}
            _ = phase.wait_for(|p| *p >= Phase::Finishing) => {}
        }
        // finish what is in flight, then close (at once, where nothing is)
        serving.as_mut().graceful_shutdown();
        tokio::select! {
            _ = serving.as_mut() => {}
            _ = phase.wait_for(|p| *p >= Phase::Closing) => {}
        }
    }
}

/// A request in flight on a connection, until dropped (answered, or abandoned).
struct Busy {
    connection: Arc<Connection>,
    shared: Arc<Shared>,
}

impl Busy {
    fn start(connection: &Arc<Connection>, shared: &Arc<Shared>) -> Self {
        connection.busy.fetch_add(1, Ordering::SeqCst);
        Busy { connection: connection.clone(), shared: shared.clone() }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.connection.idle_since.store(self.shared.now_ms(), Ordering::SeqCst);
        self.connection.busy.fetch_sub(1, Ordering::SeqCst);
        if self.shared.full.load(Ordering::SeqCst) {
            self.shared.became_idle.notify_one();
        }
    }
}

/// Writes `error` as a whole HTTP/1.1 answer (with the CORS headers, `Connection: close`),
/// closes the sending side, and reads what the client sends meanwhile (up to 64 KiB, for up to
/// a second) so that the close does not reset the connection before the answer is read.
async fn answer_and_close(mut stream: tokio::net::TcpStream, error: &MatrixError) {
    let bytes = raw_answer(error);
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(&bytes).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        let mut read = 0;
        while read < 64 * 1024 {
            let n = stream.read(&mut sink).await?;
            if n == 0 {
                break;
            }
            read += n;
        }
        Ok::<(), std::io::Error>(())
    })
    .await;
}

/// The bytes of the answer to `error`, as HTTP/1.1 sends them.
fn raw_answer(error: &MatrixError) -> Vec<u8> {
    let (mut parts, body) = error.to_http_response().into_parts();
    super::server::add_cors(&mut parts.headers);
    let status = parts.status;
    let mut out = format!("HTTP/1.1 {} {}\r\n", status.as_str(), status.canonical_reason().unwrap_or("")).into_bytes();
    for (name, value) in &parts.headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("content-length: {}\r\nconnection: close\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(&body);
    out
}
