//! The redaction algorithm of the room versions (the spec's "Redactions" section of each): which
//! keys of an event, and of its `content` by event type, survive a redaction.

use std::fmt;

use serde_json::{Map, Value};

/// Why an event could not be redacted.
#[derive(Debug)]
pub enum RedactionError {
    /// A room version whose algorithm this crate does not know (`1` to `12` are known).
    UnknownRoomVersion(String),
    /// The event did not encode or decode.
    Json(serde_json::Error),
}

impl fmt::Display for RedactionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedactionError::UnknownRoomVersion(v) => {
                write!(f, "no redaction algorithm is known for room version `{v}`")
            }
            RedactionError::Json(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RedactionError {}

impl From<serde_json::Error> for RedactionError {
    fn from(e: serde_json::Error) -> Self {
        RedactionError::Json(e)
    }
}

/// The top-level keys every room version keeps.
const KEPT: &[&str] = &[
    "event_id",
    "type",
    "room_id",
    "sender",
    "state_key",
    "content",
    "hashes",
    "signatures",
    "depth",
    "prev_events",
    "auth_events",
    "origin_server_ts",
];

/// The top-level keys room versions 1 to 10 keep too.
const KEPT_BEFORE_11: &[&str] = &["prev_state", "origin", "membership"];

/// What of an event's `content` survives.
enum Content {
    /// These keys.
    Keys(&'static [&'static str]),
    /// Everything (`m.room.create` from room version 11).
    All,
}

/// The content keys an event type keeps in a room version (`version` as a number); `None` for
/// a type that keeps none.
fn content_rule(event_type: &str, version: u32) -> Option<Content> {
    Some(match event_type {
        "m.room.member" if version >= 11 => {
            Content::Keys(&["membership", "join_authorised_via_users_server", "third_party_invite"])
        }
        "m.room.member" if version >= 9 => Content::Keys(&["membership", "join_authorised_via_users_server"]),
        "m.room.member" => Content::Keys(&["membership"]),
        "m.room.create" if version >= 11 => Content::All,
        "m.room.create" => Content::Keys(&["creator"]),
        "m.room.join_rules" if version >= 8 => Content::Keys(&["join_rule", "allow"]),
        "m.room.join_rules" => Content::Keys(&["join_rule"]),
        "m.room.power_levels" if version >= 11 => Content::Keys(&[
            "ban",
            "events",
            "events_default",
            "invite",
            "kick",
            "redact",
            "state_default",
            "users",
            "users_default",
        ]),
        "m.room.power_levels" => Content::Keys(&[
            "ban",
            "events",
            "events_default",
            "kick",
            "redact",
            "state_default",
            "users",
            "users_default",
        ]),
        "m.room.aliases" if version <= 5 => Content::Keys(&["aliases"]),
        "m.room.history_visibility" => Content::Keys(&["history_visibility"]),
        "m.room.redaction" if version >= 11 => Content::Keys(&["redacts"]),
        _ => return None,
    })
}

/// Redacts an event (as JSON) by the algorithm of `room_version`: the top-level keys the
/// version keeps, and the keys of `content` it keeps for the event's type (from room version
/// 11, of a member's `third_party_invite` only `signed`). Everything else goes, `unsigned`
/// included: a server adds `unsigned.redacted_because` itself.
pub fn redact(mut event: Map<String, Value>, room_version: &str) -> Result<Map<String, Value>, RedactionError> {
    let version = match room_version.parse::<u32>() {
        Ok(v @ 1..=12) => v,
        _ => return Err(RedactionError::UnknownRoomVersion(room_version.to_owned())),
    };
    event.retain(|key, _| KEPT.contains(&key.as_str()) || (version < 11 && KEPT_BEFORE_11.contains(&key.as_str())));
    let event_type = event.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
    if let Some(Value::Object(content)) = event.get_mut("content") {
        match content_rule(&event_type, version) {
            Some(Content::All) => {}
            Some(Content::Keys(keys)) => content.retain(|key, _| keys.contains(&key.as_str())),
            None => content.clear(),
        }
        if event_type == "m.room.member" && version >= 11 {
            let signed = match content.get_mut("third_party_invite") {
                Some(Value::Object(invite)) => invite.remove("signed"),
                _ => None,
            };
            match signed {
                Some(signed) => {
                    content.insert(
                        "third_party_invite".to_owned(),
                        Value::Object(Map::from_iter([("signed".to_owned(), signed)])),
                    );
                }
                None => {
                    content.remove("third_party_invite");
                }
            }
        }
    }
    Ok(event)
}
