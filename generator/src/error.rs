//! Diagnostics: every error and warning names the file (relative to the spec root), the line
//! and column where the YAML parser knows them, and the JSON pointer of the offending node.

use std::fmt;

/// Where in the spec a diagnostic points.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// The file, relative to the spec root, with `/` separators.
    pub file: Option<String>,
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// 1-based column, where known.
    pub column: Option<usize>,
    /// The JSON pointer of the node inside `file` (`""` is the whole file).
    pub pointer: Option<String>,
}

impl Location {
    /// A location naming just a file.
    pub fn file(file: impl Into<String>) -> Self {
        Location {
            file: Some(file.into()),
            ..Location::default()
        }
    }

    /// A location naming a node of a file.
    pub fn node(file: impl Into<String>, pointer: impl Into<String>) -> Self {
        Location {
            file: Some(file.into()),
            pointer: Some(pointer.into()),
            ..Location::default()
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut wrote = false;
        if let Some(file) = &self.file {
            write!(f, "{file}")?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
                if let Some(column) = self.column {
                    write!(f, ":{column}")?;
                }
            }
            wrote = true;
        }
        if let Some(pointer) = &self.pointer {
            if wrote {
                f.write_str(": ")?;
            }
            if pointer.is_empty() {
                f.write_str("#")?;
            } else {
                write!(f, "#{pointer}")?;
            }
            wrote = true;
        }
        if wrote {
            f.write_str(": ")?;
        }
        Ok(())
    }
}

/// A located message: the payload of both [`Error`] and warnings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where it points.
    pub location: Location,
    /// What it says.
    pub message: String,
}

impl Diagnostic {
    /// A message at a location.
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            location,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.location, self.message)
    }
}

/// A warning: the spec is sloppy but its meaning is clear, so generation goes on.
pub type Warning = Diagnostic;

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The spec is at fault: fix the spec.
    Spec,
    /// The settings are at fault (a crate name cargo refuses): nothing was read.
    Usage,
    /// Reading or writing a file failed (the output folder, permissions, a full disk).
    Io,
    /// The generator is at fault: a bug to report.
    Internal,
}

/// Why generation failed. Displayed as `FILE:LINE:COL: #POINTER: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(Box<(ErrorKind, Diagnostic)>);

impl Error {
    /// A fault of the spec, at `location`.
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        Error(Box::new((ErrorKind::Spec, Diagnostic::new(location, message))))
    }

    /// An error about the generator's environment rather than a spec node (I/O on the output).
    pub fn io(path: &std::path::Path, what: &str, err: &std::io::Error) -> Self {
        Error(Box::new((
            ErrorKind::Io,
            Diagnostic::new(Location::default(), format!("{what} {}: {err}", path.display())),
        )))
    }

    /// A fault of the settings, found before anything is read.
    pub fn usage(message: impl Into<String>) -> Self {
        Error(Box::new((
            ErrorKind::Usage,
            Diagnostic::new(Location::default(), message),
        )))
    }

    /// A bug of the generator.
    pub fn internal(message: impl fmt::Display) -> Self {
        Error(Box::new((
            ErrorKind::Internal,
            Diagnostic::new(Location::default(), format!("internal error: {message}")),
        )))
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.0 .0
    }

    /// Where in the spec it points.
    pub fn location(&self) -> &Location {
        &self.0 .1.location
    }

    /// The same error at another (more precise) location.
    pub fn with_location(mut self, location: Location) -> Self {
        self.0 .1.location = location;
        self
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.0 .1.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0 .1.fmt(f)
    }
}

impl std::error::Error for Error {}

/// Shorthand used across the pipeline.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Escapes one JSON pointer reference token (RFC 6901).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Appends a token to a pointer.
pub fn push_token(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape_token(token))
}
