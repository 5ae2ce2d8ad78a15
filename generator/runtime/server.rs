//! The server glue (feature `server`): `axum` handlers that decode the request, check the access
//! token, call the implementation and encode its answer. Every failure is a Matrix error.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::response::IntoResponse;

use super::error::{ErrorCode, MatrixError};
use super::convert::{access_token, AccessToken, IncomingRequest, OutgoingResponse};
use super::metadata::AuthKind;

/// How the router and [`serve`] serve the API. Every limit has a default fit for a public
/// homeserver; each can be changed with its `with_` method.
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
    /// How long a request may take, from its headers to the answer (reading the body and the
    /// implementation's work): past it the client gets 503 `M_UNKNOWN`. `None` is no limit.
    pub request_timeout: Option<std::time::Duration>,
    /// How long the body may go without a byte arriving: past it the client gets 408 `M_UNKNOWN`.
    pub body_timeout: Option<std::time::Duration>,
    /// ([`serve`]) How long a connection may take to send a request's headers, counted from
    /// when it opens or when the previous answer was sent: past it the connection is closed.
    pub header_timeout: std::time::Duration,
    /// ([`serve`]) The most connections open at once; further ones wait in the listen queue
    /// until one closes.
    pub max_connections: usize,
    /// ([`serve`]) On shutdown, how long requests in flight may take to finish before their
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
            // longer than the long polls of `/sync` and `/events` (30 s is what clients ask)
            request_timeout: Some(std::time::Duration::from_secs(120)),
            body_timeout: Some(std::time::Duration::from_secs(30)),
            header_timeout: std::time::Duration::from_secs(30),
            max_connections: 4096,
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

/// Adds `routes` (base path, route under it, handler) to `router`: each under its own base
/// path first, then under the further versions `config` serves, the newest base path first,
/// each path once (`/v1/invite` and `/v2/invite` both served as `/v3/invite` would be one route
/// twice, which axum refuses): the newest keeps it. Not generic, so that it is compiled once.
pub fn mount(
    mut router: axum::Router,
    routes: Vec<(&'static str, &'static str, axum::routing::MethodRouter)>,
    config: &ServerConfig,
) -> axum::Router {
    let mut paths: Vec<(String, &axum::routing::MethodRouter)> = Vec::new();
    for (base, route, handler) in &routes {
        paths.extend(config.prefixes(base).into_iter().take(1).map(|p| (format!("{p}{route}"), handler)));
    }
    for (base, route, handler) in routes.iter().rev() {
        paths.extend(config.prefixes(base).into_iter().skip(1).map(|p| (format!("{p}{route}"), handler)));
    }
    let mut taken = std::collections::HashSet::new();
    for (path, handler) in paths {
        if claim(&mut taken, &path) {
            router = router.route(&path, handler.clone());
        }
    }
    router
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
/// `M_UNKNOWN`, a body stalled past `body_timeout` answers 408 `M_UNKNOWN`.
pub fn with_layers(router: axum::Router, config: &ServerConfig) -> axum::Router {
    let mut router = router;
    if let Some(stall) = config.body_timeout {
        router = router.layer(
            tower::ServiceBuilder::new()
                .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(stall))
                .map_request(|r: http::Request<tower_http::timeout::TimeoutBody<axum::body::Body>>| {
                    r.map(axum::body::Body::new)
                }),
        );
    }
    if let Some(limit) = config.request_timeout {
        router = router.layer(
            tower::ServiceBuilder::new()
                .layer(axum::error_handling::HandleErrorLayer::new(move |e: tower::BoxError| async move {
                    let message = if e.is::<tower::timeout::error::Elapsed>() {
                        format!("The request was not answered within {} ms", limit.as_millis())
                    } else {
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
    error_response(&MatrixError::unknown("Internal server error"))
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting, lets the
/// requests in flight finish (up to `config.shutdown_grace`) and returns.
///
/// Unlike `axum::serve`, it bounds what a slow or idle client may hold: a connection that has not
/// sent a request's headers within `config.header_timeout` is closed, and at most
/// `config.max_connections` are open at once (the others wait in the listen queue). Handlers
/// can read the peer's address as the request extension `axum::extract::ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    config: &ServerConfig,
    shutdown: impl Future<Output = ()> + Send,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(config.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(config.header_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => slot,
        };
        // the semaphore is never closed
        let Ok(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => {
                    // out of file descriptors, or a connection reset before it was accepted:
                    // wait a little rather than spin, and go on
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = tower::ServiceExt::map_request(router.clone(), move |mut r: http::Request<hyper::body::Incoming>| {
            r.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            r
        });
        let connection = http1.serve_connection(
            hyper_util::rt::TokioIo::new(stream),
            hyper_util::service::TowerToHyperService::new(service),
        );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(config.shutdown_grace, graceful.shutdown()).await;
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

fn add_cors(headers: &mut http::HeaderMap) {
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
    /// The peer's address, when served by [`serve`] (or by axum with `ConnectInfo`).
    pub peer: Option<std::net::SocketAddr>,
    /// The body as received (what a server's signature covers).
    pub body: axum::body::Bytes,
}

impl RequestContext {
    /// The context of a request whose body has been read: its parts, taken, not copied.
    fn new(parts: http::request::Parts, body: axum::body::Bytes) -> Self {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0);
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

/// The handler of one operation: the implementation, the body limit, what the operation needs
/// of the access token, and the function that calls the implementation's method. One generic
/// type instead of a closure per operation, so that routers compile fast.
pub struct Endpoint<A, R, Fut> {
    api: Arc<A>,
    limit: usize,
    auth: AuthKind,
    call: fn(Arc<A>, Option<AccessToken>, RequestContext, R) -> Fut,
}

impl<A, R, Fut> Clone for Endpoint<A, R, Fut> {
    fn clone(&self) -> Self {
        Endpoint { api: self.api.clone(), limit: self.limit, auth: self.auth, call: self.call }
    }
}

/// The handler of one operation (see [`Endpoint`]).
pub fn endpoint<A, R, Fut>(
    api: &Arc<A>,
    limit: usize,
    auth: AuthKind,
    call: fn(Arc<A>, Option<AccessToken>, RequestContext, R) -> Fut,
) -> Endpoint<A, R, Fut> {
    Endpoint { api: api.clone(), limit, auth, call }
}

/// Marks the [`axum::handler::Handler`] implementation of [`Endpoint`].
#[doc(hidden)]
pub struct EndpointHandler;

impl<A, R, Fut, T, S> axum::handler::Handler<EndpointHandler, S> for Endpoint<A, R, Fut>
where
    A: Send + Sync + 'static,
    R: IncomingRequest + Send + 'static,
    Fut: Future<Output = Result<T, MatrixError>> + Send + 'static,
    T: OutgoingResponse + Send + 'static,
    S: Send + Sync + 'static,
{
    type Future = Pin<Box<dyn Future<Output = axum::response::Response> + Send>>;

    fn call(self, request: axum::extract::Request, _state: S) -> Self::Future {
        Box::pin(async move {
            let Endpoint { api, limit, auth, call } = self;
            handle(request, limit, auth, move |token, context, decoded: R| call(api, token, context, decoded)).await
        })
    }
}

/// Serves one operation: reads the body (up to `limit`), takes the access token, decodes the
/// request and calls `call` with the token, the request's context and the decoded request.
pub async fn handle<R, F, Fut, T>(request: axum::extract::Request, limit: usize, auth: AuthKind, call: F) -> axum::response::Response
where
    R: IncomingRequest,
    F: FnOnce(Option<AccessToken>, RequestContext, R) -> Fut,
    Fut: Future<Output = Result<T, MatrixError>>,
    T: OutgoingResponse,
{
    let (token, request) = match prepare(request, limit, auth).await {
        Ok(prepared) => prepared,
        Err(response) => return response,
    };
    let decoded = match R::try_from_http_request(&request) {
        Ok(r) => r,
        Err(e) => return error_response(&e),
    };
    let (parts, body) = request.into_parts();
    match call(token, RequestContext::new(parts, body), decoded).await {
        Ok(response) => match response.try_into_http_response() {
            Ok(r) => into_axum(r),
            Err(e) => error_response(&e),
        },
        Err(e) => error_response(&e),
    }
}

/// What every operation does first: the body read within the limit, the access token taken and
/// checked against what the operation needs. Not generic, so that it is compiled once.
async fn prepare(
    request: axum::extract::Request,
    limit: usize,
    auth: AuthKind,
) -> Result<(Option<AccessToken>, http::Request<axum::body::Bytes>), axum::response::Response> {
    let (parts, body) = request.into_parts();
    let declared = parts.headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(error_response(&MatrixError::too_large(format!("The request body is larger than {limit} bytes"))));
    }
    // a request that says it has no body (a GET) is not read at all
    let empty = axum::body::HttpBody::size_hint(&body).exact() == Some(0);
    let read = if empty { Ok(axum::body::Bytes::new()) } else { axum::body::to_bytes(body, limit).await };
    let bytes = match read {
        Ok(b) => b,
        Err(e) => {
            let too_large = sources(&e).any(|s| s.to_string().contains("length limit exceeded"));
            let stalled = sources(&e).any(|s| s.is::<tower_http::timeout::TimeoutError>());
            let error = if too_large {
                MatrixError::too_large(format!("The request body is larger than {limit} bytes"))
            } else if stalled {
                MatrixError::new(http::StatusCode::REQUEST_TIMEOUT, ErrorCode::Unknown, "The request body stopped arriving")
            } else {
                MatrixError::not_json(format!("Cannot read the request body: {e}"))
            };
            return Err(error_response(&error));
        }
    };
    let request = http::Request::from_parts(parts, bytes);
    // a server's signature is checked with the implementation's keys, by the operation's handler
    if auth == AuthKind::ServerSignatures {
        return Ok((None, request));
    }
    let token = access_token(&request).map_err(|e| error_response(&e))?;
    let token = match (auth, token) {
        (AuthKind::AccessToken, None) => return Err(error_response(&MatrixError::missing_token("Missing access token."))),
        (AuthKind::None, _) => None,
        (_, t) => t,
    };
    Ok((token, request))
}

/// An error and its sources, outermost first.
fn sources<'e>(e: &'e (dyn std::error::Error + 'static)) -> impl Iterator<Item = &'e (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(e), |s| s.source())
}

impl IntoResponse for MatrixError {
    fn into_response(self) -> axum::response::Response {
        error_response(&self)
    }
}
