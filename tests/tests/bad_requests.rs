//! A battery of bad requests against the generated router with an in-memory implementation:
//! each gets the Matrix error the spec implies with the right status; none gets a 500, a panic
//! or a hang, and the server stays up.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use matrix_client_server_api::operations::{get_account_3pids, post_3pids};
use matrix_client_server_api::server::{router_with_config, Api};
use matrix_client_server_api::{AccessToken, MatrixError, RequestContext, ServerConfig};
use serde_json::{json, Value};
use tower::ServiceExt;

struct Memory;

impl Api for Memory {
    type Identity = AccessToken;

    async fn authenticate(&self, token: AccessToken, _: &RequestContext) -> Result<AccessToken, MatrixError> {
        Ok(token)
    }

    async fn get_account_3pids(
        &self,
        token: AccessToken,
        _: RequestContext,
        _: get_account_3pids::Request,
    ) -> Result<get_account_3pids::Response, MatrixError> {
        if token.as_str() != "token-alice" {
            return Err(MatrixError::unknown_token("Unrecognised access token."));
        }
        Ok(get_account_3pids::Response {
            threepids: Some(vec![]),
        })
    }

    async fn post_3pids(
        &self,
        _: AccessToken,
        _: RequestContext,
        _: post_3pids::Request,
    ) -> Result<post_3pids::Response, MatrixError> {
        Ok(post_3pids::Response::default())
    }
}

const LIMIT: usize = 64 * 1024;

fn app() -> axum::Router {
    app_with_limit(LIMIT)
}

fn app_with_limit(limit: usize) -> axum::Router {
    router_with_config(
        Arc::new(Memory),
        ServerConfig::default().with_body_limit(limit).with_version("v3"),
    )
}

struct Answer {
    status: u16,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn errcode(&self) -> String {
        self.json()["errcode"].as_str().unwrap_or_default().to_owned()
    }
}

async fn send(request: http::Request<Body>) -> Answer {
    send_to(app(), request).await
}

async fn send_to(app: axum::Router, request: http::Request<Body>) -> Answer {
    let response = tokio::time::timeout(Duration::from_secs(10), app.oneshot(request))
        .await
        .expect("no hang")
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Answer { status, headers, body }
}

fn post(body: impl Into<Body>) -> http::request::Builder {
    let _ = body;
    http::Request::builder()
        .method("POST")
        .uri("/_matrix/client/r0/account/3pid")
        .header("authorization", "Bearer token-alice")
}

async fn post_body(body: impl Into<Body>) -> Answer {
    let body = body.into();
    send(post(()).header("content-type", "application/json").body(body).unwrap()).await
}

fn creds() -> Value {
    json!({"client_secret": "s", "id_server": "id.example.org", "sid": "valid"})
}

#[tokio::test]
async fn bodies_that_are_not_json_are_m_not_json() {
    for body in [
        &b"\xff\xfe\xfd"[..],
        b"{\"three_pid_creds\": ",
        b"not json",
        b"",
        b"{\"three_pid_creds\": {\"client_secret\": \"s\", \"id_server\": \"i\", \"sid\": \"x\"}} trailing",
    ] {
        let a = post_body(body.to_vec()).await;
        assert_eq!(
            (a.status, a.errcode().as_str()),
            (400, "M_NOT_JSON"),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
}

/// What a typed decode alone would skip: invalid JSON inside a field the type does not know.
#[tokio::test]
async fn invalid_json_inside_an_unknown_field_is_m_not_json() {
    let wrap = |inner: &[u8]| {
        let mut body =
            br#"{"three_pid_creds": {"client_secret": "s", "id_server": "i", "sid": "valid"}, "unknown": "#.to_vec();
        body.extend_from_slice(inner);
        body.push(b'}');
        body
    };
    for inner in [
        &b"\"\xff\xfe\""[..],
        b"\"\\ud800\"",
        b"\"\\udc00\\ud800\"",
        b"1e999999",
        b"-1e400",
        b"01",
        b"1.",
        b"\"a\tb\"",
        b"\"\\x41\"",
        b"[1,]",
        b"{\"a\" 1}",
        b"tru",
        b"NaN",
    ] {
        let a = post_body(wrap(inner)).await;
        assert_eq!(
            (a.status, a.errcode().as_str()),
            (400, "M_NOT_JSON"),
            "{:?}",
            String::from_utf8_lossy(inner)
        );
    }
    // nested past any Matrix body, inside an unknown field
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let a = send_to(
        app_with_limit(1024 * 1024),
        post(()).body(Body::from(wrap(deep.as_bytes()))).unwrap(),
    )
    .await;
    assert_eq!((a.status, a.errcode().as_str()), (400, "M_BAD_JSON"));
    // and what JSON allows is accepted there
    for inner in [
        &br#""\ud83d\ude00 \u00e9 \/ \b\f\n\r\t \" \\""#[..],
        "\"\u{e9}\u{1f600}\"".as_bytes(),
        b"-0.0e+1",
        b"18446744073709551616123",
        b"1E308",
        b"[[[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]]]",
        b" { \"a\" : [ true , false , null ] } ",
    ] {
        let a = post_body(wrap(inner)).await;
        assert_eq!(
            a.status,
            200,
            "{:?}: {}",
            String::from_utf8_lossy(inner),
            String::from_utf8_lossy(&a.body)
        );
    }
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_m_bad_json_with_the_reason() {
    let cases = [
        (json!([1, 2, 3]), "must be a JSON object"),
        (json!([]), "must be a JSON object"),
        (json!("a string"), "must be a JSON object"),
        (json!(null), "must be a JSON object"),
        (json!({"three_pid_creds": null}), "invalid type: null"),
        (json!({"three_pid_creds": "creds"}), "invalid type: string"),
        (
            json!({"three_pid_creds": creds(), "bind": "yes"}),
            "invalid type: string \"yes\", expected a boolean",
        ),
        (json!({"bind": true}), "missing field `three_pid_creds`"),
        (
            json!({"three_pid_creds": {"sid": "x"}}),
            "missing field `client_secret`",
        ),
    ];
    for (body, reason) in cases {
        let a = post_body(serde_json::to_vec(&body).unwrap()).await;
        assert_eq!((a.status, a.errcode().as_str()), (400, "M_BAD_JSON"), "{body}");
        let error = a.json()["error"].as_str().unwrap_or_default().to_owned();
        assert!(error.contains(reason), "{body}: {error}");
    }
}

#[tokio::test]
async fn extra_fields_are_accepted() {
    let a =
        post_body(serde_json::to_vec(&json!({"three_pid_creds": creds(), "future_field": {"x": 1}})).unwrap()).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json(), json!({}));
}

#[tokio::test]
async fn deep_nesting_is_refused_quickly() {
    let depth = 100_000;
    let roomy = || app_with_limit(1024 * 1024);
    let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let a = send_to(roomy(), post(()).body(Body::from(body)).unwrap()).await;
    assert_eq!((a.status, a.errcode().as_str()), (400, "M_BAD_JSON"));
    let body = format!(
        "{{\"three_pid_creds\": {}1{}}}",
        "{\"a\":".repeat(depth),
        "}".repeat(depth)
    );
    let a = send_to(roomy(), post(()).body(Body::from(body)).unwrap()).await;
    assert_eq!((a.status, a.errcode().as_str()), (400, "M_BAD_JSON"));
    // and with the default limit, so deep a body is refused as too large before it is parsed
    let a = post_body(format!("{}{}", "[".repeat(depth), "]".repeat(depth))).await;
    assert_eq!((a.status, a.errcode().as_str()), (413, "M_TOO_LARGE"));
}

#[tokio::test]
async fn a_huge_body_is_m_too_large() {
    let a = post_body(vec![b' '; LIMIT + 1]).await;
    assert_eq!((a.status, a.errcode().as_str()), (413, "M_TOO_LARGE"));
    // a body that says it is huge is refused before it is read
    let req = post(())
        .header("content-length", (100 * LIMIT).to_string())
        .body(Body::from(vec![b'{'; 10]))
        .unwrap();
    let a = send(req).await;
    assert_eq!((a.status, a.errcode().as_str()), (413, "M_TOO_LARGE"));
}

#[tokio::test]
async fn content_type_is_not_required() {
    // Matrix servers read the body as JSON whatever the header says, as Synapse does
    let body = serde_json::to_vec(&json!({"three_pid_creds": creds()})).unwrap();
    for ct in [None, Some("text/plain"), Some("application/x-www-form-urlencoded")] {
        let mut req = post(());
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        let a = send(req.body(Body::from(body.clone())).unwrap()).await;
        assert_eq!(a.status, 200, "{ct:?}");
    }
}

#[tokio::test]
async fn odd_methods() {
    let get = |method: &str| {
        http::Request::builder()
            .method(method)
            .uri("/_matrix/client/r0/account/3pid")
            .header("authorization", "Bearer token-alice")
    };
    let a = send(get("HEAD").body(Body::empty()).unwrap()).await;
    assert_eq!(a.status, 200);
    assert!(a.body.is_empty());
    // CORS preflight, as the spec asks of every endpoint
    let a = send(get("OPTIONS").body(Body::empty()).unwrap()).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.headers["access-control-allow-origin"], "*");
    assert!(a.headers["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));
    for method in ["DELETE", "PATCH", "PUT", "TRACE", "BREW"] {
        let a = send(get(method).body(Body::empty()).unwrap()).await;
        assert_eq!((a.status, a.errcode().as_str()), (405, "M_UNRECOGNIZED"), "{method}");
        assert_eq!(a.headers["allow"], "GET, HEAD, OPTIONS, POST", "{method}");
    }
}

#[tokio::test]
async fn odd_paths_are_unknown_not_errors() {
    for path in [
        "/_matrix/client/r0/account/%33pid",
        "/_matrix/client/r0/account/3pid/../3pid",
        "/_matrix/client/r0/account/..%2F3pid",
        "/_matrix/client/r0/account/3pid/%2e%2e/%2e%2e/etc/passwd",
        "/_matrix/client/r0//account/3pid",
        "/_matrix/client/r9/account/3pid",
        "/",
    ] {
        let req = http::Request::builder()
            .uri(path)
            .header("authorization", "Bearer token-alice")
            .body(Body::empty())
            .unwrap();
        let a = send(req).await;
        assert_eq!((a.status, a.errcode().as_str()), (404, "M_UNRECOGNIZED"), "{path}");
    }
}

#[tokio::test]
async fn tokens() {
    let get = || http::Request::builder().uri("/_matrix/client/v3/account/3pid");
    // an over-long token is refused before the implementation sees it
    let long = "a".repeat(100_000);
    let a = send(
        get()
            .header("authorization", format!("Bearer {long}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!((a.status, a.errcode().as_str()), (401, "M_UNKNOWN_TOKEN"));
    // credentials given twice are ambiguous, even when they agree: both forms at once, two
    // headers, the parameter twice
    let twice = [
        ("?access_token=token-alice", &["Bearer token-alice"][..]),
        ("", &["Bearer token-alice", "Bearer token-alice"][..]),
        ("", &["Bearer token-alice", "Bearer token-bob"][..]),
        ("?access_token=token-alice&access_token=token-alice", &[][..]),
        ("?access_token=token-alice&access_token=token-bob", &[][..]),
    ];
    for (query, headers) in twice {
        let mut request = http::Request::builder().uri(format!("/_matrix/client/v3/account/3pid{query}"));
        for h in headers {
            request = request.header("authorization", *h);
        }
        let a = send(request.body(Body::empty()).unwrap()).await;
        assert_eq!(
            (a.status, a.errcode().as_str()),
            (400, "M_INVALID_PARAM"),
            "{query} {headers:?}"
        );
    }
    // an Authorization header that is not a bearer token
    for header in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "token-alice"] {
        let a = send(get().header("authorization", header).body(Body::empty()).unwrap()).await;
        assert_eq!((a.status, a.errcode().as_str()), (401, "M_MISSING_TOKEN"), "{header}");
    }
    // a header that is not text
    let a = send(
        get()
            .header(
                "authorization",
                http::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
            )
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!((a.status, a.errcode().as_str()), (401, "M_MISSING_TOKEN"));
    // a percent-encoded token in the query is decoded
    let a = send(
        http::Request::builder()
            .uri("/_matrix/client/v3/account/3pid?access_token=token%2Dalice")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn the_server_stays_up_over_a_socket() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app()).await.unwrap() });
    let http = reqwest::Client::new();
    let url = format!("http://{addr}/_matrix/client/r0/account/3pid");
    for body in [vec![b'x'; LIMIT * 4], b"\xff".to_vec(), b"[[[[".to_vec()] {
        let r = http
            .post(&url)
            .bearer_auth("token-alice")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{}", r.status());
    }
    let r = http.get(&url).bearer_auth("token-alice").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&r.bytes().await.unwrap()).unwrap(),
        json!({"threepids": []})
    );
}
