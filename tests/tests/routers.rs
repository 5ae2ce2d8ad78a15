//! Every spec the generator accepts gives a router that builds: the routes it registers, read by
//! axum itself, for every fixture, both corpora and paths chosen to trouble a router.

use matrix_api_generator::{stages, Settings};
use matrix_api_tests::workspace;

/// The routes the generated router of `settings`'s spec registers.
fn routes(settings: &Settings) -> Vec<(String, Vec<&'static str>)> {
    let bundle = stages::resolve_spec(settings, &mut Default::default()).unwrap();
    let spec = stages::front_end(bundle, &settings.placeholders).unwrap();
    let (api, _) = stages::ir(&spec).unwrap();
    stages::server_routes(&api)
}

/// Builds an axum router of these routes as the generated one does; a panic names the spec.
fn build(name: &str, routes: &[(String, Vec<&'static str>)]) {
    let built = std::panic::catch_unwind(|| {
        // as the generated router is built: literal segments may start with `:` or `*`
        let mut router: axum::Router = axum::Router::new().without_v07_checks();
        for (path, methods) in routes {
            let mut chain = axum::routing::MethodRouter::new();
            for m in methods {
                let filter =
                    axum::routing::MethodFilter::try_from(http::Method::from_bytes(m.as_bytes()).unwrap()).unwrap();
                chain = chain.on(filter, || async {});
            }
            router = router.route(path, chain.fallback(|| async {}));
        }
        router.fallback(|| async {})
    });
    assert!(built.is_ok(), "the router of {name} does not build");
}

#[test]
fn every_fixture_gives_a_router_that_builds() {
    let mut n = 0;
    for dir in std::fs::read_dir(workspace().join("tests/fixtures/snapshots")).unwrap() {
        let dir = dir.unwrap().path();
        build(&dir.display().to_string(), &routes(&Settings::new(&dir)));
        n += 1;
    }
    assert!(n >= 19, "{n} fixtures");
}

#[test]
fn base_paths_without_a_leading_slash_or_with_a_trailing_one_give_a_router_that_builds() {
    for base in [
        "_matrix/client/r0",
        "/_matrix/client/r0/",
        "/",
        "relative",
        "https://example.org",
        "https://example.org/x/",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let spec = format!(
            "openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\nservers: [{{url: '{base}'}}]\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        '200': {{description: ok}}\n  /:\n    get:\n      operationId: root\n      responses:\n        '200': {{description: ok}}\n"
        );
        std::fs::write(dir.path().join("api.yaml"), &spec).unwrap();
        let settings = Settings::new(dir.path());
        build(base, &routes(&settings));
        let swagger = format!(
            "swagger: '2.0'\ninfo: {{title: t, version: '1'}}\nbasePath: '{base}'\npaths:\n  /a:\n    get:\n      operationId: a\n      responses:\n        200: {{description: ok}}\n"
        );
        std::fs::write(dir.path().join("api.yaml"), &swagger).unwrap();
        build(base, &routes(&settings));
    }
}

#[test]
fn paths_that_trouble_a_router_are_refused_or_give_one_that_builds() {
    for (i, path) in [
        "/a/:b",
        "/c/*d",
        "/e/{{x}}",
        "/f/{g}/{h}x",
        "/i//j",
        "/k/{l}/{l}",
        "/m/ /n",
        "/o/%7Bp%7D",
        "/q/}",
        "/r/{",
        "/",
        "/s/",
    ]
    .iter()
    .enumerate()
    {
        let dir = tempfile::tempdir().unwrap();
        let spec = format!(
            "openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\npaths:\n  '{path}':\n    get:\n      operationId: op{i}\n      responses:\n        '200': {{description: ok}}\n"
        );
        std::fs::write(dir.path().join("api.yaml"), spec).unwrap();
        let settings = Settings::new(dir.path());
        match matrix_api_generator::generate(&settings) {
            Err(e) => println!("{path}: refused: {e}"),
            Ok(_) => {
                println!("{path}: accepted");
                build(path, &routes(&settings));
            }
        }
    }
}
