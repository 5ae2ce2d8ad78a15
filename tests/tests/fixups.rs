//! Every fixup over every corpus in `../shared`: prints which applied where, and fails when a
//! fixup no corpus needs any more (remove it), or when one says its target no longer looks as it
//! expects (a release changed what it repairs: the repair must follow).

use std::collections::BTreeMap;

use matrix_api_generator::fixups::FIXUPS;
use matrix_api_generator::{stages, Settings};

#[test]
fn every_fixup_applies_somewhere_and_none_has_stopped_matching() {
    let Some(apis) = matrix_api_tests::every_api() else {
        return;
    };
    assert!(apis.len() > 80, "{} API folders", apis.len());
    // fixup -> where it applied: (API, file) -> how many times
    let mut applied: BTreeMap<&str, BTreeMap<(String, String), usize>> = BTreeMap::new();
    let mut drift = Vec::new();
    for (name, root, dir) in &apis {
        let mut settings = Settings::new(dir);
        settings.root = Some(root.clone());
        let bundle = stages::resolve_spec(&settings, &mut Default::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        for w in &bundle.warnings {
            let Some(fixup) = FIXUPS
                .iter()
                .find(|f| w.message.starts_with(&format!("fixup `{}`:", f.name)))
            else {
                continue;
            };
            if w.message.contains("no longer") {
                drift.push(format!("{name}: {w}"));
            }
            let file = w.location.file.clone().unwrap_or_default();
            *applied
                .entry(fixup.name)
                .or_default()
                .entry((name.clone(), file))
                .or_default() += 1;
        }
    }
    println!("fixups over {} API folders:", apis.len());
    for fixup in FIXUPS {
        let places = applied.get(fixup.name).cloned().unwrap_or_default();
        let total: usize = places.values().sum();
        println!(
            "- {} ({} repairs): {}; no longer needed when {}",
            fixup.name, total, fixup.repairs, fixup.obsolete_when
        );
        for ((api, file), n) in &places {
            println!("    {api}: {file} ({n})");
        }
    }
    let unused: Vec<&str> = FIXUPS
        .iter()
        .map(|f| f.name)
        .filter(|n| !applied.contains_key(n))
        .collect();
    assert!(unused.is_empty(), "no corpus needs these fixups any more: {unused:?}");
    assert!(drift.is_empty(), "fixups whose target changed:\n{}", drift.join("\n"));
}
