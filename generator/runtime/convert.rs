//! Transport-agnostic conversions between operations and `http` requests and responses: the
//! traits every operation implements, and the helpers its generated code calls.

use std::fmt;

use super::error::{FromHttpResponseError, IntoHttpError, MatrixError};
use super::metadata::{is_version_segment, AuthKind, Metadata, Method, PathSegment, VersionedPath};

/// An access token. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(token: impl Into<String>) -> Self {
        AccessToken(token.into())
    }

    /// The token itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// Where a request goes and how it authenticates.
#[derive(Clone, Copy, Default)]
pub struct Base<'a> {
    /// The homeserver's URL (`https://matrix.example.org`).
    pub url: &'a str,
    /// The path prefix, in place of every operation's base path (`/_matrix/client/v3`).
    pub prefix: Option<&'a str>,
    /// The version, in place of the version segment of each operation's base path (`v3`), see
    /// [`Metadata::base_path_for`]. `prefix` wins over it.
    pub version: Option<&'a str>,
    /// The access token, sent when the operation takes one.
    pub access_token: Option<&'a str>,
    /// Send the token as the `access_token` query parameter rather than an
    /// `Authorization: Bearer` header (the spec allows both).
    pub token_in_query: bool,
    /// The path as the chosen Matrix version writes it, where that differs
    /// ([`VersionedPath::rewrite`]).
    pub version_path: Option<&'static VersionedPath>,
}

impl fmt::Debug for Base<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Base")
            .field("url", &self.url)
            .field("prefix", &self.prefix)
            .field("version", &self.version)
            .field("access_token", &self.access_token.map(|_| "<redacted>"))
            .field("token_in_query", &self.token_in_query)
            .field("version_path", &self.version_path)
            .finish()
    }
}

/// Every operation's `Request`: what the spec says of the operation.
pub trait Endpoint {
    /// The operation.
    const METADATA: Metadata;
}

/// A request a client sends: every operation's `Request`.
pub trait OutgoingRequest: Endpoint {
    /// What a success decodes into.
    type Response: IncomingResponse;

    /// The HTTP request, to `base`.
    fn to_http_request(&self, base: &Base<'_>) -> Result<http::Request<Vec<u8>>, IntoHttpError>;

    /// The HTTP request to `base_url` under the spec's base path, with the token (if any) in an
    /// `Authorization: Bearer` header.
    fn try_into_http_request(
        &self,
        base_url: &str,
        access_token: Option<&str>,
    ) -> Result<http::Request<Vec<u8>>, IntoHttpError> {
        self.to_http_request(&Base { url: base_url, access_token, ..Base::default() })
    }
}

/// A response a client receives: every operation's `Response`.
pub trait IncomingResponse: Sized {
    /// Decodes a response; a Matrix error or an undecodable body is an error.
    fn try_from_http_response<B: AsRef<[u8]>>(response: http::Response<B>) -> Result<Self, FromHttpResponseError>;
}

/// A request a server receives: every operation's `Request`.
pub trait IncomingRequest: Endpoint + Sized {
    /// Decodes a request: path parameters (matched against the end of the URI's path), query,
    /// headers and JSON body. The access token is not its business.
    fn try_from_http_request<B: AsRef<[u8]>>(request: &http::Request<B>) -> Result<Self, MatrixError>;
}

/// A response a server sends: every operation's `Response`.
pub trait OutgoingResponse {
    fn try_into_http_response(&self) -> Result<http::Response<Vec<u8>>, MatrixError>;
}

/// A value of a path, query or header parameter.
pub trait ParamValue: Sized {
    fn to_param(&self) -> std::borrow::Cow<'_, str>;
    fn from_param(s: &str) -> Result<Self, String>;
}

impl ParamValue for String {
    fn to_param(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(self)
    }
    fn from_param(s: &str) -> Result<Self, String> {
        Ok(s.to_owned())
    }
}

impl ParamValue for bool {
    fn to_param(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(if *self { "true" } else { "false" })
    }
    fn from_param(s: &str) -> Result<Self, String> {
        match s {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(format!("`{s}` is not `true` or `false`")),
        }
    }
}

macro_rules! number_param {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn to_param(&self) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Owned(self.to_string())
            }
            fn from_param(s: &str) -> Result<Self, String> {
                s.parse().map_err(|_| format!("`{s}` is not a number of type {}", stringify!($t)))
            }
        }
    )*};
}
number_param!(i32, i64);

impl ParamValue for serde_json::Number {
    fn to_param(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Owned(self.to_string())
    }
    fn from_param(s: &str) -> Result<Self, String> {
        s.parse().map_err(|_| format!("`{s}` is not a number"))
    }
}

impl ParamValue for serde_json::Value {
    fn to_param(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Owned(self.to_string())
    }
    fn from_param(s: &str) -> Result<Self, String> {
        serde_json::from_str(s).map_err(|e| format!("not JSON: {e}"))
    }
}

impl ParamValue for serde_json::Map<String, serde_json::Value> {
    fn to_param(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Owned(serde_json::to_string(self).unwrap_or_default())
    }
    fn from_param(s: &str) -> Result<Self, String> {
        serde_json::from_str(s).map_err(|e| format!("not a JSON object: {e}"))
    }
}

/// Percent-encodes everything but the unreserved characters of RFC 3986.
pub fn encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() + 8);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xF)] as char);
        }
    }
    out
}

/// Decodes `%XX` (and, in a query, `+` as a space). Invalid UTF-8 is an error.
pub fn decode(s: &str, plus_is_space: bool) -> Result<String, String> {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| format!("`{s}` is not UTF-8 once decoded"))
}

/// Builds a query string.
#[derive(Default)]
pub struct QueryWriter(String);

impl QueryWriter {
    pub fn new() -> Self {
        QueryWriter(String::new())
    }

    /// Adds `name=value`.
    pub fn push<T: ParamValue>(&mut self, name: &str, value: &T) {
        self.push_raw(name, &value.to_param());
    }

    /// Adds `name=a,b,c` (or another separator: a space, `|`, a tab).
    pub fn push_joined<T: ParamValue>(&mut self, name: &str, values: &[T], separator: char) {
        self.push_raw(name, &join_param(values, separator));
    }

    fn push_raw(&mut self, name: &str, value: &str) {
        self.0.push(if self.0.is_empty() { '?' } else { '&' });
        self.0.push_str(&encode(name));
        self.0.push('=');
        self.0.push_str(&encode(value));
    }

    /// `?a=b&c=d`, or nothing.
    pub fn finish(self) -> String {
        self.0
    }
}

/// The decoded `name=value` pairs of a URI's query. Pairs that do not decode are skipped.
pub fn parse_query(uri: &http::Uri) -> Vec<(String, String)> {
    let Some(q) = uri.query() else { return Vec::new() };
    q.split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((decode(k, true).ok()?, decode(v, true).ok()?))
        })
        .collect()
}

/// An optional query parameter.
pub fn query_opt<T: ParamValue>(query: &[(String, String)], name: &str) -> Result<Option<T>, MatrixError> {
    match query.iter().find(|(k, _)| k == name) {
        None => Ok(None),
        Some((_, v)) => T::from_param(v)
            .map(Some)
            .map_err(|e| MatrixError::invalid_param(format!("query parameter `{name}`: {e}"))),
    }
}

/// A required query parameter.
pub fn query_req<T: ParamValue>(query: &[(String, String)], name: &str) -> Result<T, MatrixError> {
    query_opt(query, name)?.ok_or_else(|| MatrixError::missing_param(format!("missing query parameter `{name}`")))
}

/// A list in the query: one pair per value (no `separator`), or joined by `separator`.
pub fn query_list<T: ParamValue>(query: &[(String, String)], name: &str, separator: Option<char>) -> Result<Vec<T>, MatrixError> {
    let mut out = Vec::new();
    for (_, v) in query.iter().filter(|(k, _)| k == name) {
        let values = match separator {
            None => vec![T::from_param(v)],
            Some(c) => v.split(c).map(T::from_param).collect(),
        };
        for value in values {
            out.push(value.map_err(|e| MatrixError::invalid_param(format!("query parameter `{name}`: {e}")))?);
        }
    }
    Ok(out)
}

/// A list's values joined by `separator`: a path or header parameter, or a query parameter
/// that is not one pair per value.
pub fn join_param<T: ParamValue>(values: &[T], separator: char) -> String {
    let mut out = String::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(separator);
        }
        out.push_str(&v.to_param());
    }
    out
}

/// A list's values from their text, joined by `separator` (an empty text is no value).
fn split_param<T: ParamValue>(text: &str, separator: Option<char>) -> Result<Vec<T>, String> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(separator.unwrap_or(',')).map(T::from_param).collect()
}

/// Path parameter `i` (named `name`), a list joined by `separator`.
pub fn path_param_list<T: ParamValue>(values: &[String], i: usize, name: &str, separator: Option<char>) -> Result<Vec<T>, MatrixError> {
    let v = values.get(i).ok_or_else(|| MatrixError::missing_param(format!("missing path parameter `{name}`")))?;
    split_param(v, separator).map_err(|e| MatrixError::invalid_param(format!("path parameter `{name}`: {e}")))
}

/// An optional header parameter, a list joined by `separator`.
pub fn header_list_opt<T: ParamValue>(headers: &http::HeaderMap, name: &str, separator: Option<char>) -> Result<Option<Vec<T>>, MatrixError> {
    match header_opt::<String>(headers, name)? {
        None => Ok(None),
        Some(text) => split_param(&text, separator)
            .map(Some)
            .map_err(|e| MatrixError::invalid_param(format!("header `{name}`: {e}"))),
    }
}

/// A required header parameter, a list joined by `separator`.
pub fn header_list_req<T: ParamValue>(headers: &http::HeaderMap, name: &str, separator: Option<char>) -> Result<Vec<T>, MatrixError> {
    header_list_opt(headers, name, separator)?.ok_or_else(|| MatrixError::missing_param(format!("missing header `{name}`")))
}

/// The query parameters not in `known` (nor `access_token`): the spec's "any further query
/// fields" (`fields...`).
pub fn query_rest(query: &[(String, String)], known: &[&str]) -> std::collections::BTreeMap<String, String> {
    query
        .iter()
        .filter(|(k, _)| k != "access_token" && !known.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The path parameters of `metadata`'s template (`/rooms/{roomId}/invite`) in `path`, which may
/// carry any prefix (`/_matrix/client/v3/rooms/!a:b/invite`), decoded, in template order.
pub fn path_params(metadata: &Metadata, path: &str) -> Result<Vec<String>, MatrixError> {
    let template = metadata.segments;
    let p: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if p.len() < template.len() {
        return Err(MatrixError::unrecognized());
    }
    let tail = &p[p.len() - template.len()..];
    let mut out = Vec::new();
    for (segment, actual) in template.iter().zip(tail) {
        match segment {
            PathSegment::Param(name) => out.push(
                decode(actual, false).map_err(|e| MatrixError::invalid_param(format!("path parameter `{name}`: {e}")))?,
            ),
            // a router serves an operation under another version's path only where that version
            // wrote the path so (`r0` for `v3`)
            PathSegment::Literal(text) if text != actual && !(is_version_segment(text) && is_version_segment(actual)) => {
                return Err(MatrixError::unrecognized())
            }
            PathSegment::Literal(_) => {}
        }
    }
    Ok(out)
}

/// Decodes a field that is present as `Some`, even when it is `null` (for `Option<Value>` and
/// `Option<Option<T>>`, so that `null` and absent stay apart).
pub fn deserialize_some<'de, T: serde::Deserialize<'de>, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// `default` of a `bool` field whose spec default is `V`.
#[doc(hidden)]
pub fn bool_default<const V: bool>() -> bool {
    V
}

/// `skip_serializing_if` of a `bool` field whose spec default is `V`: the default is left out.
#[doc(hidden)]
pub fn is_bool_default<const V: bool>(value: &impl std::borrow::Borrow<bool>) -> bool {
    *value.borrow() == V
}

/// `default` of an integer field whose spec default is `V`.
#[doc(hidden)]
pub fn int_default<T: From<i32>, const V: i32>() -> T {
    T::from(V)
}

/// `skip_serializing_if` of an integer field whose spec default is `V`.
#[doc(hidden)]
pub fn is_int_default<T: From<i32> + PartialEq, const V: i32>(value: &impl std::borrow::Borrow<T>) -> bool {
    *value.borrow() == T::from(V)
}

/// A request body as JSON.
pub fn to_json<T: serde::Serialize + ?Sized>(body: &T) -> Result<Vec<u8>, IntoHttpError> {
    serde_json::to_vec(body).map_err(|e| IntoHttpError(e.to_string()))
}

/// Path parameter `i` (named `name`) as a `T`.
pub fn path_param<T: ParamValue>(values: &[String], i: usize, name: &str) -> Result<T, MatrixError> {
    let v = values.get(i).ok_or_else(|| MatrixError::missing_param(format!("missing path parameter `{name}`")))?;
    T::from_param(v).map_err(|e| MatrixError::invalid_param(format!("path parameter `{name}`: {e}")))
}

/// An optional header parameter.
pub fn header_opt<T: ParamValue>(headers: &http::HeaderMap, name: &str) -> Result<Option<T>, MatrixError> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => {
            let s = v.to_str().map_err(|_| MatrixError::invalid_param(format!("header `{name}` is not text")))?;
            T::from_param(s).map(Some).map_err(|e| MatrixError::invalid_param(format!("header `{name}`: {e}")))
        }
    }
}

/// A required header parameter.
pub fn header_req<T: ParamValue>(headers: &http::HeaderMap, name: &str) -> Result<T, MatrixError> {
    header_opt(headers, name)?.ok_or_else(|| MatrixError::missing_param(format!("missing header `{name}`")))
}

/// Decodes a JSON request body: 400 `M_NOT_JSON` when it is not JSON, 400 `M_BAD_JSON` (with
/// the reason) when it is JSON of the wrong shape.
pub fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, MatrixError> {
    strict(body)?;
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => MatrixError::bad_json(decode_error::<T>(body, &e)),
        _ => json_error(e),
    })
}

/// Why `body` does not decode as a `T`, naming the field where the decoder stopped
/// (`threepids[0].medium: ...`). The path is worked out only once decoding has failed, by
/// decoding again with it tracked, so that bodies which decode pay nothing for it.
pub fn decode_error<T: serde::de::DeserializeOwned>(body: &[u8], e: &serde_json::Error) -> String {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(tracked) if tracked.path().iter().next().is_some() => format!("{}: {e}", tracked.path()),
        _ => e.to_string(),
    }
}

/// Whether the whole body is JSON (RFC 8259), before it is decoded: decoding skips what the
/// type does not know without looking inside it.
fn strict(body: &[u8]) -> Result<(), MatrixError> {
    super::json::check(body).map_err(|fault| match fault {
        super::json::Fault::NotJson(why) => MatrixError::not_json(format!("Content not JSON: {why}")),
        super::json::Fault::TooDeep => MatrixError::bad_json(format!(
            "JSON nested too deeply: more than {} lists and objects",
            super::json::MAX_DEPTH
        )),
    })
}

fn json_error(e: serde_json::Error) -> MatrixError {
    match e.classify() {
        serde_json::error::Category::Data => MatrixError::bad_json(e.to_string()),
        // valid JSON, but nested deeper than any Matrix body: the wrong shape, not "not JSON"
        _ if e.to_string().starts_with("recursion limit exceeded") => {
            MatrixError::bad_json(format!("JSON nested too deeply: {e}"))
        }
        _ => MatrixError::not_json(format!("Content not JSON: {e}")),
    }
}

/// Decodes a JSON request body that must be an object: serde would read a struct from a list
/// too, which a JSON API must refuse as the wrong shape (400 `M_BAD_JSON`).
pub fn json_object_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, MatrixError> {
    match first_byte(body) {
        Some(b'{') => json_body(body),
        // no body where every field is optional (`POST /logout`): the empty object; else the
        // body is missing, which is not JSON
        None => serde_json::from_slice(b"{}").or_else(|_| json_body(body)),
        Some(_) => {
            strict(body)?;
            Err(MatrixError::bad_json("the body must be a JSON object"))
        }
    }
}

fn first_byte(body: &[u8]) -> Option<u8> {
    body.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// Decodes a JSON request body where the spec documents none: an empty body is the default
/// (an empty object), anything else must be JSON.
pub fn json_body_or_empty<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, MatrixError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    json_body(body)
}

/// A JSON response with `status`.
pub fn json_response<T: serde::Serialize + ?Sized>(status: u16, body: &T) -> Result<http::Response<Vec<u8>>, MatrixError> {
    let status = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    // 204 and 304 never carry a body
    if status == http::StatusCode::NO_CONTENT || status == http::StatusCode::NOT_MODIFIED {
        let mut response = http::Response::new(Vec::new());
        *response.status_mut() = status;
        return Ok(response);
    }
    let bytes = serde_json::to_vec(body).map_err(|e| MatrixError::unknown(format!("cannot encode the response: {e}")))?;
    let mut response = http::Response::new(bytes);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    Ok(response)
}

/// A header the response documents, read into its field: absent is `None`; a value that does
/// not parse as the field's type is a decode error. An error status is left to the body's
/// decoding (its headers are not the success's).
pub fn response_header<T: ParamValue>(
    headers: &http::HeaderMap,
    status: http::StatusCode,
    name: &str,
) -> Result<Option<T>, FromHttpResponseError> {
    if !(status.is_success() || status.is_redirection()) {
        return Ok(None);
    }
    let Some(value) = headers.get(name) else { return Ok(None) };
    let text = value.to_str().map_err(|e| FromHttpResponseError::Decode {
        status,
        message: format!("the `{name}` header is not text: {e}"),
        excerpt: String::new(),
    })?;
    T::from_param(text).map(Some).map_err(|e| FromHttpResponseError::Decode {
        status,
        message: format!("the `{name}` header: {e}"),
        excerpt: text.chars().take(200).collect(),
    })
}

/// Sets a documented header of a response from its field (`None`: not sent).
pub fn set_header<T: ParamValue>(response: &mut http::Response<Vec<u8>>, name: &str, value: Option<&T>) -> Result<(), MatrixError> {
    let Some(value) = value else { return Ok(()) };
    let name = http::HeaderName::from_bytes(name.as_bytes())
        .map_err(|e| MatrixError::unknown(format!("`{name}` is not a header name: {e}")))?;
    let value = http::HeaderValue::from_str(&value.to_param())
        .map_err(|e| MatrixError::unknown(format!("the `{name}` header cannot hold its value: {e}")))?;
    response.headers_mut().insert(name, value);
    Ok(())
}

/// Decodes the answer of an operation whose success is a redirect: any `3xx` is it (its headers
/// are read apart); another status is a Matrix error, or a decode error.
pub fn decode_redirect<B: AsRef<[u8]>>(response: http::Response<B>) -> Result<(), FromHttpResponseError> {
    if response.status().is_redirection() {
        return Ok(());
    }
    let status = response.status();
    decode_response::<serde::de::IgnoredAny, B>(response).and_then(|_| {
        Err(FromHttpResponseError::Decode { status, message: "a redirect was expected".to_owned(), excerpt: String::new() })
    })
}

/// A redirect with `status` and no body (its `Location` is set from the response's field).
pub fn redirect_response(status: u16) -> Result<http::Response<Vec<u8>>, MatrixError> {
    let mut response = http::Response::new(Vec::new());
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::FOUND);
    Ok(response)
}

/// The first characters of a body, for an error message.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    text.into_owned()
}

/// Decodes a response: `T` for a success status, else a Matrix error; a body that is neither is
/// a decode error carrying the status and an excerpt.
pub fn decode_response<T: serde::de::DeserializeOwned, B: AsRef<[u8]>>(
    response: http::Response<B>,
) -> Result<T, FromHttpResponseError> {
    let status = response.status();
    let body = response.body().as_ref();
    if status.is_success() {
        // no success of the Matrix API has an `errcode`: a success status with an error body is
        // the error it says it is
        if body.windows(9).any(|w| w == b"\"errcode\"") {
            if let Ok(mut error) = serde_json::from_slice::<MatrixError>(body) {
                error.status = status;
                return Err(FromHttpResponseError::Matrix(error));
            }
        }
        return serde_json::from_slice(body).map_err(|e| FromHttpResponseError::Decode {
            status,
            message: decode_error::<T>(body, &e),
            excerpt: excerpt(body),
        });
    }
    // user-interactive authentication: a 401 with `flows`, and an `errcode` only when a stage failed
    if status == http::StatusCode::UNAUTHORIZED && body.windows(7).any(|w| w == b"\"flows\"") {
        if let Ok(uiaa) = serde_json::from_slice::<super::error::UiaaResponse>(body) {
            return Err(FromHttpResponseError::InteractiveAuth(Box::new(uiaa)));
        }
    }
    match serde_json::from_slice::<MatrixError>(body) {
        Ok(mut error) => {
            error.status = status;
            error.retry_after_header = super::error::retry_after_header(response.headers());
            Err(FromHttpResponseError::Matrix(error))
        }
        Err(e) => Err(FromHttpResponseError::Decode { status, message: e.to_string(), excerpt: excerpt(body) }),
    }
}

/// [`decode_response`] for a response that must be a JSON object (see [`json_object_body`]).
pub fn decode_object_response<T: serde::de::DeserializeOwned, B: AsRef<[u8]>>(
    response: http::Response<B>,
) -> Result<T, FromHttpResponseError> {
    let status = response.status();
    let body = response.body().as_ref();
    if status.is_success() && first_byte(body).is_some_and(|b| b != b'{') {
        return Err(FromHttpResponseError::Decode {
            status,
            message: "the body is not a JSON object".to_owned(),
            excerpt: excerpt(body),
        });
    }
    decode_response(response)
}

/// Decodes a response whose success body is bytes, not JSON: the bytes and their content type;
/// an error status is a Matrix error (or a decode error), as for JSON responses.
pub fn decode_binary_response<B: AsRef<[u8]>>(
    response: http::Response<B>,
) -> Result<(Vec<u8>, Option<String>), FromHttpResponseError> {
    if response.status().is_success() {
        let content_type =
            response.headers().get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        return Ok((response.body().as_ref().to_vec(), content_type));
    }
    decode_response::<serde::de::IgnoredAny, B>(response).map(|_| (Vec::new(), None))
}

/// A response of bytes with `status` and a content type (`application/octet-stream` if none).
pub fn binary_response(status: u16, body: &[u8], content_type: Option<&str>) -> Result<http::Response<Vec<u8>>, MatrixError> {
    let mut response = http::Response::new(body.to_vec());
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    let value = http::HeaderValue::from_str(content_type.unwrap_or("application/octet-stream"))
        .map_err(|_| MatrixError::unknown("the content type is not a valid header value"))?;
    response.headers_mut().insert(http::header::CONTENT_TYPE, value);
    Ok(response)
}

/// Assembles an HTTP request for an operation. `json`: the body is JSON (else bytes, sent as
/// `application/octet-stream` unless a `Content-Type` parameter says otherwise).
pub fn build_request(
    metadata: &Metadata,
    base: &Base<'_>,
    path: &str,
    query: QueryWriter,
    headers: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    json: bool,
) -> Result<http::Request<Vec<u8>>, IntoHttpError> {
    let prefix = match (base.prefix, base.version) {
        (Some(prefix), _) => std::borrow::Cow::Borrowed(prefix),
        (None, Some(version)) => metadata.base_path_for(version),
        (None, None) => std::borrow::Cow::Borrowed(metadata.base_path),
    };
    let mut query = query;
    let token = match metadata.auth {
        AuthKind::None => None,
        _ => base.access_token,
    };
    if let (Some(t), true) = (token, base.token_in_query) {
        query.push_raw("access_token", t);
    }
    let path = match base.version_path {
        Some(p) => std::borrow::Cow::Owned(p.rewrite(path)),
        None => std::borrow::Cow::Borrowed(path),
    };
    let url = format!("{}{}{}{}", base.url.trim_end_matches('/'), prefix.trim_end_matches('/'), path, query.finish());
    let method = match metadata.method {
        Method::Get => http::Method::GET,
        Method::Put => http::Method::PUT,
        Method::Post => http::Method::POST,
        Method::Delete => http::Method::DELETE,
        Method::Options => http::Method::OPTIONS,
        Method::Head => http::Method::HEAD,
        Method::Patch => http::Method::PATCH,
        Method::Trace => http::Method::TRACE,
    };
    let mut builder = http::Request::builder().method(method).uri(&url);
    if let (Some(t), false) = (token, base.token_in_query) {
        builder = builder.header(http::header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let has_content_type = headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    if body.is_some() && !has_content_type {
        let content_type = if json { "application/json" } else { "application/octet-stream" };
        builder = builder.header(http::header::CONTENT_TYPE, http::HeaderValue::from_static(content_type));
    }
    builder
        .body(body.unwrap_or_default())
        .map_err(|e| IntoHttpError(format!("cannot build the request to {url}: {e}")))
}

/// The longest access token accepted; a longer one cannot have been issued, and is
/// 401 `M_UNKNOWN_TOKEN` before any implementation sees it.
pub const MAX_TOKEN_LEN: usize = 4096;

/// The access token of a request, from `Authorization: Bearer` or the `access_token` query
/// parameter. An `Authorization` header that is not a bearer token is 401 `M_MISSING_TOKEN`;
/// credentials given twice (two `Authorization` headers, `access_token` twice, or one of each)
/// are ambiguous, 400 `M_INVALID_PARAM`, whatever their values.
pub fn access_token(headers: &http::HeaderMap, uri: &http::Uri) -> Result<Option<AccessToken>, MatrixError> {
    Ok(access_token_sent(headers, uri)?.map(|(token, _)| token))
}

/// As [`access_token`], with whether the token came in the `Authorization` header (`true`) or
/// the query string (`false`).
pub fn access_token_sent(headers: &http::HeaderMap, uri: &http::Uri) -> Result<Option<(AccessToken, bool)>, MatrixError> {
    let token = access_token_unchecked(headers, uri)?;
    if token.as_ref().is_some_and(|(t, _)| t.0.len() > MAX_TOKEN_LEN) {
        return Err(MatrixError::unknown_token("The access token is too long."));
    }
    Ok(token)
}

fn access_token_unchecked(headers: &http::HeaderMap, uri: &http::Uri) -> Result<Option<(AccessToken, bool)>, MatrixError> {
    let mut authorization = headers.get_all(http::header::AUTHORIZATION).iter();
    let from_header = match (authorization.next(), authorization.next()) {
        (None, _) => None,
        (Some(_), Some(_)) => return Err(MatrixError::invalid_param("More than one Authorization header.")),
        (Some(v), None) => {
            let v = v.to_str().unwrap_or_default();
            match v.split_once(' ') {
                Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
                    Some(token.trim().to_owned())
                }
                _ => return Err(MatrixError::missing_token("Invalid Authorization header.")),
            }
        }
    };
    let mut in_query = parse_query(uri).into_iter().filter(|(k, _)| k == "access_token").map(|(_, v)| v);
    let from_query = match (in_query.next(), in_query.next()) {
        (Some(_), Some(_)) => return Err(MatrixError::invalid_param("More than one access_token query parameter.")),
        (first, _) => first,
    };
    match (from_header, from_query) {
        (Some(_), Some(_)) => {
            Err(MatrixError::invalid_param("Mixing Authorization headers and access_token query parameters."))
        }
        (Some(t), None) => Ok(Some((AccessToken(t), true))),
        (None, Some(t)) => Ok(Some((AccessToken(t), false))),
        (None, None) => Ok(None),
    }
}
