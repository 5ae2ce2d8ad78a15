//! When the Matrix spec added or changed something (`x-addedInMatrixVersion`,
//! `x-changedInMatrixVersion`).

use super::docs::render;
use crate::frontend::Markup;

/// When the Matrix spec added or changed something (`x-addedInMatrixVersion`,
/// `x-changedInMatrixVersion`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Versions {
    /// The version that added it.
    pub added: Option<String>,
    /// Each version that changed it, with what changed (Markdown).
    pub changed: Vec<(String, String)>,
}

impl Versions {
    /// Reads the extensions of a node.
    pub fn from_extensions(ext: &std::collections::BTreeMap<String, serde_json::Value>, markup: Markup) -> Self {
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Versions {
            added: ext.get("x-addedInMatrixVersion").map(text),
            changed: ext
                .get("x-changedInMatrixVersion")
                .and_then(serde_json::Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), render(&text(v), markup))).collect())
                .unwrap_or_default(),
        }
    }

    /// A sentence or two for the documentation (empty when nothing is known).
    pub fn doc(&self) -> String {
        let mut out = String::new();
        if let Some(v) = &self.added {
            out.push_str(&format!("Added in Matrix {v}."));
        }
        for (v, what) in &self.changed {
            if !out.is_empty() {
                out.push(' ');
            }
            let what = what.replace('\n', " ");
            out.push_str(&format!("Changed in Matrix {v}: {}", what.trim()));
        }
        out
    }
}
