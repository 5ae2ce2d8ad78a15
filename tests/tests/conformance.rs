//! The spec is the oracle: the checked-in crate does everything the spec's examples say.

use std::collections::BTreeMap;

use matrix_api_tests::{conformance, oracle, workspace};

fn placeholders() -> BTreeMap<String, String> {
    BTreeMap::from([("CLIENT_MAJOR_VERSION".to_owned(), "r0".to_owned())])
}

#[test]
fn the_checked_in_crate_conforms_to_the_seed_spec() {
    let spec_dir = workspace().join("spec/client-server");
    let spec = oracle::read(&spec_dir, &spec_dir, &placeholders());
    assert_eq!(spec.operations.len(), 5);
    assert!(spec.spec_errors.is_empty(), "{:#?}", spec.spec_errors);
    for c in &spec.cases {
        println!("case: {}", c.name);
    }
    let dir = tempfile::tempdir().unwrap();
    conformance::copy_crate(&workspace().join("generated"), dir.path());
    let out = conformance::run(dir.path(), &spec);
    assert!(out.contains("conformance: 5 operations"), "{out}");
}

/// Runs cargo in a generated crate, with the conformance target folder; panics with its output
/// on failure.
fn cargo(crate_dir: &std::path::Path, args: &[&str], rustdocflags: Option<&str>) -> String {
    matrix_api_tests::cargo_in(crate_dir, args, rustdocflags)
}

#[test]
fn the_whole_client_server_api_conforms() {
    let Some(corpus) = matrix_api_tests::corpus() else {
        return;
    };
    whole_api(
        &corpus.join("api/client-server"),
        &corpus,
        "matrix-client-server-api-corpus",
        "corpus_spec_errors.txt",
        116,
        Some(&corpus.join("event-schemas")),
    );
}

#[test]
fn the_whole_v1_18_client_server_api_conforms() {
    let Some(data) = matrix_api_tests::current_spec() else {
        return;
    };
    whole_api(
        &data.join("api/client-server"),
        &data,
        "matrix-client-server-api-v1-18",
        "v1.18_client_server_spec_errors.txt",
        165,
        Some(&data.join("event-schemas")),
    );
}

#[test]
fn the_v1_18_federation_api_conforms() {
    let Some(data) = matrix_api_tests::current_spec() else {
        return;
    };
    whole_api(
        &data.join("api/server-server"),
        &data,
        "matrix-federation-api-v1-18",
        "v1.18_federation_spec_errors.txt",
        36,
        None,
    );
}

#[test]
fn the_v1_18_application_service_api_conforms() {
    let Some(data) = matrix_api_tests::current_spec() else {
        return;
    };
    whole_api(
        &data.join("api/application-service"),
        &data,
        "matrix-application-service-api-v1-18",
        "v1.18_application_service_spec_errors.txt",
        9,
        Some(&data.join("event-schemas")),
    );
}

#[test]
fn the_v1_18_identity_api_conforms() {
    let Some(data) = matrix_api_tests::current_spec() else {
        return;
    };
    whole_api(
        &data.join("api/identity"),
        &data,
        "matrix-identity-api-v1-18",
        "v1.18_identity_spec_errors.txt",
        23,
        None,
    );
}

#[test]
fn the_v1_18_push_gateway_api_conforms() {
    let Some(data) = matrix_api_tests::current_spec() else {
        return;
    };
    whole_api(
        &data.join("api/push-gateway"),
        &data,
        "matrix-push-gateway-api-v1-18",
        "v1.18_push_gateway_spec_errors.txt",
        1,
        None,
    );
}

/// The whole API in `spec_dir` (its references bounded by `root`) conforms: every operation,
/// every case the oracle makes of its examples, the spec errors it finds exactly those listed
/// in `tests/expected/{errors_file}`; the crate builds warning-free with each feature set,
/// documents cleanly, and its router serves every route. `BLESS=1` rewrites the lists first.
fn whole_api(
    spec_dir: &std::path::Path,
    root: &std::path::Path,
    crate_name: &str,
    errors_file: &str,
    operations: usize,
    events: Option<&std::path::Path>,
) {
    let mut spec = oracle::read(spec_dir, root, &placeholders());
    assert_eq!(spec.operations.len(), operations);
    // with the events output, a body that is a whole event is kept as JSON until read
    if events.is_some() {
        let mut deferred = 0;
        for case in spec
            .cases
            .iter_mut()
            .filter(|c| c.event_body && c.expect == oracle::Expect::DecodeFails)
        {
            case.expect = oracle::Expect::Deferred;
            deferred += 1;
        }
        println!("{deferred} cases of a whole-event body without a required property: kept as JSON until read");
    }
    let dir = tempfile::tempdir().unwrap();
    let mut settings = matrix_api_generator::Settings::new(spec_dir);
    settings.root = Some(root.to_path_buf());
    // a name of its own: cargo names build outputs by package name and version (not path), and
    // the other crates are built in the same target folder, maybe at the same time
    settings.crate_name = crate_name.to_owned();
    settings.events = events.map(|e| e.join("schema"));
    let generated = matrix_api_generator::generate(&settings).unwrap();
    matrix_api_generator::write::write(dir.path(), &generated.files).unwrap();
    let errors: Vec<&str> = spec.spec_errors.iter().map(String::as_str).collect();
    let expected_path = workspace().join("tests/expected").join(errors_file);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(
            &expected_path,
            errors.iter().map(|e| format!("{e}\n")).collect::<String>(),
        )
        .unwrap();
    }
    let expected_text = std::fs::read_to_string(&expected_path).unwrap_or_default();
    let expected: Vec<&str> = expected_text.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(
        errors,
        expected,
        "the spec errors found differ from {}",
        expected_path.display()
    );
    println!(
        "{} cases from {} examples; {} spec errors listed",
        spec.cases.len(),
        spec.examples,
        errors.len()
    );
    let out = conformance::run(dir.path(), &spec);
    println!(
        "{}",
        out.lines()
            .filter(|l| l.starts_with("conformance:"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    // the events inside response examples that do not decode are the spec's slips this file
    // lists (an example that does not fit its event schema), and no other
    if events.is_some() {
        let found: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("event-error: ")).collect();
        let path = workspace()
            .join("tests/expected")
            .join(errors_file.replace("spec_errors", "event_example_errors"));
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&path, found.iter().map(|e| format!("{e}\n")).collect::<String>()).unwrap();
        } else {
            let expected = std::fs::read_to_string(&path).unwrap_or_default();
            assert_eq!(
                found,
                expected.lines().collect::<Vec<_>>(),
                "events in response examples, against {}",
                path.display()
            );
        }
    }

    // the crate builds warning-free with each feature set, documents cleanly, and its router
    // accepts every route
    for features in [
        &[][..],
        &["--features", "client"],
        &["--features", "server"],
        &["--all-features"],
    ] {
        let mut args = vec!["clippy", "--offline", "--quiet", "--lib"];
        args.extend_from_slice(features);
        args.extend_from_slice(&["--", "-D", "warnings"]);
        cargo(dir.path(), &args, None);
    }
    cargo(
        dir.path(),
        &["doc", "--offline", "--quiet", "--no-deps", "--all-features"],
        Some("-D warnings"),
    );
    let lib = crate_name.replace('-', "_");
    matrix_api_tests::write_router_test(dir.path(), &generated.files);
    cargo(
        dir.path(),
        &["test", "--offline", "--quiet", "--all-features", "--test", "router"],
        None,
    );

    // every example of the event schemas decodes into its event type's content and encodes
    // back to the same JSON
    if let Some(events) = events {
        let examples = oracle::event_examples(&events.join("examples"));
        assert!(examples.len() > 20, "{} event examples", examples.len());
        std::fs::write(
            dir.path().join("tests/events.json"),
            serde_json::to_string(&examples).unwrap(),
        )
        .unwrap();
        std::fs::write(dir.path().join("tests/events.rs"), EVENTS_TEST.replace("CRATE", &lib)).unwrap();
        let out = cargo(
            dir.path(),
            &["test", "--offline", "--quiet", "--test", "events", "--", "--nocapture"],
            None,
        );
        println!(
            "{}",
            out.lines()
                .filter(|l| l.starts_with("events:"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

const EVENTS_TEST: &str = r#"//! Written by the conformance test of `tests/`: the event schemas' examples against this crate.
use CRATE::events::{AnyEventContent, Event};
use CRATE::EventContent;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Decodes `event` as an `Event<C>` and encodes it back: `Ok(true)` when `C` knows its type.
fn whole<C: EventContent>(event: &Value) -> Result<bool, String>
where
    Event<C>: DeserializeOwned + serde::Serialize,
{
    let decoded: Event<C> = serde_json::from_value(event.clone()).map_err(|e| format!("does not decode: {e}"))?;
    let back = serde_json::to_value(&decoded).unwrap();
    if &back != event {
        return Err(format!("encoded back as {back}"));
    }
    Ok(!decoded.content.is_unknown())
}

#[test]
fn every_example_decodes_into_its_event_type_and_encodes_back() {
    use CRATE::events::*;
    let examples: Vec<(String, Value)> = serde_json::from_str(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/events.json")).unwrap()).unwrap();
    let mut failures = Vec::new();
    for (name, event) in &examples {
        let event_type = event["type"].as_str().unwrap();
        let content = &event["content"];
        match AnyEventContent::from_parts(event_type, content.clone()) {
            Err(e) => failures.push(format!("{name}: does not decode: {e}")),
            Ok(decoded) if decoded.is_unknown() => failures.push(format!("{name}: `{event_type}` is not a known event type")),
            Ok(decoded) => {
                assert_eq!(decoded.event_type(), event_type);
                let back = decoded.to_value().unwrap();
                if &back != content {
                    failures.push(format!("{name}: encoded back as {back} instead of {content}"));
                }
            }
        }
        // the whole event, its envelope fields typed, as an event of any kind and as an event
        // of each kind: it decodes and encodes back in each, and one at least knows its type
        let kinds = [
            ("any", whole::<AnyEventContent>(event)),
            ("timeline", whole::<AnyTimelineEventContent>(event)),
            ("state", whole::<AnyStateEventContent>(event)),
            ("ephemeral", whole::<AnyEphemeralEventContent>(event)),
            ("account data", whole::<AnyAccountDataEventContent>(event)),
            ("to-device", whole::<AnyToDeviceEventContent>(event)),
            ("presence", whole::<AnyPresenceEventContent>(event)),
        ];
        let mut known_in = 0;
        for (kind, outcome) in kinds {
            match outcome {
                Ok(known) => known_in += usize::from(known && kind != "any"),
                Err(e) => failures.push(format!("{name} as an event of {kind}: {e}")),
            }
        }
        if known_in == 0 {
            failures.push(format!("{name}: no kind of event knows `{event_type}`"));
        }
    }
    println!("events: {} examples, {} decode and encode back", examples.len(), examples.len() - failures.len());
    assert!(failures.is_empty(), "{} failures:
{}", failures.len(), failures.join("
"));
}
"#;
