//! Errors that carry data, typed on both sides: user-interactive authentication (a 401 with
//! `flows`, with or without the `errcode` of a failed stage), `M_LIMIT_EXCEEDED` with its wait
//! (`retry_after_ms` or `Retry-After`), and `M_UNKNOWN_TOKEN` with `soft_logout`.

use std::sync::Arc;
use std::time::Duration;

use matrix_client_server_api::operations::{delete_3pid_from_account, get_account_3pids};
use matrix_client_server_api::server::{router, Api};
use matrix_client_server_api::{
    AccessToken, AuthFlow, Client, ClientError, ErrorCode, FromHttpResponseError, IncomingResponse, MatrixError,
    RequestContext, UiaaResponse,
};

/// Answers each call with the error its token names.
struct Errors;

fn password_or_dummy(session: &str) -> UiaaResponse {
    let mut uiaa = UiaaResponse::new(
        vec![
            AuthFlow::new(["m.login.password"]),
            AuthFlow::new(["m.login.terms", "m.login.dummy"]),
        ],
        session,
    );
    uiaa.params
        .insert("m.login.terms".to_owned(), serde_json::json!({"policies": {}}));
    uiaa
}

impl Api for Errors {
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
        Err(match token.as_str() {
            "limited" => MatrixError::limit_exceeded(Some(Duration::from_millis(1500))),
            "soft" => MatrixError::unknown_token("Expired").with_soft_logout(true),
            "keys" => MatrixError::new(
                http::StatusCode::FORBIDDEN,
                ErrorCode::from("M_WRONG_ROOM_KEYS_VERSION"),
                "Wrong",
            )
            .with_field("current_version", "42"),
            _ => MatrixError::unknown_token("Unknown"),
        })
    }

    async fn delete_3pid_from_account(
        &self,
        token: AccessToken,
        _: RequestContext,
        _: delete_3pid_from_account::Request,
    ) -> Result<delete_3pid_from_account::Response, MatrixError> {
        let mut uiaa = password_or_dummy("sess-1");
        if token.as_str() == "wrong-password" {
            uiaa.completed = vec!["m.login.terms".to_owned()];
            uiaa.errcode = Some(ErrorCode::Forbidden);
            uiaa.error = Some("Invalid password".to_owned());
        }
        Err(MatrixError::interactive_auth(uiaa))
    }
}

async fn start() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(Arc::new(Errors))).await.unwrap() });
    format!("http://{addr}")
}

fn delete_request() -> delete_3pid_from_account::Request {
    delete_3pid_from_account::Request {
        medium: "email".into(),
        address: "a@example.org".to_owned(),
    }
}

#[tokio::test]
async fn user_interactive_auth_is_answered_and_read_as_such() {
    let url = start().await;
    // on the wire: the spec's body, with no `errcode` before a stage has failed
    let raw = reqwest::Client::new()
        .post(format!("{url}/_matrix/client/r0/account/3pid/delete"))
        .bearer_auth("first")
        .body(r#"{"medium": "email", "address": "a@example.org"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 401);
    let body: serde_json::Value = serde_json::from_slice(&raw.bytes().await.unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "flows": [{"stages": ["m.login.password"]}, {"stages": ["m.login.terms", "m.login.dummy"]}],
            "params": {"m.login.terms": {"policies": {}}},
            "session": "sess-1"
        })
    );

    // through the client: typed, with the session kept
    let client = Client::new(&url).unwrap().with_access_token("first");
    let err = client.delete_3pid_from_account(delete_request()).await.unwrap_err();
    let uiaa = err.interactive_auth().expect("user-interactive auth");
    assert_eq!(uiaa.session.as_deref(), Some("sess-1"));
    assert_eq!(uiaa.flows[1].stages, ["m.login.terms", "m.login.dummy"]);
    assert_eq!(uiaa.errcode, None);
    assert_eq!(uiaa.next_stages().collect::<Vec<_>>(), ["m.login.password"]);
    assert!(err.to_string().contains("m.login.terms > m.login.dummy"), "{err}");

    // a failed stage: the same answer with the stage's error
    let client = Client::new(&url).unwrap().with_access_token("wrong-password");
    match client.delete_3pid_from_account(delete_request()).await {
        Err(ClientError::InteractiveAuth(uiaa)) => {
            assert_eq!(uiaa.errcode, Some(ErrorCode::Forbidden));
            assert_eq!(uiaa.error.as_deref(), Some("Invalid password"));
            assert_eq!(uiaa.completed, ["m.login.terms"]);
            // the flow that has the completed stage is the one to go on with
            assert_eq!(uiaa.next_stages().collect::<Vec<_>>(), ["m.login.dummy"]);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_rate_limit_says_how_long_to_wait_in_the_body_and_the_header() {
    let url = start().await;
    let raw = reqwest::Client::new()
        .get(format!("{url}/_matrix/client/r0/account/3pid"))
        .bearer_auth("limited")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 429);
    // 1.5 s is 2 s in whole seconds, rounded up
    assert_eq!(raw.headers()["retry-after"], "2");
    let body: serde_json::Value = serde_json::from_slice(&raw.bytes().await.unwrap()).unwrap();
    assert_eq!(body["retry_after_ms"], 1500);

    let err = Client::new(&url)
        .unwrap()
        .with_access_token("limited")
        .get_account_3pids()
        .await
        .unwrap_err();
    let error = err.matrix_error().unwrap();
    assert_eq!(error.errcode, ErrorCode::LimitExceeded);
    assert_eq!(error.retry_after(), Some(Duration::from_millis(1500)));

    // a server that gives only the header
    let response = http::Response::builder()
        .status(429)
        .header("Retry-After", "3")
        .body(br#"{"errcode": "M_LIMIT_EXCEEDED"}"#.to_vec())
        .unwrap();
    match get_account_3pids::Response::try_from_http_response(response) {
        Err(FromHttpResponseError::Matrix(e)) => assert_eq!(e.retry_after(), Some(Duration::from_secs(3))),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn soft_logout_is_read_on_an_unknown_token() {
    let url = start().await;
    for (token, soft) in [("soft", true), ("other", false)] {
        let err = Client::new(&url)
            .unwrap()
            .with_access_token(token)
            .get_account_3pids()
            .await
            .unwrap_err();
        let error = err.matrix_error().unwrap();
        assert_eq!((error.status.as_u16(), &error.errcode), (401, &ErrorCode::UnknownToken));
        assert_eq!(error.soft_logout(), soft, "{token}");
    }
}

#[tokio::test]
async fn any_field_an_error_defines_is_read_typed() {
    let url = start().await;
    let err = Client::new(&url)
        .unwrap()
        .with_access_token("keys")
        .get_account_3pids()
        .await
        .unwrap_err();
    let error = err.matrix_error().unwrap();
    assert_eq!(error.errcode.as_str(), "M_WRONG_ROOM_KEYS_VERSION");
    assert_eq!(error.field::<String>("current_version").as_deref(), Some("42"));
    assert_eq!(error.field::<u64>("current_version"), None);
    assert_eq!(error.field::<String>("absent"), None);
}
