//! One schema, one type, and the same crate, whatever the layout of the corpus's symbolic link
//! (`api/client-server/definitions/event-schemas -> ../../../event-schemas`): a real link (a Linux
//! checkout), Git's stub file (links off) or a copy of the folder. The other two layouts are made
//! in temporary folders from whichever `../shared` has.

use std::collections::BTreeMap;
use std::path::Path;

use matrix_api_generator::{generate, Settings};
use matrix_api_tests::{lay_out, Layout, LINK};

fn crate_of(corpus: &Path, events: bool) -> BTreeMap<String, String> {
    let mut settings = Settings::new(corpus.join("api/client-server"));
    settings.root = Some(corpus.to_path_buf());
    if events {
        settings.events = Some(corpus.join("event-schemas/schema"));
    }
    generate(&settings)
        .unwrap_or_else(|e| panic!("{}: {e}", corpus.display()))
        .files
}

/// The names of the types a crate defines.
fn type_names(files: &BTreeMap<String, String>) -> Vec<String> {
    let surface: serde_json::Value = serde_json::from_str(&files["api-surface.json"]).unwrap();
    surface["types"].as_object().unwrap().keys().cloned().collect()
}

#[test]
fn every_layout_of_the_link_gives_one_type_per_schema_and_the_same_crate() {
    let Some(shared) = matrix_api_tests::shared() else {
        return;
    };
    for corpus in ["matrix-doc-5da3072e", "matrix-doc-r0.6.1"] {
        let from = shared.join("corpus").join(corpus);
        let dir = tempfile::tempdir().unwrap();
        let laid: Vec<(Layout, std::path::PathBuf)> = [Layout::Link, Layout::Stub, Layout::Copy]
            .into_iter()
            .map(|layout| {
                let to = dir.path().join(format!("{layout:?}"));
                lay_out(&from, &to, layout);
                assert_eq!(matrix_api_tests::layout(&to), layout);
                (layout, to)
            })
            .collect();
        for events in [false, true] {
            let crates: Vec<(Layout, BTreeMap<String, String>)> = laid
                .iter()
                .map(|(layout, to)| (*layout, crate_of(to, events)))
                .collect();
            let (_, link) = &crates[0];
            let names = type_names(link);
            assert!(names.len() > 90, "{corpus}: {} types", names.len());
            for (layout, files) in &crates {
                let numbered: Vec<String> = type_names(files)
                    .into_iter()
                    .filter(|n| n.ends_with(|c: char| c.is_ascii_digit()) && !names.contains(n))
                    .collect();
                assert!(
                    numbered.is_empty(),
                    "{corpus} ({layout:?}, events {events}): numbered {numbered:?}"
                );
                assert_eq!(type_names(files), names, "{corpus} ({layout:?}, events {events})");
                // the same crate: a copy's files are named where the copy is, nothing else differs
                let copy_place = format!("{LINK}/");
                for (path, text) in link {
                    let other = files
                        .get(path)
                        .unwrap_or_else(|| panic!("{corpus} ({layout:?}): no {path}"));
                    assert!(
                        other.replace(&copy_place, "event-schemas/") == *text,
                        "{corpus} ({layout:?}, events {events}): {path} differs"
                    );
                }
                assert_eq!(files.len(), link.len(), "{corpus} ({layout:?})");
            }
        }
    }
}
