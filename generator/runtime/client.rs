//! The HTTP client (feature `client`): `reqwest` with rustls.

use std::fmt;

use super::error::{FromHttpResponseError, MatrixError};
use super::convert::{AccessToken, Base, IncomingResponse, OutgoingRequest};

/// Why a call failed.
#[derive(Debug)]
pub enum ClientError {
    /// The request could not be built (an invalid base URL, say).
    InvalidRequest(String),
    /// The server could not be reached, or the connection broke.
    Transport(reqwest::Error),
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
}

impl ClientError {
    /// The Matrix error, if the server answered with one.
    pub fn matrix_error(&self) -> Option<&MatrixError> {
        match self {
            ClientError::Matrix { error, .. } => Some(error),
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
            ClientError::Decode { status, message, excerpt } => {
                write!(f, "cannot decode the {} response: {message} (body starts: {excerpt:?})", status.as_u16())
            }
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
            FromHttpResponseError::Decode { status, message, excerpt } => ClientError::Decode { status, message, excerpt },
        }
    }
}

/// A client of one homeserver. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    prefix: Option<String>,
    access_token: Option<AccessToken>,
    token_in_query: bool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("prefix", &self.prefix)
            .field("access_token", &self.access_token)
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
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| ClientError::InvalidRequest(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client { http, base_url, prefix: None, access_token: None, token_in_query: false })
    }

    /// Sends this access token with every operation that takes one, in an
    /// `Authorization: Bearer` header.
    pub fn with_access_token(mut self, token: impl Into<String>) -> Self {
        self.access_token = Some(AccessToken::new(token));
        self
    }

    /// Sends the access token as the `access_token` query parameter instead of a header.
    pub fn with_token_in_query(mut self, in_query: bool) -> Self {
        self.token_in_query = in_query;
        self
    }

    /// Uses `prefix` (`/_matrix/client/v3`) in place of the spec's base path.
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

    /// Sends any operation's request and decodes its response.
    pub async fn send<R: OutgoingRequest>(&self, request: &R) -> Result<R::Response, ClientError> {
        let base = Base {
            url: &self.base_url,
            prefix: self.prefix.as_deref(),
            access_token: self.access_token.as_ref().map(AccessToken::as_str),
            token_in_query: self.token_in_query,
        };
        let http_request = request.to_http_request(&base).map_err(|e| ClientError::InvalidRequest(e.0))?;
        let response = self.execute(http_request).await?;
        Ok(R::Response::try_from_http_response(response)?)
    }

    /// Sends an HTTP request and reads the whole answer. Not generic, so that it is compiled
    /// once rather than once per operation.
    pub async fn execute(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<bytes::Bytes>, ClientError> {
        let request = reqwest::Request::try_from(request).map_err(|e| ClientError::InvalidRequest(e.to_string()))?;
        let response = self.http.execute(request).await.map_err(ClientError::Transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(ClientError::Transport)?;
        let mut http_response = http::Response::new(body);
        *http_response.status_mut() = status;
        *http_response.headers_mut() = headers;
        Ok(http_response)
    }
}
