//! The v1.18 APIs generated as one set, used together as a homeserver would: run in a workspace
//! of the set's crates that `tests/tests/api_sets.rs` writes. One type for one concept across
//! the crates; the federation client and server signing and checking requests over loopback;
//! the identity client and server through the lookup flow; and, with Synapse (through
//! `tests/peers/run.sh`), Synapse's own server keys verified, Synapse sending a transaction to
//! an application service and a notification to a push gateway built on the generated servers.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use matrix_application_service_api as appservice;
use matrix_client_server_api as cs;
use matrix_federation_api as fed;
use matrix_identity_api as identity;
use matrix_push_gateway_api as push;
use sha2::Digest as _;

use fed::client::FederationClient as _;
use identity::client::IdentityClient as _;

/// Compiles only if each concept is one type in every crate of the set: the error, its code,
/// the identifiers, the client, the events and a schema two APIs use.
#[allow(dead_code, clippy::type_complexity)]
fn one_type_per_concept(
    error: cs::MatrixError,
    code: fed::ErrorCode,
    user: appservice::UserId,
    server: identity::ServerName,
    client: push::Client,
    event: cs::events::TimelineEvent,
    key: cs::types::CrossSigningKey,
    signing: cs::SigningKey,
) -> (
    fed::MatrixError,
    cs::ErrorCode,
    cs::UserId,
    fed::ServerName,
    fed::Client,
    appservice::events::TimelineEvent,
    fed::types::CrossSigningKey,
    fed::SigningKey,
) {
    (error, code, user, server, client, event, key, signing)
}

/// Serves `router` on a free loopback port; its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        cs::serve(listener, router, &cs::ServerConfig::default(), std::future::pending()).await;
    });
    format!("http://{addr}")
}

const ORIGIN: &str = "origin.test";
const DESTINATION: &str = "destination.test";

fn origin_key() -> fed::SigningKey {
    fed::SigningKey::from_seed(ORIGIN, "ed25519:a", &[1; 32])
}

/// A federation server that knows one key of one server, and keeps the transactions it got.
struct Federation {
    keys: HashMap<(String, String), fed::VerifyKey>,
    transactions: Mutex<Vec<(String, fed::operations::send_transaction::Request)>>,
}

impl fed::KeyLookup for Federation {
    fn server_name(&self) -> &str {
        DESTINATION
    }

    fn verify_key(
        &self,
        origin: &str,
        key_id: &str,
    ) -> impl std::future::Future<Output = Result<Option<fed::VerifyKey>, fed::MatrixError>> + Send {
        let key = self.keys.get(&(origin.to_owned(), key_id.to_owned())).copied();
        async move { Ok(key) }
    }
}

impl fed::server::Api for Federation {
    fn send_transaction(
        &self,
        origin: fed::ServerName,
        _context: fed::RequestContext,
        request: fed::operations::send_transaction::Request,
    ) -> impl std::future::Future<Output = Result<fed::operations::send_transaction::Response, fed::MatrixError>> + Send
    {
        self.transactions.lock().unwrap().push((origin.to_string(), request));
        async { Ok(fed::operations::send_transaction::Response::default()) }
    }
}

/// Sends `body` to `path` with an `Authorization` header (or none); the status and errcode.
async fn raw_put(url: &str, authorization: Option<&str>, body: &str) -> (u16, String) {
    let mut request = reqwest::Client::new()
        .put(url)
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let json: serde_json::Value = response.json().await.unwrap_or_default();
    (status, json["errcode"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn the_federation_client_signs_and_the_server_checks_over_loopback() {
    let key = origin_key();
    let state = Arc::new(Federation {
        keys: HashMap::from([((ORIGIN.to_owned(), "ed25519:a".to_owned()), key.verify_key())]),
        transactions: Mutex::new(Vec::new()),
    });
    let base = serve(fed::server::router(state.clone())).await;

    // the generated client signs; the generated server checks and hands over the origin
    let client = fed::Client::new(&base)
        .unwrap()
        .with_server_signing(fed::RequestSigner::new(key.clone(), DESTINATION));
    let pdu = serde_json::json!({"type": "m.room.message", "content": {"body": "hi", "msgtype": "m.text"}});
    let request = fed::operations::send_transaction::Request::new(
        "txn1".to_owned(),
        ORIGIN.to_owned(),
        1_000,
        vec![pdu.as_object().unwrap().clone()],
    );
    client.send_transaction(request.clone()).await.unwrap();
    {
        let got = state.transactions.lock().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, ORIGIN, "the verified origin");
        assert_eq!(got[0].1, request);
    }

    // unsigned: the client refuses to send it, and a request without a signature gets 401
    let unsigned = fed::Client::new(&base).unwrap();
    let refused = unsigned.send_transaction(request.clone()).await.unwrap_err();
    assert!(refused.to_string().contains("signature"), "{refused}");
    let url = format!("{base}/_matrix/federation/v1/send/txn2");
    let body = serde_json::json!({"origin": ORIGIN, "origin_server_ts": 1, "pdus": []}).to_string();
    assert_eq!(raw_put(&url, None, &body).await, (401, "M_UNAUTHORIZED".to_owned()));

    // signed for one body, sent with another: 401
    let signer = fed::RequestSigner::new(key.clone(), DESTINATION);
    let header = signer
        .authorization("PUT", "/_matrix/federation/v1/send/txn2", body.as_bytes())
        .unwrap();
    let tampered = body.replace("\"origin_server_ts\":1", "\"origin_server_ts\":2");
    assert_ne!(tampered, body);
    assert_eq!(raw_put(&url, Some(&header), &tampered).await, (401, "M_UNAUTHORIZED".to_owned()));
    // signed for another path: 401; the untouched request passes
    let other_path = format!("{base}/_matrix/federation/v1/send/txn3");
    assert_eq!(raw_put(&other_path, Some(&header), &body).await, (401, "M_UNAUTHORIZED".to_owned()));
    assert_eq!(raw_put(&url, Some(&header), &body).await.0, 200);

    // for another destination, or with a key the server does not know: 401
    let elsewhere = fed::RequestSigner::new(key.clone(), "elsewhere.test")
        .authorization("PUT", "/_matrix/federation/v1/send/txn2", body.as_bytes())
        .unwrap();
    assert_eq!(raw_put(&url, Some(&elsewhere), &body).await, (401, "M_UNAUTHORIZED".to_owned()));
    let stranger = fed::RequestSigner::new(fed::SigningKey::from_seed(ORIGIN, "ed25519:b", &[2; 32]), DESTINATION)
        .authorization("PUT", "/_matrix/federation/v1/send/txn2", body.as_bytes())
        .unwrap();
    assert_eq!(raw_put(&url, Some(&stranger), &body).await, (401, "M_UNAUTHORIZED".to_owned()));
    // a bearer token is not a server's signature
    assert_eq!(raw_put(&url, Some("Bearer abc"), &body).await, (401, "M_UNAUTHORIZED".to_owned()));
    assert_eq!(state.transactions.lock().unwrap().len(), 2);
    println!("federation over loopback: signed requests accepted; unsigned, tampered, misdirected and unknown-key requests refused with 401 M_UNAUTHORIZED");
}

/// An identity server with one association, for one access token.
struct Identity {
    pepper: String,
}

const IDENTITY_TOKEN: &str = "identity-token";

/// The lookup hash of an address: unpadded URL-safe Base64 of SHA-256 of `address medium pepper`.
fn lookup_hash(address: &str, medium: &str, pepper: &str) -> String {
    let digest = sha2::Sha256::digest(format!("{address} {medium} {pepper}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

impl identity::server::Api for Identity {
    type Identity = ();

    fn authenticate(
        &self,
        token: identity::AccessToken,
        _context: &identity::RequestContext,
    ) -> impl std::future::Future<Output = Result<(), identity::MatrixError>> + Send {
        let known = token.as_str() == IDENTITY_TOKEN;
        async move {
            if known {
                Ok(())
            } else {
                Err(identity::MatrixError::unknown_token("Unknown token"))
            }
        }
    }

    fn get_hash_details(
        &self,
        _identity: (),
        _context: identity::RequestContext,
        _request: identity::operations::get_hash_details::Request,
    ) -> impl std::future::Future<Output = Result<identity::operations::get_hash_details::Response, identity::MatrixError>> + Send
    {
        let response =
            identity::operations::get_hash_details::Response::new(self.pepper.clone(), vec!["sha256".to_owned(), "none".to_owned()]);
        async move { Ok(response) }
    }

    fn lookup_users_v2(
        &self,
        _identity: (),
        _context: identity::RequestContext,
        request: identity::operations::lookup_users_v2::Request,
    ) -> impl std::future::Future<Output = Result<identity::operations::lookup_users_v2::Response, identity::MatrixError>> + Send
    {
        let known = lookup_hash("alice@example.org", "email", &self.pepper);
        let result = if request.algorithm != "sha256" {
            Err(identity::MatrixError::new(
                http::StatusCode::BAD_REQUEST,
                identity::ErrorCode::InvalidParam,
                "Unsupported algorithm",
            ))
        } else if request.pepper != self.pepper {
            Err(identity::MatrixError::new(
                http::StatusCode::BAD_REQUEST,
                identity::ErrorCode::from("M_INVALID_PEPPER"),
                "Unknown or invalid pepper - has it been rotated?",
            ))
        } else {
            let mappings = request
                .addresses
                .iter()
                .filter(|a| **a == known)
                .map(|a| (a.clone(), "@alice:example.org".to_owned()))
                .collect();
            Ok(identity::operations::lookup_users_v2::Response { mappings })
        };
        async move { result }
    }
}

#[tokio::test]
async fn the_identity_client_looks_up_through_the_identity_server_over_loopback() {
    let base = serve(identity::server::router(Arc::new(Identity {
        pepper: "matrixrocks".to_owned(),
    })))
    .await;
    let client = identity::Client::new(&base).unwrap().with_access_token(IDENTITY_TOKEN);
    let details = client.get_hash_details().await.unwrap();
    assert!(details.algorithms.contains(&"sha256".to_owned()));
    let alice = lookup_hash("alice@example.org", "email", &details.lookup_pepper);
    let nobody = lookup_hash("nobody@example.org", "email", &details.lookup_pepper);
    let request = identity::operations::lookup_users_v2::Request::new(
        "sha256".to_owned(),
        details.lookup_pepper.clone(),
        vec![alice.clone(), nobody],
    );
    let found = client.lookup_users_v2(request.clone()).await.unwrap();
    assert_eq!(found.mappings, BTreeMap::from([(alice, "@alice:example.org".to_owned())]));

    // a stale pepper, and a token the server does not know
    let stale = identity::operations::lookup_users_v2::Request {
        pepper: "old".to_owned(),
        ..request.clone()
    };
    let error = client.lookup_users_v2(stale).await.unwrap_err();
    assert!(error.to_string().contains("M_INVALID_PEPPER"), "{error}");
    let stranger = identity::Client::new(&base).unwrap().with_access_token("wrong");
    let error = stranger.lookup_users_v2(request).await.unwrap_err();
    assert!(error.to_string().contains("M_UNKNOWN_TOKEN"), "{error}");
    println!("identity over loopback: hash details, a hashed lookup found alice and only alice, a stale pepper and an unknown token refused");
}
