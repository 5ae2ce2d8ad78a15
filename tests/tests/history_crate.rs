//! A crate generated over a series of releases (`cargo xtask gen --config`, here the made-up
//! series of `tests/fixtures/history`): each operation's `Metadata` has its history, the server
//! serves each operation under its path in every version it advertises and answers `/versions`
//! with them, and the client calls the path of the newest version the server speaks, or fails
//! typed before anything is sent. The crate is built with a test of its own (`tests/versions.rs`, written here) that runs
//! its client against its server.

use matrix_api_generator::config::Config;
use matrix_api_generator::{generate_series, write};
use matrix_api_tests::{cargo_in, fixture, workspace};

const VERSIONS_TEST: &str = r#"//! Written by the tests of `tests/`: the client negotiates the version with the server.
#![cfg(all(feature = "client", feature = "server"))]
use history_demo as api;
use std::sync::{Arc, Mutex};

/// Records the path each request arrived at, and where each access token was sent.
#[derive(Default)]
struct Server {
    paths: Mutex<Vec<String>>,
    tokens: Mutex<Vec<&'static str>>,
}

impl Server {
    fn saw(&self, context: &api::RequestContext) {
        self.paths.lock().unwrap().push(context.uri.path().to_owned());
    }
}

fn last_token(server: &Server) -> &'static str {
    server.tokens.lock().unwrap().last().copied().unwrap_or_default()
}

impl api::server::Api for Server {
    type Identity = ();
    async fn authenticate(&self, token: api::AccessToken, context: &api::RequestContext) -> Result<(), api::MatrixError> {
        assert_eq!(token.as_str(), "secret");
        let in_query = context.uri.query().is_some_and(|q| q.contains("access_token=secret"));
        let in_header = context.headers.contains_key("authorization");
        self.tokens.lock().unwrap().push(match (in_header, in_query) {
            (true, false) => "header",
            (false, true) => "query",
            _ => "both or neither",
        });
        Ok(())
    }
    async fn new_name(&self, _: (), context: api::RequestContext, _: api::operations::new_name::Request) -> Result<api::operations::new_name::Response, api::MatrixError> {
        self.saw(&context);
        Ok(api::operations::new_name::Response::default())
    }
    async fn get_thing(&self, context: api::RequestContext, _: api::operations::get_thing::Request) -> Result<api::operations::get_thing::Response, api::MatrixError> {
        self.saw(&context);
        Ok(api::operations::get_thing::Response::new(api::types::Thing::default()))
    }
    #[allow(deprecated)]
    async fn gone(&self, context: api::RequestContext, _: api::operations::gone::Request) -> Result<api::operations::gone::Response, api::MatrixError> {
        self.saw(&context);
        // the type 1.1 defined it with; its `Thing` is the newest release's own
        let thing: Option<api::types::Thing> = Some(api::types::Thing { name: Some("kept".to_owned()) });
        // and the `Note` 1.1 had, another than the newest's, is one type for both operations that reach it
        let note: Option<api::types::Note2> = Some(api::operations::also_gone::Response::new(api::types::Note2::default()).body);
        Ok(api::operations::gone::Response::new(api::types::Gone { why: Some("removed in 1.3".to_owned()), thing, note }))
    }
    async fn late(&self, context: api::RequestContext, _: api::operations::late::Request) -> Result<api::operations::late::Response, api::MatrixError> {
        self.saw(&context);
        Ok(api::operations::late::Response::new(api::types::Note::default()))
    }
}

/// A server of `Server` advertising `versions`: it serves each operation under its path in each
/// of them, and answers `/versions` with them.
async fn start(versions: &'static [&'static str]) -> (String, Arc<Server>) {
    let server = Arc::new(Server::default());
    let config = api::ServerConfig::default().with_matrix_versions(versions.iter().copied());
    let app = api::server::router_with_config(server.clone(), config.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { api::serve(listener, app, &config, std::future::pending()).await });
    (format!("http://{addr}"), server)
}

fn last(server: &Server) -> String {
    server.paths.lock().unwrap().last().cloned().unwrap_or_default()
}

#[test]
fn each_operation_knows_its_history() {
    let m = api::operations::get_thing::METADATA;
    let versions: Vec<(&str, &str, bool)> = m.history.iter().map(|p| (p.version, p.base_path, p.fits)).collect();
    // 1.0 and 1.1 had `/thing/{thingId}`, which this crate's `/things/{id}` cannot be sent as
    assert_eq!(versions, [("1.0", "/_matrix/client/r0", false), ("1.1", "/_matrix/client/v3", false), ("1.4", "/_matrix/client/v3", true)]);
    assert_eq!(api::operations::late::METADATA.added_in, Some("1.2"));
    assert_eq!(api::operations::new_name::METADATA.removed_in, None);
    // removed by 1.3, kept as 1.1 defined it
    let gone = api::operations::gone::METADATA;
    assert_eq!((gone.deprecated_in, gone.removed_in), (Some("1.1"), Some("1.3")));
    // the token in the query string until 1.4's schemes allow the header too
    let tokens: Vec<(&str, bool, bool)> = api::operations::new_name::METADATA.history.iter().map(|p| (p.version, p.token.header, p.token.query)).collect();
    assert_eq!(tokens, [("1.0", false, true), ("1.1", false, true), ("1.4", true, true)]);
}

#[tokio::test]
async fn the_client_calls_the_path_of_the_server_s_version() {
    // a server of 1.0 only
    let (url, server) = start(&["r0.6.1"]).await;
    // no negotiation: the newest path, as before
    // (a server of 1.0 takes the token only in the query string, as 1.0's schemes say)
    let plain = api::Client::new(url.clone()).unwrap().with_access_token("secret");
    match plain.new_name().await {
        Err(api::ClientError::Matrix { status, error }) => {
            assert_eq!((status.as_u16(), error.errcode.as_str()), (401, "M_MISSING_TOKEN"));
            assert!(error.error.as_deref().unwrap_or_default().contains("query parameter"), "{error:?}");
        }
        other => panic!("{other:?}"),
    }
    let plain = plain.with_token_in_query(true);
    plain.new_name().await.unwrap();
    assert_eq!(last(&server), "/_matrix/client/v3/other");
    assert_eq!(last_token(&server), "query");

    let client = api::Client::new(url.clone()).unwrap().with_access_token("secret").negotiate().await.unwrap();
    assert_eq!(client.server_versions(), Some(&["r0.6.1".to_owned()][..]));
    client.new_name().await.unwrap();
    assert_eq!(last(&server), "/_matrix/client/r0/other");
    // 1.0's schemes take the token in the query string only
    assert_eq!(last_token(&server), "query");

    // added after 1.0: refused before anything is sent, naming the operation and the versions
    let sent = server.paths.lock().unwrap().len();
    match client.late().await {
        Err(api::ClientError::Unsupported(u)) => {
            assert_eq!(u.operation, "late");
            assert_eq!(u.server_versions, ["r0.6.1"]);
            assert_eq!(u.operation_versions, "1.3 on");
            assert!(u.to_string().contains("late cannot be sent to this server: it speaks r0.6.1"), "{u}");
        }
        other => panic!("{other:?}"),
    }
    // in 1.0 its path had another shape: the same
    match client.get_thing(api::operations::get_thing::Request::new("x".into())).await {
        Err(api::ClientError::Unsupported(u)) => assert_eq!(u.operation_versions, "1.4 on"),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.paths.lock().unwrap().len(), sent, "nothing was sent");

    // the server serves what 1.0 had, and not what it did not
    let raw = |path: &str| {
        let url = format!("{url}{path}?access_token=secret");
        async move { reqwest::get(url).await.unwrap().status().as_u16() }
    };
    assert_eq!(raw("/_matrix/client/r0/other").await, 200);
    assert_eq!(raw("/_matrix/client/r0/late").await, 404);

    // an operation 1.3 removed: a server of 1.0 still has it, under its r0 path
    #[allow(deprecated)]
    let kept = client.gone().await.unwrap();
    assert_eq!(last(&server), "/_matrix/client/r0/gone");
    assert_eq!(kept.body.thing.and_then(|t| t.name).as_deref(), Some("kept"));

    // a fixed version, without asking the server
    let fixed = api::Client::new(url).unwrap().with_access_token("secret").with_server_versions(["v1.1"]);
    fixed.new_name().await.unwrap();
    assert_eq!(last(&server), "/_matrix/client/v3/other");
    assert_eq!(last_token(&server), "query");

    // a server of 1.0 and 1.4: the newest it speaks
    let (url, server) = start(&["r0.6.1", "v1.4"]).await;
    let client = api::Client::new(url.clone()).unwrap().with_access_token("secret").negotiate().await.unwrap();
    client.new_name().await.unwrap();
    assert_eq!(last_token(&server), "header");
    // 1.4's schemes take both: so does a server that speaks it
    let query = api::Client::new(url).unwrap().with_access_token("secret").with_token_in_query(true);
    query.new_name().await.unwrap();
    assert_eq!(last_token(&server), "query");
    client.get_thing(api::operations::get_thing::Request::new("x".into())).await.unwrap();
    assert_eq!(last(&server), "/_matrix/client/v3/things/x");
    client.late().await.unwrap();
    assert_eq!(last(&server), "/_matrix/client/v3/late");
    // 1.0 has the removed operation, 1.4 does not: the client takes 1.0's path
    #[allow(deprecated)]
    client.gone().await.unwrap();
    assert_eq!(last(&server), "/_matrix/client/r0/gone");

    // a server of 1.4 only: the removed operation is refused before sending, and not served
    let (url, server) = start(&["v1.4"]).await;
    let client = api::Client::new(url.clone()).unwrap().negotiate().await.unwrap();
    #[allow(deprecated)]
    let refused = client.gone().await;
    match refused {
        Err(api::ClientError::Unsupported(u)) => assert_eq!(u.operation_versions, "1.0 until 1.3"),
        other => panic!("{other:?}"),
    }
    assert!(server.paths.lock().unwrap().is_empty(), "nothing was sent");
    for path in ["/_matrix/client/v3/gone", "/_matrix/client/r0/gone"] {
        let status = reqwest::get(format!("{url}{path}")).await.unwrap().status().as_u16();
        assert_eq!(status, 404, "{path}");
    }
    // nor by a server that advertises no versions: it speaks the newest
    let server = Arc::new(Server::default());
    let app = api::server::router(server.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let status = reqwest::get(format!("http://{addr}/_matrix/client/v3/gone")).await.unwrap().status().as_u16();
    assert_eq!(status, 404);
    let status = reqwest::get(format!("http://{addr}/_matrix/client/v3/late")).await.unwrap().status().as_u16();
    assert_eq!(status, 200);
    // nor under a further version's base path a server serves (`with_version`)
    let server = Arc::new(Server::default());
    let app = api::server::router_with_config(server.clone(), api::ServerConfig::default().with_version("r0"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let status = |path: &'static str| {
        let url = format!("http://{addr}{path}");
        async move { reqwest::get(url).await.unwrap().status().as_u16() }
    };
    assert_eq!(status("/_matrix/client/r0/gone").await, 404);
    assert_eq!(status("/_matrix/client/r0/late").await, 200);
}
"#;

#[test]
fn a_crate_over_a_series_negotiates_the_version() {
    let config = Config::read(&fixture("history/matrix-api.toml")).unwrap();
    let crates = generate_series(&config).unwrap();
    assert_eq!(crates.len(), 1);
    let (name, generated) = &crates[0];
    assert_eq!(name, "history-demo");
    let dir = workspace().join("target/history-crate");
    let _ = std::fs::remove_dir_all(&dir);
    let mut files = generated.files.clone();
    files.insert("tests/versions.rs".to_owned(), VERSIONS_TEST.to_owned());
    write::write(&dir, &files).unwrap();
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), format!("{manifest}\n[workspace]\n")).unwrap();
    let out = cargo_in(&dir, &["test", "--all-features", "--test", "versions"], None);
    assert!(out.contains("test result: ok. 2 passed"), "{out}");
    // and the history's code is as clean as the rest
    cargo_in(
        &dir,
        &["clippy", "--all-features", "--all-targets", "--", "-D", "warnings"],
        None,
    );
}
