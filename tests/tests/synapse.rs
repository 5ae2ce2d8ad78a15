//! The generated client against Synapse, a real homeserver nobody here wrote. Run through
//! `tests/peers/run.sh`, which starts Synapse and sets SYNAPSE_URL and the users' tokens; without
//! them these tests are skipped with a printed reason, or fail when CI is set.

use matrix_client_server_api::operations::{
    delete_3pid_from_account, post_3pids, request_token_to_3pid_email, request_token_to_3pid_msisdn,
};
use matrix_client_server_api::types::{Medium, ThreePidCredentials};
use matrix_client_server_api::{Client, ClientError, ErrorCode};
use serde_json::json;

struct Peer {
    url: String,
    carol: String,
    dave: String,
}

fn peer() -> Option<Peer> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (
        var("SYNAPSE_URL"),
        var("SYNAPSE_CAROL_TOKEN"),
        var("SYNAPSE_DAVE_TOKEN"),
    ) {
        (Some(url), Some(carol), Some(dave)) => Some(Peer { url, carol, dave }),
        _ if std::env::var_os("CI").is_some() => {
            panic!("SYNAPSE_URL is not set, and CI is set: run the tests through tests/peers/run.sh")
        }
        _ => {
            eprintln!("skipped: SYNAPSE_URL is not set (run the tests through tests/peers/run.sh)");
            None
        }
    }
}

/// The spec's version (`r0`) and the current one: Synapse serves both.
const VERSIONS: [&str; 2] = ["r0", "v3"];

fn client(peer: &Peer, version: &str, token: &str) -> Client {
    Client::new(&peer.url)
        .unwrap()
        .with_version(version)
        .with_access_token(token)
}

fn matrix(err: ClientError) -> (u16, ErrorCode, serde_json::Map<String, serde_json::Value>) {
    match err {
        ClientError::Matrix { status, error } => (status.as_u16(), error.errcode, *error.extra),
        other => panic!("expected a Matrix error, got {other}"),
    }
}

#[tokio::test]
async fn get_account_3pids_with_the_token_in_the_header_and_in_the_query() {
    let Some(peer) = peer() else { return };
    for prefix in VERSIONS {
        for in_query in [false, true] {
            let c = client(&peer, prefix, &peer.carol).with_token_in_query(in_query);
            let mut threepids = c.get_account_3pids().await.unwrap().threepids.unwrap();
            threepids.sort_by(|a, b| a.address.cmp(&b.address));
            assert_eq!(threepids.len(), 2, "{prefix} in_query={in_query}: {threepids:?}");
            assert_eq!(
                (threepids[0].medium.clone(), threepids[0].address.as_str()),
                (Medium::Msisdn, "447700900005")
            );
            assert_eq!(
                (threepids[1].medium.clone(), threepids[1].address.as_str()),
                (Medium::Email, "carol@example.org")
            );
            for t in &threepids {
                // milliseconds since the epoch, and not before 2020
                assert!(
                    t.validated_at > 1_577_836_800_000 && t.added_at > 1_577_836_800_000,
                    "{t:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn made_up_credentials_are_a_typed_threepid_auth_failure() {
    let Some(peer) = peer() else { return };
    for prefix in VERSIONS {
        let request = post_3pids::Request {
            three_pid_creds: ThreePidCredentials {
                client_secret: "madeUpSecret".into(),
                // never a real identity server: Synapse would call it; this one is a closed port
                id_server: "127.0.0.1:9".into(),
                sid: "madeUpSid".into(),
            },
            bind: None,
        };
        let (status, code, _) = matrix(
            client(&peer, prefix, &peer.carol)
                .post_3pids(request)
                .await
                .unwrap_err(),
        );
        // the spec says 403; Synapse answers 400: typed either way
        assert_eq!(code, ErrorCode::ThreepidAuthFailed, "{prefix}");
        assert!(status == 400 || status == 403, "{prefix}: {status}");
    }
}

#[tokio::test]
async fn delete_succeeds_although_synapse_adds_a_field_and_the_3pid_is_gone() {
    let Some(peer) = peer() else { return };
    for (prefix, (medium, address)) in VERSIONS
        .iter()
        .zip([(Medium::Email, "dave@example.org"), (Medium::Msisdn, "447700900004")])
    {
        let c = client(&peer, prefix, &peer.dave);
        let response = c
            .delete_3pid_from_account(delete_3pid_from_account::Request {
                medium: medium.clone(),
                address: address.into(),
            })
            .await
            .unwrap();
        // Synapse's `id_server_unbind_result`, which the spec of this era does not list, is kept
        assert_eq!(response.body.get("id_server_unbind_result"), Some(&json!("no-support")));
        let left = c.get_account_3pids().await.unwrap().threepids.unwrap();
        assert!(!left.iter().any(|t| t.address == address), "{prefix}: {left:?}");
    }
}

#[tokio::test]
async fn request_token_endpoints_are_a_typed_medium_not_supported() {
    let Some(peer) = peer() else { return };
    for prefix in VERSIONS {
        let c = client(&peer, prefix, &peer.carol);
        let email = request_token_to_3pid_email::Request {
            body: json!({"email": "new@example.org", "client_secret": "s3cret", "send_attempt": 1})
                .as_object()
                .cloned()
                .unwrap(),
        };
        let (status, code, _) = matrix(c.request_token_to_3pid_email(email).await.unwrap_err());
        assert_eq!((status, code), (400, ErrorCode::ThreepidMediumNotSupported), "{prefix}");
        let msisdn = request_token_to_3pid_msisdn::Request {
            body: json!({"country": "GB", "phone_number": "07700900009", "client_secret": "s3cret", "send_attempt": 1})
                .as_object()
                .cloned()
                .unwrap(),
        };
        let (status, code, _) = matrix(c.request_token_to_3pid_msisdn(msisdn).await.unwrap_err());
        assert_eq!((status, code), (400, ErrorCode::ThreepidMediumNotSupported), "{prefix}");
    }
}

#[tokio::test]
async fn no_token_and_a_bad_token_are_typed() {
    let Some(peer) = peer() else { return };
    for prefix in VERSIONS {
        let anonymous = Client::new(&peer.url).unwrap().with_version(prefix);
        let (status, code, _) = matrix(anonymous.get_account_3pids().await.unwrap_err());
        assert_eq!((status, code), (401, ErrorCode::MissingToken), "{prefix}");
        let (status, code, extra) = matrix(
            client(&peer, prefix, "syt_bad_token")
                .get_account_3pids()
                .await
                .unwrap_err(),
        );
        assert_eq!((status, code), (401, ErrorCode::UnknownToken), "{prefix}");
        assert_eq!(
            extra.get("soft_logout"),
            Some(&json!(false)),
            "{prefix}: soft_logout is kept"
        );
    }
}
