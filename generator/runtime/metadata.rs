//! What every operation declares about itself.

use std::fmt;

/// An HTTP method used by the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    /// The method as it is written on the wire (`GET`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an operation needs an access token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthKind {
    /// The operation takes no access token.
    None,
    /// An access token is required.
    AccessToken,
    /// An access token may be sent, and changes the answer when it is.
    OptionalAccessToken,
    /// The request is signed by the sending server (federation's `Authorization: X-Matrix`).
    ServerSignatures,
}

/// One `/`-separated segment of a path template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// Text matched as it is.
    Literal(&'static str),
    /// A path parameter standing for the whole segment, by its name in the spec.
    Param(&'static str),
}

/// The metadata of one operation of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Metadata {
    /// The HTTP method.
    pub method: Method,
    /// The path template below the base path, with `{name}` placeholders
    /// (`/rooms/{roomId}/invite`).
    pub path: &'static str,
    /// The path template, parsed into its segments.
    pub segments: &'static [PathSegment],
    /// The base path the spec serves the API under (`/_matrix/client/r0`).
    pub base_path: &'static str,
    /// The spec's `operationId`.
    pub operation_id: &'static str,
    /// The operation's module and method name in this crate.
    pub name: &'static str,
    /// Whether the operation needs an access token.
    pub auth: AuthKind,
    /// Whether the spec deprecates the operation.
    pub deprecated: bool,
    /// The Matrix version that added the operation, where the spec says.
    pub added_in: Option<&'static str>,
    /// The Matrix versions that changed the operation, where the spec says.
    pub changed_in: &'static [&'static str],
}

impl Metadata {
    /// The base path with its version segment replaced by `version`: under `v3`,
    /// `/_matrix/client/r0` is `/_matrix/client/v3` and `/_matrix/media/r0` is
    /// `/_matrix/media/v3`, while a base path without a version (`/.well-known`,
    /// `/_matrix/client` of `/versions`) stays as it is.
    pub fn base_path_for(&self, version: &str) -> std::borrow::Cow<'static, str> {
        with_version(self.base_path, version)
    }
}

/// `base_path` with its last segment replaced by `version` if that segment is a version (`r0`,
/// `v1`, `v3`, `unstable`); else `base_path` itself.
pub fn with_version<'a>(base_path: &'a str, version: &str) -> std::borrow::Cow<'a, str> {
    match base_path.rsplit_once('/') {
        Some((parent, last)) if is_version(last) => std::borrow::Cow::Owned(format!("{parent}/{version}")),
        _ => std::borrow::Cow::Borrowed(base_path),
    }
}

/// Whether a path segment names a version of a Matrix API: `r0`, `v1`, `v3`, `unstable`.
pub fn is_version(segment: &str) -> bool {
    let digits = |rest: &str| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit());
    segment == "unstable" || segment.strip_prefix('r').is_some_and(digits) || segment.strip_prefix('v').is_some_and(digits)
}
