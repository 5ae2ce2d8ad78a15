//! Each operation's version history, derived from the releases (`generator/src/history.rs`):
//! every rule on a made-up series (`tests/fixtures/history`), and the real releases 1.0 (r0.6.1)
//! to 1.18 from ../shared; and the reuse of a document's reading across releases, held to the
//! reading of every release whole.

use matrix_api_generator::config::Config;
use matrix_api_generator::config::MatrixVersion;
use matrix_api_generator::history::{
    changes, derive, derive_all, derive_reading_everything, derive_without_reuse, Change, History,
};
use matrix_api_tests::{fixture, real_series, shared};

#[test]
fn each_rule_on_a_made_up_series() {
    let histories = derive_all(&fixture("history/matrix-api.toml"), None).unwrap();
    let lines: Vec<String> = histories[0].operations.iter().map(|o| o.to_json_line()).collect();
    let expected = [
        // the same id: the base path's version changes in 1.1, the path in 1.4
        r#"{"api": "demo", "operation": "getThing", "method": "GET", "stable": {"1.0": "/_matrix/client/r0/thing/{thingId}", "1.1": "/_matrix/client/v3/thing/{thingId}", "1.4": "/_matrix/client/v3/things/{id}"}, "added": "1.0", "deprecated": null, "removed": null}"#,
        // another id, the same method and path: renamed; its token in the query string until
        // 1.4 allows the header too
        r#"{"api": "demo", "operation": "newName", "method": "GET", "stable": {"1.0": "/_matrix/client/r0/other", "1.1": "/_matrix/client/v3/other"}, "added": "1.0", "deprecated": null, "removed": null, "token": {"1.0": "query", "1.4": "header or query"}, "renamed_from": ["oldName"]}"#,
        // deprecated in 1.1, absent from 1.3: removed by the next release of the series
        r#"{"api": "demo", "operation": "gone", "method": "GET", "stable": {"1.0": "/_matrix/client/r0/gone", "1.1": "/_matrix/client/v3/gone"}, "added": "1.0", "deprecated": "1.1", "removed": "1.3"}"#,
        // another id and a parameter renamed: the same path without parameter names
        r#"{"api": "demo", "operation": "roomXRenamed", "method": "GET", "stable": {"1.0": "/_matrix/client/r0/rooms/{roomId}/x", "1.1": "/_matrix/client/v3/rooms/{room_id}/x"}, "added": "1.0", "deprecated": null, "removed": null, "renamed_from": ["roomX"]}"#,
        // first in 1.1, absent from 1.3
        r#"{"api": "demo", "operation": "alsoGone", "method": "GET", "stable": {"1.1": "/_matrix/client/v3/also-gone"}, "added": "1.1", "deprecated": null, "removed": "1.3"}"#,
        // first in 1.3; the text says 1.2, a release the series skips: the text is believed
        r#"{"api": "demo", "operation": "late", "method": "GET", "stable": {"1.3": "/_matrix/client/v3/late"}, "added": "1.2", "deprecated": null, "removed": null}"#,
        // the text says 1.0, which the series has without it: the releases are believed
        r#"{"api": "demo", "operation": "claimed", "method": "GET", "stable": {"1.3": "/_matrix/client/v3/claimed"}, "added": "1.3", "deprecated": null, "removed": null}"#,
        // a document of its own, under a base path without a version
        r#"{"api": "demo", "operation": "getVersions", "method": "GET", "stable": {"1.4": "/_matrix/client/versions"}, "added": "1.4", "deprecated": null, "removed": null}"#,
    ];
    assert_eq!(lines, expected);
    for line in &lines {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
}

fn v(text: &str) -> MatrixVersion {
    MatrixVersion::parse(text).unwrap()
}

/// `changes` as (operation, what) in words.
fn changed(history: &History, from: &str, to: &str) -> Vec<(String, String)> {
    changes(history, v(from), v(to))
        .into_iter()
        .map(|(op, c)| {
            let what = match c {
                Change::Added => "added".to_owned(),
                Change::Deprecated => "deprecated".to_owned(),
                Change::Removed => "removed".to_owned(),
                Change::Moved(a, b) => format!("moved {a} -> {b}"),
                Change::Token(a, b) => format!("token {a} -> {b}"),
            };
            (op.operation.clone(), what)
        })
        .collect()
}

#[test]
fn what_changed_between_two_versions() {
    let history = &derive_all(&fixture("history/matrix-api.toml"), None).unwrap()[0];
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    };
    assert_eq!(
        changed(history, "1.0", "1.1"),
        pairs(&[
            (
                "getThing",
                "moved /_matrix/client/r0/thing/{thingId} -> /_matrix/client/v3/thing/{thingId}"
            ),
            ("newName", "moved /_matrix/client/r0/other -> /_matrix/client/v3/other"),
            ("gone", "deprecated"),
            ("gone", "moved /_matrix/client/r0/gone -> /_matrix/client/v3/gone"),
            (
                "roomXRenamed",
                "moved /_matrix/client/r0/rooms/{roomId}/x -> /_matrix/client/v3/rooms/{room_id}/x"
            ),
            ("alsoGone", "added"),
        ])
    );
    assert_eq!(
        changed(history, "1.1", "1.3"),
        pairs(&[
            ("gone", "removed"),
            ("alsoGone", "removed"),
            ("late", "added"),
            ("claimed", "added")
        ])
    );
    assert_eq!(
        changed(history, "1.3", "1.4"),
        pairs(&[
            (
                "getThing",
                "moved /_matrix/client/v3/thing/{thingId} -> /_matrix/client/v3/things/{id}"
            ),
            ("newName", "token query -> header or query"),
            ("getVersions", "added"),
        ])
    );
    // nothing happens within one version
    assert!(changed(history, "1.1", "1.1").is_empty());
}

#[test]
fn a_release_without_the_api_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.toml");
    let text = format!(
        "[[release]]\nversion = \"1.0\"\nroot = \"{}\"\n[[release]]\nversion = \"1.1\"\nroot = \"nowhere\"\n[[api]]\nname = \"demo\"\ndir = \"api/demo\"\n",
        fixture("history/r1.0").display()
    );
    std::fs::write(&file, text).unwrap();
    let e = derive_all(&file, None).unwrap_err().to_string();
    assert!(e.contains("release 1.1: the API `demo` has no folder"), "{e}");
    let e = derive_all(&fixture("history/matrix-api.toml"), Some("nope"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no API `nope` (it lists demo)"), "{e}");
}

/// The Client-Server API from 1.0 (r0.6.1) to 1.18, as `matrix-api.toml` lists them, laid wherever
/// ../shared is.
#[test]
fn the_real_releases() {
    let Some(shared) = shared() else { return };
    let text = real_series(
        &shared,
        "[[api]]\nname = \"client-server\"\ndir = \"api/client-server\"\n",
    );
    let config = Config::parse(&text, std::path::Path::new("series.toml")).unwrap();
    let history = derive(&config, &config.apis[0]).unwrap();
    let line = |id: &str| {
        let op = history.operations.iter().find(|o| o.operation == id);
        op.unwrap_or_else(|| panic!("no {id}")).to_json_line()
    };
    // the issue's own example, and where its token may be sent: the documents of 1.0 to 1.10
    // define only the `access_token` query parameter, 1.11's the `Authorization` header too
    assert_eq!(
        line("getAccount3PIDs"),
        r#"{"api": "client-server", "operation": "getAccount3PIDs", "method": "GET", "stable": {"1.0": "/_matrix/client/r0/account/3pid", "1.1": "/_matrix/client/v3/account/3pid"}, "added": "1.0", "deprecated": null, "removed": null, "token": {"1.0": "query", "1.11": "header or query"}}"#
    );
    // media: the unauthenticated download deprecated in 1.11, the authenticated one added then
    assert!(line("getContent").contains(
        r#""1.1": "/_matrix/media/v3/download/{serverName}/{mediaId}"}, "added": "1.0", "deprecated": "1.11""#
    ));
    assert!(line("getContentAuthed").contains(
        r#"{"1.11": "/_matrix/client/v1/media/download/{serverName}/{mediaId}"}, "added": "1.11", "deprecated": null"#
    ));
    // an id the spec renamed (r0.6.1's `reportContent`) is one operation
    assert!(line("reportEvent").contains(r#""renamed_from": ["reportContent"]"#));
    // what every history holds: versions in order, the path first at `added` or later, removal
    // after the last path
    for op in &history.operations {
        let versions: Vec<_> = op.stable.iter().map(|(v, _)| *v).collect();
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "{}", op.to_json_line());
        assert!(
            versions.first().is_some_and(|v| *v >= op.added),
            "{}",
            op.to_json_line()
        );
        if let (Some(removed), Some(last)) = (op.removed, versions.last()) {
            assert!(removed > *last, "{}", op.to_json_line());
        }
    }
    // what 1.11 changed of media, and 1.16 of profiles
    let media = changed(&history, "1.10", "1.11");
    assert!(
        media.contains(&("getContentAuthed".to_owned(), "added".to_owned())),
        "{media:?}"
    );
    assert!(
        media.contains(&("getContent".to_owned(), "deprecated".to_owned())),
        "{media:?}"
    );
    assert!(
        media.contains(&("sync".to_owned(), "token query -> header or query".to_owned())),
        "{media:?}"
    );
    let profiles = changed(&history, "1.15", "1.16");
    assert!(
        profiles.contains(&("getDisplayName".to_owned(), "removed".to_owned())),
        "{profiles:?}"
    );
    assert!(
        profiles.contains(&("getProfileField".to_owned(), "added".to_owned())),
        "{profiles:?}"
    );
    let ids: std::collections::BTreeSet<&str> = history.operations.iter().map(|o| o.operation.as_str()).collect();
    assert_eq!(ids.len(), history.operations.len(), "an operation listed twice");
    assert!(history.operations.len() > 160, "{}", history.operations.len());
}

/// The warnings of a history as text, each once, sorted.
fn warning_texts(history: &History) -> std::collections::BTreeSet<String> {
    history.warnings.iter().map(|(v, w)| format!("{v}: {w}")).collect()
}

/// Every API from 1.0 to 1.18: a document whose reading is reused gives what reading every
/// release whole gives, operation for operation and warning for warning; and reading only the
/// operations (not their schemas) gives what reading everything gives.
#[test]
fn reuse_gives_what_reading_every_release_gives_on_the_real_releases() {
    let Some(shared) = shared() else { return };
    let mut apis = String::new();
    for name in [
        "client-server",
        "server-server",
        "application-service",
        "identity",
        "push-gateway",
    ] {
        apis.push_str(&format!("[[api]]\nname = \"{name}\"\ndir = \"api/{name}\"\n"));
    }
    let config = Config::parse(&real_series(&shared, &apis), std::path::Path::new("series.toml")).unwrap();
    for api in &config.apis {
        let reused = derive(&config, api).unwrap();
        let whole = derive_without_reuse(&config, api).unwrap();
        assert_eq!(reused.operations, whole.operations, "{}", api.name);
        assert_eq!(warning_texts(&reused), warning_texts(&whole), "{}", api.name);
        assert!(!reused.operations.is_empty());
        // reading every schema too (as generating a crate does) gives the same operations, and
        // its warnings include those of reading the operations only
        let everything = derive_reading_everything(&config, api).unwrap();
        assert_eq!(reused.operations, everything.operations, "{}", api.name);
        let all = warning_texts(&everything);
        assert!(warning_texts(&reused).iter().all(|w| all.contains(w)), "{}", api.name);
    }
}

/// A made-up series whose one document never changes while what it references does: a path
/// item in a file of its own, which gains `deprecated` and another security scheme, then goes
/// back to what it was; then names another file through a symbolic link. Each release's history
/// is what reading it whole gives.
#[test]
fn a_document_is_read_again_where_what_it_references_changed() {
    let dir = tempfile::tempdir().unwrap();
    let doc = "openapi: 3.1.0\ninfo: {title: Demo, version: '1'}\nservers: [{url: /_matrix/client/v3}]\npaths:\n  /thing:\n    $ref: 'paths/item.yaml'\ncomponents:\n  securitySchemes:\n    header: {type: http, scheme: bearer}\n    query: {type: apiKey, in: query, name: access_token}\n";
    let item = |extra: &str, scheme: &str| {
        format!("get:\n  operationId: getThing\n  security: [{{{scheme}: []}}]\n{extra}  responses:\n    '200': {{description: OK}}\n")
    };
    let releases = [
        ("1.1", item("", "query")),
        ("1.2", item("  deprecated: true\n", "header")),
        ("1.3", item("", "query")),
        ("1.4", String::new()),
    ];
    let mut config = String::new();
    for (version, item_text) in &releases {
        let api = dir.path().join(version).join("api/demo");
        std::fs::create_dir_all(api.join("paths")).unwrap();
        std::fs::write(api.join("demo.yaml"), doc).unwrap();
        if item_text.is_empty() {
            // the same bytes as 1.2's, through a link to a file outside the API's folder
            let other = dir.path().join(version).join("other");
            std::fs::create_dir_all(&other).unwrap();
            std::fs::write(other.join("item.yaml"), item("  deprecated: true\n", "header")).unwrap();
            std::os::unix::fs::symlink("../../../other/item.yaml", api.join("paths/item.yaml")).unwrap();
        } else {
            std::fs::write(api.join("paths/item.yaml"), item_text).unwrap();
        }
        config.push_str(&format!(
            "[[release]]\nversion = \"{version}\"\nroot = \"{}\"\n",
            dir.path().join(version).display()
        ));
    }
    config.push_str("[[api]]\nname = \"demo\"\ndir = \"api/demo\"\n");
    let config = Config::parse(&config, std::path::Path::new("series.toml")).unwrap();
    let reused = derive(&config, &config.apis[0]).unwrap();
    let whole = derive_without_reuse(&config, &config.apis[0]).unwrap();
    assert_eq!(reused.operations, whole.operations);
    let lines: Vec<String> = reused.operations.iter().map(|o| o.to_json_line()).collect();
    assert_eq!(
        lines,
        [
            r#"{"api": "demo", "operation": "getThing", "method": "GET", "stable": {"1.1": "/_matrix/client/v3/thing"}, "added": "1.1", "deprecated": "1.2", "removed": null, "token": {"1.1": "query", "1.2": "header", "1.3": "query", "1.4": "header"}}"#
        ]
    );
}
