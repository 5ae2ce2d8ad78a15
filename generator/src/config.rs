//! The checked-in configuration (`matrix-api.toml`): the Matrix releases a series spans, oldest
//! first, and the APIs to read from each. A new release is one more `[[release]]` entry.
//!
//! ```toml
//! [[release]]
//! version = "1.0"                                  # its Matrix version, MAJOR.MINOR
//! root = "../shared/corpus/matrix-doc-r0.6.1"      # its spec root, from the file's folder
//!
//! [[api]]
//! name = "client-server"                           # the API's name in the history
//! dir = "api/client-server"                        # its folder in every release's root
//! ```

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A Matrix version, `MAJOR.MINOR` (`1.0` is r0.6.1, the release the spec calls Matrix 1.0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MatrixVersion {
    /// The major version.
    pub major: u32,
    /// The minor version.
    pub minor: u32,
}

impl MatrixVersion {
    /// Parses `1.11` (and `v1.11`); anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().strip_prefix('v').unwrap_or(text.trim());
        let (major, minor) = text.split_once('.')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(major) || !digits(minor) {
            return None;
        }
        Some(MatrixVersion {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
        })
    }
}

impl std::fmt::Display for MatrixVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// One release of the series.
#[derive(Clone, Debug)]
pub struct Release {
    /// Its Matrix version.
    pub version: MatrixVersion,
    /// Its spec root (absolute, or relative to the working folder).
    pub root: PathBuf,
}

/// One API read from every release.
#[derive(Clone, Debug)]
pub struct ApiEntry {
    /// Its name (`client-server`).
    pub name: String,
    /// Its folder inside each release's root (`api/client-server`).
    pub dir: PathBuf,
}

/// The configuration file, read.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file it was read from.
    pub file: PathBuf,
    /// The releases, oldest first.
    pub releases: Vec<Release>,
    /// The APIs.
    pub apis: Vec<ApiEntry>,
}

impl Config {
    /// Reads the configuration file `file`. Every fault is one error naming the file and the
    /// entry (and the line, for TOML that does not parse).
    pub fn read(file: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| Error::usage(format!("{}: cannot read the configuration: {e}", file.display())))?;
        Config::parse(&text, file)
    }

    /// Reads a configuration from its text; `file` names it in errors and anchors its paths.
    pub fn parse(text: &str, file: &Path) -> Result<Config> {
        let fault = |what: String| Error::usage(format!("{}: {what}", file.display()));
        let doc: toml_edit::DocumentMut = text
            .parse()
            .map_err(|e: toml_edit::TomlError| fault(format!("not TOML: {}", e.to_string().trim_end())))?;
        let base = file.parent().unwrap_or(Path::new("")).to_path_buf();
        for (key, _) in doc.iter() {
            if key != "release" && key != "api" {
                return Err(fault(format!("unknown key `{key}` (the keys are `release` and `api`)")));
            }
        }
        let tables = |key: &str| -> Result<Vec<&toml_edit::Table>> {
            match doc.get(key) {
                None => Err(fault(format!("no `[[{key}]]` entry"))),
                Some(item) => match item.as_array_of_tables() {
                    Some(a) => Ok(a.iter().collect()),
                    None => Err(fault(format!("`{key}` must be an array of tables (`[[{key}]]`)"))),
                },
            }
        };
        let keys = |t: &toml_edit::Table, allowed: &[&str], entry: &str| -> Result<()> {
            match t.iter().find(|(k, _)| !allowed.contains(k)) {
                Some((k, _)) => Err(fault(format!(
                    "{entry}: unknown key `{k}` (the keys are {})",
                    allowed.join(", ")
                ))),
                None => Ok(()),
            }
        };
        let text_of = |t: &toml_edit::Table, key: &str, entry: &str| -> Result<String> {
            t.get(key)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
                .ok_or_else(|| fault(format!("{entry}: `{key}` must be a string")))
        };
        let mut releases: Vec<Release> = Vec::new();
        for (i, t) in tables("release")?.into_iter().enumerate() {
            let entry = format!("release {}", i + 1);
            keys(t, &["version", "root"], &entry)?;
            let written = text_of(t, "version", &entry)?;
            let version = MatrixVersion::parse(&written)
                .ok_or_else(|| fault(format!("{entry}: version `{written}` is not MAJOR.MINOR")))?;
            if let Some(last) = releases.last().filter(|r| r.version >= version) {
                return Err(fault(format!(
                    "{entry}: version {version} follows {}: the releases are listed oldest first, each once",
                    last.version
                )));
            }
            let root = base.join(text_of(t, "root", &entry)?);
            releases.push(Release { version, root });
        }
        let mut apis: Vec<ApiEntry> = Vec::new();
        for (i, t) in tables("api")?.into_iter().enumerate() {
            let entry = format!("api {}", i + 1);
            keys(t, &["name", "dir"], &entry)?;
            let name = text_of(t, "name", &entry)?;
            if apis.iter().any(|a| a.name == name) {
                return Err(fault(format!("{entry}: the API `{name}` is listed twice")));
            }
            let dir = PathBuf::from(text_of(t, "dir", &entry)?);
            if dir.is_absolute() || dir.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
                return Err(fault(format!(
                    "{entry}: `dir` must be a plain folder inside each release's root"
                )));
            }
            apis.push(ApiEntry { name, dir });
        }
        Ok(Config {
            file: file.to_path_buf(),
            releases,
            apis,
        })
    }

    /// The API named `name`.
    pub fn api(&self, name: &str) -> Option<&ApiEntry> {
        self.apis.iter().find(|a| a.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[release]]
version = "1.0"
root = "r0"
[[release]]
version = "1.11"
root = "v1.11"
[[api]]
name = "client-server"
dir = "api/client-server"
"#;

    #[test]
    fn reads_releases_oldest_first_relative_to_the_file() {
        let c = Config::parse(GOOD, Path::new("conf/matrix-api.toml")).unwrap();
        assert_eq!(c.releases.len(), 2);
        assert_eq!(c.releases[1].version, MatrixVersion { major: 1, minor: 11 });
        assert_eq!(c.releases[1].root, Path::new("conf/v1.11"));
        assert_eq!(c.apis[0].dir, Path::new("api/client-server"));
        // 1.11 is later than 1.2, whatever the text's order says
        assert!(MatrixVersion::parse("1.11") > MatrixVersion::parse("1.2"));
    }

    #[test]
    fn each_fault_is_one_error_naming_the_file_and_entry() {
        let cases = [
            (
                GOOD.replace("\"1.11\"", "\"1.0\""),
                "release 2: version 1.0 follows 1.0",
            ),
            (
                GOOD.replace("\"1.11\"", "\"eleven\""),
                "release 2: version `eleven` is not MAJOR.MINOR",
            ),
            (
                GOOD.replace("dir = \"api/client-server\"", "dir = \"../x\""),
                "api 1: `dir` must be a plain folder",
            ),
            (
                GOOD.replace("root = \"r0\"", "rot = \"r0\""),
                "release 1: unknown key `rot`",
            ),
            (GOOD.replace("[[api]]", "[api]"), "`api` must be an array of tables"),
            (format!("{GOOD}\nextra = 1"), "unknown key `extra`"),
            ("[[release]\n".to_owned(), "not TOML"),
        ];
        for (text, expected) in cases {
            let e = Config::parse(&text, Path::new("m.toml")).unwrap_err().to_string();
            assert!(e.contains("m.toml: ") && e.contains(expected), "{e}");
        }
    }
}
