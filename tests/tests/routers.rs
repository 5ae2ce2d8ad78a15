//! Every spec the generator accepts gives a router that builds: paths chosen to trouble a
//! router are each refused with a located error or accepted, as written down below, and the
//! accepted ones, with base paths in every form Swagger 2.0 and OpenAPI write them, make one crate
//! whose own emitted router is built and sent a request for every route (`tests/router.rs`,
//! written by [`matrix_api_tests::write_router_test`]; the fixtures' routers are tested the same
//! way by `tests/snapshots.rs`).

use matrix_api_generator::{generate, write, Settings};

/// A path that troubles a router, and what the generator must do with it: `Ok(())` to accept
/// it, `Err(text)` to refuse it with an error saying `text`.
const PATHS: &[(&str, Result<(), &str>)] = &[
    ("/a/:b", Ok(())),
    ("/c/*d", Ok(())),
    ("/i//j", Ok(())),
    ("/m/ /n", Ok(())),
    ("/o/%7Bp%7D", Ok(())),
    ("/", Ok(())),
    ("/s/", Ok(())),
    ("/e/{{x}}", Err("must be plain text or one whole `{parameter}`")),
    ("/f/{g}/{h}x", Err("must be plain text or one whole `{parameter}`")),
    ("/q/}", Err("must be plain text or one whole `{parameter}`")),
    ("/r/{", Err("must be plain text or one whole `{parameter}`")),
    ("/k/{l}/{l}", Err("`{l}` twice")),
];

/// Base paths as specs write them: without a leading `/`, with a trailing one, a whole URL.
const BASES: &[&str] = &[
    "_matrix/client/r0",
    "/_matrix/client/r0/",
    "/",
    "relative",
    "https://example.org",
    "https://example.org/x/",
];

/// An OpenAPI 3.1 document of one operation at `path`, its path parameters declared.
fn document(path: &str, id: &str, server: Option<&str>) -> String {
    let params: String = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .filter(|name| !name.contains(['{', '}']))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|name| format!("        - {{in: path, name: '{name}', required: true, schema: {{type: string}}}}\n"))
        .collect();
    let params = if params.is_empty() {
        String::new()
    } else {
        format!("      parameters:\n{params}")
    };
    let servers = server
        .map(|s| format!("servers: [{{url: '{s}'}}]\n"))
        .unwrap_or_default();
    format!(
        "openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\n{servers}paths:\n  '{path}':\n    get:\n      operationId: {id}\n{params}      responses:\n        '200': {{description: ok}}\n"
    )
}

#[test]
fn paths_that_trouble_a_router_are_refused_or_give_a_router_that_serves_them() {
    let spec = tempfile::tempdir().unwrap();
    for (i, (path, expected)) in PATHS.iter().enumerate() {
        let alone = tempfile::tempdir().unwrap();
        std::fs::write(alone.path().join("api.yaml"), document(path, &format!("op{i}"), None)).unwrap();
        match (generate(&Settings::new(alone.path())), expected) {
            (Ok(_), Ok(())) => {
                std::fs::write(
                    spec.path().join(format!("path{i}.yaml")),
                    document(path, &format!("op{i}"), None),
                )
                .unwrap();
            }
            (Err(e), Err(text)) => {
                assert!(e.message().contains(text), "{path}: refused, but not for `{text}`: {e}");
                assert!(e.location().line.is_some(), "{path}: the error has no line: {e}");
            }
            (Ok(_), Err(text)) => panic!("{path}: accepted, where it should be refused for `{text}`"),
            (Err(e), Ok(())) => panic!("{path}: refused, where it should be accepted: {e}"),
        }
    }
    for (i, base) in BASES.iter().enumerate() {
        let openapi = document("/a", &format!("a{i}"), Some(base)).replace(
            "paths:\n",
            &format!("paths:\n  /:\n    get:\n      operationId: root{i}\n      responses:\n        '200': {{description: ok}}\n"),
        );
        std::fs::write(spec.path().join(format!("base{i}.yaml")), openapi).unwrap();
        let swagger = format!(
            "swagger: '2.0'\ninfo: {{title: t, version: '1'}}\nbasePath: '{base}'\npaths:\n  /b:\n    get:\n      operationId: b{i}\n      responses:\n        200: {{description: ok}}\n"
        );
        std::fs::write(spec.path().join(format!("swagger{i}.yaml")), swagger).unwrap();
    }
    let mut settings = Settings::new(spec.path());
    settings.crate_name = "routers-test".to_owned();
    let generated = generate(&settings).unwrap();
    let accepted = PATHS.iter().filter(|(_, e)| e.is_ok()).count();
    assert_eq!(generated.operations, accepted + 3 * BASES.len());
    let out = tempfile::tempdir().unwrap();
    write::write(out.path(), &generated.files).unwrap();
    matrix_api_tests::write_router_test(out.path(), &generated.files);
    matrix_api_tests::cargo_in(
        out.path(),
        &["test", "--offline", "--quiet", "--all-features", "--test", "router"],
        None,
    );
}
