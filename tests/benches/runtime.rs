//! The generated code at run time, side by side with its practical limit in the same run:
//! decoding and encoding through the generated types against hand-written minimal
//! `#[derive(Deserialize, Serialize)]` structs, and the generated router against a hand-written
//! axum handler doing the same work. `cargo bench -p matrix-api-tests`.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use matrix_client_server_api::operations::{get_account_3pids, post_3pids};
use matrix_client_server_api::server::{router, Api};
use matrix_client_server_api::types::{Medium, ThirdPartyIdentifier};
use matrix_client_server_api::{AccessToken, EventId, MatrixError, MxcUri, RequestContext, RoomId, UserId};
use serde::{Deserialize, Serialize};
use tower::ServiceExt;

/// The practical limit: a minimal struct with `medium: String`.
#[derive(Deserialize, Serialize)]
struct MinimalThreepid {
    medium: String,
    address: String,
    validated_at: i64,
    added_at: i64,
}

#[derive(Deserialize, Serialize)]
struct MinimalResponse {
    threepids: Vec<MinimalThreepid>,
}

/// The other limit: `medium` a closed enum, as ruma's types decode it without allocating.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
enum ClosedMedium {
    Email,
    Msisdn,
}

#[derive(Deserialize, Serialize)]
struct EnumThreepid {
    medium: ClosedMedium,
    address: String,
    validated_at: i64,
    added_at: i64,
}

#[derive(Deserialize, Serialize)]
struct EnumResponse {
    threepids: Vec<EnumThreepid>,
}

const ENTRIES: usize = 10_000;

/// Before the identifier types: a message's ids as `String`s.
#[derive(Deserialize, Serialize)]
struct IdsAsStrings {
    event_id: String,
    room_id: String,
    sender: String,
    url: String,
    origin_server_ts: i64,
}

/// After: the same fields as the generated crate's identifier types, checked on decode.
#[derive(Deserialize, Serialize)]
struct IdsTyped {
    event_id: EventId,
    room_id: RoomId,
    sender: UserId,
    url: MxcUri,
    origin_server_ts: i64,
}

fn identifier_body() -> Vec<u8> {
    let events: Vec<serde_json::Value> = (0..ENTRIES)
        .map(|i| {
            serde_json::json!({
                "event_id": format!("$143273582443PhrSn{i}:example.org"),
                "room_id": format!("!636q39766251{}:example.com", i % 100),
                "sender": format!("@user{}:example.org", i % 500),
                "url": format!("mxc://example.org/media{i}"),
                "origin_server_ts": 1432735824653_i64 + i as i64,
            })
        })
        .collect();
    serde_json::to_vec(&events).unwrap()
}

/// Identifiers before and after: the same body decoded with `String`s and with the checked
/// identifier types, and one id cloned each way.
fn identifiers(c: &mut Criterion) {
    let body = identifier_body();
    let mut g = c.benchmark_group(format!(
        "{ENTRIES} events' ids ({} KiB): String against identifier types",
        body.len() / 1024
    ));
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("decode: String (before)", |b| {
        b.iter(|| serde_json::from_slice::<Vec<IdsAsStrings>>(&body).unwrap())
    });
    g.bench_function("decode: identifier types (after)", |b| {
        b.iter(|| serde_json::from_slice::<Vec<IdsTyped>>(&body).unwrap())
    });
    let strings: Vec<IdsAsStrings> = serde_json::from_slice(&body).unwrap();
    let typed: Vec<IdsTyped> = serde_json::from_slice(&body).unwrap();
    g.bench_function("encode: String (before)", |b| {
        b.iter(|| serde_json::to_vec(&strings).unwrap())
    });
    g.bench_function("encode: identifier types (after)", |b| {
        b.iter(|| serde_json::to_vec(&typed).unwrap())
    });
    g.finish();
    let mut g = c.benchmark_group("clone one user ID");
    let s = strings[0].sender.clone();
    let id = typed[0].sender.clone();
    g.bench_function("String (before)", |b| b.iter(|| s.clone()));
    g.bench_function("UserId (after)", |b| b.iter(|| id.clone()));
    g.finish();
}

fn big_response() -> Vec<u8> {
    let threepids: Vec<serde_json::Value> = (0..ENTRIES)
        .map(|i| {
            serde_json::json!({
                "medium": if i % 2 == 0 { "email" } else { "msisdn" },
                "address": if i % 2 == 0 { format!("user{i}@example.org") } else { format!("4477009{i:05}") },
                "validated_at": 1535176800000_i64 + i as i64,
                "added_at": 1535336848756_i64 + i as i64,
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "threepids": threepids })).unwrap()
}

fn decode_encode(c: &mut Criterion) {
    let body = big_response();
    let mut g = c.benchmark_group(format!(
        "GET /account/3pid response, {ENTRIES} entries ({} KB)",
        body.len() / 1024
    ));
    g.throughput(Throughput::Elements(ENTRIES as u64));
    g.bench_function("decode: generated", |b| {
        b.iter(|| serde_json::from_slice::<get_account_3pids::Response>(&body).unwrap())
    });
    g.bench_function("decode: minimal struct, medium: String", |b| {
        b.iter(|| serde_json::from_slice::<MinimalResponse>(&body).unwrap())
    });
    g.bench_function("decode: minimal struct, medium: closed enum", |b| {
        b.iter(|| serde_json::from_slice::<EnumResponse>(&body).unwrap())
    });
    let generated: get_account_3pids::Response = serde_json::from_slice(&body).unwrap();
    let minimal: MinimalResponse = serde_json::from_slice(&body).unwrap();
    let closed: EnumResponse = serde_json::from_slice(&body).unwrap();
    g.bench_function("encode: generated", |b| {
        b.iter(|| serde_json::to_vec(&generated).unwrap())
    });
    g.bench_function("encode: minimal struct, medium: String", |b| {
        b.iter(|| serde_json::to_vec(&minimal).unwrap())
    });
    g.bench_function("encode: minimal struct, medium: closed enum", |b| {
        b.iter(|| serde_json::to_vec(&closed).unwrap())
    });
    g.finish();

    let request =
        br#"{"three_pid_creds":{"id_server":"matrix.org","sid":"abc123987","client_secret":"d0n'tT3ll"},"bind":false}"#;
    let mut g = c.benchmark_group("POST /account/3pid request body");
    g.bench_function("decode: generated", |b| {
        b.iter(|| serde_json::from_slice::<post_3pids::Request>(request).unwrap())
    });
    let decoded: post_3pids::Request = serde_json::from_slice(request).unwrap();
    g.bench_function("encode: generated", |b| {
        b.iter(|| serde_json::to_vec(&decoded).unwrap())
    });
    g.finish();
}

struct Fixed;

fn one() -> Vec<ThirdPartyIdentifier> {
    vec![ThirdPartyIdentifier {
        medium: Medium::Email,
        address: "monkey@banana.island".into(),
        validated_at: 1535176800000,
        added_at: 1535336848756,
    }]
}

impl Api for Fixed {
    type Identity = ();

    async fn authenticate(&self, token: AccessToken, _: &RequestContext) -> Result<(), MatrixError> {
        if token.as_str() != "token-alice" {
            return Err(MatrixError::unknown_token("Unrecognised access token."));
        }
        Ok(())
    }

    async fn get_account_3pids(
        &self,
        _: (),
        _: RequestContext,
        _: get_account_3pids::Request,
    ) -> Result<get_account_3pids::Response, MatrixError> {
        Ok(get_account_3pids::Response { threepids: Some(one()) })
    }
}

/// The same work by hand: the bearer token from the header, the same answer as JSON.
async fn hand_written(headers: http::HeaderMap) -> axum::response::Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let (status, body) = match token {
        Some("token-alice") => (
            200,
            serde_json::to_vec(&get_account_3pids::Response { threepids: Some(one()) }).unwrap(),
        ),
        _ => (401, br#"{"errcode":"M_UNKNOWN_TOKEN"}"#.to_vec()),
    };
    let mut r = axum::response::Response::new(axum::body::Body::from(body));
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
    r.headers_mut()
        .insert("content-type", http::HeaderValue::from_static("application/json"));
    r
}

/// The same, with the CORS headers the spec asks every answer to carry (which the generated
/// router adds).
async fn hand_written_with_cors(headers: http::HeaderMap) -> axum::response::Response {
    let mut r = hand_written(headers).await;
    let h = r.headers_mut();
    h.insert("access-control-allow-origin", http::HeaderValue::from_static("*"));
    h.insert(
        "access-control-allow-methods",
        http::HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"),
    );
    h.insert(
        "access-control-allow-headers",
        http::HeaderValue::from_static("X-Requested-With, Content-Type, Authorization"),
    );
    r
}

fn server(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let generated = router(Arc::new(Fixed));
    let generated_no_timeouts = matrix_client_server_api::server::router_with_config(
        Arc::new(Fixed),
        matrix_client_server_api::ServerConfig::default()
            .with_request_timeout(None)
            .with_body_timeout(None),
    );
    let by_hand: axum::Router =
        axum::Router::new().route("/_matrix/client/r0/account/3pid", axum::routing::get(hand_written));
    let by_hand_cors: axum::Router = axum::Router::new().route(
        "/_matrix/client/r0/account/3pid",
        axum::routing::get(hand_written_with_cors),
    );
    // and the panic guard every generated router has
    let by_hand_cors_guard = by_hand_cors
        .clone()
        .layer(tower_http::catch_panic::CatchPanicLayer::new());
    let request = || {
        http::Request::builder()
            .uri("/_matrix/client/r0/account/3pid")
            .header("authorization", "Bearer token-alice")
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let mut g = c.benchmark_group("GET /account/3pid through a router, in process");
    for (name, app) in [
        ("generated router", &generated),
        ("generated router, no timeouts", &generated_no_timeouts),
        ("hand-written axum handler", &by_hand),
        ("hand-written axum handler, with CORS headers", &by_hand_cors),
        (
            "hand-written axum handler, with CORS headers and a panic guard",
            &by_hand_cors_guard,
        ),
    ] {
        g.bench_function(name, |b| {
            b.to_async(&rt).iter_batched(
                || (app.clone(), request()),
                |(app, req)| async move {
                    let response = app.oneshot(req).await.unwrap();
                    assert_eq!(response.status(), 200);
                    axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap()
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, decode_encode, identifiers, server);
criterion_main!(benches);
