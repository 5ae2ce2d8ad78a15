//! Names of types: the candidates each type has, best first, and how types wanting one name
//! settle it (none keeps a name by having come first).

use std::collections::HashMap;

use super::super::naming::{pascal, words};
use crate::error::Location;

/// Names to try, best first, for a type that has no title.
#[derive(Clone, Debug)]
pub struct Naming {
    /// The candidates, best first.
    pub candidates: Vec<String>,
    /// Last resorts for this type alone, not handed on to the types inside it: its candidates
    /// qualified by the folder it lives in.
    pub qualified: Vec<String>,
}

impl Naming {
    /// One candidate.
    pub fn new(first: impl Into<String>) -> Self {
        Naming {
            candidates: vec![first.into()],
            qualified: Vec::new(),
        }
    }

    /// Naming for a property `prop` of a type whose best name is `short` and most qualified one
    /// `full`: the property, then the short parent and the property, then the full one.
    pub fn property(short: &str, full: &str, prop: &str) -> Self {
        let p = pascal(prop);
        let mut candidates = vec![p.clone(), format!("{short}{p}"), format!("{full}{p}")];
        candidates.dedup();
        Naming {
            candidates,
            qualified: Vec::new(),
        }
    }

    pub fn with_suffix(&self, suffix: &str) -> Self {
        Naming {
            candidates: self.candidates.iter().map(|c| format!("{c}{suffix}")).collect(),
            qualified: Vec::new(),
        }
    }

    /// Every candidate, the qualified last resorts last.
    pub fn all(&self) -> Vec<String> {
        self.candidates.iter().chain(&self.qualified).cloned().collect()
    }

    pub fn primary(&self) -> String {
        self.candidates.last().cloned().unwrap_or_default()
    }
}

/// Which candidate each type takes (an index into its list): all start at their best; while
/// several want one name, the one declared in the most places keeps it (if it alone is), and
/// each of the others that has a further candidate moves on to it.
pub fn settle(candidates: &[Vec<String>], places: &[usize]) -> Vec<usize> {
    let mut pick = vec![0usize; candidates.len()];
    loop {
        let mut wanted: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, c) in candidates.iter().enumerate() {
            wanted.entry(c[pick[i]].as_str()).or_default().push(i);
        }
        let mut moved = false;
        for members in wanted.values().filter(|m| m.len() > 1) {
            let most = members.iter().map(|&i| places[i]).max().unwrap_or_default();
            let keeper = match members.iter().filter(|&&i| places[i] == most).count() {
                1 => members.iter().copied().find(|&i| places[i] == most),
                _ => None,
            };
            for &i in members {
                if Some(i) != keeper && pick[i] + 1 < candidates[i].len() {
                    pick[i] += 1;
                    moved = true;
                }
            }
        }
        if !moved {
            return pick;
        }
    }
}

/// The names of a type declared alike in several places, best first: the words their best
/// names share, in order, but a leading verb (`GetPushRuleKind`, `SetPushRuleActionsKind`, ...
/// → `PushRuleKind`; `GetRoomEventsDir`, `GetEventByTimestampDir` → `Dir`),
/// then each place's own candidates, shortest first, so that the result does not depend on
/// which place was read first.
pub fn shared_candidates(uses: &[Vec<String>]) -> Vec<String> {
    let mut out = Vec::new();
    let mut common: Option<Vec<String>> = None;
    for first in uses.iter().filter_map(|u| u.first()) {
        let w = words(first);
        common = Some(match common {
            None => w,
            Some(c) => common_subsequence(&c, &w),
        });
    }
    // a verb the places' operations share (`get` of `getRoomEvents` and `getEventByTimestamp`)
    // says nothing of the type
    const VERBS: &[&str] = &["get", "set", "put", "post", "delete", "create", "update"];
    if let Some(mut c) = common.filter(|c| !c.is_empty()) {
        if c.len() > 1 && VERBS.iter().any(|v| c[0].eq_ignore_ascii_case(v)) {
            c.remove(0);
        }
        out.push(pascal(&c.join(" ")));
    }
    let mut rest: Vec<String> = uses.iter().flatten().cloned().collect();
    rest.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    rest.dedup();
    for r in rest {
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// The longest common subsequence of two lists of words (case-insensitive).
fn common_subsequence(a: &[String], b: &[String]) -> Vec<String> {
    let mut table = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            table[i][j] = if a[i].eq_ignore_ascii_case(&b[j]) {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        if a[i].eq_ignore_ascii_case(&b[j]) {
            out.push(a[i].clone());
            i += 1;
            j += 1;
        } else if table[i + 1][j] >= table[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The folder that tells a named schema apart from others of the same name, as a name part:
/// the API it belongs to (`api/identity/definitions/x.yaml` → `Identity`), or for other trees
/// the folder nearest the file that is not a generic one (`definitions`, `schema`, ...).
pub fn context_folder(location: &Location) -> Option<String> {
    let file = location.file.as_deref()?;
    let parts: Vec<&str> = file.split('/').collect();
    let mut folders = parts.get(..parts.len().saturating_sub(1))?;
    // the spec's areas: an API's folder (`api/client-server`) or the event schemas, wherever
    // they are laid (a copy of `event-schemas` inside an API's `definitions` is still the event
    // schemas, as the link it stands for says)
    if let Some(i) = folders.iter().rposition(|p| *p == "api" || *p == "event-schemas") {
        if folders[i] == "api" {
            if let Some(api) = folders.get(i + 1) {
                return Some(pascal(api));
            }
        } else {
            folders = &folders[i..];
        }
    }
    folders
        .iter()
        .rev()
        .find(|f| {
            !matches!(
                **f,
                "definitions" | "schema" | "schemas" | "components" | "core-event-schema"
            )
        })
        .map(|f| pascal(f))
}
