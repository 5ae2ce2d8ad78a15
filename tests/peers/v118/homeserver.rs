//! A homeserver in memory on the server generated from the v1.18 Client-Server API, enough for
//! matrix-js-sdk's own client flows: password login (a user is created by its first login, with
//! that password), `/sync` with long polling, rooms and messages, profiles, devices and their
//! deletion through user-interactive auth (the password stage). `tests/peers/run.sh` writes it
//! into the generated crate's `examples/` and runs it:
//!
//! ```sh
//! cargo run --features server --example homeserver -- --listen 127.0.0.1:8008
//! ```

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use CRATE::operations::{
    create_room, define_filter, delete_device, get_capabilities, get_devices, get_filter, get_login_flows,
    get_profile_field, get_push_rules, get_token_owner, get_user_profile, get_versions, login, logout, send_message,
    set_profile_field, sync,
};
use CRATE::server::{router_with_config, Api};
use CRATE::types::Device;
use CRATE::{serve, AccessToken, AuthFlow, ErrorCode, IdError, MatrixError, RequestContext, ServerConfig, UiaaResponse};
use serde_json::{json, Value};

/// A session: who a token stands for.
#[derive(Clone, Debug)]
struct Session {
    user_id: String,
    device_id: String,
    token: String,
}

#[derive(Default)]
struct State {
    /// Passwords by user id.
    passwords: HashMap<String, String>,
    /// Sessions by access token.
    sessions: HashMap<String, Session>,
    /// Display names by user id.
    names: HashMap<String, String>,
    /// Members of each room.
    members: BTreeMap<String, Vec<String>>,
    /// Every event, in order: its room and the event (without `room_id`). Its index is its
    /// position in the stream; `next_batch` is the next index.
    events: Vec<(String, Value)>,
    /// Filters by id.
    filters: Vec<Value>,
    /// Open user-interactive auth sessions.
    uiaa_sessions: u64,
    counter: u64,
}

#[derive(Default)]
struct Homeserver {
    state: Mutex<State>,
    /// Wakes the long polls of `/sync` when an event arrives.
    new_event: tokio::sync::Notify,
}

const SERVER_NAME: &str = "localhost";

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

fn typed<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, MatrixError> {
    serde_json::from_value(value).map_err(|e| MatrixError::unknown(format!("cannot build the answer: {e}")))
}

impl Homeserver {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends an event to a room and wakes the long polls; returns its id.
    fn append(&self, room_id: &str, sender: &str, kind: &str, state_key: Option<&str>, content: Value, txn: Option<&str>) -> String {
        let mut state = self.lock();
        state.counter += 1;
        let event_id = format!("${}-{}", state.counter, now_ms());
        let mut event = json!({
            "event_id": event_id, "type": kind, "sender": sender,
            "origin_server_ts": now_ms(), "content": content, "unsigned": {"age": 0},
        });
        if let Some(key) = state_key {
            event["state_key"] = json!(key);
        }
        if let Some(txn) = txn {
            event["unsigned"]["transaction_id"] = json!(txn);
        }
        state.events.push((room_id.to_owned(), event));
        drop(state);
        self.new_event.notify_waiters();
        event_id
    }

    /// The devices of a user.
    fn devices(&self, user_id: &str) -> Vec<Session> {
        let mut devices: Vec<Session> = self.lock().sessions.values().filter(|s| s.user_id == user_id).cloned().collect();
        devices.sort_by(|a, b| a.device_id.cmp(&b.device_id));
        devices
    }

    /// The `/sync` answer from stream position `since` for `user_id`, if there is anything new
    /// (or `initial`).
    fn sync_from(&self, user_id: &str, since: usize, limit: usize, initial: bool) -> Option<Value> {
        let state = self.lock();
        let next_batch = state.events.len();
        let mut rooms = serde_json::Map::new();
        for (room_id, members) in &state.members {
            if !members.iter().any(|m| m == user_id) {
                continue;
            }
            let positions: Vec<usize> = (since..next_batch).filter(|&i| state.events[i].0 == *room_id).collect();
            if positions.is_empty() && !initial {
                continue;
            }
            let limited = positions.len() > limit;
            let shown = &positions[positions.len() - positions.len().min(limit)..];
            let events: Vec<&Value> = shown.iter().map(|&i| &state.events[i].1).collect();
            // on a limited timeline, the room's state before it (creation, membership, ...)
            let first = shown.first().copied().unwrap_or(next_batch);
            let state_events: Vec<&Value> = if limited {
                state.events[..first]
                    .iter()
                    .filter(|(r, e)| r == room_id && e.get("state_key").is_some())
                    .map(|(_, e)| e)
                    .collect()
            } else {
                Vec::new()
            };
            rooms.insert(
                room_id.clone(),
                json!({
                    "timeline": {"events": events, "limited": limited, "prev_batch": first.to_string()},
                    "state": {"events": state_events},
                }),
            );
        }
        if rooms.is_empty() && !initial {
            return None;
        }
        Some(json!({"next_batch": next_batch.to_string(), "rooms": {"join": rooms}}))
    }
}

/// The answer asking for the password stage, in a new session.
fn password_stage(state: &mut State) -> UiaaResponse {
    state.uiaa_sessions += 1;
    UiaaResponse::new(vec![AuthFlow::new(["m.login.password"])], format!("uiaa-{}", state.uiaa_sessions))
}

impl Api for Homeserver {
    type Identity = Session;

    async fn authenticate(&self, token: AccessToken, _: &RequestContext) -> Result<Session, MatrixError> {
        self.lock()
            .sessions
            .get(token.as_str())
            .cloned()
            .ok_or_else(|| MatrixError::unknown_token("Unknown access token").with_soft_logout(false))
    }

    async fn get_versions(&self, _: Option<Session>, _: RequestContext, _: get_versions::Request) -> Result<get_versions::Response, MatrixError> {
        Ok(get_versions::Response {
            versions: ["v1.1", "v1.11", "v1.12", "v1.18"].map(String::from).to_vec(),
            unstable_features: None,
        })
    }

    async fn get_login_flows(&self, _: RequestContext, _: get_login_flows::Request) -> Result<get_login_flows::Response, MatrixError> {
        typed(json!({"flows": [{"type": "m.login.password"}]}))
    }

    async fn login(&self, _: RequestContext, request: login::Request) -> Result<login::Response, MatrixError> {
        if request.r#type != "m.login.password" {
            return Err(MatrixError::new(http::StatusCode::BAD_REQUEST, ErrorCode::Unknown, "Only m.login.password"));
        }
        let user = request
            .identifier
            .as_ref()
            .and_then(|i| i.additional_properties.get("user")?.as_str().map(str::to_owned))
            .or({
                // the spec deprecates `user` for `identifier`; old clients still send it
                #[allow(deprecated)]
                request.user.clone()
            })
            .ok_or_else(|| MatrixError::bad_json("no user"))?;
        let user_id = if user.starts_with('@') { user } else { format!("@{user}:{SERVER_NAME}") };
        let password = request.password.clone().unwrap_or_default();
        let mut state = self.lock();
        let known = state.passwords.entry(user_id.clone()).or_insert_with(|| password.clone());
        if *known != password {
            return Err(MatrixError::forbidden("Invalid username or password"));
        }
        state.counter += 1;
        let device_id = request.device_id.clone().unwrap_or_else(|| format!("DEVICE{}", state.counter));
        let token = format!("token-{}-{}", state.counter, now_ms());
        state.sessions.insert(token.clone(), Session { user_id: user_id.clone(), device_id: device_id.clone(), token: token.clone() });
        typed(json!({"user_id": user_id, "access_token": token, "device_id": device_id, "home_server": SERVER_NAME}))
    }

    async fn logout(&self, me: Session, _: RequestContext, _: logout::Request) -> Result<logout::Response, MatrixError> {
        self.lock().sessions.remove(&me.token);
        Ok(logout::Response::default())
    }

    async fn get_token_owner(&self, me: Session, _: RequestContext, _: get_token_owner::Request) -> Result<get_token_owner::Response, MatrixError> {
        let user_id = me.user_id.parse().map_err(|e: IdError| MatrixError::unknown(e.to_string()))?;
        Ok(get_token_owner::Response { user_id, device_id: Some(me.device_id), is_guest: Some(false) })
    }

    async fn get_capabilities(&self, _: Session, _: RequestContext, _: get_capabilities::Request) -> Result<get_capabilities::Response, MatrixError> {
        typed(json!({"capabilities": {"m.change_password": {"enabled": false}}}))
    }

    async fn get_push_rules(&self, _: Session, _: RequestContext, _: get_push_rules::Request) -> Result<get_push_rules::Response, MatrixError> {
        typed(json!({"global": {"content": [], "override": [], "room": [], "sender": [], "underride": []}}))
    }

    async fn define_filter(&self, _: Session, _: RequestContext, request: define_filter::Request) -> Result<define_filter::Response, MatrixError> {
        let filter = serde_json::to_value(&request.body).map_err(|e| MatrixError::bad_json(e.to_string()))?;
        let mut state = self.lock();
        state.filters.push(filter);
        Ok(define_filter::Response { filter_id: (state.filters.len() - 1).to_string() })
    }

    async fn get_filter(&self, _: Session, _: RequestContext, request: get_filter::Request) -> Result<get_filter::Response, MatrixError> {
        let filter = request.filter_id.parse::<usize>().ok().and_then(|i| self.lock().filters.get(i).cloned());
        Ok(get_filter::Response { body: typed(filter.ok_or_else(|| MatrixError::not_found("No such filter"))?)? })
    }

    async fn create_room(&self, me: Session, _: RequestContext, request: create_room::Request) -> Result<create_room::Response, MatrixError> {
        let room_id = {
            let mut state = self.lock();
            state.counter += 1;
            let room_id = format!("!room{}:{SERVER_NAME}", state.counter);
            state.members.insert(room_id.clone(), vec![me.user_id.clone()]);
            room_id
        };
        let me_id = me.user_id.as_str();
        self.append(&room_id, me_id, "m.room.create", Some(""), json!({"creator": me_id, "room_version": "11"}), None);
        self.append(&room_id, me_id, "m.room.member", Some(me_id), json!({"membership": "join"}), None);
        self.append(&room_id, me_id, "m.room.power_levels", Some(""), json!({"users": {me_id: 100}}), None);
        if let Some(name) = &request.name {
            self.append(&room_id, me_id, "m.room.name", Some(""), json!({"name": name}), None);
        }
        Ok(create_room::Response { room_id })
    }

    async fn send_message(&self, me: Session, _: RequestContext, request: send_message::Request) -> Result<send_message::Response, MatrixError> {
        let member = self.lock().members.get(&request.room_id).is_some_and(|m| m.contains(&me.user_id));
        if !member {
            return Err(MatrixError::forbidden("Not in the room"));
        }
        let event_id = self.append(
            &request.room_id,
            &me.user_id,
            &request.event_type,
            None,
            Value::Object(request.body),
            Some(&request.txn_id),
        );
        Ok(send_message::Response { event_id })
    }

    async fn sync(&self, me: Session, _: RequestContext, request: sync::Request) -> Result<sync::Response, MatrixError> {
        let since = request.since.as_deref().and_then(|s| s.parse::<usize>().ok());
        let timeout = Duration::from_millis(request.timeout.unwrap_or(0).clamp(0, 30_000) as u64);
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let woken = self.new_event.notified();
            if let Some(answer) = self.sync_from(&me.user_id, since.unwrap_or(0), 20, since.is_none()) {
                return typed(answer);
            }
            if tokio::time::timeout_at(deadline, woken).await.is_err() {
                let next = self.lock().events.len();
                return typed(json!({"next_batch": since.unwrap_or(next).to_string()}));
            }
        }
    }

    async fn get_user_profile(&self, _: RequestContext, request: get_user_profile::Request) -> Result<get_user_profile::Response, MatrixError> {
        let name = self.lock().names.get(&request.user_id).cloned();
        typed(json!({"displayname": name}))
    }

    async fn get_profile_field(&self, _: RequestContext, request: get_profile_field::Request) -> Result<get_profile_field::Response, MatrixError> {
        if request.key_name != "displayname" {
            return Err(MatrixError::not_found("No such profile field"));
        }
        let name = self.lock().names.get(&request.user_id).cloned().ok_or_else(|| MatrixError::not_found("No display name"))?;
        Ok(get_profile_field::Response { body: serde_json::Map::from_iter([("displayname".to_owned(), json!(name))]) })
    }

    async fn set_profile_field(&self, me: Session, _: RequestContext, request: set_profile_field::Request) -> Result<set_profile_field::Response, MatrixError> {
        if request.user_id != me.user_id {
            return Err(MatrixError::forbidden("Not your profile"));
        }
        let name = request.body.get(&request.key_name).and_then(Value::as_str).ok_or_else(|| MatrixError::bad_json("no value"))?;
        self.lock().names.insert(me.user_id, name.to_owned());
        Ok(set_profile_field::Response::default())
    }

    async fn get_devices(&self, me: Session, _: RequestContext, _: get_devices::Request) -> Result<get_devices::Response, MatrixError> {
        let devices = self
            .devices(&me.user_id)
            .into_iter()
            .map(|s| Device { device_id: s.device_id, display_name: None, last_seen_ip: None, last_seen_ts: None })
            .collect();
        Ok(get_devices::Response { devices: Some(devices) })
    }

    async fn delete_device(&self, me: Session, _: RequestContext, request: delete_device::Request) -> Result<delete_device::Response, MatrixError> {
        let mut state = self.lock();
        let Some(auth) = request.auth else {
            return Err(MatrixError::interactive_auth(password_stage(&mut state)));
        };
        let password = auth.additional_properties.get("password").and_then(Value::as_str);
        if auth.r#type.as_deref() != Some("m.login.password") || state.passwords.get(&me.user_id).map(String::as_str) != password {
            let mut again = password_stage(&mut state);
            again.session = auth.session.or(again.session);
            again.errcode = Some(ErrorCode::Forbidden);
            again.error = Some("Invalid password".to_owned());
            return Err(MatrixError::interactive_auth(again));
        }
        let before = state.sessions.len();
        state.sessions.retain(|_, s| !(s.user_id == me.user_id && s.device_id == request.device_id));
        if state.sessions.len() == before {
            return Err(MatrixError::not_found("No such device"));
        }
        Ok(delete_device::Response::default())
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut listen = "127.0.0.1:8008".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--listen", Some(addr)) => listen = addr,
            _ => {
                eprintln!("usage: homeserver [--listen ADDR]");
                return std::process::ExitCode::from(2);
            }
        }
    }
    let config = ServerConfig::default();
    let app = router_with_config(Arc::new(Homeserver::default()), config.clone());
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {listen}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Ok(addr) = listener.local_addr() {
        println!("listening on http://{addr}");
    }
    serve(listener, app, &config, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    std::process::ExitCode::SUCCESS
}
