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

/// What `tests/peers/run.sh` tells about the Synapse it started.
struct Synapse {
    url: String,
    carol: String,
    dave: String,
    federation_url: String,
    server_name: String,
    as_addr: String,
    as_token: String,
    hs_token: String,
    peer_server: String,
    peer_key_id: String,
    peer_seed: String,
}

/// Synapse, when the tests run through `tests/peers/run.sh`; else `None` (a failure with CI set).
fn synapse() -> Option<Synapse> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let Some(url) = var("SYNAPSE_URL") else {
        assert!(std::env::var_os("CI").is_none(), "SYNAPSE_URL is not set, and CI is set: run through tests/peers/run.sh");
        eprintln!("skipped: SYNAPSE_URL is not set (run the tests through tests/peers/run.sh)");
        return None;
    };
    let get = |name: &str| var(name).unwrap_or_else(|| panic!("{name} is not set: tests/peers/run.sh sets it"));
    Some(Synapse {
        url,
        carol: get("SYNAPSE_CAROL_TOKEN"),
        dave: get("SYNAPSE_DAVE_TOKEN"),
        federation_url: get("SYNAPSE_FEDERATION_URL"),
        server_name: get("SYNAPSE_SERVER_NAME"),
        as_addr: get("SYNAPSE_AS_ADDR"),
        as_token: get("SYNAPSE_AS_TOKEN"),
        hs_token: get("SYNAPSE_HS_TOKEN"),
        peer_server: get("SYNAPSE_PEER_SERVER"),
        peer_key_id: get("SYNAPSE_PEER_KEY_ID"),
        peer_seed: get("SYNAPSE_PEER_SEED"),
    })
}

/// Waits up to 60 s for `found` to give something.
async fn wait_for<T>(what: &str, mut found: impl FnMut() -> Option<T>) -> T {
    for _ in 0..600 {
        if let Some(t) = found() {
            return t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}")
}

use cs::client::ClientServerClient as _;

/// A room of carol's with dave in it; its id.
async fn room_with_dave(synapse: &Synapse) -> String {
    let carol = cs::Client::new(&synapse.url).unwrap().with_access_token(&synapse.carol);
    let dave = cs::Client::new(&synapse.url).unwrap().with_access_token(&synapse.dave);
    let dave_id = dave.get_token_owner().await.unwrap().user_id;
    let request = cs::operations::create_room::Request {
        invite: Some(vec![dave_id.to_string()]),
        ..Default::default()
    };
    let room = carol.create_room(request).await.unwrap().room_id;
    dave.join_room_by_id(cs::operations::join_room_by_id::Request::new(room.clone()))
        .await
        .unwrap();
    room
}

async fn send_text(synapse: &Synapse, room: &str, body: &str) {
    let carol = cs::Client::new(&synapse.url).unwrap().with_access_token(&synapse.carol);
    let content = serde_json::json!({"msgtype": "m.text", "body": body});
    let request = cs::operations::send_message::Request {
        body: content.as_object().unwrap().clone(),
        ..cs::operations::send_message::Request::new(room.to_owned(), "m.room.message".to_owned(), format!("txn-{body}"))
    };
    carol.send_message(request).await.unwrap();
}

/// An application service that keeps the events of the transactions Synapse sends it, after
/// checking Synapse's `hs_token`.
struct AppService {
    hs_token: String,
    events: Mutex<Vec<appservice::events::TimelineEvent>>,
    refused: Mutex<usize>,
}

impl appservice::server::Api for AppService {
    type Identity = ();

    fn authenticate(
        &self,
        token: appservice::AccessToken,
        _context: &appservice::RequestContext,
    ) -> impl std::future::Future<Output = Result<(), appservice::MatrixError>> + Send {
        let known = token.as_str() == self.hs_token;
        if !known {
            *self.refused.lock().unwrap() += 1;
        }
        async move {
            if known {
                Ok(())
            } else {
                Err(appservice::MatrixError::new(
                    http::StatusCode::FORBIDDEN,
                    appservice::ErrorCode::Forbidden,
                    "Not the homeserver's token",
                ))
            }
        }
    }

    fn send_transaction(
        &self,
        _identity: (),
        _context: appservice::RequestContext,
        request: appservice::operations::send_transaction::Request,
    ) -> impl std::future::Future<
        Output = Result<appservice::operations::send_transaction::Response, appservice::MatrixError>,
    > + Send {
        let typed: Result<Vec<_>, _> = request.events.iter().map(|raw| raw.deserialize()).collect();
        let result = match typed {
            Ok(events) => {
                self.events.lock().unwrap().extend(events);
                Ok(appservice::operations::send_transaction::Response::default())
            }
            Err(e) => Err(appservice::MatrixError::bad_json(e.to_string())),
        };
        async move { result }
    }
}

#[tokio::test]
async fn synapse_sends_an_application_service_built_on_the_generated_server_its_transactions() {
    let Some(synapse) = synapse() else { return };
    let state = Arc::new(AppService {
        hs_token: synapse.hs_token.clone(),
        events: Mutex::new(Vec::new()),
        refused: Mutex::new(0),
    });
    let listener = tokio::net::TcpListener::bind(&synapse.as_addr).await.unwrap();
    let router = appservice::server::router(state.clone());
    tokio::spawn(async move {
        appservice::serve(listener, router, &appservice::ServerConfig::default(), std::future::pending()).await;
    });

    // the service registers one of its users with its as_token, through the generated client
    let service = cs::Client::new(&synapse.url).unwrap().with_access_token(&synapse.as_token);
    let registered = service
        .register(cs::operations::register::Request {
            r#type: Some("m.login.application_service".to_owned()),
            username: Some("peers-as-bob".to_owned()),
            inhibit_login: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(registered.user_id.as_str(), format!("@peers-as-bob:{}", synapse.server_name));

    // a message in a room (every room interests the service) reaches it, typed
    let room = room_with_dave(&synapse).await;
    send_text(&synapse, &room, "hello, service").await;
    let event = wait_for("the message in a transaction", || {
        state.events.lock().unwrap().iter().find_map(|e| match &e.content {
            appservice::events::AnyTimelineEventContent::RoomMessageText(text) if text.body == "hello, service" => {
                Some(e.clone())
            }
            _ => None,
        })
    })
    .await;
    assert_eq!(event.room_id.as_deref(), Some(room.as_str()));
    let kinds = state.events.lock().unwrap().len();
    // Synapse's token was checked: a transaction with another token is refused
    let stranger = appservice::Client::new(format!("http://{}", synapse.as_addr))
        .unwrap()
        .with_access_token("not-the-hs-token");
    let transaction = appservice::operations::send_transaction::Request::new("t".to_owned(), Vec::new());
    let refused = appservice::client::ApplicationServiceClient::send_transaction(&stranger, transaction)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("M_FORBIDDEN"), "{refused}");
    assert_eq!(*state.refused.lock().unwrap(), 1);
    println!("application service: registered {} with its as_token; Synapse's transactions brought {kinds} typed events, the message among them; another token refused", registered.user_id);
}

/// A push gateway that keeps the notifications Synapse sends it.
struct PushGateway {
    notifications: Mutex<Vec<push::types::Notification>>,
}

impl push::server::Api for PushGateway {
    fn notify(
        &self,
        _context: push::RequestContext,
        request: push::operations::notify::Request,
    ) -> impl std::future::Future<Output = Result<push::operations::notify::Response, push::MatrixError>> + Send {
        self.notifications.lock().unwrap().push(request.notification);
        async { Ok(push::operations::notify::Response::new(Vec::new())) }
    }
}

#[tokio::test]
async fn synapse_notifies_a_push_gateway_built_on_the_generated_server() {
    let Some(synapse) = synapse() else { return };
    let state = Arc::new(PushGateway {
        notifications: Mutex::new(Vec::new()),
    });
    let base = serve(push::server::router(state.clone())).await;

    // dave's pusher, registered through the generated Client-Server client
    let dave = cs::Client::new(&synapse.url).unwrap().with_access_token(&synapse.dave);
    let request = cs::operations::post_pusher::Request {
        kind: Some("http".to_owned()),
        app_display_name: Some("peers".to_owned()),
        device_display_name: Some("dave's device".to_owned()),
        lang: Some("en".to_owned()),
        data: Some(cs::types::PostPusherRequestData {
            url: Some(format!("{base}/_matrix/push/v1/notify")),
            format: None,
        }),
        ..cs::operations::post_pusher::Request::new("dave-pushkey".to_owned(), "org.example.peers".to_owned())
    };
    dave.post_pusher(request).await.unwrap();

    let room = room_with_dave(&synapse).await;
    send_text(&synapse, &room, "hello, dave").await;
    let notification = wait_for("the notification of carol's message", || {
        state
            .notifications
            .lock()
            .unwrap()
            .iter()
            .find(|n| n.room_id.as_deref() == Some(room.as_str()) && n.r#type.as_deref() == Some("m.room.message"))
            .cloned()
    })
    .await;
    assert_eq!(notification.devices.len(), 1);
    assert_eq!(notification.devices[0].pushkey, "dave-pushkey");
    assert_eq!(notification.devices[0].app_id, "org.example.peers");
    assert!(notification.event_id.is_some() && notification.sender.is_some());
    println!(
        "push gateway: Synapse notified it of {:?} in {room} for {}",
        notification.event_id, notification.devices[0].pushkey
    );
}

#[tokio::test]
async fn synapse_server_keys_verify_and_synapse_accepts_requests_the_generated_client_signs() {
    let Some(synapse) = synapse() else { return };
    // Synapse's keys, through the generated federation client, checked with its signature
    let client = fed::Client::new(&synapse.federation_url).unwrap();
    let keys = client.get_server_key().await.unwrap().body;
    assert_eq!(keys.server_name, synapse.server_name);
    let Ok(serde_json::Value::Object(mut object)) = serde_json::to_value(&keys) else { panic!("not an object") };
    assert!(!keys.verify_keys.is_empty());
    for (key_id, key) in &keys.verify_keys {
        let key = fed::VerifyKey::from_base64(&key.key).unwrap();
        fed::verify_json(&object, &keys.server_name, key_id, &key).unwrap();
        // one changed field and the signature fails
        object.insert("valid_until_ts".to_owned(), serde_json::json!(keys.valid_until_ts + 1));
        assert!(fed::verify_json(&object, &keys.server_name, key_id, &key).is_err());
    }

    // Synapse answers a request the generated client signs (it knows the key: run.sh put it
    // where Synapse keeps fetched keys), and refuses it unsigned or tampered
    let key = fed::SigningKey::from_base64_seed(&synapse.peer_server, &synapse.peer_key_id, &synapse.peer_seed).unwrap();
    let signed = fed::Client::new(&synapse.federation_url)
        .unwrap()
        .with_server_signing(fed::RequestSigner::new(key.clone(), &synapse.server_name));
    let carol = cs::Client::new(&synapse.url).unwrap().with_access_token(&synapse.carol);
    let carol_id = carol.get_token_owner().await.unwrap().user_id.to_string();
    let profile = signed
        .query_profile(fed::operations::query_profile::Request::new(carol_id.clone()))
        .await
        .unwrap();
    println!("federation: Synapse's {} keys verified; Synapse answered a signed profile query for {carol_id}: {profile:?}", keys.verify_keys.len());
    let uri = format!("/_matrix/federation/v1/query/profile?user_id={}", carol_id.replace('@', "%40").replace(':', "%3A"));
    let get = |authorization: Option<String>| {
        let mut request = reqwest::Client::new().get(format!("{}{uri}", synapse.federation_url));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            (status, body["errcode"].as_str().unwrap_or_default().to_owned())
        }
    };
    let good = fed::RequestSigner::new(key.clone(), &synapse.server_name).authorization("GET", &uri, b"").unwrap();
    assert_eq!(get(Some(good)).await.0, 200);
    assert_eq!(get(None).await, (401, "M_UNAUTHORIZED".to_owned()));
    let other_uri = uri.replace("query/profile", "query/directory");
    let tampered = fed::RequestSigner::new(key, &synapse.server_name).authorization("GET", &other_uri, b"").unwrap();
    assert_eq!(get(Some(tampered)).await.0, 401);
}
