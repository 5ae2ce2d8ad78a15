//! The generated server against the faults a public homeserver meets every day: slow and idle
//! clients, more connections than it allows, handlers that panic or take too long, and a
//! shutdown with requests in flight. Each is served by the crate's own `serve` and layers.

use std::sync::Arc;
use std::time::Duration;

use matrix_client_server_api::operations::get_account_3pids;
use matrix_client_server_api::server::{router_with_config, Api};
use matrix_client_server_api::{serve, AccessToken, Client, ErrorCode, MatrixError, RequestContext, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How many "half-second" requests have been handled to the end.
static HALF_SECONDS_DONE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Lists no 3PIDs, except for the tokens that make it misbehave.
struct Moody;

impl Api for Moody {
    type Identity = AccessToken;

    async fn authenticate(&self, token: AccessToken, context: &RequestContext) -> Result<AccessToken, MatrixError> {
        // it runs before the body is read
        assert!(context.body.is_empty());
        match token.as_str() {
            "nobody" => Err(MatrixError::unknown_token("Unrecognised access token.")),
            _ => Ok(token),
        }
    }

    async fn get_account_3pids(
        &self,
        token: AccessToken,
        _: RequestContext,
        _: get_account_3pids::Request,
    ) -> Result<get_account_3pids::Response, MatrixError> {
        match token.as_str() {
            "panic" => panic!("a handler that panics"),
            "slow" => tokio::time::sleep(Duration::from_secs(3)).await,
            "half-second" => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                HALF_SECONDS_DONE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            _ => {}
        }
        Ok(get_account_3pids::Response {
            threepids: Some(Vec::new()),
        })
    }
}

const LIST: &str = "/_matrix/client/r0/account/3pid";

/// A server of `Moody` on a free loopback port, running until `stop` is sent (or forever).
async fn start(config: ServerConfig) -> (String, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router_with_config(Arc::new(Moody), config.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        serve(listener, app, &config, async {
            let _ = stopped.await;
        })
        .await
    });
    (addr.to_string(), stop, task)
}

fn client(addr: &str, token: &str) -> Client {
    Client::new(format!("http://{addr}")).unwrap().with_access_token(token)
}

/// Reads one HTTP/1.1 response (headers and a `Content-Length` body) from a raw connection.
async fn read_response(stream: &mut TcpStream) -> Option<(u16, String)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_string();
            let status = head.split(' ').nth(1)?.parse().ok()?;
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            while data.len() < end + 4 + length {
                let n = stream.read(&mut buf).await.ok()?;
                if n == 0 {
                    return None;
                }
                data.extend_from_slice(&buf[..n]);
            }
            return Some((
                status,
                String::from_utf8_lossy(&data[end + 4..end + 4 + length]).to_string(),
            ));
        }
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    }
}

/// Waits (at most `within`) for the server to close the connection; true if it did.
async fn closed_by_server(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let drained = tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    });
    drained.await.is_ok()
}

fn get_request(token: &str) -> String {
    format!("GET {LIST} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n")
}

#[tokio::test]
async fn a_handler_that_panics_answers_500_m_unknown_and_the_server_goes_on() {
    let (addr, _stop, _task) = start(ServerConfig::default()).await;
    match client(&addr, "panic").get_account_3pids().await {
        Err(matrix_client_server_api::ClientError::Matrix { status, error }) => {
            assert_eq!(status, 500);
            assert_eq!(error.errcode, ErrorCode::Unknown);
        }
        other => panic!("{other:?}"),
    }
    // on the same connection and on new ones, the server answers as before
    for _ in 0..3 {
        assert_eq!(
            client(&addr, "ok").get_account_3pids().await.unwrap().threepids,
            Some(vec![])
        );
    }
}

#[tokio::test]
async fn a_handler_past_the_request_timeout_answers_503_m_unknown() {
    let config = ServerConfig::default().with_request_timeout(Some(Duration::from_millis(200)));
    let (addr, _stop, _task) = start(config).await;
    match client(&addr, "slow").get_account_3pids().await {
        Err(matrix_client_server_api::ClientError::Matrix { status, error }) => {
            assert_eq!(status, 503);
            assert_eq!(error.errcode, ErrorCode::Unknown);
            assert!(error.error.unwrap().contains("200 ms"));
        }
        other => panic!("{other:?}"),
    }
    assert!(client(&addr, "ok").get_account_3pids().await.is_ok());
}

#[tokio::test]
async fn headers_sent_a_byte_at_a_time_or_never_are_cut_off_without_starving_others() {
    let config = ServerConfig::default()
        .with_header_timeout(Duration::from_millis(300))
        .with_first_request_timeout(Duration::from_millis(300));
    let (addr, _stop, _task) = start(config).await;

    // three connections that send nothing
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(TcpStream::connect(&addr).await.unwrap());
    }
    // one that sends its headers a byte every 50 ms (the whole would take seconds)
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    let request = get_request("ok");
    let dribble = tokio::spawn(async move {
        for byte in request.as_bytes() {
            if slow.write_all(&[*byte]).await.is_err() {
                return (true, slow);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        (false, slow)
    });

    // meanwhile a well-behaved client is served
    for _ in 0..5 {
        assert!(client(&addr, "ok").get_account_3pids().await.is_ok());
    }

    // a connection that sends nothing is told why (408), then closed
    for mut stream in idle {
        let answer = tokio::time::timeout(Duration::from_secs(5), read_response(&mut stream)).await;
        let (status, body) = answer.ok().flatten().expect("an answer to an idle connection");
        assert_eq!(status, 408, "{body}");
        assert!(body.contains("M_UNKNOWN"), "{body}");
        assert!(
            closed_by_server(&mut stream, Duration::from_secs(5)).await,
            "an idle connection stayed open"
        );
    }
    let (write_failed, mut slow) = dribble.await.unwrap();
    assert!(
        write_failed || closed_by_server(&mut slow, Duration::from_secs(5)).await,
        "the slow connection was not cut off"
    );

    // a connection that was served and then sends nothing is closed too
    let mut kept = TcpStream::connect(&addr).await.unwrap();
    kept.write_all(get_request("ok").as_bytes()).await.unwrap();
    assert_eq!(read_response(&mut kept).await.map(|r| r.0), Some(200));
    assert!(
        closed_by_server(&mut kept, Duration::from_secs(5)).await,
        "an idle keep-alive connection stayed open"
    );
}

#[tokio::test]
async fn a_body_sent_a_byte_at_a_time_or_stalled_is_cut_off() {
    let config = ServerConfig::default()
        .with_request_timeout(Some(Duration::from_millis(500)))
        .with_body_timeout(Some(Duration::from_millis(200)));
    let (addr, _stop, _task) = start(config).await;
    let head = |length: usize| {
        format!(
            "POST {LIST}/delete HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ok\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
        )
    };

    // a body that stops arriving: 408 M_UNKNOWN once the body timeout passes
    let mut stalled = TcpStream::connect(&addr).await.unwrap();
    stalled.write_all(head(100).as_bytes()).await.unwrap();
    stalled.write_all(b"{\"medium\"").await.unwrap();
    let (status, body) = read_response(&mut stalled)
        .await
        .expect("an answer to the stalled body");
    assert_eq!(status, 408, "{body}");
    assert!(body.contains("M_UNKNOWN"), "{body}");

    // a body that trickles in faster than the body timeout but would take five seconds: the
    // request timeout answers 503 and the connection is closed
    let trickle = TcpStream::connect(&addr).await.unwrap();
    let (mut read_half, mut write_half) = trickle.into_split();
    write_half.write_all(head(100).as_bytes()).await.unwrap();
    let writer = tokio::spawn(async move {
        for _ in 0..100 {
            if write_half.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let mut data = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(4), read_half.read_to_end(&mut data)).await;
    assert!(
        read.is_ok(),
        "the trickling request was not cut off before its body ended"
    );
    let text = String::from_utf8_lossy(&data);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("M_UNKNOWN"), "{text}");
    writer.abort();

    // and others are served all along
    assert!(client(&addr, "ok").get_account_3pids().await.is_ok());
}

#[tokio::test]
async fn a_body_slower_than_the_minimum_rate_is_cut_off_however_its_bytes_are_spaced() {
    // the stall timeout alone would never fire: a byte comes every 100 ms
    let config = ServerConfig::default().with_body_min_rate(1024, Duration::from_millis(300));
    let (addr, _stop, _task) = start(config).await;
    let heads = [
        format!("POST {LIST}/delete HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ok\r\nContent-Length: 100000\r\n\r\n"),
        // a chunked body that never ends
        format!(
            "POST {LIST}/delete HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ok\r\nTransfer-Encoding: chunked\r\n\r\n"
        ),
    ];
    for (i, head) in heads.into_iter().enumerate() {
        let stream = TcpStream::connect(&addr).await.unwrap();
        let (mut read_half, mut write_half) = stream.into_split();
        write_half.write_all(head.as_bytes()).await.unwrap();
        let started = std::time::Instant::now();
        let writer = tokio::spawn(async move {
            for _ in 0..200 {
                let piece: &[u8] = if i == 0 { b" " } else { b"1\r\n \r\n" };
                if write_half.write_all(piece).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        let mut data = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), read_half.read_to_end(&mut data)).await;
        assert!(read.is_ok(), "the slow body was not cut off");
        let text = String::from_utf8_lossy(&data);
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(text.contains("M_UNKNOWN") && text.contains("too slowly"), "{text}");
        // cut once the grace is over and the rate is behind: well before the stall timeout
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
        writer.abort();
    }
    assert!(client(&addr, "ok").get_account_3pids().await.is_ok());
}

#[tokio::test]
async fn credentials_are_settled_before_the_body_is_read() {
    let (addr, _stop, _task) = start(ServerConfig::default()).await;
    // the headers of a 40 MiB upload, and no body: each is answered at once (were the body
    // awaited, no answer would come before the body timeout)
    let cases = [
        ("", 401, "M_MISSING_TOKEN"),
        ("Authorization: Bearer nobody\r\n", 401, "M_UNKNOWN_TOKEN"),
        ("Authorization: Basic eDp5\r\n", 401, "M_MISSING_TOKEN"),
        (
            "Authorization: Bearer ok\r\nAuthorization: Bearer ok\r\n",
            400,
            "M_INVALID_PARAM",
        ),
    ];
    for (auth, status, errcode) in cases {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST {LIST}/delete HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(2), read_response(&mut stream)).await;
        let (got, body) = answer
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("no answer before the body ({auth:?})"));
        assert_eq!(got, status, "{auth:?}: {body}");
        assert!(body.contains(errcode), "{auth:?}: {body}");
    }
    // with a good token the body is awaited (the answer comes once it is sent)
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let body = br#"{"medium": "email", "address": "a@example.org"}"#;
    let head = format!(
        "POST {LIST}/delete HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ok\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let early = tokio::time::timeout(Duration::from_millis(300), read_response(&mut stream)).await;
    assert!(early.is_err(), "answered before the body was sent");
    stream.write_all(body).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(2), read_response(&mut stream)).await;
    assert!(answer.ok().flatten().is_some_and(|(status, _)| status != 408));
}

#[tokio::test]
async fn at_the_limit_the_longest_idle_connection_makes_room() {
    let config = ServerConfig::default().with_max_connections(2);
    let (addr, _stop, _task) = start(config).await;

    // two kept-alive connections, each served once, the first idle the longer
    let mut first = TcpStream::connect(&addr).await.unwrap();
    let mut second = TcpStream::connect(&addr).await.unwrap();
    for stream in [&mut first, &mut second] {
        stream.write_all(get_request("ok").as_bytes()).await.unwrap();
        assert_eq!(read_response(stream).await.map(|r| r.0), Some(200));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // a third is served at once: the first, idle the longest, is closed to make room
    let mut third = TcpStream::connect(&addr).await.unwrap();
    third.write_all(get_request("ok").as_bytes()).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(2), read_response(&mut third)).await;
    assert_eq!(answer.ok().flatten().map(|r| r.0), Some(200));
    assert!(
        closed_by_server(&mut first, Duration::from_secs(2)).await,
        "the longest idle connection stayed open"
    );
    // the second is still served
    second.write_all(get_request("ok").as_bytes()).await.unwrap();
    assert_eq!(read_response(&mut second).await.map(|r| r.0), Some(200));
}

#[tokio::test]
async fn at_the_limit_with_none_idle_new_connections_wait_until_one_is_free() {
    let config = ServerConfig::default().with_max_connections(2);
    let (addr, _stop, _task) = start(config).await;

    // two connections, each with a request in flight for three seconds
    let mut busy = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        stream.write_all(get_request("slow").as_bytes()).await.unwrap();
        busy.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    // a third waits: no request in flight is cut to make room
    let mut third = TcpStream::connect(&addr).await.unwrap();
    third.write_all(get_request("ok").as_bytes()).await.unwrap();
    let early = tokio::time::timeout(Duration::from_millis(500), read_response(&mut third)).await;
    assert!(early.is_err(), "the third connection was served beyond the limit");

    // both slow requests are answered, then the third is served
    for stream in &mut busy {
        let answer = tokio::time::timeout(Duration::from_secs(5), read_response(stream)).await;
        assert_eq!(answer.ok().flatten().map(|r| r.0), Some(200));
    }
    let answer = tokio::time::timeout(Duration::from_secs(5), read_response(&mut third)).await;
    assert_eq!(answer.ok().flatten().map(|r| r.0), Some(200));
}

#[tokio::test]
async fn a_peer_past_its_connection_limit_is_told_so_and_others_are_served() {
    let config = ServerConfig::default().with_max_connections_per_peer(3);
    let (addr, _stop, _task) = start(config).await;
    let port = addr.rsplit(':').next().unwrap().to_owned();

    // three idle connections from 127.0.0.2
    let from = |ip: &str| {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(format!("{ip}:0").parse().unwrap()).unwrap();
        socket
    };
    let target: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(from("127.0.0.2").connect(target).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // a fourth is answered 429 M_LIMIT_EXCEEDED and closed
    let mut fourth = from("127.0.0.2").connect(target).await.unwrap();
    fourth.write_all(get_request("ok").as_bytes()).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(2), read_response(&mut fourth)).await;
    let (status, body) = answer.ok().flatten().expect("an answer past the per-peer limit");
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("M_LIMIT_EXCEEDED"), "{body}");
    assert!(closed_by_server(&mut fourth, Duration::from_secs(2)).await);

    // another peer is served meanwhile, and the first again once one of its connections closes
    assert!(client(&addr, "ok").get_account_3pids().await.is_ok());
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = from("127.0.0.2").connect(target).await.unwrap();
    again.write_all(get_request("ok").as_bytes()).await.unwrap();
    assert_eq!(read_response(&mut again).await.map(|r| r.0), Some(200));
}

#[tokio::test]
async fn shutdown_finishes_requests_in_flight_and_refuses_new_ones() {
    let (addr, stop, task) = start(ServerConfig::default()).await;
    // an idle keep-alive connection, and a request that takes half a second
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(get_request("ok").as_bytes()).await.unwrap();
    assert_eq!(read_response(&mut idle).await.map(|r| r.0), Some(200));
    let in_flight = {
        let addr = addr.clone();
        tokio::spawn(async move { client(&addr, "half-second").get_account_3pids().await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();

    // `serve` returns only once the request in flight is handled, and it gets its answer
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("serve returned")
        .unwrap();
    assert_eq!(HALF_SECONDS_DONE.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(in_flight.await.unwrap().unwrap().threepids, Some(vec![]));
    // the idle connection is closed
    assert!(closed_by_server(&mut idle, Duration::from_secs(5)).await);
    // nobody listens any more
    let refused = TcpStream::connect(&addr).await;
    assert!(refused.is_err(), "a new connection was accepted after shutdown");
}
