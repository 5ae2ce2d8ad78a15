//! One schema, one type, whatever the layout of the files: a schema file reached through two
//! paths (a folder copied where the spec has a symbolic link, as a checkout without links or an
//! archive lays it) is one schema. Two hoisted schemas are the same when they stand at the same
//! pointer of files of the same text and every schema they refer to is the same in turn (so
//! two identical files whose neighbours differ stay apart); each such group keeps one key, the
//! event schema's where one is, else the shortest path (the link's target, where the spec has a
//! link), else the first reached, and every reference to the others is pointed at it.

use std::collections::HashMap;

use super::bundle::Bundle;

/// Merges the hoisted schemas of `bundle` that are the same schema.
pub fn merge(bundle: &mut Bundle) {
    let renamed = same_schemas(bundle);
    if !renamed.is_empty() {
        rename(bundle, &renamed);
    }
}

/// Each hoisted schema that is the same as another, by key, with the key its group keeps.
fn same_schemas(bundle: &Bundle) -> HashMap<String, String> {
    let keys: Vec<&String> = bundle.schemas.keys().collect();
    // candidates: the same pointer of files of the same text
    let mut label: HashMap<(&str, &str), usize> = HashMap::new();
    let mut class: Vec<usize> = Vec::with_capacity(keys.len());
    for key in &keys {
        let hoisted = &bundle.schemas[*key];
        let text = bundle.loader.file(hoisted.file).text();
        let pointer = key.split_once('#').map_or("", |(_, p)| p);
        let next = label.len();
        class.push(*label.entry((text, pointer)).or_insert(next));
    }
    if label.len() == keys.len() {
        return HashMap::new();
    }
    let class = refined(bundle, &keys, class);
    // each group's key
    let mut chosen: HashMap<usize, usize> = HashMap::new();
    for (i, key) in keys.iter().enumerate() {
        let better = |j: usize| {
            let (a, b) = (key.as_str(), keys[j].as_str());
            let events = |k: &str| bundle.events.iter().any(|e| e == k);
            (events(a), std::cmp::Reverse(a.len())) > (events(b), std::cmp::Reverse(b.len()))
        };
        match chosen.get(&class[i]) {
            Some(&j) if !better(j) => {}
            _ => {
                chosen.insert(class[i], i);
            }
        }
    }
    keys.iter()
        .enumerate()
        .filter(|(i, _)| chosen[&class[*i]] != *i)
        .map(|(i, k)| ((*k).clone(), keys[chosen[&class[i]]].clone()))
        .collect()
}

/// The candidates' classes refined until stable: the same candidate, referring to the same
/// classes in order.
fn refined(bundle: &Bundle, keys: &[&String], mut class: Vec<usize>) -> Vec<usize> {
    let index: HashMap<&str, usize> = keys.iter().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
    let refs: Vec<Vec<usize>> = keys
        .iter()
        .map(|k| {
            // in the order of where they stand (a table is a hash map)
            let mut targets: Vec<(&String, &String)> = bundle
                .nodes
                .schema(k)
                .map(|t| t.refs.iter().collect())
                .unwrap_or_default();
            targets.sort();
            targets
                .iter()
                .filter_map(|(_, target)| index.get(target.as_str()).copied())
                .collect()
        })
        .collect();
    loop {
        let mut labels: HashMap<(usize, Vec<usize>), usize> = HashMap::new();
        let next_class: Vec<usize> = (0..keys.len())
            .map(|i| {
                let signature = (class[i], refs[i].iter().map(|r| class[*r]).collect());
                let next = labels.len();
                *labels.entry(signature).or_insert(next)
            })
            .collect();
        let stable = labels.len() == class.iter().collect::<std::collections::HashSet<_>>().len();
        class = next_class;
        if stable {
            return class;
        }
    }
}

/// Drops the schemas `renamed` names and points every reference to them at the key their
/// group keeps, which keeps the place of the first reached of its group.
fn rename(bundle: &mut Bundle, renamed: &HashMap<String, String>) {
    let mut schemas = std::mem::take(&mut bundle.schemas);
    let mut merged = indexmap::IndexMap::with_capacity(schemas.len());
    let order: Vec<String> = schemas.keys().cloned().collect();
    for key in order {
        let kept = renamed.get(&key).unwrap_or(&key).clone();
        if merged.contains_key(&kept) {
            continue;
        }
        if let Some(hoisted) = schemas.shift_remove(&kept) {
            merged.insert(kept, hoisted);
        }
    }
    bundle.schemas = merged;
    for gone in renamed.keys() {
        bundle.nodes.remove_schema(gone);
    }
    for table in bundle.nodes.tables_mut() {
        for target in table.refs.values_mut() {
            if let Some(to) = renamed.get(target.as_str()) {
                *target = to.clone();
            }
        }
    }
    for event in &mut bundle.events {
        if let Some(to) = renamed.get(event) {
            *event = to.clone();
        }
    }
    let mut seen = std::collections::HashSet::new();
    bundle.events.retain(|e| seen.insert(e.clone()));
}
