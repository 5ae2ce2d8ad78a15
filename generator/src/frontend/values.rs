//! Reading values of the resolved JSON.

use std::collections::BTreeMap;

use serde_json::Value;

/// The text of `key` in a mapping.
pub fn text(map: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The `x-` keywords of a mapping.
pub fn extensions(map: &serde_json::Map<String, Value>) -> BTreeMap<String, Value> {
    map.iter()
        .filter(|(k, _)| k.starts_with("x-"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
