//! Copied into the crate generated from the v1.18 Client-Server API by
//! `tests/tests/synapse_flows.rs`, and run against Synapse (`SYNAPSE_URL`, open registration):
//! the flows every Matrix client runs, through the generated client only.

use std::time::{SystemTime, UNIX_EPOCH};

use CRATE::operations::{
    create_room, delete_device, get_content_authed, get_profile_field, get_push_rule_actions, get_room_events, login,
    logout, register, send_message, set_profile_field, set_push_rule_actions, sync, upload_content,
};
use CRATE::types::{ActionsItem, AuthenticationData, Dir, UserIdentifier};
use CRATE::events::{AnyTimelineEventContent, TimelineEvent};
use CRATE::{Client, ClientError, ErrorCode, Raw, ServerName};
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

/// The body of a text message, read from the raw event.
fn text_body(raw: &Raw<TimelineEvent>) -> Option<String> {
    match raw.deserialize().ok()?.content {
        AnyTimelineEventContent::RoomMessageText(c) => Some(c.body),
        _ => None,
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
    let bodies: Vec<String> = timeline.events.iter().filter_map(text_body).collect();
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
    let earlier: Vec<String> = back.chunk.iter().filter_map(text_body).collect();
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

/// Registers a user through the dummy stage of user-interactive auth; its client and user ID.
async fn register_user(url: &str, name: &str) -> (Client, String) {
    let anonymous = Client::new(url).unwrap();
    let registration = |auth| register::Request {
        username: Some(name.to_owned()),
        password: Some("sync-password-1".to_owned()),
        auth,
        ..Default::default()
    };
    let err = anonymous.register(registration(None)).await.unwrap_err();
    let session = err.interactive_auth().and_then(|u| u.session.clone()).expect("a session");
    let dummy = AuthenticationData {
        r#type: Some("m.login.dummy".to_owned()),
        session: Some(session),
        additional_properties: Default::default(),
    };
    let registered = anonymous.register(registration(Some(dummy))).await.unwrap();
    let token = registered.access_token.expect("an access token");
    (Client::new(url).unwrap().with_access_token(&token), registered.user_id.to_string())
}

/// Every event of a list decodes as `E` and encodes back to the JSON Synapse sent: nothing lost.
fn typed_whole<E>(events: &[Raw<E>], place: &str) -> Vec<E>
where
    E: serde::de::DeserializeOwned + serde::Serialize,
{
    events
        .iter()
        .map(|raw| {
            let event = raw.deserialize().unwrap_or_else(|e| panic!("{place}: {} does not decode: {e}", raw.json()));
            let sent: Value = serde_json::from_str(raw.json().get()).unwrap();
            assert_eq!(serde_json::to_value(&event).unwrap(), sent, "{place}: encoded back differently");
            event
        })
        .collect()
}

#[tokio::test]
async fn a_sync_from_synapse_decodes_into_typed_events_with_nothing_lost() {
    use CRATE::events::{AnyAccountDataEventContent, AnyEphemeralEventContent, AccountDataEvent, EphemeralEvent, StateEvent};
    use CRATE::operations::{join_room_by_id, post_receipt, redact_event, set_room_state_with_key, set_room_tag, set_typing};
    use CRATE::types::PostReceiptReceiptType;
    use CRATE::EventContent;
    let url = std::env::var("SYNAPSE_URL").expect("SYNAPSE_URL");
    let (alice, alice_id) = register_user(&url, &format!("alice{}", unique())).await;
    let (bob, bob_id) = register_user(&url, &format!("bob{}", unique())).await;

    // a room with messages, a reaction, a redaction, a topic set twice, a tag (room account
    // data), a receipt and typing
    let room_id = alice
        .create_room(create_room::Request { name: Some("sync".to_owned()), invite: Some(vec![bob_id.clone()]), ..Default::default() })
        .await
        .unwrap()
        .room_id;
    bob.join_room_by_id(join_room_by_id::Request::new(room_id.clone())).await.unwrap();
    let send = |client: &Client, event_type: &str, txn: &str, content: Value| {
        let request = send_message::Request {
            room_id: room_id.clone(),
            event_type: event_type.to_owned(),
            txn_id: txn.to_owned(),
            body: object(content),
        };
        let client = client.clone();
        async move { client.send_message(request).await.unwrap().event_id }
    };
    let hello = send(&alice, "m.room.message", "t1", json!({"msgtype": "m.text", "body": "hello"})).await;
    let oops = send(&alice, "m.room.message", "t2", json!({"msgtype": "m.text", "body": "oops"})).await;
    let emote = send(&bob, "m.room.message", "t3", json!({"msgtype": "m.emote", "body": "waves"})).await;
    let reaction = send(&bob, "m.reaction", "t4", json!({"m.relates_to": {"rel_type": "m.annotation", "event_id": hello, "key": "👍"}})).await;
    let custom = send(&alice, "org.example.custom", "t5", json!({"anything": [1, "two", null, {"nested": true}]})).await;
    let redaction = alice
        .redact_event(redact_event::Request { room_id: room_id.clone(), event_id: oops.clone(), txn_id: "r1".to_owned(), reason: Some("typo".to_owned()) })
        .await
        .unwrap()
        .event_id
        .expect("the redaction's event ID");
    for topic in ["first topic", "second topic"] {
        let request = set_room_state_with_key::Request {
            room_id: room_id.clone(),
            event_type: "m.room.topic".to_owned(),
            state_key: String::new(),
            body: object(json!({"topic": topic})),
        };
        alice.set_room_state_with_key(request).await.unwrap();
    }
    bob.set_room_tag(set_room_tag::Request {
        user_id: bob_id.clone(),
        room_id: room_id.clone(),
        tag: "u.work".to_owned(),
        body: serde_json::from_value(json!({"order": 1})).unwrap(),
    })
    .await
    .unwrap();
    bob.post_receipt(post_receipt::Request {
        room_id: room_id.clone(),
        receipt_type: PostReceiptReceiptType::MRead,
        event_id: reaction.clone(),
        thread_id: None,
    })
    .await
    .unwrap();
    alice
        .set_typing(set_typing::Request { user_id: alice_id.clone(), room_id: room_id.clone(), typing: true, timeout: Some(30_000) })
        .await
        .unwrap();

    // bob's sync, until the ephemeral events are in (the first sync may come before them)
    let filter = json!({"room": {"timeline": {"limit": 50}}}).to_string();
    let mut since = None;
    let (mut timeline, mut state, mut ephemeral, mut account_data) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..10 {
        let synced = bob
            .sync(sync::Request { filter: Some(filter.clone()), since: since.clone(), timeout: Some(2_000), ..Default::default() })
            .await
            .unwrap();
        // the whole body encodes back to what Synapse sent
        since = Some(synced.next_batch.clone());
        if let Some(global) = &synced.account_data {
            typed_whole(global.events(), "account_data");
        }
        let Some(room) = synced.rooms.and_then(|r| r.join).and_then(|mut j| j.remove(&room_id)) else { continue };
        timeline.extend(typed_whole(room.timeline.as_ref().map(|t| &t.events[..]).unwrap_or_default(), "timeline"));
        if let Some(s) = &room.state {
            state.extend(typed_whole(&s.events().iter().cloned().map(Raw::cast).collect::<Vec<Raw<StateEvent>>>(), "state"));
        }
        if let Some(e) = &room.ephemeral {
            ephemeral.extend(typed_whole(&e.events().iter().cloned().map(Raw::cast).collect::<Vec<Raw<EphemeralEvent>>>(), "ephemeral"));
        }
        if let Some(a) = &room.account_data {
            account_data.extend(typed_whole(&a.events().iter().cloned().map(Raw::cast).collect::<Vec<Raw<AccountDataEvent>>>(), "account_data"));
        }
        let typing = ephemeral.iter().any(|e| matches!(&e.content, AnyEphemeralEventContent::Typing(_)));
        let receipt = ephemeral.iter().any(|e| matches!(&e.content, AnyEphemeralEventContent::Receipt(_)));
        if typing && receipt {
            break;
        }
    }

    // every event typed by its type, the one custom type kept whole
    let unknown: Vec<&str> = timeline.iter().filter(|e| e.content.is_unknown()).map(|e| e.event_type()).collect();
    assert_eq!(unknown, ["org.example.custom"], "event types the crate should know");
    let by_id = |id: &str| timeline.iter().find(|e| e.event_id.as_deref() == Some(id)).unwrap_or_else(|| panic!("{id} not in the timeline"));
    assert!(matches!(&by_id(&hello).content, AnyTimelineEventContent::RoomMessageText(c) if c.body == "hello"));
    assert!(matches!(&by_id(&emote).content, AnyTimelineEventContent::RoomMessageEmote(c) if c.body == "waves"));
    let AnyTimelineEventContent::Reaction(r) = &by_id(&reaction).content else { panic!("{:?}", by_id(&reaction)) };
    let relates = serde_json::to_value(&r.m_relates_to).unwrap();
    assert_eq!((relates["event_id"].as_str(), relates["key"].as_str()), (Some(hello.as_str()), Some("👍")));
    assert!(by_id(&custom).other.is_empty() && by_id(&custom).content.to_value().unwrap() == json!({"anything": [1, "two", null, {"nested": true}]}));
    // the redaction names its target (at the top for room versions before 11, in its content
    // from 11), and the redacted message is what the redaction left of it
    let redacts = by_id(&redaction);
    let AnyTimelineEventContent::RoomRedaction(c) = &redacts.content else { panic!("{redacts:?}") };
    assert!(redacts.redacts.as_deref() == Some(oops.as_str()) || c.redacts.as_deref() == Some(oops.as_str()), "{redacts:?}");
    assert_eq!(c.reason.as_deref(), Some("typo"));
    let redacted = by_id(&oops);
    assert!(matches!(&redacted.content, AnyTimelineEventContent::Redacted { event_type, .. } if event_type == "m.room.message"), "{redacted:?}");
    // the second topic names the first as its previous content
    let topics: Vec<&TimelineEvent> = timeline.iter().filter(|e| e.event_type() == "m.room.topic").collect();
    let last = topics.last().expect("the topics");
    assert!(matches!(&last.content, AnyTimelineEventContent::RoomTopic(c) if c.topic == "second topic"), "{last:?}");
    let Some(Ok(AnyTimelineEventContent::RoomTopic(prev))) = last.prev_content() else { panic!("{last:?}") };
    assert_eq!(prev.topic, "first topic");
    // membership, and the ephemeral and account data events
    assert!(timeline.iter().any(|e| matches!(&e.content, AnyTimelineEventContent::RoomMember(_)) && e.state_key.as_deref() == Some(bob_id.as_str())));
    assert!(timeline.iter().any(|e| matches!(&e.content, AnyTimelineEventContent::RoomCreate(_))));
    let receipts = ephemeral.iter().find_map(|e| match &e.content { AnyEphemeralEventContent::Receipt(r) => Some(r), _ => None }).expect("a receipt");
    assert!(serde_json::to_value(receipts).unwrap()[&reaction]["m.read"][&bob_id].is_object(), "{receipts:?}");
    let typing = ephemeral.iter().find_map(|e| match &e.content { AnyEphemeralEventContent::Typing(t) => Some(t), _ => None }).expect("typing");
    assert!(typing.user_ids.iter().any(|u| *u == alice_id), "{typing:?}");
    let tags = account_data.iter().find_map(|e| match &e.content { AnyAccountDataEventContent::Tag(t) => Some(t), _ => None }).expect("the room's tags");
    assert!(serde_json::to_value(tags).unwrap()["tags"]["u.work"].is_object(), "{tags:?}");
    println!(
        "sync from Synapse: {} timeline, {} state, {} ephemeral, {} account data events typed, each encoded back as sent",
        timeline.len(),
        state.len(),
        ephemeral.len(),
        account_data.len()
    );
}
