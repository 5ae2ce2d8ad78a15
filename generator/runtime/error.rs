//! Matrix errors: the `errcode` open enum and the error body, paired with its HTTP status.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::open_enum::PrivOwnedStr;

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $wire:literal,)*) => {
        /// A Matrix error code (`errcode`). Codes this crate does not know are kept as they are.
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
            #[doc(hidden)]
            _Custom(PrivOwnedStr),
        }

        impl ErrorCode {
            /// The code as it is written on the wire (`M_FORBIDDEN`).
            pub fn as_str(&self) -> &str {
                match self {
                    $(ErrorCode::$variant => $wire,)*
                    ErrorCode::_Custom(s) => s.as_str(),
                }
            }
        }

        impl From<&str> for ErrorCode {
            fn from(s: &str) -> Self {
                match s {
                    $($wire => ErrorCode::$variant,)*
                    _ => ErrorCode::_Custom(PrivOwnedStr::new(s)),
                }
            }
        }
    };
}

error_codes! {
    /// Forbidden access, e.g. joining a room without permission, failed login.
    Forbidden = "M_FORBIDDEN",
    /// The access token specified was not recognised.
    UnknownToken = "M_UNKNOWN_TOKEN",
    /// No access token was specified for the request.
    MissingToken = "M_MISSING_TOKEN",
    /// Request contained valid JSON, but it was malformed in some way.
    BadJson = "M_BAD_JSON",
    /// Request did not contain valid JSON.
    NotJson = "M_NOT_JSON",
    /// No resource was found for this request.
    NotFound = "M_NOT_FOUND",
    /// Too many requests have been sent in a short period of time.
    LimitExceeded = "M_LIMIT_EXCEEDED",
    /// An unknown error has occurred.
    Unknown = "M_UNKNOWN",
    /// The server did not understand the request.
    Unrecognized = "M_UNRECOGNIZED",
    /// The request was not correctly authorized.
    Unauthorized = "M_UNAUTHORIZED",
    /// The user ID associated with the request has been deactivated.
    UserDeactivated = "M_USER_DEACTIVATED",
    /// The desired user ID is already taken.
    UserInUse = "M_USER_IN_USE",
    /// The desired user ID is not a valid user name.
    InvalidUsername = "M_INVALID_USERNAME",
    /// The room alias specified is already taken.
    RoomInUse = "M_ROOM_IN_USE",
    /// The initial state implied by the parameters to the room creation request is invalid.
    InvalidRoomState = "M_INVALID_ROOM_STATE",
    /// The third party identifier is already in use by another user.
    ThreepidInUse = "M_THREEPID_IN_USE",
    /// No account matches the given third party identifier.
    ThreepidNotFound = "M_THREEPID_NOT_FOUND",
    /// Authentication could not be performed on the third party identifier.
    ThreepidAuthFailed = "M_THREEPID_AUTH_FAILED",
    /// The server does not permit this third party identifier.
    ThreepidDenied = "M_THREEPID_DENIED",
    /// The homeserver does not support adding a third party identifier of this medium.
    ThreepidMediumNotSupported = "M_THREEPID_MEDIUM_NOT_SUPPORTED",
    /// The client's request used a third party server the homeserver does not trust.
    ServerNotTrusted = "M_SERVER_NOT_TRUSTED",
    /// The client's request to create a room used a room version the server does not support.
    UnsupportedRoomVersion = "M_UNSUPPORTED_ROOM_VERSION",
    /// The client attempted to join a room of a version the server does not support.
    IncompatibleRoomVersion = "M_INCOMPATIBLE_ROOM_VERSION",
    /// The state change requested cannot be performed.
    BadState = "M_BAD_STATE",
    /// The room or resource does not permit guests to access it.
    GuestAccessForbidden = "M_GUEST_ACCESS_FORBIDDEN",
    /// A Captcha is required to complete the request.
    CaptchaNeeded = "M_CAPTCHA_NEEDED",
    /// The Captcha provided did not match what was expected.
    CaptchaInvalid = "M_CAPTCHA_INVALID",
    /// A required parameter was missing from the request.
    MissingParam = "M_MISSING_PARAM",
    /// A parameter that was specified has the wrong value.
    InvalidParam = "M_INVALID_PARAM",
    /// The request or entity was too large.
    TooLarge = "M_TOO_LARGE",
    /// The resource being requested is reserved by an application service.
    Exclusive = "M_EXCLUSIVE",
    /// The request cannot be completed because the homeserver has reached a resource limit.
    ResourceLimitExceeded = "M_RESOURCE_LIMIT_EXCEEDED",
    /// The user is unable to reject an invite to join the server notices room.
    CannotLeaveServerNoticeRoom = "M_CANNOT_LEAVE_SERVER_NOTICE_ROOM",
    /// The password does not meet the server's requirements.
    WeakPassword = "M_WEAK_PASSWORD",
    /// The user has not given consent to the server's privacy policy.
    ConsentNotGiven = "M_CONSENT_NOT_GIVEN",
    /// The user ID is not valid for this operation.
    InvalidUserId = "M_INVALID_USER_ID",
    /// A session, such as a 3PID validation session, has not been validated.
    SessionNotValidated = "M_SESSION_NOT_VALIDATED",
    /// No valid session with the given ID exists.
    NoValidSession = "M_NO_VALID_SESSION",
    /// The session has expired.
    SessionExpired = "M_SESSION_EXPIRED",
}

impl From<String> for ErrorCode {
    fn from(s: String) -> Self {
        ErrorCode::from(s.as_str())
    }
}

impl AsRef<str> for ErrorCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::open_enum::deserialize_open_enum(deserializer)
    }
}

/// A Matrix error: the HTTP status and the JSON body (`errcode`, `error`, and any further fields
/// such as `retry_after_ms` or `soft_logout`, kept in `extra` and read by [`MatrixError::retry_after`]
/// and [`MatrixError::soft_logout`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatrixError {
    /// The HTTP status the error came with, or goes out with.
    #[serde(skip, default = "default_status")]
    pub status: http::StatusCode,
    /// The error code.
    pub errcode: ErrorCode,
    /// A human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Further fields of the error body (boxed: errors travel in `Err`, which should stay small).
    #[serde(flatten)]
    pub extra: Box<serde_json::Map<String, serde_json::Value>>,
    /// The `Retry-After` header the error came with, in seconds (a rate limit's wait, when the
    /// body does not give `retry_after_ms`).
    #[serde(skip)]
    pub retry_after_header: Option<u64>,
    /// Set by [`MatrixError::interactive_auth`]: the 401 that asks for user-interactive
    /// authentication, sent as its own body.
    #[serde(skip)]
    pub interactive_auth: Option<Box<UiaaResponse>>,
}

/// The answer of an operation that needs user-interactive authentication (a 401 with `flows`):
/// the flows of stages the server offers, their parameters, the session to go on with, the
/// stages already completed, and the error of a stage that failed.
///
/// A client gets it as `ClientError::InteractiveAuth`, completes a stage and sends the request
/// again with `auth` (its `type`, the `session`, the stage's fields). A server answers it with
/// [`MatrixError::interactive_auth`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UiaaResponse {
    /// The flows the server offers; completing every stage of one authenticates the request.
    pub flows: Vec<AuthFlow>,
    /// Parameters of the stages, by stage type (`m.login.terms`: the policies).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub params: serde_json::Map<String, serde_json::Value>,
    /// The session: sent back in `auth.session` with each further stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The stages completed so far in this session.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub completed: Vec<String>,
    /// The error of the last stage, if it failed (`M_FORBIDDEN` for a wrong password).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errcode: Option<ErrorCode>,
    /// The message of that error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Further fields.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One flow of user-interactive authentication: its stages, in order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthFlow {
    /// The stage types (`m.login.password`, `m.login.dummy`, ...).
    pub stages: Vec<String>,
    /// Further fields.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl AuthFlow {
    /// A flow of these stages.
    pub fn new<S: Into<String>>(stages: impl IntoIterator<Item = S>) -> Self {
        AuthFlow { stages: stages.into_iter().map(Into::into).collect(), extra: serde_json::Map::new() }
    }
}

impl UiaaResponse {
    /// The answer offering `flows` in `session`.
    pub fn new(flows: Vec<AuthFlow>, session: impl Into<String>) -> Self {
        UiaaResponse { flows, session: Some(session.into()), ..UiaaResponse::default() }
    }

    /// The stages of the first flow not yet completed: what a client does next, if it follows
    /// the first flow it can.
    pub fn next_stages(&self) -> impl Iterator<Item = &str> {
        let first = self.flows.iter().find(|f| self.completed.iter().all(|c| f.stages.contains(c)));
        first
            .map(|f| f.stages.as_slice())
            .unwrap_or_default()
            .iter()
            .map(String::as_str)
            .filter(|s| !self.completed.iter().any(|c| c == s))
    }
}

fn default_status() -> http::StatusCode {
    http::StatusCode::INTERNAL_SERVER_ERROR
}

impl MatrixError {
    /// An error with a status, a code and a message.
    pub fn new(status: http::StatusCode, errcode: ErrorCode, error: impl Into<String>) -> Self {
        MatrixError {
            status,
            errcode,
            error: Some(error.into()),
            extra: Box::default(),
            retry_after_header: None,
            interactive_auth: None,
        }
    }

    /// 401 asking for user-interactive authentication: its body is `uiaa` (with `errcode` and
    /// `error` only if `uiaa` has them, as when a stage failed).
    pub fn interactive_auth(uiaa: UiaaResponse) -> Self {
        let mut error = Self::new(
            http::StatusCode::UNAUTHORIZED,
            uiaa.errcode.clone().unwrap_or(ErrorCode::Unauthorized),
            uiaa.error.clone().unwrap_or_else(|| "User-interactive authentication is needed".to_owned()),
        );
        error.interactive_auth = Some(Box::new(uiaa));
        error
    }

    /// 429 `M_LIMIT_EXCEEDED`, asking the client to wait `retry_after` (sent as `retry_after_ms`
    /// and as the `Retry-After` header).
    pub fn limit_exceeded(retry_after: Option<std::time::Duration>) -> Self {
        let mut error =
            Self::new(http::StatusCode::TOO_MANY_REQUESTS, ErrorCode::LimitExceeded, "Too many requests");
        if let Some(wait) = retry_after {
            let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
            error.extra.insert("retry_after_ms".to_owned(), ms.into());
        }
        error
    }

    /// Sets `soft_logout` (on 401 `M_UNKNOWN_TOKEN`: the client may log in again without losing
    /// its device).
    pub fn with_soft_logout(mut self, soft_logout: bool) -> Self {
        self.extra.insert("soft_logout".to_owned(), soft_logout.into());
        self
    }

    /// How long a rate-limited client should wait: `retry_after_ms` from the body, else the
    /// `Retry-After` header.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        let from_body = self.extra.get("retry_after_ms").and_then(serde_json::Value::as_u64);
        from_body
            .map(std::time::Duration::from_millis)
            .or_else(|| self.retry_after_header.map(std::time::Duration::from_secs))
    }

    /// A further field of the error body, decoded as `T`: `current_version` of
    /// `M_WRONG_ROOM_KEYS_VERSION`, `admin_contact` of `M_RESOURCE_LIMIT_EXCEEDED`, or any field an
    /// operation's error schema defines. `None` when it is absent or not a `T`.
    pub fn field<T: serde::de::DeserializeOwned>(&self, name: &str) -> Option<T> {
        serde_json::from_value(self.extra.get(name)?.clone()).ok()
    }

    /// Sets a further field of the error body.
    pub fn with_field(mut self, name: impl Into<String>, value: impl Serialize) -> Self {
        if let Ok(value) = serde_json::to_value(value) {
            self.extra.insert(name.into(), value);
        }
        self
    }

    /// Whether the server says the logout was soft (`soft_logout: true` on `M_UNKNOWN_TOKEN`).
    pub fn soft_logout(&self) -> bool {
        self.extra.get("soft_logout").and_then(serde_json::Value::as_bool).unwrap_or(false)
    }

    /// 404 `M_UNRECOGNIZED`: what a server answers for an operation it does not implement.
    pub fn unrecognized() -> Self {
        Self::new(http::StatusCode::NOT_FOUND, ErrorCode::Unrecognized, "Unrecognized request")
    }

    /// 401 `M_MISSING_TOKEN`.
    pub fn missing_token(error: impl Into<String>) -> Self {
        Self::new(http::StatusCode::UNAUTHORIZED, ErrorCode::MissingToken, error)
    }

    /// 401 `M_UNKNOWN_TOKEN`.
    pub fn unknown_token(error: impl Into<String>) -> Self {
        Self::new(http::StatusCode::UNAUTHORIZED, ErrorCode::UnknownToken, error)
    }

    /// 403 `M_FORBIDDEN`.
    pub fn forbidden(error: impl Into<String>) -> Self {
        Self::new(http::StatusCode::FORBIDDEN, ErrorCode::Forbidden, error)
    }

    /// 404 `M_NOT_FOUND`.
    pub fn not_found(error: impl Into<String>) -> Self {
        Self::new(http::StatusCode::NOT_FOUND, ErrorCode::NotFound, error)
    }

    /// 400 `M_NOT_JSON`.
    pub fn not_json(error: impl Into<String>) -> Self {
        Self::new(http::StatusCode::BAD_REQUEST, ErrorCode::NotJson, error)
    }

    /// 400 `M_BAD_JSON`.
    pub fn bad_json(error: impl Into<String>) -> Self {
        Self::new(http::StatusCode::BAD_REQUEST, ErrorCode::BadJson, error)
    }

    /// 400 `M_MISSING_PARAM`.
    pub fn missing_param(error: impl Into<String>) -> Self {
        Self::new(http::StatusCode::BAD_REQUEST, ErrorCode::MissingParam, error)
    }

    /// 400 `M_INVALID_PARAM`.
    pub fn invalid_param(error: impl Into<String>) -> Self {
        Self::new(http::StatusCode::BAD_REQUEST, ErrorCode::InvalidParam, error)
    }

    /// 413 `M_TOO_LARGE`.
    pub fn too_large(error: impl Into<String>) -> Self {
        Self::new(http::StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge, error)
    }

    /// 500 `M_UNKNOWN`.
    pub fn unknown(error: impl Into<String>) -> Self {
        Self::new(http::StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Unknown, error)
    }

    /// The error as an HTTP response with a JSON body (and `Retry-After` when it asks the client
    /// to wait).
    pub fn to_http_response(&self) -> http::Response<Vec<u8>> {
        let body = match &self.interactive_auth {
            Some(uiaa) => serde_json::to_vec(uiaa),
            None => serde_json::to_vec(self),
        };
        let body = body.unwrap_or_else(|_| b"{\"errcode\":\"M_UNKNOWN\"}".to_vec());
        let mut response = http::Response::new(body);
        *response.status_mut() = self.status;
        response
            .headers_mut()
            .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
        if let Some(wait) = self.retry_after() {
            // whole seconds, rounded up, as RFC 9110 writes them
            let seconds = wait.as_millis().div_ceil(1000);
            if let Ok(value) = http::HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(http::header::RETRY_AFTER, value);
            }
        }
        response
    }
}

impl fmt::Display for MatrixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.errcode)?;
        if let Some(e) = &self.error {
            write!(f, ": {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for MatrixError {}

/// A response that is not what the operation documents.
#[derive(Clone, Debug, PartialEq)]
pub enum FromHttpResponseError {
    /// The server answered with a Matrix error.
    Matrix(MatrixError),
    /// The server asks for user-interactive authentication (a 401 with `flows`).
    InteractiveAuth(Box<UiaaResponse>),
    /// The body could not be decoded (not JSON, the wrong shape, an HTML page from a proxy).
    Decode {
        /// The HTTP status of the response.
        status: http::StatusCode,
        /// Why decoding failed.
        message: String,
        /// The start of the body, for the logs.
        excerpt: String,
    },
}

impl fmt::Display for FromHttpResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FromHttpResponseError::Matrix(e) => e.fmt(f),
            FromHttpResponseError::InteractiveAuth(u) => write_uiaa(f, u),
            FromHttpResponseError::Decode { status, message, excerpt } => {
                write!(f, "cannot decode the {} response: {message} (body starts: {excerpt:?})", status.as_u16())
            }
        }
    }
}

impl std::error::Error for FromHttpResponseError {}

/// A request that cannot be turned into HTTP (a base URL that is not one, say).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntoHttpError(pub String);

impl fmt::Display for IntoHttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for IntoHttpError {}

/// `user-interactive authentication needed (flows: m.login.password | m.login.dummy, session …)`.
pub fn write_uiaa(f: &mut fmt::Formatter<'_>, u: &UiaaResponse) -> fmt::Result {
    let flows: Vec<String> = u.flows.iter().map(|flow| flow.stages.join(" > ")).collect();
    write!(f, "user-interactive authentication needed (flows: {}", flows.join(" | "))?;
    if !u.completed.is_empty() {
        write!(f, "; completed: {}", u.completed.join(", "))?;
    }
    if let Some(code) = &u.errcode {
        write!(f, "; {code}")?;
        if let Some(e) = &u.error {
            write!(f, ": {e}")?;
        }
    }
    f.write_str(")")
}

/// The `Retry-After` header in seconds, if it is a number of seconds (not an HTTP date).
pub fn retry_after_header(headers: &http::HeaderMap) -> Option<u64> {
    headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()
}
