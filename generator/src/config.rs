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
//! crate = "matrix-client-server-api"               # its crate (default: matrix-NAME-api)
//! events = "event-schemas/schema"                  # its event schemas, in the newest root
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
    /// Its crate's package name (`matrix-client-server-api`).
    pub crate_name: String,
    /// Its event schemas' folder inside the newest release's root, if its crate has them.
    pub events: Option<PathBuf>,
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
        let reader = Reader { file };
        let doc: toml_edit::DocumentMut = text
            .parse()
            .map_err(|e: toml_edit::TomlError| reader.fault(format!("not TOML: {}", e.to_string().trim_end())))?;
        if let Some((key, _)) = doc.iter().find(|(k, _)| *k != "release" && *k != "api") {
            return Err(reader.fault(format!("unknown key `{key}` (the keys are `release` and `api`)")));
        }
        let base = file.parent().unwrap_or(Path::new("")).to_path_buf();
        let mut releases: Vec<Release> = Vec::new();
        for (i, t) in reader.tables(&doc, "release")?.into_iter().enumerate() {
            releases.push(reader.release(t, &format!("release {}", i + 1), &base, releases.last())?);
        }
        let mut apis: Vec<ApiEntry> = Vec::new();
        for (i, t) in reader.tables(&doc, "api")?.into_iter().enumerate() {
            let entry = format!("api {}", i + 1);
            let api = reader.api(t, &entry)?;
            if apis.iter().any(|a| a.name == api.name) {
                return Err(reader.fault(format!("{entry}: the API `{}` is listed twice", api.name)));
            }
            apis.push(api);
        }
        Ok(Config {
            file: file.to_path_buf(),
            releases,
            apis,
        })
    }

    /// The newest release.
    pub fn newest(&self) -> Option<&Release> {
        self.releases.last()
    }

    /// The API named `name`.
    pub fn api(&self, name: &str) -> Option<&ApiEntry> {
        self.apis.iter().find(|a| a.name == name)
    }
}

/// Reads the entries of one configuration file, naming it in each error.
struct Reader<'a> {
    file: &'a Path,
}

impl Reader<'_> {
    fn fault(&self, what: String) -> Error {
        Error::usage(format!("{}: {what}", self.file.display()))
    }

    /// The array of tables `[[key]]`.
    fn tables<'d>(&self, doc: &'d toml_edit::DocumentMut, key: &str) -> Result<Vec<&'d toml_edit::Table>> {
        match doc.get(key) {
            None => Err(self.fault(format!("no `[[{key}]]` entry"))),
            Some(item) => match item.as_array_of_tables() {
                Some(a) => Ok(a.iter().collect()),
                None => Err(self.fault(format!("`{key}` must be an array of tables (`[[{key}]]`)"))),
            },
        }
    }

    fn keys(&self, t: &toml_edit::Table, allowed: &[&str], entry: &str) -> Result<()> {
        match t.iter().find(|(k, _)| !allowed.contains(k)) {
            Some((k, _)) => Err(self.fault(format!(
                "{entry}: unknown key `{k}` (the keys are {})",
                allowed.join(", ")
            ))),
            None => Ok(()),
        }
    }

    fn text(&self, t: &toml_edit::Table, key: &str, entry: &str) -> Result<String> {
        t.get(key)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or_else(|| self.fault(format!("{entry}: `{key}` must be a string")))
    }

    /// A folder inside a root: relative, with no `..`.
    fn plain_folder(&self, t: &toml_edit::Table, key: &str, entry: &str) -> Result<PathBuf> {
        let dir = PathBuf::from(self.text(t, key, entry)?);
        if dir.is_absolute() || dir.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
            return Err(self.fault(format!("{entry}: `{key}` must be a plain folder inside the root")));
        }
        Ok(dir)
    }

    fn release(&self, t: &toml_edit::Table, entry: &str, base: &Path, previous: Option<&Release>) -> Result<Release> {
        self.keys(t, &["version", "root"], entry)?;
        let written = self.text(t, "version", entry)?;
        let version = MatrixVersion::parse(&written)
            .ok_or_else(|| self.fault(format!("{entry}: version `{written}` is not MAJOR.MINOR")))?;
        if let Some(last) = previous.filter(|r| r.version >= version) {
            return Err(self.fault(format!(
                "{entry}: version {version} follows {}: the releases are listed oldest first, each once",
                last.version
            )));
        }
        Ok(Release {
            version,
            root: base.join(self.text(t, "root", entry)?),
        })
    }

    fn api(&self, t: &toml_edit::Table, entry: &str) -> Result<ApiEntry> {
        self.keys(t, &["name", "dir", "crate", "events"], entry)?;
        let name = self.text(t, "name", entry)?;
        let dir = self.plain_folder(t, "dir", entry)?;
        let crate_name = match t.get("crate") {
            None => format!("matrix-{name}-api"),
            Some(_) => self.text(t, "crate", entry)?,
        };
        crate::crate_name::check(&crate_name).map_err(|e| self.fault(format!("{entry}: {e}")))?;
        let events = match t.get("events") {
            None => None,
            Some(_) => Some(self.plain_folder(t, "events", entry)?),
        };
        Ok(ApiEntry {
            name,
            dir,
            crate_name,
            events,
        })
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
                "api 1: `dir` must be a plain folder inside the root",
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
