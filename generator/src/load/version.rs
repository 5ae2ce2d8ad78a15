//! The version an API document is written in, decided where it is loaded: every later stage
//! (fixups, resolve, the front ends) is told it.

use serde_json::Value;

use super::file::SourceFile;
use crate::error::{Error, Result};

/// The input versions the generator reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// `swagger: "2.0"`
    Swagger2,
    /// `openapi: 3.0.x`
    OpenApi30,
    /// `openapi: 3.1.x`
    OpenApi31,
}

/// What the error messages say the generator reads.
const READS: &str = "this generator reads Swagger \"2.0\", OpenAPI 3.0.x and OpenAPI 3.1.x";

impl Version {
    /// The version an API document declares, or an error located at its version field.
    pub fn detect(doc: &Value, file: &SourceFile) -> Result<Version> {
        if !doc.is_object() {
            return Err(Error::new(
                file.locate(""),
                "an API document must be a mapping with `swagger: \"2.0\"` or `openapi: 3.x`",
            ));
        }
        if let Some(v) = doc.get("swagger") {
            return match v.as_str() {
                Some("2.0") => Ok(Version::Swagger2),
                _ => Err(Error::new(
                    file.locate("/swagger"),
                    format!("unsupported Swagger version {v}; {READS}"),
                )),
            };
        }
        if let Some(v) = doc.get("openapi") {
            // `openapi: 3.1` unquoted is a YAML number; its meaning is clear
            let text = match v {
                Value::Number(n) => Some(n.to_string()),
                other => other.as_str().map(str::to_owned),
            };
            return match text.as_deref() {
                Some(s) if s == "3.0" || s.starts_with("3.0.") => Ok(Version::OpenApi30),
                Some(s) if s == "3.1" || s.starts_with("3.1.") => Ok(Version::OpenApi31),
                _ => Err(Error::new(
                    file.locate("/openapi"),
                    format!("unsupported OpenAPI version {v}; {READS}"),
                )),
            };
        }
        Err(Error::new(
            file.locate(""),
            "not an API document: it has neither `swagger: \"2.0\"` nor `openapi: 3.x`",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::Version;

    fn detect(text: &str) -> Result<Version, String> {
        let file = super::super::file::parse_bytes(text.as_bytes(), "api.yaml".into()).map_err(|e| e.to_string())?;
        Version::detect(&file.value, &file).map_err(|e| e.to_string())
    }

    #[test]
    fn versions_are_told_apart() {
        assert_eq!(detect("swagger: '2.0'"), Ok(Version::Swagger2));
        assert_eq!(detect("openapi: 3.0.3"), Ok(Version::OpenApi30));
        assert_eq!(detect("openapi: 3.1.0"), Ok(Version::OpenApi31));
        // unquoted, a YAML number
        assert_eq!(detect("openapi: 3.1"), Ok(Version::OpenApi31));
        assert_eq!(detect("openapi: 3.0"), Ok(Version::OpenApi30));
        let e = detect("openapi: 3.2.0").unwrap_err();
        assert!(e.contains("unsupported OpenAPI version \"3.2.0\""), "{e}");
        assert!(detect("swagger: 2").is_err());
    }
}
