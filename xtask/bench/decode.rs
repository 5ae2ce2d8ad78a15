//! Written by `cargo xtask bench-decode` into a crate beside the crate generated from the v1.18
//! Client-Server API with its event types: decodes one realistic `/sync` body with the generated
//! types and with ruma's, lazily (events kept as JSON) and with every event typed, the two
//! interleaved, and prints the medians and the peak memory of each.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use api::events::{AccountDataEvent, EphemeralEvent, StateEvent};
use api::IncomingResponse as _;
use ruma_common::api::IncomingResponseExt as _;
use serde_json::{json, Value};

/// Counts the bytes allocated, and their peak.
struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = NOW.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const ROOMS: usize = 100;
const TIMELINE: usize = 50;

fn event_id(n: usize) -> String {
    format!("${:0>43}", format!("{n:x}Ev"))
}

fn user(n: usize) -> String {
    format!("@user{}:example.org", n % 37)
}

/// One timeline event of the common types, by number.
fn timeline_event(room: usize, n: usize) -> Value {
    let id = room * 1000 + n;
    let base = |event_type: &str, content: Value| {
        json!({
            "type": event_type,
            "event_id": event_id(id),
            "sender": user(id),
            "origin_server_ts": 1_700_000_000_000u64 + id as u64,
            "unsigned": {"age": 1234},
            "content": content
        })
    };
    match n % 20 {
        0..=9 => base("m.room.message", json!({"msgtype": "m.text", "body": format!("message {n} in room {room}, a sentence of ordinary length")})),
        10 => base("m.room.message", json!({
            "msgtype": "m.text", "body": "> quoted\n\nreply", "format": "org.matrix.custom.html",
            "formatted_body": "<mx-reply><blockquote>quoted</blockquote></mx-reply>reply",
            "m.relates_to": {"m.in_reply_to": {"event_id": event_id(id - 1)}}
        })),
        11 => base("m.room.message", json!({"msgtype": "m.notice", "body": "a bot's notice"})),
        12 => base("m.room.message", json!({"msgtype": "m.emote", "body": "waves"})),
        13 => base("m.room.message", json!({
            "msgtype": "m.image", "body": "photo.jpg", "url": "mxc://example.org/abcdefghijklmnop",
            "info": {"mimetype": "image/jpeg", "size": 123456, "w": 800, "h": 600}
        })),
        14 | 15 => base("m.reaction", json!({"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id(id - 3), "key": "👍"}})),
        16 => {
            let mut e = base("m.room.member", json!({"membership": "join", "displayname": format!("User {}", id % 37)}));
            e["state_key"] = json!(user(id));
            e
        }
        17 => {
            let mut e = base("m.room.redaction", json!({"reason": "spam", "redacts": event_id(id - 5)}));
            e["redacts"] = json!(event_id(id - 5));
            e
        }
        18 => {
            let mut e = base("m.room.topic", json!({"topic": format!("topic {n}")}));
            e["state_key"] = json!("");
            e
        }
        _ => base("m.room.message", json!({"msgtype": "m.text", "body": "edited", "m.new_content": {"msgtype": "m.text", "body": "edited"}, "m.relates_to": {"rel_type": "m.replace", "event_id": event_id(id - 2)}})),
    }
}

fn state(room: usize) -> Vec<Value> {
    let creator = user(room);
    let s = |event_type: &str, key: &str, content: Value, n: usize| {
        json!({"type": event_type, "state_key": key, "event_id": event_id(room * 1000 + 900 + n), "sender": creator,
               "origin_server_ts": 1_600_000_000_000u64, "content": content})
    };
    let mut out = vec![
        s("m.room.create", "", json!({"creator": creator, "room_version": "10"}), 0),
        s("m.room.power_levels", "", json!({"users": {creator.clone(): 100}, "users_default": 0, "events": {"m.room.name": 50}, "events_default": 0, "state_default": 50, "ban": 50, "kick": 50, "redact": 50, "invite": 0}), 1),
        s("m.room.join_rules", "", json!({"join_rule": "invite"}), 2),
        s("m.room.history_visibility", "", json!({"history_visibility": "shared"}), 3),
        s("m.room.name", "", json!({"name": format!("Room {room}")}), 4),
    ];
    for m in 0..5 {
        out.push(s("m.room.member", &user(room + m), json!({"membership": "join", "displayname": format!("User {m}")}), 5 + m));
    }
    out
}

fn sync_body() -> Vec<u8> {
    let mut join = serde_json::Map::new();
    for room in 0..ROOMS {
        let timeline: Vec<Value> = (0..TIMELINE).map(|n| timeline_event(room, n)).collect();
        join.insert(format!("!room{room:04}abcdefgh:example.org"), json!({
            "timeline": {"events": timeline, "limited": true, "prev_batch": format!("t{room}")},
            "state": {"events": state(room)},
            "ephemeral": {"events": [
                {"type": "m.typing", "content": {"user_ids": [user(room)]}},
                {"type": "m.receipt", "content": {event_id(room * 1000 + TIMELINE - 1): {"m.read": {user(room): {"ts": 1_700_000_000_000u64}}}}}
            ]},
            "account_data": {"events": [
                {"type": "m.fully_read", "content": {"event_id": event_id(room * 1000 + 3)}},
                {"type": "m.tag", "content": {"tags": {"m.favourite": {"order": 0.5}}}}
            ]},
            "unread_notifications": {"highlight_count": 0, "notification_count": 3},
            "summary": {"m.joined_member_count": 5, "m.invited_member_count": 0}
        }));
    }
    serde_json::to_vec(&json!({"next_batch": "s72595_4483_1934", "rooms": {"join": join}})).unwrap()
}

fn ours_lazy(body: &[u8]) -> api::operations::sync::Response {
    let response = http::Response::builder().status(200).body(body).unwrap();
    api::operations::sync::Response::try_from_http_response(response).unwrap()
}

fn ruma_lazy(body: &[u8]) -> ruma_client_api::sync::sync_events::v3::Response {
    let response = http::Response::builder().status(200).body(body).unwrap();
    ruma_client_api::sync::sync_events::v3::Response::try_from_http_response(response).unwrap()
}

/// Every event of every joined room, typed as its kind, all kept (with the response).
fn ours_typed(body: &[u8]) -> (usize, impl Sized) {
    let response = ours_lazy(body);
    let (mut timeline, mut state, mut ephemeral, mut account_data) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for room in response.rooms.as_ref().and_then(|r| r.join.as_ref()).into_iter().flat_map(|j| j.values()) {
        for raw in room.timeline.iter().flat_map(|t| &t.events) {
            timeline.push(raw.deserialize().unwrap());
        }
        for raw in room.state.iter().flat_map(|s| s.events()) {
            state.push(raw.deserialize_as::<StateEvent>().unwrap());
        }
        for raw in room.ephemeral.iter().flat_map(|e| e.events()) {
            ephemeral.push(raw.deserialize_as::<EphemeralEvent>().unwrap());
        }
        for raw in room.account_data.iter().flat_map(|e| e.events()) {
            account_data.push(raw.deserialize_as::<AccountDataEvent>().unwrap());
        }
    }
    let n = timeline.len() + state.len() + ephemeral.len() + account_data.len();
    (n, (response, timeline, state, ephemeral, account_data))
}

fn ruma_typed(body: &[u8]) -> (usize, impl Sized) {
    use ruma_client_api::sync::sync_events::v3::State;
    let response = ruma_lazy(body);
    let (mut timeline, mut state, mut ephemeral, mut account_data) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for room in response.rooms.join.values() {
        for raw in &room.timeline.events {
            timeline.push(raw.deserialize().unwrap());
        }
        let events = match &room.state {
            State::Before(s) => &s.events,
            State::After(s) => &s.events,
            _ => unreachable!(),
        };
        for raw in events {
            state.push(raw.deserialize().unwrap());
        }
        for raw in &room.ephemeral.events {
            ephemeral.push(raw.deserialize().unwrap());
        }
        for raw in &room.account_data.events {
            account_data.push(raw.deserialize().unwrap());
        }
    }
    let n = timeline.len() + state.len() + ephemeral.len() + account_data.len();
    (n, (response, timeline, state, ephemeral, account_data))
}

/// Median milliseconds of `runs` calls, interleaved by the caller.
fn time<T>(f: impl Fn() -> T) -> f64 {
    let start = Instant::now();
    std::hint::black_box(f());
    start.elapsed().as_secs_f64() * 1000.0
}

/// The peak of memory allocated during one call, above what was allocated before it (what
/// the call returns is still held at its end).
fn peak<T>(f: impl Fn() -> T) -> usize {
    let before = NOW.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out = f();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    drop(out);
    peak
}

/// `PUT /rooms/{roomId}/send/m.room.message/{txnId}` with a text message, built from a typed
/// content and encoded as an `http::Request`, by the generated client's types.
fn ours_send(n: usize) -> usize {
    use api::OutgoingRequest as _;
    let content = api::types::RoomMessageTextEventContent::new("hello, a sentence of ordinary length".to_owned(), api::types::RoomMessageTextEventContentMsgtype::MText);
    let body = match serde_json::to_value(&content).unwrap() {
        Value::Object(map) => map,
        _ => unreachable!(),
    };
    let request = api::operations::send_message::Request {
        room_id: "!room0001abcdefgh:example.org".to_owned(),
        event_type: "m.room.message".to_owned(),
        txn_id: format!("txn{n}"),
        body,
    };
    let base = api::Base { url: "https://matrix.example.org", access_token: Some("secret-token"), ..Default::default() };
    request.to_http_request(&base).unwrap().body().len()
}

/// The same with ruma's types, its `try_into_http_request`.
fn ruma_send(n: usize, versions: &ruma_common::api::SupportedVersions) -> usize {
    use ruma_common::api::OutgoingRequestExt as _;
    let content = ruma_events::room::message::RoomMessageEventContent::text_plain("hello, a sentence of ordinary length");
    let room_id = ruma_common::OwnedRoomId::try_from("!room0001abcdefgh:example.org").unwrap();
    let request = ruma_client_api::message::send_message_event::v3::Request::new(room_id, format!("txn{n}").into(), &content).unwrap();
    let request: http::Request<Vec<u8>> = request
        .try_into_http_request(
            "https://matrix.example.org",
            ruma_common::api::auth_scheme::SendAccessToken::IfRequired("secret-token"),
            std::borrow::Cow::Borrowed(versions),
        )
        .unwrap();
    request.body().len()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(21);
    let body = sync_body();
    // both read the same events
    assert_eq!(ours_typed(&body).0, ruma_typed(&body).0);
    let events = ours_typed(&body).0;
    // each case returns what it decoded, so that the peak counts it whole
    let cases: [(&str, Box<dyn Fn() -> Box<dyn std::any::Any>>); 4] = [
        ("generated, lazy (events kept as JSON)", Box::new(|| Box::new(ours_lazy(&body)))),
        ("ruma, lazy (Raw<Any*Event>)", Box::new(|| Box::new(ruma_lazy(&body)))),
        ("generated, every event typed", Box::new(|| Box::new(ours_typed(&body)))),
        ("ruma, every event typed", Box::new(|| Box::new(ruma_typed(&body)))),
    ];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    for _ in 0..runs {
        for (i, (_, f)) in cases.iter().enumerate() {
            times[i].push(time(f));
        }
    }
    println!(
        "decoding a /sync body of {:.1} MiB: {ROOMS} joined rooms, {events} events ({} timeline, the rest state, ephemeral and account data); median of {runs} interleaved runs, release:",
        body.len() as f64 / (1024.0 * 1024.0),
        ROOMS * TIMELINE
    );
    println!(
        "  (one timeline event: generated `TimelineEvent` {} bytes, ruma `AnySyncTimelineEvent` {} bytes, before what they point to)",
        std::mem::size_of::<api::events::TimelineEvent>(),
        std::mem::size_of::<ruma_events::AnySyncTimelineEvent>()
    );
    for (i, (label, f)) in cases.iter().enumerate() {
        println!("  {label:<40} {:>8.2} ms   peak memory {:>5.1} MiB", median(times[i].clone()), peak(f) as f64 / (1024.0 * 1024.0));
    }

    // building and encoding a request: 10,000 per run
    let versions = ruma_common::api::SupportedVersions::from_parts(&["v1.1".to_owned(), "v1.18".to_owned()], &Default::default());
    const REQUESTS: usize = 10_000;
    let (mut ours, mut theirs, mut map) = (Vec::new(), Vec::new(), Vec::new());
    let to_map = |_| {
        let content = api::types::RoomMessageTextEventContent::new("hello, a sentence of ordinary length".to_owned(), api::types::RoomMessageTextEventContentMsgtype::MText);
        serde_json::to_value(&content).unwrap().as_object().map_or(0, |m| m.len())
    };
    for _ in 0..runs {
        ours.push(time(|| (0..REQUESTS).map(ours_send).sum::<usize>()));
        theirs.push(time(|| (0..REQUESTS).map(|n| ruma_send(n, &versions)).sum::<usize>()));
        map.push(time(|| (0..REQUESTS).map(to_map).sum::<usize>()));
    }
    println!("building and encoding a send-message request (a text message's typed content, to an http::Request), median of {runs} interleaved runs of {REQUESTS}:");
    println!("  {:<40} {:>8.2} µs", "generated client types", median(ours) * 1000.0 / REQUESTS as f64);
    println!("  {:<40} {:>8.2} µs", "  of which the content to a JSON map", median(map) * 1000.0 / REQUESTS as f64);
    println!("  {:<40} {:>8.2} µs", "ruma (try_into_http_request)", median(theirs) * 1000.0 / REQUESTS as f64);
}
