//! The server glue (feature `server`): `axum` handlers that decode the request, check the access
//! token, call the implementation and encode its answer. Every failure is a Matrix error.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::response::IntoResponse;

use super::error::{ErrorCode, MatrixError};
use super::convert::{access_token_sent, AccessToken, IncomingRequest, OutgoingResponse};
use super::metadata::{matrix_version, AuthKind, Metadata, TokenPlaces};

/// How the router and [`serve`](crate::serve) serve the API. Every limit has a default fit for a public
/// homeserver; each can be changed with its `with_` method.
///
/// Behind a reverse proxy every connection comes from the proxy's address: raise
/// `max_connections_per_peer` to `max_connections` there, and limit peers at the proxy.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The largest JSON request body accepted, in bytes; a larger one is 413 `M_TOO_LARGE`.
    pub body_limit: usize,
    /// The largest body of bytes accepted (media uploads), in bytes.
    pub upload_limit: usize,
    /// Further versions to serve each operation under, in place of the version segment of its
    /// base path: with `v3`, `/_matrix/client/r0` is also served as `/_matrix/client/v3`; a base
    /// path without a version (`/.well-known`) is served as it is.
    pub versions: Vec<String>,
    /// The Matrix versions to advertise (`r0.6.1`, `v1.11`, as `/versions` lists them), in a
    /// crate generated over a series of releases: each operation is also served under its path
    /// in each of them, and `GET /_matrix/client/versions` answers with them (`unstable_features`
    /// empty) in place of the implementation. Empty: neither.
    pub matrix_versions: Vec<String>,
    /// How long a request may take, from its headers to the answer (reading the body and the
    /// implementation's work): past it the client gets 503 `M_UNKNOWN`. `None` is no limit.
    pub request_timeout: Option<std::time::Duration>,
    /// How long the body may go without a byte arriving: past it the client gets 408 `M_UNKNOWN`.
    pub body_timeout: Option<std::time::Duration>,
    /// The slowest a request body may arrive once `body_grace` has passed, in bytes a second
    /// on average since its headers: a slower body is cut off with 408 `M_UNKNOWN`, however
    /// its bytes are spaced. 0 is no minimum.
    pub body_min_rate: u64,
    /// How long a body may take before `body_min_rate` applies.
    pub body_grace: std::time::Duration,
    /// ([`serve`](crate::serve)) How long a new connection may take to send its first byte: past it the
    /// connection is answered 408 `M_UNKNOWN` and closed.
    pub first_request_timeout: std::time::Duration,
    /// ([`serve`](crate::serve)) How long a connection may take to send a request's headers, counted from
    /// its first byte or from when the previous answer was sent: past it the connection is
    /// closed.
    pub header_timeout: std::time::Duration,
    /// ([`serve`](crate::serve)) The most connections open at once. When they are all open, the one idle the
    /// longest (no request in flight) is closed to make room for the next; when none is idle,
    /// further connections wait in the listen queue until one closes.
    pub max_connections: usize,
    /// ([`serve`](crate::serve)) The most connections open at once from one peer (an IPv4 address, an IPv6
    /// /64): a further one is answered 429 `M_LIMIT_EXCEEDED` and closed.
    pub max_connections_per_peer: usize,
    /// ([`bind`](crate::bind)) How many connections the kernel queues before they are accepted.
    pub backlog: u32,
    /// ([`serve`](crate::serve)) On shutdown, how long requests in flight may take to finish before their
    /// connections are closed.
    pub shutdown_grace: std::time::Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            body_limit: 1024 * 1024,
            // Synapse's default `max_upload_size`
            upload_limit: 50 * 1024 * 1024,
            versions: Vec::new(),
            matrix_versions: Vec::new(),
            // longer than the long polls of `/sync` and `/events` (30 s is what clients ask)
            request_timeout: Some(std::time::Duration::from_secs(120)),
            body_timeout: Some(std::time::Duration::from_secs(30)),
            // a phone on a poor link sends far faster; a byte every few seconds is an attack
            body_min_rate: 1024,
            body_grace: std::time::Duration::from_secs(10),
            first_request_timeout: std::time::Duration::from_secs(10),
            header_timeout: std::time::Duration::from_secs(30),
            max_connections: 4096,
            max_connections_per_peer: 128,
            backlog: 1024,
            shutdown_grace: std::time::Duration::from_secs(30),
        }
    }
}

impl ServerConfig {
    /// Sets the body limit.
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Sets the upload limit.
    pub fn with_upload_limit(mut self, bytes: usize) -> Self {
        self.upload_limit = bytes;
        self
    }

    /// Also serves the API under this version (`v3`).
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.versions.push(version.into());
        self
    }

    /// Sets the time a request may take (`None`: no limit).
    pub fn with_request_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the time a request body may go without a byte (`None`: no limit).
    pub fn with_body_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// Sets the slowest a body may arrive (bytes a second, 0: no minimum) and the time before
    /// that applies.
    pub fn with_body_min_rate(mut self, bytes_per_second: u64, grace: std::time::Duration) -> Self {
        self.body_min_rate = bytes_per_second;
        self.body_grace = grace;
        self
    }

    /// Sets the time a new connection may take to send its first byte.
    pub fn with_first_request_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.first_request_timeout = timeout;
        self
    }

    /// Sets the time a connection may take to send a request's headers.
    pub fn with_header_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.header_timeout = timeout;
        self
    }

    /// Sets the most connections open at once (at least one).
    pub fn with_max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// Sets the most connections open at once from one peer (at least one).
    pub fn with_max_connections_per_peer(mut self, connections: usize) -> Self {
        self.max_connections_per_peer = connections.max(1);
        self
    }

    /// Sets the length of the listen queue.
    pub fn with_backlog(mut self, backlog: u32) -> Self {
        self.backlog = backlog.max(1);
        self
    }

    /// Advertises these Matrix versions (see [`ServerConfig::matrix_versions`]).
    pub fn with_matrix_versions(mut self, versions: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.matrix_versions = versions.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the time requests in flight may take to finish on shutdown.
    pub fn with_shutdown_grace(mut self, grace: std::time::Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// The prefixes that `base_path` is served under, as router paths (braces doubled, so that
    /// they match literally).
    pub fn prefixes(&self, base_path: &str) -> Vec<String> {
        let mut out = vec![base_path.to_owned()];
        for v in &self.versions {
            let p = super::metadata::with_version(base_path, v).into_owned();
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out.iter().map(|p| p.replace('{', "{{").replace('}', "}}")).collect()
    }
}

/// Whether an operation is served under its own path: one no version removed, or one that an
/// advertised version (before its removal) still has.
fn still_served(meta: &Metadata, versions: &[String]) -> bool {
    let Some(removed) = meta.removed_in.and_then(matrix_version) else {
        return true;
    };
    versions.iter().filter_map(|v| matrix_version(v)).any(|v| v < removed)
}

/// Adds `routes` (base path, route under it, the operations served there, handler) to
/// `router`: each under its own base path first, then under the further versions `config`
/// serves and the paths its operations had in the Matrix versions it advertises, the newest base
/// path first, each path once (`/v1/invite` and `/v2/invite` both served as `/v3/invite` would
/// be one route twice, which axum refuses): the newest keeps it. A route whose operations a
/// Matrix version removed is served only where an advertised version still has one of them.
/// Not generic, so that it is compiled once.
pub fn mount(mut router: axum::Router, routes: Vec<Route>, config: &ServerConfig) -> axum::Router {
    let served: Vec<bool> = routes
        .iter()
        .map(|(_, _, operations, _)| operations.iter().any(|meta| still_served(meta, &config.matrix_versions)))
        .collect();
    let mut paths: Vec<(String, &axum::routing::MethodRouter)> = Vec::new();
    for ((base, route, _, handler), _) in routes.iter().zip(&served).filter(|(_, served)| **served) {
        paths.extend(config.prefixes(base).into_iter().take(1).map(|p| (format!("{p}{route}"), handler)));
    }
    for ((base, route, operations, handler), served) in routes.iter().zip(&served).rev() {
        // further versions of its own base path only where it is still served; the paths the
        // advertised versions had, where each of them has it
        let mut further: Vec<String> = match served {
            true => config.prefixes(base).split_off(1).into_iter().map(|p| format!("{p}{route}")).collect(),
            false => Vec::new(),
        };
        for meta in *operations {
            for version in &config.matrix_versions {
                if let Ok(Some(then)) = meta.path_for_server(std::slice::from_ref(version)) {
                    let prefix = then.base_path.replace('{', "{{").replace('}', "}}");
                    let path = format!("{prefix}{}", then.rewrite(route));
                    if !further.contains(&path) {
                        further.push(path);
                    }
                }
            }
        }
        paths.extend(further.into_iter().map(|p| (p, handler)));
    }
    let versions = (!config.matrix_versions.is_empty()).then(|| versions_answer(&config.matrix_versions));
    let mut taken = std::collections::HashSet::new();
    for (path, handler) in paths {
        if claim(&mut taken, &path) {
            match &versions {
                Some(answer) if path == "/_matrix/client/versions" => router = router.route(&path, answer.clone()),
                _ => router = router.route(&path, handler.clone()),
            }
        }
    }
    router
}

/// One entry of the router's table: the base path, the route under it, the operations served
/// there and their handler.
pub type Route = (
    &'static str,
    &'static str,
    &'static [&'static super::metadata::Metadata],
    axum::routing::MethodRouter,
);

/// `GET /_matrix/client/versions` answering `versions`.
fn versions_answer(versions: &[String]) -> axum::routing::MethodRouter {
    let body = serde_json::json!({ "versions": versions, "unstable_features": {} }).to_string();
    axum::routing::get(move || {
        let body = body.clone();
        async move { ([(http::header::CONTENT_TYPE, "application/json")], body) }
    })
    .options(preflight)
}

/// Claims a router path in `taken`: `false` when a path of the same shape (its captures'
/// names aside) is already served, which the router must not add again.
fn claim(taken: &mut std::collections::HashSet<String>, path: &str) -> bool {
    let mut shape = String::with_capacity(path.len());
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                shape.push_str("{{");
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                shape.push_str("}}");
            }
            '{' => {
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                }
                shape.push_str("{}");
            }
            c => shape.push(c),
        }
    }
    taken.insert(shape)
}

/// The layers every generated router gets, from `tower` and `tower-http`: a handler that panics
/// answers 500 `M_UNKNOWN` (and the server goes on), a request past `request_timeout` answers 503
/// `M_UNKNOWN`. (Slow bodies are cut off where they are read, by [`BodyRules`].)
pub fn with_layers(router: axum::Router, config: &ServerConfig) -> axum::Router {
    let mut router = router;
    if let Some(limit) = config.request_timeout {
        router = router.layer(
            tower::ServiceBuilder::new()
                .layer(axum::error_handling::HandleErrorLayer::new(move |e: tower::BoxError| async move {
                    let message = if e.is::<tower::timeout::error::Elapsed>() {
                        tracing::info!(timeout_ms = limit.as_millis() as u64, "request timed out");
                        format!("The request was not answered within {} ms", limit.as_millis())
                    } else {
                        tracing::warn!(error = %e, "request failed");
                        format!("The request failed: {e}")
                    };
                    error_response(&MatrixError::new(http::StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unknown, message))
                }))
                .layer(tower::timeout::TimeoutLayer::new(limit)),
        );
    }
    router.layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response))
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    tracing::error!("a handler panicked");
    error_response(&MatrixError::unknown("Internal server error"))
}

/// The response to a Matrix error.
pub fn error_response(error: &MatrixError) -> axum::response::Response {
    into_axum(error.to_http_response())
}

/// Every answer carries the CORS headers the spec asks for, so that web clients can call.
fn into_axum(response: http::Response<Vec<u8>>) -> axum::response::Response {
    let (mut parts, body) = response.into_parts();
    add_cors(&mut parts.headers);
    axum::response::Response::from_parts(parts, axum::body::Body::from(body))
}

/// The CORS headers every answer carries.
pub fn add_cors(headers: &mut http::HeaderMap) {
    use http::header::{ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN};
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, http::HeaderValue::from_static("*"));
    headers.insert(ACCESS_CONTROL_ALLOW_METHODS, http::HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"));
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        http::HeaderValue::from_static("X-Requested-With, Content-Type, Authorization"),
    );
}

/// The answer to a CORS preflight (`OPTIONS`): 200, an empty JSON object, the CORS headers.
pub async fn preflight() -> axum::response::Response {
    let mut response = http::Response::new(b"{}".to_vec());
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    into_axum(response)
}

/// 404 `M_UNRECOGNIZED`, for a path no operation has.
pub async fn not_found() -> axum::response::Response {
    error_response(&MatrixError::unrecognized())
}

/// 405 `M_UNRECOGNIZED` with the `Allow` header RFC 9110 requires.
pub fn method_not_allowed(allow: &'static str) -> axum::response::Response {
    let mut error = MatrixError::unrecognized();
    error.status = http::StatusCode::METHOD_NOT_ALLOWED;
    let mut response = error_response(&error);
    response.headers_mut().insert(http::header::ALLOW, http::HeaderValue::from_static(allow));
    response
}

/// What a handler knows of its request beyond the operation's parameters: the method, the URI,
/// the headers and the peer's address. `Debug` leaves out the access token (the `Authorization`
/// header and an `access_token` query parameter).
#[derive(Clone)]
pub struct RequestContext {
    /// The method.
    pub method: http::Method,
    /// The URI, as the client sent it.
    pub uri: http::Uri,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The peer's address, when served by [`serve`](crate::serve) (or by axum with `ConnectInfo`).
    pub peer: Option<std::net::SocketAddr>,
    /// The body as received (what a server's signature covers). Empty in
    /// `Api::authenticate`, which runs before the body is read.
    pub body: axum::body::Bytes,
}

impl RequestContext {
    /// The context of a request: its parts, taken, not copied.
    fn new(parts: http::request::Parts, body: axum::body::Bytes) -> Self {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0);
        RequestContext { method: parts.method, uri: parts.uri, headers: parts.headers, peer, body }
    }

    /// The request again (to be decoded), and the peer: moved, not copied.
    fn into_request(self) -> (http::Request<axum::body::Bytes>, Option<std::net::SocketAddr>) {
        let mut request = http::Request::new(self.body);
        *request.method_mut() = self.method;
        *request.uri_mut() = self.uri;
        *request.headers_mut() = self.headers;
        (request, self.peer)
    }

    fn from_request(request: http::Request<axum::body::Bytes>, peer: Option<std::net::SocketAddr>) -> Self {
        let (parts, body) = request.into_parts();
        RequestContext { method: parts.method, uri: parts.uri, headers: parts.headers, peer, body }
    }

    /// A query parameter of the request, decoded (an application service's `user_id`, say).
    pub fn query(&self, name: &str) -> Option<String> {
        super::convert::parse_query(&self.uri).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

impl std::fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let shown = if k == http::header::AUTHORIZATION { "<redacted>" } else { v.to_str().unwrap_or("<bytes>") };
                (k.as_str(), shown)
            })
            .collect();
        let query: Vec<(String, String)> = super::convert::parse_query(&self.uri)
            .into_iter()
            .map(|(k, v)| if k == "access_token" { (k, "<redacted>".to_owned()) } else { (k, v) })
            .collect();
        f.debug_struct("RequestContext")
            .field("method", &self.method)
            .field("path", &self.uri.path())
            .field("query", &query)
            .field("headers", &headers)
            .field("peer", &self.peer)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// The handler of one operation: the implementation, how its body is read, what the
/// operation needs of the access token, the function that authenticates a token and the one
/// that calls the implementation's method. One generic type instead of a closure per operation,
/// so that routers compile fast.
pub struct Endpoint<A, I, Auth, R, Fut> {
    api: Arc<A>,
    body: BodyRules,
    credentials: Credentials,
    authenticate: fn(Arc<A>, AccessToken, RequestContext) -> Auth,
    call: fn(Arc<A>, Option<I>, RequestContext, R) -> Fut,
}

impl<A, I, Auth, R, Fut> Clone for Endpoint<A, I, Auth, R, Fut> {
    fn clone(&self) -> Self {
        Endpoint {
            api: self.api.clone(),
            body: self.body,
            credentials: self.credentials,
            authenticate: self.authenticate,
            call: self.call,
        }
    }
}

/// The handler of one operation (see [`Endpoint`]).
pub fn endpoint<A, I, Auth, R, Fut>(
    api: &Arc<A>,
    body: BodyRules,
    credentials: Credentials,
    authenticate: fn(Arc<A>, AccessToken, RequestContext) -> Auth,
    call: fn(Arc<A>, Option<I>, RequestContext, R) -> Fut,
) -> Endpoint<A, I, Auth, R, Fut> {
    Endpoint { api: api.clone(), body, credentials, authenticate, call }
}

/// What an operation asks of a request's credentials: the authentication its metadata names,
/// and where its access token may be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The operation's authentication.
    pub auth: AuthKind,
    /// Where the token is taken from.
    pub token: TokenPlaces,
}

impl Credentials {
    /// For `meta` on a server of `config`. A server that advertises Matrix versions takes an
    /// operation's token only where one of them lets it be sent, as that version's security
    /// schemes say (1.0's Client-Server documents name only the query string); one that
    /// advertises none, or an operation without a history, takes it in the `Authorization`
    /// header or the query string, as homeservers must.
    pub fn of(meta: &Metadata, config: &ServerConfig) -> Self {
        let both = TokenPlaces { header: true, query: true };
        let mut token = TokenPlaces::default();
        for version in &config.matrix_versions {
            if let Ok(Some(entry)) = meta.path_for_server(std::slice::from_ref(version)) {
                token.header |= entry.token.header;
                token.query |= entry.token.query;
            }
        }
        // (an operation without a history has no entry: both)
        if token == TokenPlaces::default() {
            token = both;
        }
        Credentials { auth: meta.auth, token }
    }
}

/// The `authenticate` of an API none of whose operations takes an access token: never called.
pub fn unauthenticated<A>(
    _: Arc<A>,
    _: AccessToken,
    context: RequestContext,
) -> std::future::Ready<(RequestContext, Result<(), MatrixError>)> {
    std::future::ready((context, Err(MatrixError::unrecognized())))
}

/// Marks the [`axum::handler::Handler`] implementation of [`Endpoint`].
#[doc(hidden)]
pub struct EndpointHandler;

impl<A, I, Auth, R, Fut, T, S> axum::handler::Handler<EndpointHandler, S> for Endpoint<A, I, Auth, R, Fut>
where
    A: Send + Sync + 'static,
    I: Send + 'static,
    Auth: Future<Output = (RequestContext, Result<I, MatrixError>)> + Send + 'static,
    R: IncomingRequest + Send + 'static,
    Fut: Future<Output = Result<T, MatrixError>> + Send + 'static,
    T: OutgoingResponse + Send + 'static,
    S: Send + Sync + 'static,
{
    type Future = Pin<Box<dyn Future<Output = axum::response::Response> + Send>>;

    fn call(self, request: axum::extract::Request, _state: S) -> Self::Future {
        Box::pin(async move {
            let Endpoint { api, body, credentials, authenticate, call } = self;
            let for_auth = api.clone();
            handle(
                request,
                body,
                credentials,
                move |token, context| authenticate(for_auth, token, context),
                move |identity, context, decoded: R| call(api, identity, context, decoded),
            )
            .await
        })
    }
}

/// Serves one operation, doing no work a request has not earned: first what its headers settle
/// (the credentials the operation needs, present and unambiguous, and the access token
/// authenticated by `authenticate`), then the body, read as [`BodyRules`] allow, then the
/// request decoded and `call` called with the identity, the request's context and the request.
pub async fn handle<I, Auth, R, F, Fut, T>(
    request: axum::extract::Request,
    rules: BodyRules,
    credentials: Credentials,
    authenticate: impl FnOnce(AccessToken, RequestContext) -> Auth,
    call: F,
) -> axum::response::Response
where
    Auth: Future<Output = (RequestContext, Result<I, MatrixError>)>,
    R: IncomingRequest,
    F: FnOnce(Option<I>, RequestContext, R) -> Fut,
    Fut: Future<Output = Result<T, MatrixError>>,
    T: OutgoingResponse,
{
    let (parts, body) = request.into_parts();
    let token = settle(&parts, credentials);
    let mut context = RequestContext::new(parts, axum::body::Bytes::new());
    let identity = match token {
        Err(e) => return refused(&context, &e),
        Ok(None) => None,
        Ok(Some(token)) => {
            let (back, identity) = authenticate(token, context).await;
            context = back;
            match identity {
                Ok(identity) => Some(identity),
                Err(e) => return refused(&context, &e),
            }
        }
    };
    match read_body(body, &context, rules).await {
        Ok(bytes) => context.body = bytes,
        Err(e) => return refused(&context, &e),
    }
    let (request, peer) = context.into_request();
    let decoded = R::try_from_http_request(&request);
    let context = RequestContext::from_request(request, peer);
    let decoded = match decoded {
        Ok(decoded) => decoded,
        Err(e) => return refused(&context, &e),
    };
    match call(identity, context, decoded).await {
        Ok(response) => match response.try_into_http_response() {
            Ok(r) => into_axum(r),
            Err(e) => error_response(&e),
        },
        Err(e) => error_response(&e),
    }
}

/// The answer to a request refused before the implementation saw it, recorded as a `tracing`
/// event (never with the query, where a token may be).
fn refused(context: &RequestContext, error: &MatrixError) -> axum::response::Response {
    tracing::debug!(
        peer = ?context.peer,
        method = %context.method,
        path = context.uri.path(),
        status = error.status.as_u16(),
        errcode = error.errcode.as_str(),
        "request refused"
    );
    error_response(error)
}

/// What the headers settle of the credentials `auth` needs: the access token (present where it
/// is required, at most one of it), or a server's `X-Matrix` authorization (present; its
/// signature covers the body, so it is checked once that is read). Not generic, so that it is
/// compiled once.
fn settle(parts: &http::request::Parts, credentials: Credentials) -> Result<Option<AccessToken>, MatrixError> {
    let token = || -> Result<Option<AccessToken>, MatrixError> {
        match access_token_sent(&parts.headers, &parts.uri)? {
            Some((_, true)) if !credentials.token.header => Err(MatrixError::missing_token(
                "The access token must be sent as the access_token query parameter: the Matrix versions this server speaks take it there only.",
            )),
            Some((_, false)) if !credentials.token.query => Err(MatrixError::missing_token(
                "The access token must be sent in the Authorization header: the Matrix versions this server speaks take it there only.",
            )),
            sent => Ok(sent.map(|(t, _)| t)),
        }
    };
    match credentials.auth {
        AuthKind::None => Ok(None),
        AuthKind::ServerSignatures => {
            let signed = parts.headers.get_all(http::header::AUTHORIZATION).iter().any(|v| {
                let text = v.to_str().unwrap_or_default().trim_start();
                text.split_once(char::is_whitespace).is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("x-matrix"))
            });
            if signed {
                Ok(None)
            } else {
                Err(MatrixError::new(
                    http::StatusCode::UNAUTHORIZED,
                    ErrorCode::Unauthorized,
                    "Missing X-Matrix authorization: this request must be signed by the sending server.",
                ))
            }
        }
        AuthKind::AccessToken => match token()? {
            Some(token) => Ok(Some(token)),
            None => Err(MatrixError::missing_token("Missing access token.")),
        },
        AuthKind::OptionalAccessToken => token(),
    }
}

/// How a request body is read: its limit, and how slowly it may arrive. Made from the
/// [`ServerConfig`] by [`BodyRules::json`] and [`BodyRules::upload`].
#[derive(Clone, Copy, Debug)]
pub struct BodyRules {
    /// The most bytes.
    pub limit: usize,
    /// The longest wait for a byte.
    pub stall: Option<Duration>,
    /// The slowest average rate once `grace` has passed, in bytes a second (0: none).
    pub min_rate: u64,
    /// See `min_rate`.
    pub grace: Duration,
}

impl BodyRules {
    /// The rules of a JSON body.
    pub fn json(config: &ServerConfig) -> Self {
        BodyRules { limit: config.body_limit, ..Self::upload(config) }
    }

    /// The rules of a body of bytes (an upload).
    pub fn upload(config: &ServerConfig) -> Self {
        BodyRules {
            limit: config.upload_limit,
            stall: config.body_timeout,
            min_rate: config.body_min_rate,
            grace: config.body_grace,
        }
    }

    /// When the next byte must have arrived, `received` bytes in: the stall's end, or when the
    /// average rate since `start` falls below the minimum, whichever is first.
    fn deadline(&self, start: Instant, last: Instant, received: usize) -> Option<(Instant, &'static str)> {
        let stall = self.stall.map(|s| (last + s, "The request body stopped arriving"));
        let rate = (self.min_rate > 0).then(|| {
            let earned = Duration::from_secs_f64(received as f64 / self.min_rate as f64);
            (start + self.grace + earned, "The request body arrives too slowly")
        });
        match (stall, rate) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        }
    }
}

/// Reads a body as `rules` allow, into one buffer: the memory it holds is its bytes (at most
/// twice, as the buffer grows), however they were framed (hyper's frames of a body sent a byte
/// at a time each keep a block of its read buffer alive). A body said or found to be past the
/// limit is 413 `M_TOO_LARGE`; a stalled or too slow one 408 `M_UNKNOWN`. Not generic, so that
/// it is compiled once.
async fn read_body(
    mut body: axum::body::Body,
    context: &RequestContext,
    rules: BodyRules,
) -> Result<axum::body::Bytes, MatrixError> {
    use axum::body::HttpBody;
    let limit = rules.limit;
    let too_large = || MatrixError::too_large(format!("The request body is larger than {limit} bytes"));
    let declared = context.headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    // a request that says it has no body (a GET) is not read at all
    if body.size_hint().exact() == Some(0) {
        return Ok(axum::body::Bytes::new());
    }
    let start = Instant::now();
    let mut last = start;
    // the first frame as it came (a body in one frame is not copied), then all in `buffer`
    let mut first: Option<axum::body::Bytes> = None;
    let mut buffer: Vec<u8> = Vec::new();
    let mut received = 0usize;
    loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx));
        let next = match rules.deadline(start, last, received) {
            None => frame.await,
            Some((deadline, why)) => match tokio::time::timeout_at(deadline.into(), frame).await {
                Ok(next) => next,
                Err(_) => {
                    tracing::info!(peer = ?context.peer, path = context.uri.path(), received, "{why}");
                    return Err(MatrixError::new(http::StatusCode::REQUEST_TIMEOUT, ErrorCode::Unknown, why));
                }
            },
        };
        let data = match next {
            None => break,
            Some(Err(e)) => return Err(MatrixError::not_json(format!("Cannot read the request body: {e}"))),
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) if !data.is_empty() => data,
                // trailers, or an empty frame
                _ => continue,
            },
        };
        received = received.saturating_add(data.len());
        if received > limit {
            return Err(too_large());
        }
        last = Instant::now();
        match first.take() {
            None if buffer.is_empty() => first = Some(data),
            held => {
                if let Some(held) = held {
                    // room by what has come, not by what the headers say will
                    buffer.reserve((2 * received).min(limit));
                    buffer.extend_from_slice(&held);
                }
                buffer.extend_from_slice(&data);
            }
        }
    }
    Ok(first.unwrap_or_else(|| axum::body::Bytes::from(buffer)))
}

impl IntoResponse for MatrixError {
    fn into_response(self) -> axum::response::Response {
        error_response(&self)
    }
}
