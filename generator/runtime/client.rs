//! The HTTP client (feature `client`): `reqwest` with rustls.

use std::fmt;
use std::time::Duration;

use super::error::{retry_after_header, write_uiaa, FromHttpResponseError, MatrixError, UiaaResponse};
use super::convert::{AccessToken, Base, IncomingResponse, OutgoingRequest};
use super::metadata::{AuthKind, Unsupported};

/// Why a call failed.
#[derive(Debug)]
pub enum ClientError {
    /// The request could not be built (an invalid base URL, say).
    InvalidRequest(String),
    /// The server could not be reached, or the connection broke; [`TransportError::kind`] says how.
    Transport(TransportError),
    /// The server asks for user-interactive authentication: complete a stage of one of its
    /// flows and send the request again with `auth` (see [`UiaaResponse`]).
    InteractiveAuth(Box<UiaaResponse>),
    /// The server answered with a Matrix error.
    Matrix {
        /// The HTTP status.
        status: http::StatusCode,
        /// The error body, its `status` the same.
        error: MatrixError,
    },
    /// The server's answer could not be decoded (not JSON, the wrong shape, an HTML error page
    /// from a proxy).
    Decode {
        /// The HTTP status.
        status: http::StatusCode,
        /// Why decoding failed.
        message: String,
        /// The start of the body.
        excerpt: String,
    },
    /// The operation cannot be sent to this server: none of the versions it speaks (see
    /// [`Client::negotiate`]) has the operation in a form this crate can send. Nothing was sent.
    Unsupported(Unsupported),
}

impl ClientError {
    /// The Matrix error, if the server answered with one.
    pub fn matrix_error(&self) -> Option<&MatrixError> {
        match self {
            ClientError::Matrix { error, .. } => Some(error),
            _ => None,
        }
    }

    /// What the server asks for, if it asks for user-interactive authentication.
    pub fn interactive_auth(&self) -> Option<&UiaaResponse> {
        match self {
            ClientError::InteractiveAuth(u) => Some(u),
            _ => None,
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::InvalidRequest(m) => write!(f, "invalid request: {m}"),
            ClientError::Transport(e) => write!(f, "transport error: {e}"),
            ClientError::Matrix { error, .. } => write!(f, "Matrix error: {error}"),
            ClientError::InteractiveAuth(u) => write_uiaa(f, u),
            ClientError::Decode { status, message, excerpt } => {
                write!(f, "cannot decode the {} response: {message} (body starts: {excerpt:?})", status.as_u16())
            }
            ClientError::Unsupported(u) => u.fmt(f),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Transport(e) => Some(e),
            ClientError::Matrix { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl From<FromHttpResponseError> for ClientError {
    fn from(e: FromHttpResponseError) -> Self {
        match e {
            FromHttpResponseError::Matrix(error) => ClientError::Matrix { status: error.status, error },
            FromHttpResponseError::InteractiveAuth(u) => ClientError::InteractiveAuth(u),
            FromHttpResponseError::Decode { status, message, excerpt } => ClientError::Decode { status, message, excerpt },
        }
    }
}

/// How the exchange with the server failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The server's name could not be resolved.
    Dns,
    /// No connection could be made (refused, unreachable).
    Connect,
    /// The TLS handshake failed (a bad certificate, or not TLS at all).
    Tls,
    /// The connect or request timeout passed.
    Timeout,
    /// The connection was reset or closed before the whole answer arrived (even mid-body).
    ConnectionClosed,
    /// The server's bytes were not HTTP.
    Protocol,
    /// Anything else.
    Other,
}

/// A transport failure: its kind, and the underlying error as its source.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: reqwest::Error,
}

impl TransportError {
    /// Classifies a `reqwest` error by what its chain of sources says happened.
    pub fn new(source: reqwest::Error) -> Self {
        TransportError { kind: classify(&source), source }
    }

    /// How the exchange failed.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether trying again may succeed: the request may not have reached the server, or the
    /// answer was lost on the way.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Dns | TransportErrorKind::Connect | TransportErrorKind::Timeout | TransportErrorKind::ConnectionClosed
        )
    }
}

fn classify(e: &reqwest::Error) -> TransportErrorKind {
    if e.is_timeout() {
        return TransportErrorKind::Timeout;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<rustls::Error>() {
            return TransportErrorKind::Tls;
        }
        // hyper-util's connector says which step failed only in its message
        if s.to_string().starts_with("dns error") {
            return TransportErrorKind::Dns;
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::TimedOut => return TransportErrorKind::Timeout,
                K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                    return TransportErrorKind::ConnectionClosed
                }
                K::ConnectionRefused | K::NotConnected | K::AddrNotAvailable => return TransportErrorKind::Connect,
                _ => {}
            }
            // an I/O error's `source` skips the error it wraps: look at that one next
            if let Some(inner) = io.get_ref() {
                source = Some(inner);
                continue;
            }
        }
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() || h.is_canceled() || h.is_closed() {
                return TransportErrorKind::ConnectionClosed;
            }
            if h.is_parse() || h.is_parse_status() {
                return TransportErrorKind::Protocol;
            }
        }
        source = s.source();
    }
    if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_body() || e.is_decode() {
        TransportErrorKind::ConnectionClosed
    } else {
        TransportErrorKind::Other
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.source)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// When [`Client`] tries a request again (opt in with [`Client::with_retry`]).
///
/// A request refused with 429 `M_LIMIT_EXCEEDED` is tried again after the time the server asks
/// (`retry_after_ms`, or the `Retry-After` header), whatever its method: the spec's rate limit
/// refuses a request rather than performing it. A transient transport error (see
/// [`TransportError::is_transient`]) or a 502, 503 or 504 is tried again only for methods that
/// are idempotent (GET, HEAD, PUT, DELETE, OPTIONS; Matrix's sending `PUT`s carry a
/// transaction id for this), with exponential backoff. Never more than `max_attempts` in all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The most attempts, the first included (1: never try again).
    pub max_attempts: u32,
    /// The wait before the second attempt; each further one doubles it.
    pub initial_backoff: Duration,
    /// The longest wait between attempts chosen by backoff.
    pub max_backoff: Duration,
    /// The longest wait the server may ask for; a rate limit asking longer is returned as the
    /// error at once.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (the first is attempt 1) after `outcome`, or `None`
    /// when the outcome is final.
    fn wait(&self, attempt: u32, method: &http::Method, outcome: &Result<http::Response<bytes::Bytes>, ClientError>) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let backoff = self.initial_backoff.saturating_mul(1 << (attempt - 1).min(16)).min(self.max_backoff);
        let idempotent = matches!(
            *method,
            http::Method::GET | http::Method::HEAD | http::Method::PUT | http::Method::DELETE | http::Method::OPTIONS
        );
        match outcome {
            Err(ClientError::Transport(e)) if idempotent && e.is_transient() => Some(backoff),
            Err(_) => None,
            Ok(r) if r.status() == http::StatusCode::TOO_MANY_REQUESTS => {
                let asked = retry_after(r).unwrap_or(backoff);
                (asked <= self.max_retry_after).then_some(asked)
            }
            Ok(r) if idempotent && matches!(r.status().as_u16(), 502..=504) => Some(backoff),
            Ok(_) => None,
        }
    }
}

/// The wait a rate-limited answer asks for: the body's `retry_after_ms`, else the
/// `Retry-After` header in seconds (see [`MatrixError::retry_after`]).
fn retry_after(response: &http::Response<bytes::Bytes>) -> Option<Duration> {
    let header = retry_after_header(response.headers());
    match serde_json::from_slice::<MatrixError>(response.body()) {
        Ok(mut error) => {
            error.retry_after_header = header;
            error.retry_after()
        }
        Err(_) => header.map(Duration::from_secs),
    }
}

/// A client of one homeserver. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    prefix: Option<String>,
    version: Option<String>,
    server_versions: Option<Vec<String>>,
    access_token: Option<AccessToken>,
    token_in_query: bool,
    retry: Option<RetryPolicy>,
    signer: Option<std::sync::Arc<dyn SignRequest>>,
}

/// Signs the requests of operations that need a server's signature (federation's `X-Matrix`):
/// the `Authorization` value for a request's method, URI (path and query) and body.
pub trait SignRequest: Send + Sync {
    /// The `Authorization` header's value.
    fn authorization(&self, method: &str, uri: &str, body: &[u8]) -> Result<String, String>;
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("prefix", &self.prefix)
            .field("version", &self.version)
            .field("server_versions", &self.server_versions)
            .field("access_token", &self.access_token)
            .field("retry", &self.retry)
            .field("signs_requests", &self.signer.is_some())
            .finish()
    }
}

impl Client {
    /// A client of the homeserver at `base_url` (`https://matrix.example.org`).
    pub fn new(base_url: impl Into<String>) -> Result<Self, ClientError> {
        let base_url = base_url.into();
        let uri: http::Uri =
            base_url.parse().map_err(|e| ClientError::InvalidRequest(format!("base URL `{base_url}`: {e}")))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(ClientError::InvalidRequest(format!("base URL `{base_url}` is not an http(s) URL")));
        }
        let http = http_client(Self::CONNECT_TIMEOUT, Self::REQUEST_TIMEOUT)?;
        Ok(Client {
            http,
            base_url,
            prefix: None,
            version: None,
            server_versions: None,
            access_token: None,
            token_in_query: false,
            retry: None,
            signer: None,
        })
    }

    /// The default time to connect (DNS, TCP and TLS).
    pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

    /// The default time a whole request may take, answer included: longer than the long polls
    /// of `/sync` and `/events` (30 s is what clients ask).
    pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(90);

    /// Sets the time to connect and the time a whole request may take; past either the call
    /// fails with [`TransportErrorKind::Timeout`].
    pub fn with_timeouts(mut self, connect: Duration, request: Duration) -> Result<Self, ClientError> {
        self.http = http_client(connect, request)?;
        Ok(self)
    }

    /// Tries requests again as `policy` says (by default, never).
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Sends this access token with every operation that takes one, in an
    /// `Authorization: Bearer` header.
    pub fn with_access_token(mut self, token: impl Into<String>) -> Self {
        self.access_token = Some(AccessToken::new(token));
        self
    }

    /// Signs the requests of operations that need a server's signature (federation's
    /// `X-Matrix`) with `signer` (a `RequestSigner`: the sending server's key and the
    /// destination's name).
    pub fn with_server_signing(mut self, signer: impl SignRequest + 'static) -> Self {
        self.signer = Some(std::sync::Arc::new(signer));
        self
    }

    /// Sends the access token as the `access_token` query parameter instead of a header.
    pub fn with_token_in_query(mut self, in_query: bool) -> Self {
        self.token_in_query = in_query;
        self
    }

    /// Calls every operation under this version (`v3`) in place of the one its base path names:
    /// `/_matrix/client/r0` becomes `/_matrix/client/v3`, `/_matrix/media/r0` becomes
    /// `/_matrix/media/v3`, and a base path without a version (`/.well-known`) stays as it is.
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Reads the versions the homeserver speaks (`GET /_matrix/client/versions`, once); every
    /// call then goes to the path of the newest of them in which the operation exists, or fails
    /// with [`ClientError::Unsupported`] before anything is sent. This needs a crate generated
    /// over a series of releases (`cargo xtask gen --config`), whose operations know their
    /// history; in a crate of one release every operation keeps its one path.
    pub async fn negotiate(self) -> Result<Self, ClientError> {
        let url = format!("{}/_matrix/client/versions", self.base_url.trim_end_matches('/'));
        let request = http::Request::get(url).body(Vec::new()).map_err(|e| ClientError::InvalidRequest(e.to_string()))?;
        let response = self.execute(request).await?;
        let status = response.status();
        let decode = |message: String| ClientError::Decode {
            status,
            message,
            excerpt: String::from_utf8_lossy(&response.body()[..response.body().len().min(200)]).into_owned(),
        };
        if !status.is_success() {
            return Err(decode("`/versions` did not answer 200".to_owned()));
        }
        #[derive(serde::Deserialize)]
        struct Versions {
            versions: Vec<String>,
        }
        let versions: Versions = serde_json::from_slice(response.body()).map_err(|e| decode(e.to_string()))?;
        Ok(self.with_server_versions(versions.versions))
    }

    /// Calls every operation as a server speaking `versions` (as `/versions` lists them: `r0.6.1`,
    /// `v1.11`) would have it, without asking the server: a fixed version is
    /// `with_server_versions(["v1.1"])`. See [`Client::negotiate`].
    pub fn with_server_versions(mut self, versions: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.server_versions = Some(versions.into_iter().map(Into::into).collect());
        self
    }

    /// The versions the server speaks, once negotiated or set.
    pub fn server_versions(&self) -> Option<&[String]> {
        self.server_versions.as_deref()
    }

    /// Uses `prefix` (`/_matrix/client/v3`) in place of every operation's base path, whatever
    /// API it belongs to; [`Client::with_version`] is what most clients want.
    pub fn with_path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Uses this `reqwest` client (timeouts, proxies, …).
    pub fn with_reqwest_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Sends `request`, taken by value (the client methods of an API of a set call it).
    pub async fn send_owned<R: OutgoingRequest>(&self, request: R) -> Result<R::Response, ClientError> {
        self.send(&request).await
    }

    /// Sends any operation's request and decodes its response.
    pub async fn send<R: OutgoingRequest>(&self, request: &R) -> Result<R::Response, ClientError> {
        // the path of the newest version the server speaks, where the operation knows its
        // history; the token goes in the query string where that version's schemes allow only it
        let negotiated = match (&self.prefix, &self.server_versions) {
            (None, Some(versions)) if !R::METADATA.history.is_empty() => {
                R::METADATA.path_for_server(versions).map_err(ClientError::Unsupported)?
            }
            _ => None,
        };
        let query_only = negotiated.is_some_and(|p| p.token.query && !p.token.header);
        let base = Base {
            url: &self.base_url,
            prefix: self.prefix.as_deref().or(negotiated.map(|p| p.base_path)),
            version: self.version.as_deref(),
            access_token: self.access_token.as_ref().map(AccessToken::as_str),
            token_in_query: self.token_in_query || query_only,
            version_path: negotiated,
        };
        let mut http_request = request.to_http_request(&base).map_err(|e| ClientError::InvalidRequest(e.0))?;
        if R::METADATA.auth == AuthKind::ServerSignatures {
            let Some(signer) = &self.signer else {
                return Err(ClientError::InvalidRequest(format!(
                    "{} needs the sending server's signature: give the client one with `with_server_signing`",
                    R::METADATA.name
                )));
            };
            let uri = http_request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/").to_owned();
            let value = signer
                .authorization(http_request.method().as_str(), &uri, http_request.body())
                .map_err(ClientError::InvalidRequest)?;
            let value = http::HeaderValue::try_from(value).map_err(|e| ClientError::InvalidRequest(e.to_string()))?;
            http_request.headers_mut().insert(http::header::AUTHORIZATION, value);
        }
        let response = match &self.retry {
            None => self.execute(http_request).await?,
            Some(policy) => self.execute_with_retry(http_request, policy).await?,
        };
        Ok(R::Response::try_from_http_response(response)?)
    }

    /// Sends `request` until it succeeds or `policy` says to stop.
    async fn execute_with_retry(
        &self,
        request: http::Request<Vec<u8>>,
        policy: &RetryPolicy,
    ) -> Result<http::Response<bytes::Bytes>, ClientError> {
        let (parts, body) = request.into_parts();
        let mut attempt = 1;
        loop {
            let mut again = http::Request::new(body.clone());
            *again.method_mut() = parts.method.clone();
            *again.uri_mut() = parts.uri.clone();
            *again.headers_mut() = parts.headers.clone();
            let outcome = self.execute(again).await;
            match policy.wait(attempt, &parts.method, &outcome) {
                Some(wait) => {
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                None => return outcome,
            }
        }
    }

    /// Sends an HTTP request and reads the whole answer. Not generic, so that it is compiled
    /// once rather than once per operation.
    pub async fn execute(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<bytes::Bytes>, ClientError> {
        // reqwest's errors name the URL, which may hold the access token: they go without it
        let request = reqwest::Request::try_from(request)
            .map_err(|e: reqwest::Error| ClientError::InvalidRequest(e.without_url().to_string()))?;
        let transport = |e: reqwest::Error| ClientError::Transport(TransportError::new(e.without_url()));
        let response = self.http.execute(request).await.map_err(transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(transport)?;
        let mut http_response = http::Response::new(body);
        *http_response.status_mut() = status;
        *http_response.headers_mut() = headers;
        Ok(http_response)
    }
}

fn http_client(connect: Duration, request: Duration) -> Result<reqwest::Client, ClientError> {
    reqwest::Client::builder()
        // a redirect the spec documents (SSO) is the operation's answer, not a hop to follow
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect)
        .timeout(request)
        .build()
        .map_err(|e| ClientError::InvalidRequest(format!("cannot build the HTTP client: {e}")))
}
