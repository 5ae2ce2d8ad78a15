//! One schema, one type, whatever the layout of the files: a schema file reached through two
//! paths (a folder copied where the spec has a symbolic link, as a checkout without links or an
//! archive lays it) is one schema. Two hoisted schemas are the same when they stand at the same
//! pointer of files of the same text and every schema they refer to is the same in turn (so
//! two identical files whose neighbours differ stay apart); each such group keeps one key, the
//! event schema's where one is, else the shortest path (the link's target, where the spec has a
//! link), else the first reached, and every reference to the others is pointed at it.

use std::collections::HashMap;

use serde_json::Value;

use super::{Resolver, SCHEMA_REF_PREFIX};
use crate::error::escape_token;

/// Merges the hoisted schemas of `resolver` that are the same schema.
pub fn merge(resolver: &mut Resolver) {
    let keys: Vec<&String> = resolver.schemas.keys().collect();
    // candidates: the same pointer of files of the same text
    let mut label: HashMap<(&str, &str), usize> = HashMap::new();
    let mut class: Vec<usize> = Vec::with_capacity(keys.len());
    for key in &keys {
        let hoisted = &resolver.schemas[*key];
        let text = resolver.loader.file(hoisted.file).text();
        let pointer = key.split_once('#').map_or("", |(_, p)| p);
        let next = label.len();
        class.push(*label.entry((text, pointer)).or_insert(next));
    }
    if label.len() == keys.len() {
        return;
    }
    // refined until stable: the same candidate, referring to the same classes in order
    let index: HashMap<&str, usize> = keys.iter().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
    let refs: Vec<Vec<usize>> = keys
        .iter()
        .map(|k| {
            let mut out = Vec::new();
            references(&resolver.schemas[*k].value, &mut |target| {
                if let Some(i) = index.get(target) {
                    out.push(*i);
                }
            });
            out
        })
        .collect();
    loop {
        let mut labels: HashMap<(usize, Vec<usize>), usize> = HashMap::new();
        let refined: Vec<usize> = (0..keys.len())
            .map(|i| {
                let signature = (class[i], refs[i].iter().map(|r| class[*r]).collect());
                let next = labels.len();
                *labels.entry(signature).or_insert(next)
            })
            .collect();
        let stable = labels.len() == class.iter().collect::<std::collections::HashSet<_>>().len();
        class = refined;
        if stable {
            break;
        }
    }
    // each group's key
    let mut chosen: HashMap<usize, usize> = HashMap::new();
    for (i, key) in keys.iter().enumerate() {
        let better = |j: usize| {
            let (a, b) = (key.as_str(), keys[j].as_str());
            let events = |k: &str| resolver.events.iter().any(|e| e == k);
            (events(a), std::cmp::Reverse(a.len())) > (events(b), std::cmp::Reverse(b.len()))
        };
        match chosen.get(&class[i]) {
            Some(&j) if !better(j) => {}
            _ => {
                chosen.insert(class[i], i);
            }
        }
    }
    let renamed: HashMap<String, String> = keys
        .iter()
        .enumerate()
        .filter(|(i, _)| chosen[&class[*i]] != *i)
        .map(|(i, k)| ((*k).clone(), keys[chosen[&class[i]]].clone()))
        .collect();
    if renamed.is_empty() {
        return;
    }
    let rename = |v: &mut Value| {
        rewrite(v, &|target| {
            renamed
                .get(target)
                .map(|to| format!("{SCHEMA_REF_PREFIX}{}", escape_token(to)))
        })
    };
    // the group's key keeps its place: the first reached of its group's places
    let mut schemas = std::mem::take(&mut resolver.schemas);
    let mut merged = indexmap::IndexMap::with_capacity(schemas.len());
    let order: Vec<String> = schemas.keys().cloned().collect();
    for key in order {
        let kept = renamed.get(&key).unwrap_or(&key).clone();
        if merged.contains_key(&kept) {
            continue;
        }
        if let Some(mut hoisted) = schemas.shift_remove(&kept) {
            rename(&mut hoisted.value);
            merged.insert(kept, hoisted);
        }
    }
    resolver.schemas = merged;
    for doc in &mut resolver.documents {
        rename(&mut doc.value);
    }
    for event in &mut resolver.events {
        if let Some(to) = renamed.get(event) {
            *event = to.clone();
        }
    }
    let mut seen = std::collections::HashSet::new();
    resolver.events.retain(|e| seen.insert(e.clone()));
}

/// Calls `f` with the key of every hoisted schema `v` refers to.
fn references(v: &Value, f: &mut impl FnMut(&str)) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                if let Some(key) = r.strip_prefix(SCHEMA_REF_PREFIX) {
                    f(&key.replace("~1", "/").replace("~0", "~"));
                }
            }
            map.values().for_each(|x| references(x, f));
        }
        Value::Array(items) => items.iter().for_each(|x| references(x, f)),
        _ => {}
    }
}

/// Replaces every schema reference of `v` that `to` gives a new text for.
fn rewrite(v: &mut Value, to: &impl Fn(&str) -> Option<String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                let new = r
                    .strip_prefix(SCHEMA_REF_PREFIX)
                    .and_then(|key| to(&key.replace("~1", "/").replace("~0", "~")));
                if let Some(new) = new {
                    *r = new;
                }
            }
            map.values_mut().for_each(|x| rewrite(x, to));
        }
        Value::Array(items) => items.iter_mut().for_each(|x| rewrite(x, to)),
        _ => {}
    }
}
