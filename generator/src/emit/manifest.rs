//! The generated crate's `Cargo.toml`, assembled from what the outputs need and written with a
//! TOML library, so that any title (quotes, backslashes, newlines) gives a valid manifest.

use toml_edit::{value, Array, DocumentMut, InlineTable, Item, Table};

use super::{CrateInfo, Dependency, Emitted};
use crate::ir::Api;

/// The manifest's text.
pub fn cargo_toml(api: &Api, info: &CrateInfo<'_>, all: &Emitted) -> String {
    let mut doc = DocumentMut::new();
    let mut package = Table::new();
    package.insert("name", value(info.name));
    package.insert("version", value(info.version));
    package.insert(
        "description",
        value(format!("Typed models for the {}, generated from the spec", api.title)),
    );
    package.insert("edition", value("2021"));
    package.insert("license", value("Apache-2.0"));
    package.insert("publish", value(false));
    doc.insert("package", Item::Table(package));

    let mut lib = Table::new();
    lib.insert("path", value("src/lib.rs"));
    doc.insert("lib", Item::Table(lib));

    // an API of a set depends on the shared crate, beside it, and hands each feature on to it
    let shared = info.placement.shared_crate();
    let mut features = Table::new();
    features.insert("default", value(Array::new()));
    for f in &all.features {
        let mut enables: Array = f.enables.iter().copied().collect();
        if let Some(krate) = shared {
            enables.push(format!("{krate}/{}", f.name));
        }
        features.insert(f.name, value(enables));
        if let Some(mut key) = features.key_mut(f.name) {
            key.leaf_decor_mut().set_prefix(format!("# {}\n", f.doc));
        }
    }
    doc.insert("features", Item::Table(features));
    let mut deps = dependencies(&all.dependencies);
    if let Some(krate) = shared {
        let mut t = InlineTable::new();
        t.insert("path", format!("../{krate}").into());
        t.insert("version", info.version.into());
        deps.insert(krate, value(t));
        deps.sort_values();
    }
    doc.insert("dependencies", Item::Table(deps));
    doc.insert("dev-dependencies", Item::Table(dependencies(&all.dev_dependencies)));
    doc.to_string()
}

/// Dependencies by name; the same package named twice is one dependency with the union of the
/// features asked for.
fn dependencies(deps: &[Dependency]) -> Table {
    let mut merged: Vec<(Dependency, Vec<&'static str>)> = Vec::new();
    for d in deps {
        match merged.iter_mut().find(|(m, _)| m.name == d.name) {
            Some((m, features)) => {
                m.optional &= d.optional;
                m.default_features |= d.default_features;
                for f in d.features {
                    if !features.contains(f) {
                        features.push(f);
                    }
                }
            }
            None => merged.push((d.clone(), d.features.to_vec())),
        }
    }
    merged.sort_by_key(|(d, _)| d.name);
    let mut table = Table::new();
    for (d, features) in merged {
        if features.is_empty() && d.default_features && !d.optional {
            table.insert(d.name, value(d.version));
            continue;
        }
        let mut t = InlineTable::new();
        t.insert("version", d.version.into());
        if !d.default_features {
            t.insert("default-features", false.into());
        }
        if !features.is_empty() {
            let list: Array = features.iter().copied().collect();
            t.insert("features", list.into());
        }
        if d.optional {
            t.insert("optional", true.into());
        }
        table.insert(d.name, value(t));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::Placement;
    use crate::ir::TypeSpace;

    fn api(title: &str) -> Api {
        Api {
            title: title.to_owned(),
            description: None,
            version: String::new(),
            sources: Vec::new(),
            operations: Vec::new(),
            types: TypeSpace::default(),
            events: Vec::new(),
            event_fields: Vec::new(),
        }
    }

    #[test]
    fn any_title_gives_a_manifest_that_parses_back() {
        for title in [
            "Plain",
            "A \"quoted\" \\ title",
            "two\nlines",
            "tab\there",
            "'single' ''' \"\"\"",
        ] {
            let emitted = Emitted {
                dependencies: vec![Dependency::new("serde", "1")],
                ..Emitted::default()
            };
            let text = cargo_toml(
                &api(title),
                &CrateInfo {
                    name: "x",
                    version: "0.1.0",
                    placement: &Placement::Whole,
                },
                &emitted,
            );
            let parsed: DocumentMut = text.parse().unwrap_or_else(|e| panic!("{title:?}: {e}\n{text}"));
            let description = parsed["package"]["description"].as_str().unwrap();
            assert_eq!(
                description,
                format!("Typed models for the {title}, generated from the spec")
            );
        }
    }

    #[test]
    fn the_same_dependency_twice_is_one_with_both_features() {
        let deps = [
            Dependency {
                features: &["a"],
                ..Dependency::new("tokio", "1")
            },
            Dependency {
                features: &["b", "a"],
                ..Dependency::new("tokio", "1")
            },
        ];
        let table = dependencies(&deps);
        assert_eq!(table.len(), 1);
        assert_eq!(
            table.to_string(),
            "tokio = { version = \"1\", features = [\"a\", \"b\"] }\n"
        );
    }
}
