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
    /// Its path from each Matrix version where it changes, oldest first, where the crate was
    /// generated over a series of releases (`cargo xtask gen --config`); empty otherwise.
    pub history: &'static [VersionedPath],
    /// The Matrix version that deprecated it, from the series.
    pub deprecated_in: Option<&'static str>,
    /// The Matrix version that removed it, from the series.
    pub removed_in: Option<&'static str>,
}

/// Where a Matrix version's security schemes let a client send an operation's access token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TokenPlaces {
    /// The `Authorization: Bearer` header.
    pub header: bool,
    /// The `access_token` query parameter.
    pub query: bool,
}

/// An operation's path, and where its access token may be sent, from one Matrix version on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VersionedPath {
    /// The Matrix version (`1.0`, `1.11`).
    pub version: &'static str,
    /// The base path from that version (`/_matrix/client/r0`); the path below it is the
    /// operation's own.
    pub base_path: &'static str,
    /// Whether this crate's request can be sent there (`false`: the path then had another shape,
    /// which the newest release's parameters cannot fill).
    pub fits: bool,
    /// Where that version's security schemes let the access token be sent.
    pub token: TokenPlaces,
    /// The version segments of the operation's path that this version writes otherwise (`r0`
    /// where the path has `v3`), by their index among the path's segments.
    pub segments: &'static [(usize, &'static str)],
}

impl VersionedPath {
    /// `path` (the operation's path below its base path, or its route template) as this version
    /// writes it: its version segments replaced.
    pub fn rewrite(&self, path: &str) -> String {
        if self.segments.is_empty() {
            return path.to_owned();
        }
        let mut parts: Vec<&str> = path.split('/').collect();
        for (i, text) in self.segments {
            // the path starts with `/`: its first segment is the second part
            if let Some(part) = parts.get_mut(i + 1) {
                *part = text;
            }
        }
        parts.join("/")
    }
}

/// Whether a path segment names a version (`r0`, `v1`, `v3`, `unstable`).
pub fn is_version_segment(s: &str) -> bool {
    let numbered = |p: char| {
        s.strip_prefix(p)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    numbered('r') || numbered('v') || s == "unstable"
}

/// A Matrix version, `(major, minor)`, read from what `/versions` lists: `v1.11` is `(1, 11)`,
/// and every `r0.x.y` is `(1, 0)` (r0.6.1 is Matrix 1.0, and earlier r0 releases are served by
/// its paths). Anything else (`unstable` features, a future scheme) is `None`.
pub fn matrix_version(text: &str) -> Option<(u32, u32)> {
    if text.starts_with("r0.") || text == "r0" {
        return Some((1, 0));
    }
    let (major, minor) = text.strip_prefix('v').unwrap_or(text).split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Why an operation cannot be called on a server: the versions the server speaks and those the
/// operation can be sent in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsupported {
    /// The operation's `operationId`.
    pub operation: &'static str,
    /// The versions the server said it speaks.
    pub server_versions: Vec<String>,
    /// The versions in which this crate can send the operation, in words (`1.1 to 1.15`).
    pub operation_versions: String,
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cannot be sent to this server: it speaks {}, and the operation exists in {}",
            self.operation,
            self.server_versions.join(", "),
            self.operation_versions
        )
    }
}

impl Metadata {
    /// The base path to call the operation under on a server that speaks `server_versions` (as
    /// `/versions` lists them): that of the newest version the server speaks in which the
    /// operation exists and this crate's request fits. An operation without a history (a crate of
    /// one release) is its own base path. Where that version wrote a version segment of the path
    /// otherwise (`r0` for `v3`), the path below it changes too: [`Metadata::path_for_server`]
    /// and [`VersionedPath::rewrite`] give both.
    pub fn base_path_for_server(&self, server_versions: &[String]) -> Result<&'static str, Unsupported> {
        Ok(self.path_for_server(server_versions)?.map_or(self.base_path, |p| p.base_path))
    }

    /// The entry of the history [`Metadata::base_path_for_server`] takes its base path from
    /// (`None` for an operation without a history).
    pub fn path_for_server(&self, server_versions: &[String]) -> Result<Option<&'static VersionedPath>, Unsupported> {
        if self.history.is_empty() {
            return Ok(None);
        }
        let parse = |v: &str| matrix_version(v);
        let removed = self.removed_in.and_then(parse);
        let mut spoken: Vec<(u32, u32)> = server_versions.iter().filter_map(|v| parse(v)).collect();
        spoken.sort_unstable();
        for version in spoken.iter().rev() {
            if removed.is_some_and(|r| *version >= r) {
                continue;
            }
            let entry = self.history.iter().rev().find(|p| parse(p.version).is_some_and(|v| v <= *version));
            if let Some(entry) = entry.filter(|p| p.fits) {
                return Ok(Some(entry));
            }
        }
        Err(Unsupported {
            operation: self.operation_id,
            server_versions: server_versions.to_vec(),
            operation_versions: self.callable_versions(),
        })
    }

    /// The versions in which this crate can send the operation, in words.
    fn callable_versions(&self) -> String {
        // runs of consecutive versions that fit, each from its first version until the next
        // that does not (or the removal)
        let mut spans = Vec::new();
        let mut start: Option<&str> = None;
        for p in self.history {
            match (start, p.fits) {
                (None, true) => start = Some(p.version),
                (Some(from), false) => {
                    spans.push(format!("{from} until {}", p.version));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(from) = start {
            spans.push(match self.removed_in {
                Some(end) => format!("{from} until {end}"),
                None => format!("{from} on"),
            });
        }
        if spans.is_empty() {
            "no version this crate can send it in".to_owned()
        } else {
            spans.join(", ")
        }
    }

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
