//! The Client-Server crate generated over every release, 1.0 (r0.6.1) to 1.18, as its user
//! meets it: run as a test of that crate, which `tests/tests/series_peers.rs` generates and
//! writes. Its client against Synapse (through `tests/peers/run.sh`: the newest version Synapse
//! speaks, media through the authenticated v1 path and the deprecated one), and against a server
//! of the same crate advertising 1.0 only (r0 paths, the token in the query string, and what 1.0
//! lacks refused before anything is sent).
#![cfg(all(feature = "client", feature = "server"))]

use matrix_client_server_api as cs;
use std::sync::{Arc, Mutex};

fn synapse() -> Option<(String, String)> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (var("SYNAPSE_URL"), var("SYNAPSE_CAROL_TOKEN")) {
        (Some(url), Some(token)) => Some((url, token)),
        _ if std::env::var_os("CI").is_some() => {
            panic!("SYNAPSE_URL is not set, and CI is set: run the tests through tests/peers/run.sh")
        }
        _ => {
            eprintln!("skipped: SYNAPSE_URL is not set (run the tests through tests/peers/run.sh)");
            None
        }
    }
}

/// The base path the client takes for `meta` on a server speaking `versions`.
fn base(meta: &cs::Metadata, versions: &[String]) -> &'static str {
    meta.base_path_for_server(versions).unwrap()
}

/// The server name and media id of an `mxc://` URI.
fn split(mxc: &cs::MxcUri) -> (cs::ServerName, String) {
    let rest = mxc.as_str().strip_prefix("mxc://").unwrap();
    let (server, media) = rest.split_once('/').unwrap();
    (cs::ServerName::parse(server).unwrap(), media.to_owned())
}

/// One test, the two servers: Synapse, and a server of this crate that speaks 1.0 only.
#[tokio::test]
async fn the_client_speaks_each_server_s_version() {
    against_a_server_of_1_0_only().await;
    if let Some((url, token)) = synapse() {
        against_synapse(&url, &token).await;
    }
}

async fn against_synapse(url: &str, token: &str) {
    let client = cs::Client::new(url).unwrap().with_access_token(token).negotiate().await.unwrap();
    let versions = client.server_versions().unwrap().to_vec();
    assert!(versions.iter().any(|v| v == "v1.11"), "Synapse speaks {versions:?}");
    // v3, the token in the header (1.11's schemes take both)
    let m = cs::operations::get_account_3pids::METADATA;
    assert_eq!(base(&m, &versions), "/_matrix/client/v3");
    let entry = m.path_for_server(&versions).unwrap().unwrap();
    assert!(entry.token.header, "{entry:?}");
    let threepids = client.get_account_3pids().await.unwrap();
    let addresses: Vec<&str> = threepids.threepids().iter().map(|t| t.address.as_str()).collect();
    assert!(addresses.contains(&"carol@example.org"), "{addresses:?}");

    // media: uploaded, then read through the authenticated path of 1.11 and the one it deprecated
    let bytes = b"the same bytes either way".to_vec();
    let mut upload = cs::operations::upload_content::Request::new(bytes.clone());
    upload.content_type = Some("text/plain".to_owned());
    let mxc = client.upload_content(upload).await.unwrap().content_uri;
    let (server, media) = split(&mxc);
    assert_eq!(base(&cs::operations::get_content_authed::METADATA, &versions), "/_matrix/client/v1");
    let authed = client
        .get_content_authed(cs::operations::get_content_authed::Request::new(server.clone(), media.clone()))
        .await
        .unwrap();
    assert_eq!(authed.body, bytes);
    let old = cs::operations::get_content::METADATA;
    assert!(old.deprecated && old.deprecated_in == Some("1.11"));
    assert_eq!(base(&old, &versions), "/_matrix");
    let unauthenticated = client.get_content(cs::operations::get_content::Request::new(server, media)).await.unwrap();
    assert_eq!(unauthenticated.body, bytes);
    println!("Synapse ({}): 3PIDs through v3, media through v1 and the deprecated media/v3", versions.join(" "));
}

/// A server of the crate that records each request's path and where its token came.
#[derive(Default)]
struct Server {
    seen: Mutex<Vec<(String, &'static str)>>,
}

impl cs::server::Api for Server {
    type Identity = ();
    async fn authenticate(&self, token: cs::AccessToken, context: &cs::RequestContext) -> Result<(), cs::MatrixError> {
        assert_eq!(token.as_str(), "secret");
        let in_query = context.uri.query().is_some_and(|q| q.contains("access_token=secret"));
        let place = if in_query { "query" } else { "header" };
        self.seen.lock().unwrap().push((context.uri.path().to_owned(), place));
        Ok(())
    }

    async fn get_account_3pids(
        &self,
        _: (),
        _: cs::RequestContext,
        _: cs::operations::get_account_3pids::Request,
    ) -> Result<cs::operations::get_account_3pids::Response, cs::MatrixError> {
        Ok(cs::operations::get_account_3pids::Response::default())
    }

    #[allow(deprecated)]
    async fn get_content(
        &self,
        context: cs::RequestContext,
        request: cs::operations::get_content::Request,
    ) -> Result<cs::operations::get_content::Response, cs::MatrixError> {
        self.seen.lock().unwrap().push((context.uri.path().to_owned(), "none"));
        Ok(cs::operations::get_content::Response::new(format!("{} {}", request.server_name, request.media_id).into_bytes()))
    }
}

async fn against_a_server_of_1_0_only() {
    let server = Arc::new(Server::default());
    let config = cs::ServerConfig::default().with_matrix_versions(["r0.6.1"]);
    let app = cs::server::router_with_config(server.clone(), config.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { cs::serve(listener, app, &config, std::future::pending()).await });
    let url = format!("http://{addr}");

    let client = cs::Client::new(&url).unwrap().with_access_token("secret").negotiate().await.unwrap();
    assert_eq!(client.server_versions(), Some(&["r0.6.1".to_owned()][..]));
    client.get_account_3pids().await.unwrap();
    // r0, and the token in the query string: 1.0's schemes have no other
    assert_eq!(
        server.seen.lock().unwrap().last().cloned(),
        Some(("/_matrix/client/r0/account/3pid".to_owned(), "query"))
    );
    let sent = server.seen.lock().unwrap().len();
    // authenticated media came in 1.11: refused, typed, before anything is sent
    let request = cs::operations::get_content_authed::Request::new(cs::ServerName::parse("example.org").unwrap(), "m".to_owned());
    match client.get_content_authed(request).await {
        Err(cs::ClientError::Unsupported(u)) => {
            assert_eq!(u.operation, "getContentAuthed");
            assert_eq!(u.server_versions, ["r0.6.1"]);
            assert_eq!(u.operation_versions, "1.11 on");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.seen.lock().unwrap().len(), sent, "nothing was sent");
    // 1.0's media path has `r0` where this crate's has `v3` (1.7 moved it out of the base path):
    // sent, and served, as 1.0 wrote it
    let request = cs::operations::get_content::Request::new(cs::ServerName::parse("example.org").unwrap(), "m".to_owned());
    #[allow(deprecated)]
    let media = client.get_content(request).await.unwrap();
    assert_eq!(media.body, b"example.org m");
    assert_eq!(
        server.seen.lock().unwrap().last().cloned(),
        Some(("/_matrix/media/r0/download/example.org/m".to_owned(), "none"))
    );
    // the server serves 1.0's paths, and not what 1.0 did not have
    let status = |path: &str| {
        let url = format!("{url}{path}?access_token=secret");
        async move { reqwest::get(url).await.unwrap().status().as_u16() }
    };
    assert_eq!(status("/_matrix/client/r0/account/3pid").await, 200);
    // and takes the token where 1.0's schemes do: not in the header
    let header = reqwest::Client::new()
        .get(format!("{url}/_matrix/client/r0/account/3pid"))
        .bearer_auth("secret")
        .send()
        .await
        .unwrap();
    assert_eq!(header.status().as_u16(), 401);
    assert_eq!(status("/_matrix/client/v1/media/config").await, 404);
    println!("a server of 1.0: 3PIDs through r0 with the token in the query string, media through media/r0; 1.11's media refused before sending");
}
