//! What changed between two surfaces, and whom each change breaks: code that *sends* requests and
//! reads responses (clients) or code that reads requests and builds responses (servers).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::surface::{FieldSurface, Surface, TypeSurface};

/// Whose code a change breaks: code sending requests and reading responses (clients), or code
/// reading requests and building responses (servers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Breaks {
    /// Nobody's: code built on the old crate builds and behaves on the new one.
    Neither,
    /// Clients'.
    Clients,
    /// Servers'.
    Servers,
    /// Both sides'.
    Both,
}

impl Breaks {
    /// `breaks clients`, ...
    pub fn label(self) -> &'static str {
        match self {
            Breaks::Neither => "compatible",
            Breaks::Clients => "breaks clients",
            Breaks::Servers => "breaks servers",
            Breaks::Both => "breaks clients and servers",
        }
    }

    fn or(self, other: Breaks) -> Breaks {
        match (self, other) {
            (Breaks::Neither, x) | (x, Breaks::Neither) => x,
            (a, b) if a == b => a,
            _ => Breaks::Both,
        }
    }
}

/// A kind of change, with the rule of whom it breaks ([`Rule::reason`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// An operation is new.
    OperationAdded,
    /// An operation is gone.
    OperationRemoved,
    /// The spec now deprecates an operation.
    OperationDeprecated,
    /// The spec no longer deprecates an operation.
    OperationUndeprecated,
    /// An operation has another method, path or version (`r0` to `v3`).
    OperationMoved,
    /// The spec gave an operation another `operationId` (known from the releases' history).
    OperationRenamed,
    /// An operation's authentication changed (an access token now required, ...).
    AuthChanged,
    /// Where an operation's access token may be sent changed (the query string, the
    /// `Authorization` header, both).
    TokenPlacesChanged,
    /// A required field or parameter is new (in a request, a response, or a type used there).
    RequiredFieldAdded,
    /// An optional field or parameter is new.
    OptionalFieldAdded,
    /// A field or parameter is gone.
    FieldRemoved,
    /// An optional field is now required.
    FieldNowRequired,
    /// A required field is now optional.
    FieldNowOptional,
    /// A field's type changed.
    FieldTypeChanged,
    /// The spec now deprecates a field.
    FieldDeprecated,
    /// A type is new.
    TypeAdded,
    /// A type is gone (or renamed: gone under its old name).
    TypeRemoved,
    /// A type changed kind (a struct became an enum, ...).
    TypeKindChanged,
    /// An enum has a new value.
    EnumValueAdded,
    /// An enum lost a value.
    EnumValueRemoved,
}

impl Rule {
    /// Every rule, in the order reports list them.
    pub const ALL: [Rule; 20] = [
        Rule::OperationAdded,
        Rule::OperationRemoved,
        Rule::OperationDeprecated,
        Rule::OperationUndeprecated,
        Rule::OperationMoved,
        Rule::OperationRenamed,
        Rule::AuthChanged,
        Rule::TokenPlacesChanged,
        Rule::RequiredFieldAdded,
        Rule::OptionalFieldAdded,
        Rule::FieldRemoved,
        Rule::FieldNowRequired,
        Rule::FieldNowOptional,
        Rule::FieldTypeChanged,
        Rule::FieldDeprecated,
        Rule::TypeAdded,
        Rule::TypeRemoved,
        Rule::TypeKindChanged,
        Rule::EnumValueAdded,
        Rule::EnumValueRemoved,
    ];

    /// Whom the change breaks, on the side(s) it is on.
    pub fn breaks(self, request: bool, response: bool) -> Breaks {
        match self {
            Rule::OperationAdded
            | Rule::OperationDeprecated
            | Rule::OperationUndeprecated
            | Rule::OperationMoved
            | Rule::TokenPlacesChanged
            | Rule::OptionalFieldAdded
            | Rule::FieldDeprecated
            | Rule::TypeAdded
            | Rule::EnumValueAdded => Breaks::Neither,
            Rule::AuthChanged => Breaks::Servers,
            Rule::RequiredFieldAdded => {
                let mut b = Breaks::Neither;
                if request {
                    b = b.or(Breaks::Clients);
                }
                if response {
                    b = b.or(Breaks::Servers);
                }
                b
            }
            Rule::OperationRemoved
            | Rule::OperationRenamed
            | Rule::FieldRemoved
            | Rule::FieldNowRequired
            | Rule::FieldNowOptional
            | Rule::FieldTypeChanged
            | Rule::TypeRemoved
            | Rule::TypeKindChanged
            | Rule::EnumValueRemoved => Breaks::Both,
        }
    }

    /// Whom its change breaks, given the side it is on (`request`: what clients build and
    /// servers read; `response`: what servers build and clients read), and why: the one place
    /// the classification is written in words ([`Rule::breaks`] decides it; a test holds the
    /// two to each other).
    pub fn reason(self) -> &'static str {
        match self {
            Rule::OperationAdded => "compatible: a new method of the client and of the server trait, which answers `M_UNRECOGNIZED` until implemented",
            Rule::OperationRemoved => "breaks clients and servers: the client method, the server trait method and the module are gone",
            Rule::OperationRenamed => "breaks clients and servers: the client method, the server trait method and the module take the new id's name; the wire is the same",
            Rule::OperationDeprecated => "compatible: `#[deprecated]` warns, nothing breaks",
            Rule::OperationUndeprecated => "compatible: the `#[deprecated]` mark goes",
            Rule::OperationMoved => "compatible in code (the crate sends and routes the new path), but a client and a server of the two releases no longer meet",
            Rule::AuthChanged => "breaks servers: the server trait method gains or loses its `identity` argument; clients send the token they are given either way",
            Rule::TokenPlacesChanged => "compatible in code (the crate's client sends the token where the version allows, its server reads it from either), but a client of one release may send it where a server of the other does not look",
            Rule::RequiredFieldAdded => "in a request, breaks clients (they must give it: `new` takes it); in a response, breaks servers (they must build it)",
            Rule::OptionalFieldAdded => "compatible for code building with `new` or `Default` and `..` (a struct literal naming every field breaks)",
            Rule::FieldRemoved => "breaks clients and servers: code that sets or reads it no longer builds",
            Rule::FieldNowRequired => "breaks clients and servers: its type loses its `Option` (and in a request, clients must now send it)",
            Rule::FieldNowOptional => "breaks clients and servers: its type becomes an `Option` (and in a response, clients may no longer get it)",
            Rule::FieldTypeChanged => "breaks clients and servers: code that sets or reads it as its old type no longer builds",
            Rule::FieldDeprecated => "compatible: `#[deprecated]` warns",
            Rule::TypeAdded => "compatible: a type nothing could name before",
            Rule::TypeRemoved => "breaks clients and servers that name it",
            Rule::TypeKindChanged => "breaks clients and servers that use it",
            Rule::EnumValueAdded => "compatible: enums are open, a value that was kept as unknown is now a variant of its own",
            Rule::EnumValueRemoved => "breaks clients and servers that name the variant",
        }
    }
}

/// One change.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// What kind.
    pub rule: Rule,
    /// The operation (`operationId`) or type (Rust name) it is in.
    pub subject: String,
    /// Whether the subject is an operation (else a type).
    pub operation: bool,
    /// What changed, in a few words (Markdown).
    pub what: String,
    /// Whom it breaks.
    pub breaks: Breaks,
    /// Where the subject is defined, before and after (empty when it does not exist there).
    pub from_at: String,
    /// See `from_at`.
    pub to_at: String,
}

/// The changes from one surface to another.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// `title version` of both sides.
    pub from: String,
    /// See `from`.
    pub to: String,
    /// Every change, operations first, each group sorted by subject.
    pub changes: Vec<Change>,
}

/// Lists what changed from `from` to `to`.
pub fn compare(from: &Surface, to: &Surface) -> Report {
    let mut changes = operation_changes(from, to);
    changes.extend(type_changes(from, to));
    Report {
        from: from.api.clone(),
        to: to.api.clone(),
        changes,
    }
}

/// As [`compare`], where the spec renamed operations between the two: `renamed` maps an id of
/// `from` to its id in `to` (as the releases' history knows it). A renamed operation is compared
/// with its new self, and the rename is a change of its own, instead of one operation removed
/// and another added.
pub fn compare_renamed(from: &Surface, to: &Surface, renamed: &BTreeMap<String, String>) -> Report {
    let mut from = from.clone();
    let mut renames = Vec::new();
    for (old, new) in renamed {
        // a rename only where `from` has the old id and not the new, and `to` the reverse
        let Some(now) = to.operations.get(new) else { continue };
        if to.operations.contains_key(old) || from.operations.contains_key(new) {
            continue;
        }
        if let Some(op) = from.operations.remove(old) {
            renames.push(Change {
                rule: Rule::OperationRenamed,
                subject: new.clone(),
                operation: true,
                what: format!("`{old}` → `{new}` (`{}` → `{}`)", op.name, now.name),
                breaks: Rule::OperationRenamed.breaks(false, false),
                from_at: op.at.clone(),
                to_at: now.at.clone(),
            });
            from.operations.insert(new.clone(), op);
        }
    }
    let mut report = compare(&from, to);
    report.changes.splice(0..0, renames);
    // operations first, each group by subject (a rename first among its operation's changes)
    report
        .changes
        .sort_by(|a, b| b.operation.cmp(&a.operation).then_with(|| a.subject.cmp(&b.subject)));
    report
}

/// The changes of the operations, by operation id.
fn operation_changes(from: &Surface, to: &Surface) -> Vec<Change> {
    let mut changes = Vec::new();
    let names: BTreeSet<&String> = from.operations.keys().chain(to.operations.keys()).collect();
    for id in names {
        let (a, b) = (from.operations.get(id), to.operations.get(id));
        let change = |rule: Rule, what: String, request: bool, response: bool| Change {
            rule,
            subject: id.clone(),
            operation: true,
            what,
            breaks: rule.breaks(request, response),
            from_at: a.map(|o| o.at.clone()).unwrap_or_default(),
            to_at: b.map(|o| o.at.clone()).unwrap_or_default(),
        };
        match (a, b) {
            (None, Some(b)) => changes.push(change(Rule::OperationAdded, format!("`{}`", b.route), false, false)),
            (Some(a), None) => changes.push(change(Rule::OperationRemoved, format!("`{}`", a.route), false, false)),
            (Some(a), Some(b)) => {
                if a.route != b.route {
                    changes.push(change(
                        Rule::OperationMoved,
                        format!("`{}` → `{}`", a.route, b.route),
                        false,
                        false,
                    ));
                }
                if a.deprecated != b.deprecated {
                    let rule = if b.deprecated {
                        Rule::OperationDeprecated
                    } else {
                        Rule::OperationUndeprecated
                    };
                    changes.push(change(rule, format!("`{}`", b.route), false, false));
                }
                if a.auth != b.auth {
                    changes.push(change(
                        Rule::AuthChanged,
                        format!("access token {} → {}", a.auth, b.auth),
                        false,
                        false,
                    ));
                }
                if a.token != b.token && !a.token.is_empty() && !b.token.is_empty() {
                    changes.push(change(
                        Rule::TokenPlacesChanged,
                        format!("in the {} → in the {}", a.token, b.token),
                        false,
                        false,
                    ));
                }
                for (part, request, response) in [(&a.request, true, false), (&a.response, false, true)] {
                    let other = if request { &b.request } else { &b.response };
                    let side = if request { "request" } else { "response" };
                    for (rule, what) in field_changes(part, other) {
                        changes.push(change(rule, format!("{side} {what}"), request, response));
                    }
                }
            }
            (None, None) => {}
        }
    }
    changes
}

/// The changes of the types, by type name.
fn type_changes(from: &Surface, to: &Surface) -> Vec<Change> {
    let mut changes = Vec::new();
    let names: BTreeSet<&String> = from.types.keys().chain(to.types.keys()).collect();
    for name in names {
        let (a, b) = (from.types.get(name), to.types.get(name));
        let used = |t: Option<&TypeSurface>, side: &str| t.is_some_and(|t| t.used_in.iter().any(|u| u == side));
        let (request, response) = (used(b.or(a), "request"), used(b.or(a), "response"));
        let change = |rule: Rule, what: String| Change {
            rule,
            subject: name.clone(),
            operation: false,
            what,
            breaks: rule.breaks(request, response),
            from_at: a.map(|t| t.at.clone()).unwrap_or_default(),
            to_at: b.map(|t| t.at.clone()).unwrap_or_default(),
        };
        match (a, b) {
            (None, Some(b)) => changes.push(change(Rule::TypeAdded, article(&b.kind))),
            (Some(a), None) => changes.push(change(Rule::TypeRemoved, article(&a.kind))),
            (Some(a), Some(b)) if a.kind != b.kind => changes.push(change(
                Rule::TypeKindChanged,
                format!("{} → {}", article(&a.kind), article(&b.kind)),
            )),
            (Some(a), Some(b)) => {
                for (rule, what) in field_changes(&a.fields, &b.fields) {
                    changes.push(change(rule, what));
                }
                if a.kind == "enum" {
                    for v in b.values.iter().filter(|v| !a.values.contains(v)) {
                        changes.push(change(Rule::EnumValueAdded, format!("value `{v}`")));
                    }
                    for v in a.values.iter().filter(|v| !b.values.contains(v)) {
                        changes.push(change(Rule::EnumValueRemoved, format!("value `{v}`")));
                    }
                } else if a.values != b.values {
                    changes.push(change(
                        Rule::TypeKindChanged,
                        format!("variants {} → {}", a.values.join(", "), b.values.join(", ")),
                    ));
                }
            }
            (None, None) => {}
        }
    }
    changes
}

/// `a struct`, `an enum`.
fn article(kind: &str) -> String {
    let a = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{a} {kind}")
}

/// The changes between two sets of fields, by key.
fn field_changes(a: &BTreeMap<String, FieldSurface>, b: &BTreeMap<String, FieldSurface>) -> Vec<(Rule, String)> {
    let mut out = Vec::new();
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        match (a.get(key), b.get(key)) {
            (None, Some(f)) => {
                let rule = if f.required {
                    Rule::RequiredFieldAdded
                } else {
                    Rule::OptionalFieldAdded
                };
                out.push((rule, format!("`{key}`: `{}`", f.ty)));
            }
            (Some(f), None) => out.push((Rule::FieldRemoved, format!("`{key}`: `{}`", f.ty))),
            (Some(x), Some(y)) => {
                if x.ty != y.ty {
                    out.push((Rule::FieldTypeChanged, format!("`{key}`: `{}` → `{}`", x.ty, y.ty)));
                }
                if !x.required && y.required {
                    out.push((Rule::FieldNowRequired, format!("`{key}`")));
                }
                if x.required && !y.required {
                    out.push((Rule::FieldNowOptional, format!("`{key}`")));
                }
                if !x.deprecated && y.deprecated {
                    out.push((Rule::FieldDeprecated, format!("`{key}`")));
                }
            }
            (None, None) => {}
        }
    }
    out
}

/// The report's sections: a title, whether it is about operations (else types), its rules.
const SECTIONS: [(&str, bool, &[Rule]); 6] = [
    ("Operations added", true, &[Rule::OperationAdded]),
    ("Operations removed", true, &[Rule::OperationRemoved]),
    (
        "Operations deprecated, moved, renamed or authenticated otherwise",
        true,
        &[
            Rule::OperationDeprecated,
            Rule::OperationUndeprecated,
            Rule::OperationMoved,
            Rule::OperationRenamed,
            Rule::AuthChanged,
            Rule::TokenPlacesChanged,
        ],
    ),
    (
        "Changes to operations' requests and responses",
        true,
        &[
            Rule::RequiredFieldAdded,
            Rule::OptionalFieldAdded,
            Rule::FieldRemoved,
            Rule::FieldNowRequired,
            Rule::FieldNowOptional,
            Rule::FieldTypeChanged,
            Rule::FieldDeprecated,
        ],
    ),
    ("Types added or removed", false, &[Rule::TypeAdded, Rule::TypeRemoved]),
    (
        "Changes to types",
        false,
        &[
            Rule::TypeKindChanged,
            Rule::RequiredFieldAdded,
            Rule::OptionalFieldAdded,
            Rule::FieldRemoved,
            Rule::FieldNowRequired,
            Rule::FieldNowOptional,
            Rule::FieldTypeChanged,
            Rule::FieldDeprecated,
            Rule::EnumValueAdded,
            Rule::EnumValueRemoved,
        ],
    ),
];

impl Report {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    fn count(&self, rule: Rule) -> usize {
        self.changes.iter().filter(|c| c.rule == rule).count()
    }

    fn breaking(&self, side: Breaks) -> usize {
        self.changes
            .iter()
            .filter(|c| c.breaks == side || (c.breaks == Breaks::Both && side != Breaks::Neither))
            .count()
    }

    /// One paragraph: operations and types added, removed, changed, and how many changes break
    /// clients and servers.
    pub fn summary(&self) -> String {
        if self.is_empty() {
            return "The API's surface is unchanged.".to_owned();
        }
        let changed_ops: BTreeSet<&str> = self
            .changes
            .iter()
            .filter(|c| c.operation && !matches!(c.rule, Rule::OperationAdded | Rule::OperationRemoved))
            .map(|c| c.subject.as_str())
            .collect();
        let changed_types: BTreeSet<&str> = self
            .changes
            .iter()
            .filter(|c| !c.operation && !matches!(c.rule, Rule::TypeAdded | Rule::TypeRemoved))
            .map(|c| c.subject.as_str())
            .collect();
        format!(
            "API changes: operations {} added, {} removed, {} deprecated, {} moved, {} changed; types {} added, {} removed, {} changed. Of {} changes, {} break clients and {} break servers.",
            self.count(Rule::OperationAdded),
            self.count(Rule::OperationRemoved),
            self.count(Rule::OperationDeprecated),
            self.count(Rule::OperationMoved),
            changed_ops.len(),
            self.count(Rule::TypeAdded),
            self.count(Rule::TypeRemoved),
            changed_types.len(),
            self.changes.len(),
            self.breaking(Breaks::Clients),
            self.breaking(Breaks::Servers),
        )
    }

    /// The whole report, Markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# API changes: {} → {}\n", self.from, self.to);
        let _ = writeln!(out, "{}\n", self.summary());
        for (title, operations, rules) in SECTIONS {
            let mut lines: Vec<&Change> = self
                .changes
                .iter()
                .filter(|c| c.operation == operations && rules.contains(&c.rule))
                .collect();
            if lines.is_empty() {
                continue;
            }
            lines.sort_by(|x, y| {
                x.subject
                    .cmp(&y.subject)
                    .then(x.rule.cmp(&y.rule))
                    .then(x.what.cmp(&y.what))
            });
            let _ = writeln!(out, "## {title} ({})\n", lines.len());
            for c in lines {
                let at = match (c.from_at.as_str(), c.to_at.as_str()) {
                    ("", to) => format!("in `{to}`"),
                    (from, "") => format!("was in `{from}`"),
                    (from, to) if from == to => format!("`{to}`"),
                    (from, to) => format!("`{from}` → `{to}`"),
                };
                let _ = writeln!(
                    out,
                    "- **{}** · `{}`: {} {} ({at})",
                    c.breaks.label(),
                    c.subject,
                    describe(c.rule),
                    c.what,
                );
            }
            out.push('\n');
        }
        out.push_str("## The rules\n\n");
        for rule in Rule::ALL {
            let _ = writeln!(
                out,
                "- {}: {}",
                describe(rule).trim_end_matches([':', ',']),
                rule.reason()
            );
        }
        out
    }
}

/// A rule in a few words, as a report line starts.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::OperationAdded => "operation added",
        Rule::OperationRemoved => "operation removed",
        Rule::OperationDeprecated => "deprecated",
        Rule::OperationUndeprecated => "no longer deprecated",
        Rule::OperationMoved => "moved",
        Rule::OperationRenamed => "renamed",
        Rule::AuthChanged => "authentication changed,",
        Rule::TokenPlacesChanged => "access token sent otherwise:",
        Rule::RequiredFieldAdded => "required field added:",
        Rule::OptionalFieldAdded => "optional field added:",
        Rule::FieldRemoved => "field removed:",
        Rule::FieldNowRequired => "field now required:",
        Rule::FieldNowOptional => "field now optional:",
        Rule::FieldTypeChanged => "field type changed:",
        Rule::FieldDeprecated => "field deprecated:",
        Rule::TypeAdded => "type added,",
        Rule::TypeRemoved => "type removed,",
        Rule::TypeKindChanged => "type changed kind,",
        Rule::EnumValueAdded => "enum value added:",
        Rule::EnumValueRemoved => "enum value removed:",
    }
}
