//! The generated server and the generated client over a real loopback socket: all five
//! operations, and every error path the router owns, as typed errors.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use matrix_client_server_api::operations::{
    delete_3pid_from_account, get_account_3pids, post_3pids, request_token_to_3pid_email, request_token_to_3pid_msisdn,
};
use matrix_client_server_api::server::{router_with_config, Api};
use matrix_client_server_api::types::{Medium, ThirdPartyIdentifier, ThreePidCredentials};
use matrix_client_server_api::{
    AccessToken, Client, ClientError, ErrorCode, FromHttpResponseError, IncomingResponse, MatrixError, RequestContext,
    ServerConfig,
};
use serde_json::json;

/// An in-memory homeserver: tokens are `token-USER`; sids starting with `valid` are accepted.
#[derive(Default)]
struct Memory {
    threepids: Mutex<HashMap<String, Vec<ThirdPartyIdentifier>>>,
    seen_tokens: Mutex<Vec<String>>,
}

impl Memory {
    fn user(&self, token: &AccessToken) -> Result<String, MatrixError> {
        self.seen_tokens.lock().unwrap().push(token.as_str().to_owned());
        token
            .as_str()
            .strip_prefix("token-")
            .map(str::to_owned)
            .ok_or_else(|| MatrixError::unknown_token("Unrecognised access token."))
    }
}

impl Api for Memory {
    type Identity = String;

    async fn authenticate(&self, token: AccessToken, _: &RequestContext) -> Result<String, MatrixError> {
        self.user(&token)
    }

    async fn get_account_3pids(
        &self,
        user: String,
        _: RequestContext,
        _: get_account_3pids::Request,
    ) -> Result<get_account_3pids::Response, MatrixError> {
        let list = self.threepids.lock().unwrap().get(&user).cloned().unwrap_or_default();
        Ok(get_account_3pids::Response { threepids: Some(list) })
    }

    async fn post_3pids(
        &self,
        user: String,
        _: RequestContext,
        request: post_3pids::Request,
    ) -> Result<post_3pids::Response, MatrixError> {
        let creds = request.three_pid_creds;
        if !creds.sid.starts_with("valid") {
            return Err(MatrixError::new(
                http::StatusCode::FORBIDDEN,
                ErrorCode::ThreepidAuthFailed,
                "The third party credentials could not be verified by the identity server.",
            ));
        }
        let address = format!("{}@{}", creds.sid, creds.id_server);
        self.threepids
            .lock()
            .unwrap()
            .entry(user)
            .or_default()
            .push(ThirdPartyIdentifier {
                medium: Medium::Email,
                address,
                validated_at: 1535176800000,
                added_at: 1535336848756,
            });
        Ok(post_3pids::Response::default())
    }

    async fn delete_3pid_from_account(
        &self,
        user: String,
        _: RequestContext,
        request: delete_3pid_from_account::Request,
    ) -> Result<delete_3pid_from_account::Response, MatrixError> {
        let mut all = self.threepids.lock().unwrap();
        let list = all.entry(user).or_default();
        let before = list.len();
        list.retain(|t| !(t.medium == request.medium && t.address == request.address));
        let mut body = serde_json::Map::new();
        body.insert("removed".into(), json!(before - list.len()));
        Ok(delete_3pid_from_account::Response { body })
    }

    async fn request_token_to_3pid_email(
        &self,
        _: RequestContext,
        request: request_token_to_3pid_email::Request,
    ) -> Result<request_token_to_3pid_email::Response, MatrixError> {
        let email = request
            .body
            .get("email")
            .and_then(|e| e.as_str())
            .ok_or_else(|| MatrixError::bad_json("`email` is required"))?;
        let body = json!({"sid": format!("valid-email-{email}")});
        Ok(request_token_to_3pid_email::Response {
            body: body.as_object().cloned().unwrap(),
        })
    }

    // request_token_to_3pid_msisdn is left to the default: 404 M_UNRECOGNIZED
}

struct Running {
    base_url: String,
    memory: Arc<Memory>,
}

async fn start(config: ServerConfig) -> Running {
    let memory = Arc::new(Memory::default());
    let app = router_with_config(memory.clone(), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Running {
        base_url: format!("http://{addr}"),
        memory,
    }
}

fn creds(sid: &str) -> ThreePidCredentials {
    ThreePidCredentials {
        client_secret: "d0n'tT3ll".into(),
        id_server: "matrix.org".into(),
        sid: sid.into(),
    }
}

fn matrix(err: ClientError) -> (u16, ErrorCode, Option<String>) {
    match err {
        ClientError::Matrix { status, error } => {
            assert_eq!(status, error.status);
            (status.as_u16(), error.errcode, error.error)
        }
        other => panic!("expected a Matrix error, got {other:?}"),
    }
}

#[tokio::test]
async fn all_five_operations_round_trip() {
    let server = start(ServerConfig::default()).await;
    let client = Client::new(&server.base_url).unwrap().with_access_token("token-alice");

    assert_eq!(client.get_account_3pids().await.unwrap().threepids, Some(vec![]));

    let sid = client
        .request_token_to_3pid_email(request_token_to_3pid_email::Request {
            body: json!({"email": "alice@example.org", "client_secret": "s", "send_attempt": 1})
                .as_object()
                .cloned()
                .unwrap(),
        })
        .await
        .unwrap()
        .body["sid"]
        .clone();
    assert_eq!(sid, json!("valid-email-alice@example.org"));

    client
        .post_3pids(post_3pids::Request {
            three_pid_creds: creds("valid-1"),
            bind: Some(false),
        })
        .await
        .unwrap();
    let listed = client.get_account_3pids().await.unwrap().threepids.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].medium, Medium::Email);
    assert_eq!(listed[0].address, "valid-1@matrix.org");
    assert_eq!(listed[0].added_at, 1535336848756);

    let deleted = client
        .delete_3pid_from_account(delete_3pid_from_account::Request {
            medium: Medium::Email,
            address: "valid-1@matrix.org".into(),
        })
        .await
        .unwrap();
    assert_eq!(deleted.body["removed"], json!(1));
    assert_eq!(client.get_account_3pids().await.unwrap().threepids, Some(vec![]));

    // not implemented by this server: the trait's default
    let err = client
        .request_token_to_3pid_msisdn(request_token_to_3pid_msisdn::Request {
            body: json!({"country": "GB", "phone_number": "07700900001", "client_secret": "s", "send_attempt": 1})
                .as_object()
                .cloned()
                .unwrap(),
        })
        .await
        .unwrap_err();
    let (status, code, _) = matrix(err);
    assert_eq!((status, code), (404, ErrorCode::Unrecognized));

    // the token reached the handler
    assert!(server
        .memory
        .seen_tokens
        .lock()
        .unwrap()
        .iter()
        .all(|t| t == "token-alice"));
}

#[tokio::test]
async fn the_implementation_errors_reach_the_client_typed() {
    let server = start(ServerConfig::default()).await;
    let client = Client::new(&server.base_url).unwrap().with_access_token("token-alice");
    let err = client
        .post_3pids(post_3pids::Request {
            three_pid_creds: creds("made-up"),
            bind: None,
        })
        .await
        .unwrap_err();
    let (status, code, message) = matrix(err);
    assert_eq!((status, code), (403, ErrorCode::ThreepidAuthFailed));
    assert!(message.unwrap().contains("could not be verified"));

    let bad_token = Client::new(&server.base_url).unwrap().with_access_token("nonsense");
    let (status, code, _) = matrix(bad_token.get_account_3pids().await.unwrap_err());
    assert_eq!((status, code), (401, ErrorCode::UnknownToken));
}

#[tokio::test]
async fn token_in_header_or_query_but_not_both_and_not_none() {
    let server = start(ServerConfig::default()).await;
    let in_query = Client::new(&server.base_url)
        .unwrap()
        .with_access_token("token-bob")
        .with_token_in_query(true);
    assert!(in_query.get_account_3pids().await.is_ok());
    assert_eq!(
        server.memory.seen_tokens.lock().unwrap().last().map(String::as_str),
        Some("token-bob")
    );

    let anonymous = Client::new(&server.base_url).unwrap();
    let (status, code, _) = matrix(anonymous.get_account_3pids().await.unwrap_err());
    assert_eq!((status, code), (401, ErrorCode::MissingToken));

    // both at once: a raw request, its answer decoded by the generated response type
    let raw = reqwest::Client::new()
        .get(format!(
            "{}/_matrix/client/r0/account/3pid?access_token=token-bob",
            server.base_url
        ))
        .bearer_auth("token-bob")
        .send()
        .await
        .unwrap();
    let e = decode::<get_account_3pids::Response>(raw).await.unwrap_err();
    // (ambiguous, so a malformed request rather than a missing token)
    assert_eq!((e.status.as_u16(), e.errcode), (400, ErrorCode::InvalidParam));
    assert_eq!(
        e.error.as_deref(),
        Some("Mixing Authorization headers and access_token query parameters.")
    );

    // an unauthenticated operation takes no token at all
    let anonymous_email = anonymous
        .request_token_to_3pid_email(request_token_to_3pid_email::Request {
            body: json!({"email": "x@y.z", "client_secret": "s", "send_attempt": 1})
                .as_object()
                .cloned()
                .unwrap(),
        })
        .await;
    assert!(anonymous_email.is_ok());
}

/// Decodes a raw response with the generated response type, expecting a Matrix error.
async fn decode<R: IncomingResponse + std::fmt::Debug>(raw: reqwest::Response) -> Result<R, MatrixError> {
    let status = raw.status();
    let allow = raw.headers().get("allow").cloned();
    let body = raw.bytes().await.unwrap();
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    if let Some(a) = allow {
        response.headers_mut().insert("allow", a);
    }
    match R::try_from_http_response(response) {
        Ok(r) => Ok(r),
        Err(FromHttpResponseError::Matrix(e)) => Err(e),
        Err(other) => panic!("expected a Matrix error, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_requests_get_the_matrix_error_the_spec_implies() {
    let server = start(ServerConfig::default().with_body_limit(1024)).await;
    let http = reqwest::Client::new();
    let url = format!("{}/_matrix/client/r0/account/3pid", server.base_url);
    let post = |body: Vec<u8>| http.post(&url).bearer_auth("token-alice").body(body).send();

    let e = decode::<post_3pids::Response>(post(b"not json".to_vec()).await.unwrap())
        .await
        .unwrap_err();
    assert_eq!((e.status.as_u16(), e.errcode), (400, ErrorCode::NotJson));

    let e = decode::<post_3pids::Response>(post(br#"{"three_pid_creds": 5}"#.to_vec()).await.unwrap())
        .await
        .unwrap_err();
    assert_eq!((e.status.as_u16(), e.errcode.clone()), (400, ErrorCode::BadJson));
    assert!(e.error.unwrap().contains("ThreePidCredentials"), "the reason is given");

    let e = decode::<post_3pids::Response>(post(br#"{"bind": true}"#.to_vec()).await.unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.errcode, ErrorCode::BadJson);
    assert!(e.error.unwrap().contains("missing field `three_pid_creds`"));

    let huge = format!(
        r#"{{"three_pid_creds": {{"sid": "valid", "client_secret": "{}", "id_server": "x"}}}}"#,
        "a".repeat(4096)
    );
    let e = decode::<post_3pids::Response>(post(huge.into_bytes()).await.unwrap())
        .await
        .unwrap_err();
    assert_eq!((e.status.as_u16(), e.errcode), (413, ErrorCode::TooLarge));

    let raw = http.delete(&url).bearer_auth("token-alice").send().await.unwrap();
    assert_eq!(raw.headers().get("allow").unwrap(), "GET, HEAD, OPTIONS, POST");
    let e = decode::<get_account_3pids::Response>(raw).await.unwrap_err();
    assert_eq!((e.status.as_u16(), e.errcode), (405, ErrorCode::Unrecognized));

    let raw = http
        .get(format!("{}/_matrix/client/r0/account/3pid/nope", server.base_url))
        .send()
        .await
        .unwrap();
    let e = decode::<get_account_3pids::Response>(raw).await.unwrap_err();
    assert_eq!((e.status.as_u16(), e.errcode), (404, ErrorCode::Unrecognized));

    // and the server is still up
    let client = Client::new(&server.base_url).unwrap().with_access_token("token-alice");
    assert!(client.get_account_3pids().await.is_ok());
}

#[tokio::test]
async fn served_under_the_spec_base_path_and_other_versions() {
    let server = start(ServerConfig::default().with_version("v3")).await;
    for prefix in ["/_matrix/client/r0", "/_matrix/client/v3"] {
        let client = Client::new(&server.base_url)
            .unwrap()
            .with_access_token("token-carol")
            .with_path_prefix(prefix);
        client
            .post_3pids(post_3pids::Request {
                three_pid_creds: creds("valid-2"),
                bind: None,
            })
            .await
            .unwrap();
    }
    let client = Client::new(&server.base_url).unwrap().with_access_token("token-carol");
    assert_eq!(client.get_account_3pids().await.unwrap().threepids.unwrap().len(), 2);
    // the same through the version alone
    let v3 = Client::new(&server.base_url)
        .unwrap()
        .with_access_token("token-carol")
        .with_version("v3");
    assert_eq!(v3.get_account_3pids().await.unwrap().threepids.unwrap().len(), 2);
    // an unconfigured version is an unknown path
    let v9 = Client::new(&server.base_url)
        .unwrap()
        .with_access_token("token-carol")
        .with_path_prefix("/_matrix/client/v9");
    assert_eq!(matrix(v9.get_account_3pids().await.unwrap_err()).0, 404);
    let v9 = Client::new(&server.base_url)
        .unwrap()
        .with_access_token("token-carol")
        .with_version("v9");
    assert_eq!(matrix(v9.get_account_3pids().await.unwrap_err()).0, 404);
}

#[test]
fn only_the_version_segment_of_a_base_path_changes() {
    use matrix_client_server_api::runtime::metadata::with_version;
    for (base, v3) in [
        ("/_matrix/client/r0", "/_matrix/client/v3"),
        ("/_matrix/media/r0", "/_matrix/media/v3"),
        ("/_matrix/client/v1", "/_matrix/client/v3"),
        ("/_matrix/client/unstable", "/_matrix/client/v3"),
        ("/_matrix/client", "/_matrix/client"),
        ("/.well-known", "/.well-known"),
        ("/_matrix/client/rooms", "/_matrix/client/rooms"),
        ("/_matrix/client/version", "/_matrix/client/version"),
        ("", ""),
    ] {
        assert_eq!(with_version(base, "v3"), v3, "{base}");
    }
    // the server serves each base path under its further versions the same way
    let config = ServerConfig::default().with_version("v3");
    assert_eq!(config.prefixes("/_matrix/client"), ["/_matrix/client"]);
    assert_eq!(
        config.prefixes("/_matrix/media/r0"),
        ["/_matrix/media/r0", "/_matrix/media/v3"]
    );
    // and the client's URL follows it
    let request = matrix_client_server_api::operations::get_account_3pids::Request {};
    let base = matrix_client_server_api::Base {
        url: "https://hs.example",
        version: Some("v3"),
        ..Default::default()
    };
    let http = matrix_client_server_api::OutgoingRequest::to_http_request(&request, &base).unwrap();
    assert_eq!(http.uri(), "https://hs.example/_matrix/client/v3/account/3pid");
}

/// A server that answers every request with a fixed status, content type and body.
async fn fixed(status: u16, content_type: &'static str, body: &'static str) -> String {
    let app = axum::Router::new().fallback(move || async move {
        let mut r = axum::response::Response::new(axum::body::Body::from(body));
        *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
        r.headers_mut()
            .insert("content-type", http::HeaderValue::from_static(content_type));
        r
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn every_documented_error_and_some_undocumented_ones_are_typed() {
    // the 403 documented on POST /account/3pid
    let url = fixed(403, "application/json", r#"{"errcode":"M_THREEPID_AUTH_FAILED","error":"The third party credentials could not be verified by the identity server."}"#).await;
    let client = Client::new(url).unwrap().with_access_token("t");
    match client
        .post_3pids(post_3pids::Request {
            three_pid_creds: creds("x"),
            bind: None,
        })
        .await
    {
        Err(ClientError::Matrix { status, error }) if error.errcode == ErrorCode::ThreepidAuthFailed => {
            assert_eq!(status.as_u16(), 403)
        }
        other => panic!("{other:?}"),
    }

    // an errcode this crate does not know is kept, and so are extra fields
    let url = fixed(
        401,
        "application/json",
        r#"{"errcode":"M_SOMETHING_NEW","error":"x","soft_logout":false}"#,
    )
    .await;
    let err = Client::new(url)
        .unwrap()
        .with_access_token("t")
        .get_account_3pids()
        .await
        .unwrap_err();
    let error = err.matrix_error().unwrap().clone();
    assert_eq!(error.errcode.as_str(), "M_SOMETHING_NEW");
    assert_eq!(error.extra.get("soft_logout"), Some(&json!(false)));
    assert_eq!(
        serde_json::to_value(&error).unwrap(),
        json!({"errcode":"M_SOMETHING_NEW","error":"x","soft_logout":false})
    );

    // an HTML page from a proxy
    let url = fixed(502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>").await;
    match Client::new(url)
        .unwrap()
        .with_access_token("t")
        .get_account_3pids()
        .await
    {
        Err(ClientError::Decode { status, excerpt, .. }) => {
            assert_eq!(status.as_u16(), 502);
            assert!(excerpt.contains("502 Bad Gateway"));
        }
        other => panic!("{other:?}"),
    }

    // a 200 whose body is not what the operation documents
    let url = fixed(200, "application/json", r#"{"threepids": "many"}"#).await;
    match Client::new(url)
        .unwrap()
        .with_access_token("t")
        .get_account_3pids()
        .await
    {
        Err(ClientError::Decode { status, .. }) => assert_eq!(status.as_u16(), 200),
        other => panic!("{other:?}"),
    }

    // nobody listening: a transport error
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    assert!(matches!(
        Client::new(url).unwrap().get_account_3pids().await,
        Err(ClientError::Transport(_))
    ));

    // and a base URL that is not one
    assert!(matches!(Client::new("not a url"), Err(ClientError::InvalidRequest(_))));
}

#[test]
fn access_tokens_and_secrets_stay_out_of_debug() {
    let client = Client::new("http://127.0.0.1:1")
        .unwrap()
        .with_access_token("syt_secret_token");
    assert!(!format!("{client:?}").contains("syt_secret_token"));
    assert!(!format!("{:?}", AccessToken::new("syt_secret_token")).contains("syt_secret_token"));
    let request = post_3pids::Request {
        three_pid_creds: creds("s"),
        bind: None,
    };
    assert!(!format!("{request:?}").contains("d0n'tT3ll"));
}

/// Counts the tokens it checks, and keeps what the handler saw.
#[derive(Default)]
struct Contextual {
    checks: std::sync::atomic::AtomicUsize,
    seen: Mutex<Option<(String, String, RequestContext)>>,
}

impl Api for Contextual {
    /// A user and a device.
    type Identity = (String, String);

    async fn authenticate(
        &self,
        token: AccessToken,
        context: &RequestContext,
    ) -> Result<(String, String), MatrixError> {
        self.checks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let user = token
            .as_str()
            .strip_prefix("token-")
            .ok_or_else(|| MatrixError::unknown_token("Unknown"))?;
        // an application service may act as one of its users (`?user_id=`)
        let user = context.query("user_id").unwrap_or_else(|| user.to_owned());
        Ok((user, "DEVICE".to_owned()))
    }

    async fn get_account_3pids(
        &self,
        (user, device): (String, String),
        context: RequestContext,
        _: get_account_3pids::Request,
    ) -> Result<get_account_3pids::Response, MatrixError> {
        *self.seen.lock().unwrap() = Some((user, device, context));
        Ok(get_account_3pids::Response {
            threepids: Some(vec![]),
        })
    }
}

#[tokio::test]
async fn the_token_is_checked_once_and_handlers_see_who_and_the_context() {
    let api = Arc::new(Contextual::default());
    let config = ServerConfig::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = matrix_client_server_api::server::router_with_config(api.clone(), config.clone());
    tokio::spawn(async move { matrix_client_server_api::serve(listener, app, &config, std::future::pending()).await });

    let response = reqwest::Client::new()
        .get(format!(
            "http://{addr}/_matrix/client/r0/account/3pid?user_id=@bridge_bob:hs"
        ))
        .header("authorization", "Bearer token-appservice")
        .header("user-agent", "context-test/1.0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(api.checks.load(std::sync::atomic::Ordering::SeqCst), 1);
    let (user, device, context) = api.seen.lock().unwrap().take().expect("the handler ran");
    assert_eq!((user.as_str(), device.as_str()), ("@bridge_bob:hs", "DEVICE"));
    assert_eq!(context.headers["user-agent"], "context-test/1.0");
    assert_eq!(context.peer.map(|p| p.ip()), Some(std::net::Ipv4Addr::LOCALHOST.into()));
    assert_eq!(context.uri.path(), "/_matrix/client/r0/account/3pid");
    // its Debug shows neither the token in the header nor one in the query
    let shown = format!("{context:?}");
    assert!(
        shown.contains("context-test/1.0") && shown.contains("<redacted>"),
        "{shown}"
    );
    assert!(!shown.contains("token-appservice"), "{shown}");

    // a token the hook refuses never reaches the handler: its error is the answer
    let client = Client::new(format!("http://{addr}"))
        .unwrap()
        .with_access_token("nobody");
    let (status, code, _) = matrix(client.get_account_3pids().await.unwrap_err());
    assert_eq!((status, code), (401, ErrorCode::UnknownToken));
    assert!(api.seen.lock().unwrap().is_none());
    // and an operation that needs no token does not call it
    let before = api.checks.load(std::sync::atomic::Ordering::SeqCst);
    let body = serde_json::json!({"client_secret": "s", "email": "a@b.c", "send_attempt": 1});
    let _ = reqwest::Client::new()
        .post(format!(
            "http://{addr}/_matrix/client/r0/account/3pid/email/requestToken"
        ))
        .header("authorization", "Bearer token-alice")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(api.checks.load(std::sync::atomic::Ordering::SeqCst), before);
}

#[test]
fn an_empty_body_is_the_empty_object_where_every_field_is_optional() {
    use matrix_client_server_api::runtime::convert::json_object_body;
    // every field optional: no body at all is `{}`
    let empty: get_account_3pids::Response = json_object_body(b"").unwrap();
    assert_eq!(empty.threepids, None);
    let blank: get_account_3pids::Response = json_object_body(b" \n").unwrap();
    assert_eq!(blank.threepids, None);
    // a required field: no body is not JSON, as before
    let err = json_object_body::<ThirdPartyIdentifier>(b"").unwrap_err();
    assert_eq!(err.errcode, ErrorCode::NotJson);
}
