//! The generated client against a bad server: whatever comes back over the socket is a typed
//! error, never a panic.

use matrix_client_server_api::{Client, ClientError, ErrorCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server that reads one request and answers with `raw` bytes, then closes the connection.
async fn raw_server(raw: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let _ = socket.read(&mut buf).await;
            let _ = socket.write_all(&raw).await;
            let _ = socket.shutdown().await;
        }
    });
    format!("http://{addr}")
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

#[tokio::test]
async fn a_truncated_body_is_a_transport_error() {
    let r = get(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"threepids\": [").await;
    assert!(matches!(r, Err(ClientError::Transport(_))), "{r:?}");
}

#[tokio::test]
async fn a_connection_closed_before_any_answer_is_a_transport_error() {
    let r = get(b"").await;
    assert!(matches!(r, Err(ClientError::Transport(_))), "{r:?}");
    let r = get(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"thr\r\nZZ\r\n").await;
    assert!(matches!(r, Err(ClientError::Transport(_))), "{r:?}");
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
async fn garbage_instead_of_http_is_a_transport_error() {
    let r = get(b"SSH-2.0-OpenSSH_9.6\r\n").await;
    assert!(matches!(r, Err(ClientError::Transport(_))), "{r:?}");
}
