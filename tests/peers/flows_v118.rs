//! Copied into the crate generated from the v1.18 Client-Server API by
//! `tests/tests/synapse_flows.rs`, and run against Synapse (`SYNAPSE_URL`, open registration):
//! the flows every Matrix client runs, through the generated client only.

use std::time::{SystemTime, UNIX_EPOCH};

use CRATE::operations::{
    create_room, delete_device, get_content_authed, get_profile_field, get_push_rule_actions, get_room_events, login,
    logout, register, send_message, set_profile_field, set_push_rule_actions, sync, upload_content,
};
use CRATE::types::{ActionsItem, AuthenticationData, Dir, UserIdentifier};
use CRATE::{Client, ClientError, ErrorCode, ServerName};
use serde_json::{json, Value};

fn object(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().cloned().expect("an object")
}

fn user_identifier(user: &str) -> UserIdentifier {
    UserIdentifier {
        r#type: "m.id.user".to_owned(),
        additional_properties: [("user".to_owned(), json!(user))].into_iter().collect(),
    }
}

fn password_login(user: &str, password: &str) -> login::Request {
    login::Request {
        identifier: Some(user_identifier(user)),
        password: Some(password.to_owned()),
        ..login::Request::new("m.login.password".to_owned())
    }
}

fn unique() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    format!("{}{}", std::process::id(), nanos % 1_000_000_000)
}

#[tokio::test]
async fn a_client_runs_the_flows_every_matrix_client_runs() {
    let url = std::env::var("SYNAPSE_URL").expect("SYNAPSE_URL");
    let anonymous = Client::new(&url).unwrap();

    // discover the versions
    let versions = anonymous.get_versions().await.unwrap();
    assert!(versions.versions.iter().any(|v| v == "v1.1"), "{:?}", versions.versions);
    println!("versions: {}", versions.versions.join(", "));

    // register through user-interactive auth: the server offers the dummy stage, the session is
    // kept, and the second attempt succeeds
    let username = format!("flow{}", unique());
    let password = "flow-password-1";
    let registration = |auth| register::Request {
        username: Some(username.clone()),
        password: Some(password.to_owned()),
        initial_device_display_name: Some("first".to_owned()),
        auth,
        ..Default::default()
    };
    let err = anonymous.register(registration(None)).await.unwrap_err();
    let uiaa = err.interactive_auth().unwrap_or_else(|| panic!("not user-interactive auth: {err}"));
    assert!(uiaa.flows.iter().any(|f| f.stages == ["m.login.dummy"]), "{uiaa:?}");
    let session = uiaa.session.clone().expect("a session");
    let dummy = AuthenticationData {
        r#type: Some("m.login.dummy".to_owned()),
        session: Some(session),
        additional_properties: Default::default(),
    };
    let registered = anonymous.register(registration(Some(dummy))).await.unwrap();
    let user_id = registered.user_id.clone();
    assert!(user_id.starts_with(&format!("@{username}:")), "{user_id}");
    let first_device = registered.device_id.clone().expect("a device");
    println!("registered {user_id} (device {first_device}) through m.login.dummy");

    // log in with a password: a second device
    let logged_in = anonymous.login(password_login(&username, password)).await.unwrap();
    assert_eq!(logged_in.user_id, user_id);
    let me = Client::new(&url).unwrap().with_access_token(&logged_in.access_token);

    // create a room, send messages, sync with a filter, page back with /messages
    let room_id = me
        .create_room(create_room::Request { name: Some("flows".to_owned()), ..Default::default() })
        .await
        .unwrap()
        .room_id;
    for i in 0..5 {
        let content = object(json!({"msgtype": "m.text", "body": format!("message {i}")}));
        let request = send_message::Request {
            room_id: room_id.clone(),
            event_type: "m.room.message".to_owned(),
            txn_id: format!("txn{i}"),
            body: content,
        };
        let sent = me.send_message(request).await.unwrap();
        assert!(sent.event_id.starts_with('$'), "{}", sent.event_id);
    }
    let filter = json!({"room": {"timeline": {"limit": 2, "types": ["m.room.message"]}}}).to_string();
    let synced = me.sync(sync::Request { filter: Some(filter), ..Default::default() }).await.unwrap();
    let joined = synced.rooms.and_then(|r| r.join).expect("joined rooms");
    let timeline = joined.get(&room_id).and_then(|r| r.timeline.clone()).expect("the room's timeline");
    let bodies: Vec<&str> = timeline.events.iter().filter_map(|e| e.content.get("body")?.as_str()).collect();
    assert_eq!(bodies, ["message 3", "message 4"], "the filter's limit and types");
    assert_eq!(timeline.limited, Some(true));
    let back = me
        .get_room_events(get_room_events::Request {
            room_id: room_id.clone(),
            from: timeline.prev_batch.clone(),
            to: None,
            dir: Dir::B,
            limit: Some(10),
            filter: Some(json!({"types": ["m.room.message"]}).to_string()),
        })
        .await
        .unwrap();
    let earlier: Vec<&str> = back.chunk.iter().filter_map(|e| e.content.get("body")?.as_str()).collect();
    assert_eq!(earlier, ["message 2", "message 1", "message 0"]);
    println!("room {room_id}: 5 messages sent, 2 synced, 3 paged back");

    // set and read a display name
    me.set_profile_field(set_profile_field::Request {
        // the profile endpoints give their user ID no format, so it is text there
        user_id: user_id.to_string(),
        key_name: "displayname".to_owned(),
        body: object(json!({"displayname": "Flow Tester"})),
    })
    .await
    .unwrap();
    let name = me
        .get_profile_field(get_profile_field::Request { user_id: user_id.to_string(), key_name: "displayname".to_owned() })
        .await
        .unwrap();
    assert_eq!(name.body.get("displayname"), Some(&json!("Flow Tester")));

    // upload a file and download it back through the (authenticated) media API
    let uploaded = me
        .upload_content(upload_content::Request {
            content_type: Some("text/plain".to_owned()),
            filename: Some("hello.txt".to_owned()),
            body: b"hello, media".to_vec(),
        })
        .await
        .unwrap();
    let (server_name, media_id) = uploaded
        .content_uri
        .strip_prefix("mxc://")
        .and_then(|rest| rest.split_once('/'))
        .expect("an mxc:// URI");
    let downloaded = me
        .get_content_authed(get_content_authed::Request::new(
            ServerName::parse(server_name).unwrap(),
            media_id.to_owned(),
        ))
        .await
        .unwrap();
    assert_eq!(downloaded.body, b"hello, media");
    assert!(downloaded.content_type.as_deref().is_some_and(|t| t.starts_with("text/plain")), "{:?}", downloaded.content_type);
    println!("uploaded and downloaded {}", uploaded.content_uri);

    // read the push rules, set actions with a tweak, read them back
    let rules = me.get_push_rules().await.unwrap();
    assert!(rules.global.underride.as_ref().is_some_and(|u| u.iter().any(|r| r.rule_id == ".m.rule.message")));
    let actions = vec![
        ActionsItem::String("notify".to_owned()),
        ActionsItem::Object(object(json!({"set_tweak": "sound", "value": "default"}))),
    ];
    me.set_push_rule_actions(set_push_rule_actions::Request {
        kind: "underride".into(),
        rule_id: ".m.rule.message".to_owned(),
        actions: actions.clone(),
    })
    .await
    .unwrap();
    let read = me
        .get_push_rule_actions(get_push_rule_actions::Request {
            kind: "underride".into(),
            rule_id: ".m.rule.message".to_owned(),
        })
        .await
        .unwrap();
    assert_eq!(read.actions, actions);

    // list the devices and delete the first one through user-interactive auth (password stage)
    let devices = me.get_devices().await.unwrap().devices.unwrap_or_default();
    assert_eq!(devices.len(), 2, "{devices:?}");
    let delete = |auth| delete_device::Request { device_id: first_device.clone(), auth };
    let err = me.delete_device(delete(None)).await.unwrap_err();
    let uiaa = err.interactive_auth().unwrap_or_else(|| panic!("not user-interactive auth: {err}"));
    assert!(uiaa.flows.iter().any(|f| f.stages == ["m.login.password"]), "{uiaa:?}");
    let password_stage = |password: &str| AuthenticationData {
        r#type: Some("m.login.password".to_owned()),
        session: uiaa.session.clone(),
        additional_properties: [
            ("identifier".to_owned(), serde_json::to_value(user_identifier(&username)).unwrap()),
            ("password".to_owned(), json!(password)),
        ]
        .into_iter()
        .collect(),
    };
    // a wrong password: the same 401, now with the stage's error
    match me.delete_device(delete(Some(password_stage("wrong")))).await {
        Err(ClientError::InteractiveAuth(again)) => assert_eq!(again.errcode, Some(ErrorCode::Forbidden)),
        other => panic!("{other:?}"),
    }
    me.delete_device(delete(Some(password_stage(password)))).await.unwrap();
    let devices = me.get_devices().await.unwrap().devices.unwrap_or_default();
    assert_eq!(devices.len(), 1);
    assert_ne!(devices[0].device_id, first_device);
    println!("deleted device {first_device} through m.login.password");

    // hit the rate limit on failed logins (configured low for this account's attempts)
    let victim = format!("limited{}", unique());
    let mut limited = None;
    for _ in 0..10 {
        match anonymous.login(password_login(&victim, "nope")).await {
            Err(ClientError::Matrix { status, error }) if error.errcode == ErrorCode::LimitExceeded => {
                limited = Some((status, error));
                break;
            }
            Err(ClientError::Matrix { error, .. }) if error.errcode == ErrorCode::Forbidden => {}
            other => panic!("{other:?}"),
        }
    }
    let (status, error) = limited.expect("no M_LIMIT_EXCEEDED after 10 failed logins");
    assert_eq!(status, 429);
    let wait = error.retry_after().expect("a retry time");
    println!("rate limited: retry after {} ms", wait.as_millis());

    // log out: the token is gone
    me.logout(logout::Request::default()).await.unwrap();
    match me.get_devices().await {
        Err(ClientError::Matrix { status, error }) => {
            assert_eq!((status.as_u16(), error.errcode), (401, ErrorCode::UnknownToken));
        }
        other => panic!("{other:?}"),
    }
    println!("logged out: M_UNKNOWN_TOKEN");
}
