//! Runs the oracle's cases against a generated crate: writes a test harness into (a copy of)
//! the crate that dispatches each case to the operation's types, and runs it with cargo.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::oracle::Spec;

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let",
    "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "type",
    "unsafe", "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// operationId → module, read from the crate's own `METADATA` constants.
pub fn modules(crate_dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(crate_dir.join("src/operations")).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if stem == "mod" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let Some(i) = text.find("operation_id: \"") else {
            continue;
        };
        let rest = &text[i + "operation_id: \"".len()..];
        let id = &rest[..rest.find('"').unwrap()];
        let module = if KEYWORDS.contains(&stem.as_str()) {
            format!("r#{stem}")
        } else {
            stem
        };
        out.insert(id.to_owned(), module);
    }
    out
}

/// The package name of the crate, as a Rust path.
fn lib_name(crate_dir: &Path) -> String {
    let toml = std::fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap();
    let line = toml.lines().find(|l| l.starts_with("name = ")).unwrap();
    line.trim_start_matches("name = ").trim_matches('"').replace('-', "_")
}

fn harness(crate_dir: &Path) -> String {
    let arms: String = modules(crate_dir)
        .iter()
        .map(|(id, m)| {
            format!("        {id:?} => check::<api::operations::{m}::Request, api::operations::{m}::Response>(case),\n")
        })
        .collect();
    let harness = HARNESS
        .replace("CRATE", &lib_name(crate_dir))
        .replace("        // ARMS\n", &arms);
    // with the events output, every event inside a response example decodes whole too
    if crate_dir.join("src/events.rs").exists() {
        harness
            .replace("    // EVENTS\n", "    events_in(case.json.as_ref().unwrap())?;\n")
            .replace("// EVENTS SUMMARY\n", EVENTS_SUMMARY)
            + EVENTS_IN
    } else {
        harness.replace("// EVENTS SUMMARY\n", "")
    }
}

const HARNESS: &str = r#"//! Written by the conformance test of `tests/`: the spec's cases against this crate.
use CRATE as api;
use api::{Endpoint, IncomingRequest, IncomingResponse, OutgoingRequest, OutgoingResponse};
use serde_json::Value;

#[derive(serde::Deserialize)]
struct Case { op: String, name: String, kind: String, status: u16, uri: Option<String>, json: Option<Value>, expect: String, at_default: Vec<String> }

#[derive(serde::Deserialize)]
struct OpSpec { id: String, method: String, base_path: String, path: String }

#[derive(serde::Deserialize)]
#[allow(dead_code)] // `unfit_responses` is read where the crate has events
struct Data { operations: Vec<OpSpec>, cases: Vec<Case>, unfit_responses: Vec<Value> }

fn response<S: IncomingResponse + OutgoingResponse>(case: &Case) -> Result<Value, String> {
    let body = serde_json::to_vec(case.json.as_ref().unwrap()).unwrap();
    let resp = http::Response::builder().status(case.status).body(body).unwrap();
    let decoded = S::try_from_http_response(resp).map_err(|e| e.to_string())?;
    // EVENTS
    let out = decoded.try_into_http_response().map_err(|e| e.to_string())?;
    serde_json::from_slice(out.body()).map_err(|e| e.to_string())
}

fn error<S: IncomingResponse>(case: &Case) -> Result<Value, String> {
    let body = serde_json::to_vec(case.json.as_ref().unwrap()).unwrap();
    let resp = http::Response::builder().status(case.status).body(body).unwrap();
    match S::try_from_http_response(resp) {
        Err(api::FromHttpResponseError::Matrix(e)) => Ok(serde_json::to_value(&e).unwrap()),
        Err(api::FromHttpResponseError::InteractiveAuth(u)) => Ok(serde_json::to_value(&u).unwrap()),
        Err(other) => Err(other.to_string()),
        Ok(_) => Err("an error response decoded as a success".into()),
    }
}

fn normalize_uri(uri: &str) -> (Vec<String>, Vec<(String, String)>) {
    fn dec(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() {
                if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) { out.push(v); i += 3; continue; }
            }
            out.push(if b[i] == b'+' { b' ' } else { b[i] });
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let segs = path.split('/').map(dec).collect();
    let mut pairs: Vec<(String, String)> = query.split('&').filter(|p| !p.is_empty()).map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (dec(k), dec(v))
    }).collect();
    pairs.sort();
    (segs, pairs)
}

fn request<Q: Endpoint + IncomingRequest + OutgoingRequest>(case: &Case) -> Result<(String, Option<Value>), String> {
    let uri = format!("{}{}", Q::METADATA.base_path, case.uri.as_deref().unwrap_or_default());
    let body = case.json.as_ref().map(|j| serde_json::to_vec(j).unwrap()).unwrap_or_default();
    let req = http::Request::builder().method(Q::METADATA.method.as_str()).uri(&uri).body(body).map_err(|e| e.to_string())?;
    let decoded = Q::try_from_http_request(&req).map_err(|e| e.to_string())?;
    let out = decoded.to_http_request(&api::Base { url: "http://example.org", ..Default::default() }).map_err(|e| e.to_string())?;
    let out_uri = out.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let body = if out.body().is_empty() { None } else { Some(serde_json::from_slice(out.body()).map_err(|e| e.to_string())?) };
    // a query parameter at its spec default may be left out: the two say the same
    let (want_path, mut want_query) = normalize_uri(&uri);
    let got = normalize_uri(&out_uri);
    let defaults: Vec<(String, String)> = case.at_default.iter().flat_map(|p| normalize_uri(&format!("?{p}")).1).collect();
    want_query.retain(|pair| !defaults.contains(pair) || got.1.contains(pair));
    if got != (want_path, want_query) {
        return Err(format!("the URI came back as {out_uri}, not {uri}"));
    }
    Ok((out_uri, body))
}

fn check<Q: IncomingRequest + OutgoingRequest, S: IncomingResponse + OutgoingResponse>(case: &Case) -> Result<(), String> {
    let outcome: Result<Option<Value>, String> = match case.kind.as_str() {
        "Response" => response::<S>(case).map(Some),
        "Error" => error::<S>(case).map(Some),
        "Request" => request::<Q>(case).map(|(_, body)| body),
        other => return Err(format!("unknown kind {other}")),
    };
    match (case.expect.as_str(), outcome) {
        ("DecodeFails", Err(_)) => Ok(()),
        ("DecodeFails", Ok(_)) => Err("decoded, but a required property is missing".into()),
        (_, Err(e)) => Err(e),
        (_, Ok(got)) => {
            let want = case.json.clone();
            if case.kind == "Request" && case.json.is_none() { return Ok(()); }
            if got == want { Ok(()) } else {
                Err(format!("encoded back as {} instead of {}", got.map(|g| g.to_string()).unwrap_or_default(), want.map(|w| w.to_string()).unwrap_or_default()))
            }
        }
    }
}

fn run(case: &Case) -> Result<(), String> {
    match case.op.as_str() {
        // ARMS
        other => Err(format!("no operation `{other}` in the crate")),
    }
}

#[test]
fn conformance() {
    let data: Data = serde_json::from_str(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/conformance.json")).unwrap()).unwrap();
    let mut failures = Vec::new();

    // every operation of the spec exactly once, and nothing else
    let mut spec: Vec<String> = data.operations.iter().map(|o| format!("{} {} {}{}", o.id, o.method, o.base_path, o.path)).collect();
    let mut generated: Vec<String> = api::operations::ALL.iter().map(|m| format!("{} {} {}{}", m.operation_id, m.method, m.base_path, m.path)).collect();
    spec.sort();
    generated.sort();
    if spec != generated {
        let missing: Vec<_> = spec.iter().filter(|s| !generated.contains(s)).collect();
        let extra: Vec<_> = generated.iter().filter(|g| !spec.contains(g)).collect();
        let dup = generated.windows(2).filter(|w| w[0] == w[1]).count();
        failures.push(format!("operations differ: missing {missing:?}, extra {extra:?}, duplicated {dup}"));
    }

    let mut passed = 0;
    for case in &data.cases {
        match run(case) {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!("{}: {e}", case.name)),
        }
    }
    println!("conformance: {} operations, {passed} cases passed, {} failed", spec.len(), failures.len());
// EVENTS SUMMARY
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
"#;

const EVENTS_SUMMARY: &str = r#"    // the events inside the response examples that do not fit their own schema too
    for example in &data.unfit_responses {
        let _ = events_in(example);
    }
    for e in EVENT_ERRORS.lock().unwrap().iter() {
        println!("event-error: {e}");
    }
    println!(
        "conformance: {} distinct events inside response examples decode whole and encode back ({} of types the spec does not describe)",
        EVENTS.lock().unwrap().len(),
        UNKNOWN.lock().unwrap().len()
    );
"#;

const EVENTS_IN: &str = r#"
static EVENTS: std::sync::Mutex<std::collections::BTreeSet<String>> = std::sync::Mutex::new(std::collections::BTreeSet::new());
static UNKNOWN: std::sync::Mutex<std::collections::BTreeSet<String>> = std::sync::Mutex::new(std::collections::BTreeSet::new());
static EVENT_ERRORS: std::sync::Mutex<std::collections::BTreeSet<String>> = std::sync::Mutex::new(std::collections::BTreeSet::new());

/// Every object of a response example that is an event (a string `type` and an object
/// `content`) decodes as an `Event`, its content typed by its type, and encodes back; one that
/// does not is listed (`event-error:`), for the test to hold to the spec slips it knows.
fn events_in(value: &Value) -> Result<(), String> {
    use api::EventContent;
    match value {
        Value::Object(map) => {
            if map.get("type").is_some_and(Value::is_string) && map.get("content").is_some_and(Value::is_object) {
                let outcome = serde_json::from_value::<api::events::Event>(value.clone())
                    .map_err(|e| format!("does not decode: {e}"))
                    .and_then(|event| {
                        let back = serde_json::to_value(&event).map_err(|e| e.to_string())?;
                        if &back == value { Ok(event) } else { Err(format!("encoded back as {back}")) }
                    });
                match outcome {
                    Ok(event) => {
                        EVENTS.lock().unwrap().insert(value.to_string());
                        if event.content.is_unknown() {
                            UNKNOWN.lock().unwrap().insert(value.to_string());
                        }
                    }
                    Err(e) => {
                        EVENT_ERRORS.lock().unwrap().insert(format!("{value}: {e}"));
                    }
                }
            }
            map.values().try_for_each(events_in)
        }
        Value::Array(items) => items.iter().try_for_each(events_in),
        _ => Ok(()),
    }
}
"#;

/// Copies a crate folder (sources, manifest, examples) to `to`.
pub fn copy_crate(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for e in std::fs::read_dir(from.join(&rel)).unwrap() {
            let e = e.unwrap();
            let child = rel.join(e.file_name());
            if child == Path::new("target") {
                continue;
            }
            let file_type = e.file_type().unwrap();
            if file_type.is_symlink() {
                // a link stays a link (a folder's link would otherwise fail to copy)
                let _ = std::fs::remove_file(to.join(&child));
                std::os::unix::fs::symlink(std::fs::read_link(e.path()).unwrap(), to.join(&child)).unwrap();
            } else if file_type.is_dir() {
                std::fs::create_dir_all(to.join(&child)).unwrap();
                stack.push(child);
            } else {
                std::fs::copy(e.path(), to.join(&child)).unwrap();
            }
        }
    }
}

/// Writes the harness and the cases into `crate_dir` and runs them. Returns cargo's output, or
/// panics with it when a case fails.
pub fn run(crate_dir: &Path, spec: &Spec) -> String {
    let tests = crate_dir.join("tests");
    std::fs::create_dir_all(&tests).unwrap();
    std::fs::write(tests.join("conformance.rs"), harness(crate_dir)).unwrap();
    let data = serde_json::json!({ "operations": spec.operations, "cases": spec.cases, "unfit_responses": spec.unfit_responses });
    std::fs::write(tests.join("conformance.json"), serde_json::to_string(&data).unwrap()).unwrap();
    crate::cargo_in(
        crate_dir,
        &[
            "test",
            "--offline",
            "--quiet",
            "--test",
            "conformance",
            "--",
            "--nocapture",
        ],
        None,
    )
}
