//! The redaction algorithm the events output ships (`generator/runtime/redaction.rs`, compiled
//! here as it is into every crate with events) against the spec's own text of it: for each room
//! version of `content/rooms/` in `../shared`, the keys the "Redactions" section lists (at the
//! top, and of `content` by event type) are exactly the keys that survive.

#[path = "../../generator/runtime/redaction.rs"]
#[allow(dead_code)]
mod redaction;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{json, Map, Value};

/// What a room version's "Redactions" section says survives.
#[derive(Debug, Default)]
struct Rules {
    top: BTreeSet<String>,
    /// Event type → its content keys (`*`: all of them).
    content: BTreeMap<String, BTreeSet<String>>,
    /// Event type → content key → the keys kept inside it.
    nested: BTreeMap<String, (String, String)>,
}

/// The backquoted words of a text.
fn quoted(text: &str) -> Vec<String> {
    text.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// Reads the algorithm: the bullet list after "strip off any keys not in the following list",
/// then the bullets after "The content object", each `` [`type`](...) allows key(s) `a`, `b` ``
/// or "allows all keys", and "Additionally, it allows the `k` key of the `p` key."
fn parse(text: &str) -> Rules {
    let mut rules = Rules::default();
    let (top, content) = text.split_once("The content object").expect("the content rules");
    let top = top.split_once("following list:").expect("the top-level list").1;
    for line in top.lines().filter(|l| l.trim_start().starts_with('-')) {
        rules.top.extend(quoted(line));
    }
    // bullets, joined with their continuation lines
    let mut bullets: Vec<String> = Vec::new();
    for line in content.lines() {
        if line.trim_start().starts_with("- ") {
            bullets.push(line.trim_start().trim_start_matches("- ").to_owned());
        } else if let Some(last) = bullets.last_mut() {
            if line.starts_with("  ") && !line.trim().is_empty() {
                last.push(' ');
                last.push_str(line.trim());
            }
        }
    }
    for bullet in bullets {
        let words = quoted(&bullet);
        let Some(event_type) = words.first().cloned() else {
            continue;
        };
        let (allows, additionally) = match bullet.split_once("Additionally") {
            Some((a, b)) => (a.to_owned(), Some(b.to_owned())),
            None => (bullet.clone(), None),
        };
        let keys = if allows.contains("allows all keys") {
            BTreeSet::from(["*".to_owned()])
        } else {
            quoted(allows.split_once("allows").expect("allows").1)
                .into_iter()
                .collect()
        };
        rules.content.insert(event_type.clone(), keys);
        if let Some(extra) = additionally {
            let [inner, outer] = &quoted(&extra)[..] else {
                panic!("{extra}")
            };
            rules.nested.insert(event_type, (outer.clone(), inner.clone()));
        }
    }
    rules
}

/// The text of a room version's "Redactions" section, its fragment read where it names one.
fn section(rooms: &Path, version: u32) -> String {
    let page = std::fs::read_to_string(rooms.join(format!("v{version}.md"))).unwrap();
    let start = page.find("### Redactions").expect("a Redactions section");
    let rest = &page[start + 3..];
    let text = &rest[..rest.find("\n#").unwrap_or(rest.len())];
    match text.split_once("rver-fragment name=\"") {
        Some((_, name)) => {
            let name = &name[..name.find('"').unwrap()];
            std::fs::read_to_string(rooms.join("fragments").join(format!("{name}.md"))).unwrap()
        }
        None => text.to_owned(),
    }
}

/// An event of `event_type` with every top-level key any version names, and the content keys
/// every rule names, plus keys no rule keeps.
fn full_event(event_type: &str, all_top: &BTreeSet<String>, content_keys: &BTreeSet<String>) -> Map<String, Value> {
    let mut event = Map::new();
    for key in all_top {
        event.insert(key.clone(), json!(format!("{key} value")));
    }
    event.insert("unsigned".to_owned(), json!({"age": 1}));
    event.insert("org.example.extra".to_owned(), json!(true));
    event.insert("type".to_owned(), json!(event_type));
    let mut content = Map::new();
    for key in content_keys {
        content.insert(key.clone(), json!({"signed": {"token": "t"}, "other": 1}));
    }
    content.insert("body".to_owned(), json!("goes"));
    event.insert("content".to_owned(), Value::Object(content));
    event
}

#[test]
fn the_redaction_algorithm_of_every_room_version_keeps_what_the_spec_lists() {
    let Some(data) = matrix_api_tests::current_spec() else {
        return;
    };
    let rooms = data.parent().unwrap().join("content/rooms");
    let versions: Vec<(u32, Rules)> = (1..=12).map(|v| (v, parse(&section(&rooms, v)))).collect();
    let all_top: BTreeSet<String> = versions.iter().flat_map(|(_, r)| r.top.clone()).collect();
    let all_types: BTreeSet<String> = versions.iter().flat_map(|(_, r)| r.content.keys().cloned()).collect();
    let all_content: BTreeSet<String> = versions
        .iter()
        .flat_map(|(_, r)| r.content.values().flatten().cloned())
        .filter(|k| k != "*")
        .chain(
            versions
                .iter()
                .flat_map(|(_, r)| r.nested.values().map(|(outer, _)| outer.clone())),
        )
        .collect();
    let mut checked = 0;
    for (version, rules) in &versions {
        assert!(
            rules.top.contains("event_id") && rules.content.contains_key("m.room.member"),
            "v{version}: {rules:?}"
        );
        for event_type in all_types
            .iter()
            .map(String::as_str)
            .chain(["m.room.message", "org.example.custom"])
        {
            let event = full_event(event_type, &all_top, &all_content);
            let redacted = redaction::redact(event.clone(), &version.to_string()).unwrap();
            let kept: BTreeSet<String> = redacted.keys().cloned().collect();
            let want: BTreeSet<String> = rules.top.iter().filter(|k| event.contains_key(*k)).cloned().collect();
            assert_eq!(kept, want, "v{version} {event_type}: top-level keys");
            let content = redacted["content"].as_object().unwrap();
            let kept: BTreeSet<String> = content.keys().cloned().collect();
            let mut want: BTreeSet<String> = match rules.content.get(event_type) {
                Some(keys) if keys.contains("*") => event["content"].as_object().unwrap().keys().cloned().collect(),
                Some(keys) => keys.clone(),
                None => BTreeSet::new(),
            };
            want.extend(rules.nested.get(event_type).map(|(outer, _)| outer.clone()));
            assert_eq!(kept, want, "v{version} {event_type}: content keys");
            if let Some((outer, inner)) = rules.nested.get(event_type) {
                let inside: Vec<&String> = content[outer].as_object().unwrap().keys().collect();
                assert_eq!(inside, [inner], "v{version} {event_type}: inside `{outer}`");
            } else if let Some(Value::Object(o)) = content.values().next() {
                assert_eq!(o.len(), 2, "v{version} {event_type}: a kept key keeps its whole value");
            }
            checked += 1;
        }
    }
    println!("{checked} redactions across room versions 1 to 12 keep what the spec lists");
    // a version the spec does not define is an error, not a guess
    assert!(redaction::redact(Map::new(), "org.example.v1").is_err());
    assert!(redaction::redact(Map::new(), "13").is_err());
}
