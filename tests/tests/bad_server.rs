//! The generated client against a bad server: whatever comes back over the socket is a typed
//! error, never a panic.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use matrix_client_server_api::operations::request_token_to_3pid_email;
use matrix_client_server_api::{Client, ClientError, ErrorCode, RetryPolicy, TransportErrorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server that reads one request and answers with `raw` bytes, then closes the connection.
async fn raw_server(raw: Vec<u8>) -> String {
    scripted(vec![raw]).await.0
}

async fn get(
    raw: impl AsRef<[u8]>,
) -> Result<matrix_client_server_api::operations::get_account_3pids::Response, ClientError> {
    Client::new(raw_server(raw.as_ref().to_vec()).await)
        .unwrap()
        .with_access_token("t")
        .get_account_3pids()
        .await
}

/// A whole HTTP response with a correct `Content-Length`.
fn answer(status_line: &str, body: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status_line}\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_decode_error() {
    match get(answer("200 OK", "not json!")).await {
        Err(ClientError::Decode { status, excerpt, .. }) => {
            assert_eq!(status, 200);
            assert_eq!(excerpt, "not json!");
        }
        other => panic!("{other:?}"),
    }
}

/// The kind of the transport error `r` is, or a panic saying what it is instead.
fn transport_kind<T: std::fmt::Debug>(r: Result<T, ClientError>) -> TransportErrorKind {
    match r {
        Err(ClientError::Transport(e)) => e.kind(),
        other => panic!("not a transport error: {other:?}"),
    }
}

#[tokio::test]
async fn a_server_that_stops_mid_body_is_a_closed_connection() {
    let r = get(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"threepids\": [").await;
    assert_eq!(transport_kind(r), TransportErrorKind::ConnectionClosed);
}

#[tokio::test]
async fn a_connection_closed_before_any_answer_is_a_closed_connection() {
    assert_eq!(transport_kind(get(b"").await), TransportErrorKind::ConnectionClosed);
    let r = get(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"thr\r\nZZ\r\n").await;
    assert!(matches!(r, Err(ClientError::Transport(_))), "{r:?}");
}

#[tokio::test]
async fn a_connection_reset_is_a_closed_connection() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let _ = socket.read(&mut buf).await;
            // close with a TCP reset rather than a FIN (a zero linger does not block on drop)
            #[allow(deprecated)]
            let _ = socket.set_linger(Some(Duration::ZERO));
            drop(socket);
        }
    });
    let r = Client::new(format!("http://{addr}"))
        .unwrap()
        .with_access_token("t")
        .get_account_3pids()
        .await;
    assert_eq!(transport_kind(r), TransportErrorKind::ConnectionClosed);
}

#[tokio::test]
async fn nobody_listening_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    assert_eq!(
        transport_kind(Client::new(url).unwrap().get_account_3pids().await),
        TransportErrorKind::Connect
    );
}

#[tokio::test]
async fn a_name_that_does_not_resolve_is_a_dns_error() {
    // `.invalid` never resolves (RFC 6761)
    let r = Client::new("http://homeserver.invalid")
        .unwrap()
        .get_account_3pids()
        .await;
    assert_eq!(transport_kind(r), TransportErrorKind::Dns);
}

#[tokio::test]
async fn a_server_that_does_not_speak_tls_is_a_tls_error() {
    let url = raw_server(answer("200 OK", r#"{"threepids":[]}"#))
        .await
        .replace("http://", "https://");
    assert_eq!(
        transport_kind(Client::new(url).unwrap().get_account_3pids().await),
        TransportErrorKind::Tls
    );
}

#[tokio::test]
async fn a_server_that_never_answers_is_a_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = Client::new(format!("http://{addr}"))
        .unwrap()
        .with_timeouts(Duration::from_secs(5), Duration::from_millis(300))
        .unwrap();
    assert_eq!(
        transport_kind(client.get_account_3pids().await),
        TransportErrorKind::Timeout
    );
}

/// A server that answers the n-th connection with `script[n]` (an empty answer: close at once)
/// and the ones past the script with its last entry; counts the requests.
async fn scripted(script: Vec<Vec<u8>>) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let _ = socket.read(&mut buf).await;
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let raw = script.get(n).or(script.last()).cloned().unwrap_or_default();
            let _ = socket.write_all(&raw).await;
            let _ = socket.shutdown().await;
        }
    });
    (format!("http://{addr}"), count)
}

fn with_headers(status_line: &str, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status_line}\r\n{headers}Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// 429 `M_LIMIT_EXCEEDED` asking to wait `ms` milliseconds.
fn rate_limited(ms: u64) -> Vec<u8> {
    let body = format!(r#"{{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":{ms}}}"#);
    with_headers("429 Too Many Requests", "", &body)
}

const OK_LIST: &str = r#"{"threepids":[]}"#;

fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn email_request() -> request_token_to_3pid_email::Request {
    let body = serde_json::json!({"client_secret": "s", "email": "a@example.org", "send_attempt": 1});
    request_token_to_3pid_email::Request {
        body: body.as_object().cloned().unwrap(),
    }
}

#[tokio::test]
async fn without_a_retry_policy_a_rate_limit_is_the_typed_error() {
    let limited = rate_limited(100);
    let (url, count) = scripted(vec![limited, with_headers("200 OK", "", OK_LIST)]).await;
    let r = Client::new(url)
        .unwrap()
        .with_access_token("t")
        .get_account_3pids()
        .await;
    match r {
        Err(ClientError::Matrix { status, error }) => {
            assert_eq!((status.as_u16(), error.errcode), (429, ErrorCode::LimitExceeded));
            assert_eq!(error.extra.get("retry_after_ms"), Some(&serde_json::json!(100)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_rate_limit_is_retried_after_the_time_the_server_asks() {
    // in the body, for a GET and for a POST (a rate limit refuses a request, it does not perform it)
    let limited = rate_limited(300);
    let (url, count) = scripted(vec![limited.clone(), with_headers("200 OK", "", OK_LIST)]).await;
    let client = Client::new(url)
        .unwrap()
        .with_access_token("t")
        .with_retry(quick_retries());
    let started = Instant::now();
    assert_eq!(client.get_account_3pids().await.unwrap().threepids, Some(vec![]));
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "retried before the time asked"
    );
    assert_eq!(count.load(Ordering::SeqCst), 2);

    let (url, count) = scripted(vec![limited, with_headers("200 OK", "", r#"{"sid":"1"}"#)]).await;
    let client = Client::new(url).unwrap().with_retry(quick_retries());
    assert!(client.request_token_to_3pid_email(email_request()).await.is_ok());
    assert_eq!(count.load(Ordering::SeqCst), 2);

    // in the `Retry-After` header, in seconds
    let limited = with_headers(
        "429 Too Many Requests",
        "Retry-After: 1\r\n",
        r#"{"errcode":"M_LIMIT_EXCEEDED"}"#,
    );
    let (url, count) = scripted(vec![limited, with_headers("200 OK", "", OK_LIST)]).await;
    let client = Client::new(url)
        .unwrap()
        .with_access_token("t")
        .with_retry(quick_retries());
    let started = Instant::now();
    assert!(client.get_account_3pids().await.is_ok());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "retried before the Retry-After time"
    );
    assert_eq!(count.load(Ordering::SeqCst), 2);

    // a wait longer than the policy allows is returned at once
    let limited = rate_limited(3600000);
    let (url, count) = scripted(vec![limited]).await;
    let client = Client::new(url)
        .unwrap()
        .with_access_token("t")
        .with_retry(quick_retries());
    assert!(client.get_account_3pids().await.is_err());
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn only_idempotent_requests_are_retried_after_a_server_or_transport_error() {
    let unavailable = with_headers("503 Service Unavailable", "", r#"{"errcode":"M_UNKNOWN"}"#);
    // a GET: tried again until it succeeds
    let (url, count) = scripted(vec![
        unavailable.clone(),
        Vec::new(),
        with_headers("200 OK", "", OK_LIST),
    ])
    .await;
    let client = Client::new(url)
        .unwrap()
        .with_access_token("t")
        .with_retry(quick_retries());
    assert!(client.get_account_3pids().await.is_ok());
    assert_eq!(count.load(Ordering::SeqCst), 3);

    // ... but never more than `max_attempts` times in all
    let (url, count) = scripted(vec![unavailable.clone()]).await;
    let client = Client::new(url)
        .unwrap()
        .with_access_token("t")
        .with_retry(quick_retries());
    assert!(matches!(client.get_account_3pids().await, Err(ClientError::Matrix { status, .. }) if status == 503));
    assert_eq!(count.load(Ordering::SeqCst), 3);

    // a POST is not: the server may have acted on it
    for first in [unavailable, Vec::new()] {
        let (url, count) = scripted(vec![first, with_headers("200 OK", "", r#"{"sid":"1"}"#)]).await;
        let client = Client::new(url).unwrap().with_retry(quick_retries());
        assert!(client.request_token_to_3pid_email(email_request()).await.is_err());
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test]
async fn json_of_the_wrong_type_is_a_decode_error() {
    for body in [
        r#"{"threepids": 5}"#,
        "[]",
        "",
        r#"{"threepids": [{"medium": "email", "a": true}]}"#,
    ] {
        let r = get(answer("200 OK", body)).await;
        assert!(matches!(r, Err(ClientError::Decode { .. })), "{body:?}: {r:?}");
    }
}

#[tokio::test]
async fn a_success_status_with_an_error_body_is_the_error() {
    let r = get(answer("200 OK", r#"{"errcode":"M_FORBIDDEN","error":"nope, 200"}"#)).await;
    match r {
        Err(ClientError::Matrix { status, error }) => {
            assert_eq!((status.as_u16(), error.errcode), (200, ErrorCode::Forbidden));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn unknown_statuses_are_typed() {
    // a Matrix error with a status nobody documents
    match get(answer("599 Whatever", r#"{"errcode":"M_WEIRD_ONE"}"#)).await {
        Err(ClientError::Matrix { status, error }) => {
            assert_eq!(status, 599);
            assert_eq!(error.errcode.as_str(), "M_WEIRD_ONE");
        }
        other => panic!("{other:?}"),
    }
    // a redirect nobody follows, with no body
    let r = get(b"HTTP/1.1 304 Not Modified\r\n\r\n").await;
    assert!(
        matches!(r, Err(ClientError::Decode { ref status, .. }) if *status == 304),
        "{r:?}"
    );
    // an unusual success with a good body is a success
    let r = get(answer("299 Fine", r#"{"threepids":[]}"#)).await;
    assert_eq!(r.unwrap().threepids, Some(vec![]));
}

#[tokio::test]
async fn garbage_instead_of_http_is_a_protocol_error() {
    let r = get(b"SSH-2.0-OpenSSH_9.6\r\n").await;
    assert_eq!(transport_kind(r), TransportErrorKind::Protocol);
}
