//! The checked-in `generated` crate decodes and encodes what the seed spec documents.

use matrix_client_server_api::operations::{delete_3pid_from_account, get_account_3pids, post_3pids};
use matrix_client_server_api::types::{Error, Medium, ThirdPartyIdentifier, ThreePidCredentials};
use serde_json::json;

#[test]
fn get_account_3pids_response_example_round_trips() {
    let example = json!({
        "threepids": [{
            "medium": "email",
            "address": "monkey@banana.island",
            "validated_at": 1535176800000_i64,
            "added_at": 1535336848756_i64
        }]
    });
    let response: get_account_3pids::Response = serde_json::from_value(example.clone()).unwrap();
    let threepids = response.threepids.as_deref().unwrap();
    assert_eq!(threepids.len(), 1);
    assert_eq!(threepids[0].medium, Medium::Email);
    assert_eq!(threepids[0].address, "monkey@banana.island");
    assert_eq!(threepids[0].added_at, 1535336848756);
    assert_eq!(serde_json::to_value(&response).unwrap(), example);
}

#[test]
fn required_fields_are_required_and_unknown_fields_tolerated() {
    let missing = json!({"medium": "email", "address": "a@b.c", "validated_at": 1});
    let err = serde_json::from_value::<ThirdPartyIdentifier>(missing).unwrap_err();
    assert!(err.to_string().contains("missing field `added_at`"), "{err}");
    // servers add fields (Synapse's `id_server_unbind_result`): they are not an error
    let extra = json!({"medium": "msisdn", "address": "447700900001", "validated_at": 1, "added_at": 2, "new": true});
    let t: ThirdPartyIdentifier = serde_json::from_value(extra).unwrap();
    assert_eq!(t.medium, Medium::Msisdn);
}

#[test]
fn open_enum_keeps_unknown_values() {
    let m: Medium = serde_json::from_value(json!("carrier_pigeon")).unwrap();
    assert_ne!(m, Medium::Email);
    assert_eq!(m.as_str(), "carrier_pigeon");
    assert_eq!(serde_json::to_value(&m).unwrap(), json!("carrier_pigeon"));
    assert_eq!(Medium::from("email"), Medium::Email);
    assert_eq!(Medium::from("carrier_pigeon"), m);
    assert_eq!(Medium::Msisdn.to_string(), "msisdn");
}

#[test]
fn post_3pids_request_example_round_trips_and_hides_the_secret() {
    let example = json!({
        "three_pid_creds": {"id_server": "matrix.org", "sid": "abc123987", "client_secret": "d0n'tT3ll"},
        "bind": false
    });
    let request: post_3pids::Request = serde_json::from_value(example.clone()).unwrap();
    assert_eq!(request.bind, Some(false));
    assert_eq!(request.three_pid_creds.sid, "abc123987");
    assert_eq!(serde_json::to_value(&request).unwrap(), example);
    let debug = format!("{request:?}");
    assert!(!debug.contains("d0n'tT3ll"), "{debug}");
    assert!(debug.contains("<redacted>") && debug.contains("abc123987"), "{debug}");
    // an omitted optional field stays omitted
    let creds = ThreePidCredentials {
        client_secret: "s".into(),
        id_server: "i".into(),
        sid: "x".into(),
    };
    let r = post_3pids::Request {
        three_pid_creds: creds,
        bind: None,
    };
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        json!({"three_pid_creds": {"client_secret": "s", "id_server": "i", "sid": "x"}})
    );
}

#[test]
fn delete_request_and_error_example_decode() {
    let r: delete_3pid_from_account::Request =
        serde_json::from_value(json!({"medium": "email", "address": "example@domain.com"})).unwrap();
    assert_eq!(r.medium, Medium::Email);
    let e: Error = serde_json::from_value(json!({
        "errcode": "M_THREEPID_AUTH_FAILED",
        "error": "The third party credentials could not be verified by the identity server."
    }))
    .unwrap();
    assert_eq!(e.errcode, matrix_client_server_api::ErrorCode::ThreepidAuthFailed);
    assert!(serde_json::from_value::<Error>(json!({"error": "no code"})).is_err());
}

#[test]
fn metadata_describes_each_operation() {
    use matrix_client_server_api::{operations, AuthKind, Method};
    assert_eq!(operations::ALL.len(), 5);
    let m = get_account_3pids::METADATA;
    assert_eq!(
        (m.method, m.path, m.base_path),
        (Method::Get, "/account/3pid", "/_matrix/client/r0")
    );
    assert_eq!(m.operation_id, "getAccount3PIDs");
    assert_eq!(m.auth, AuthKind::AccessToken);
    let email = operations::request_token_to_3pid_email::METADATA;
    assert_eq!((email.method, email.auth), (Method::Post, AuthKind::None));
}
