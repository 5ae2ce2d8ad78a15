//! The signed-JSON support code every crate with federation ships
//! (`generator/runtime/signatures.rs`, compiled here as it is) against the spec's own test
//! vectors in `content/appendices.md` of `../shared`: each canonical JSON example, each JSON
//! signing example (the exact signature, from the spec's seed), and the event signing examples
//! (their signatures verify once the event is redacted as signing requires); and the `X-Matrix`
//! header as the server-server spec describes it.

// the support code's modules, side by side as in a generated crate's `runtime`
#[rustfmt::skip] // the support code keeps its own style
#[path = "../../generator/runtime/error.rs"]
#[allow(dead_code)]
mod error;
#[rustfmt::skip] // the support code keeps its own style
#[path = "../../generator/runtime/open_enum.rs"]
#[allow(dead_code)]
mod open_enum;
#[rustfmt::skip] // the support code keeps its own style
#[path = "../../generator/runtime/redaction.rs"]
#[allow(dead_code)]
mod redaction;
#[rustfmt::skip] // the support code keeps its own style
#[path = "../../generator/runtime/signatures.rs"]
#[allow(dead_code, unexpected_cfgs)]
mod signatures;

use matrix_api_tests::current_spec;
use serde_json::{json, Value};
use signatures::{canonical_json, verify_json, SigningKey, XMatrix};

/// The ```json blocks of a section of the appendices, in order.
fn json_blocks(section: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = section;
    while let Some(start) = rest.find("```json") {
        let after = &rest[start + "```json".len()..];
        let Some(end) = after.find("```") else { break };
        out.push(after[..end].trim().to_owned());
        rest = &after[end + 3..];
    }
    out
}

/// The text of the `###` section titled `title`.
fn section<'t>(text: &'t str, title: &str) -> &'t str {
    let start = text
        .find(&format!("\n### {title}\n"))
        .unwrap_or_else(|| panic!("no section {title}"));
    let body = &text[start + title.len() + 5..];
    let end = body
        .find("\n## ")
        .into_iter()
        .chain(body.find("\n### "))
        .min()
        .unwrap_or(body.len());
    &body[..end]
}

fn appendices() -> Option<String> {
    let data = current_spec()?;
    let path = data.join("../content/appendices.md");
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// The spec's signing key: its seed, the server `domain`, the key `ed25519:1`.
fn spec_key(text: &str) -> SigningKey {
    let seed = text
        .split("SIGNING_KEY_SEED = decode_base64(")
        .nth(1)
        .and_then(|rest| rest.split('"').nth(1))
        .expect("the spec's signing key seed");
    SigningKey::from_base64_seed("domain", "ed25519:1", seed).unwrap()
}

#[test]
fn every_canonical_json_example_of_the_appendices_encodes_as_given() {
    let Some(text) = appendices() else { return };
    let blocks = json_blocks(section(&text, "Canonical JSON"));
    assert!(
        blocks.len() >= 16,
        "expected the examples in pairs, found {} blocks",
        blocks.len()
    );
    assert_eq!(blocks.len() % 2, 0);
    for pair in blocks.chunks(2) {
        let input: Value = serde_json::from_str(&pair[0]).unwrap();
        assert_eq!(
            canonical_json(&input).unwrap(),
            pair[1],
            "canonical JSON of {}",
            pair[0]
        );
    }
    println!("{} canonical JSON examples", blocks.len() / 2);
}

#[test]
fn canonical_json_refuses_what_it_cannot_encode() {
    assert!(canonical_json(&json!({"a": 1.5})).is_err());
    assert!(canonical_json(&json!({"a": 9007199254740992_i64})).is_err());
    assert!(canonical_json(&json!({"a": u64::MAX})).is_err());
    assert_eq!(
        canonical_json(&json!({"a": -9007199254740991_i64})).unwrap(),
        r#"{"a":-9007199254740991}"#
    );
    // control characters are escaped, other text is not; keys sort by code point
    assert_eq!(
        canonical_json(&json!({"é": "\u{1}\n\"/日", "z": [true, null], "a": {}})).unwrap(),
        "{\"a\":{},\"z\":[true,null],\"é\":\"\\u0001\\n\\\"/日\"}"
    );
}

#[test]
fn the_json_signing_examples_are_signed_exactly_as_given() {
    let Some(text) = appendices() else { return };
    let key = spec_key(&text);
    let blocks = json_blocks(section(&text, "JSON Signing"));
    assert_eq!(blocks.len(), 4, "two examples, each input and output");
    for pair in blocks.chunks(2) {
        let Value::Object(mut object) = serde_json::from_str(&pair[0]).unwrap() else {
            panic!("not an object")
        };
        key.sign_json(&mut object).unwrap();
        let expected: Value = serde_json::from_str(&pair[1]).unwrap();
        assert_eq!(Value::Object(object.clone()), expected, "signing {}", pair[0]);
        verify_json(&object, "domain", "ed25519:1", &key.verify_key()).unwrap();
        // one changed value and the signature no longer holds
        object.insert("added".to_owned(), json!(1));
        assert!(verify_json(&object, "domain", "ed25519:1", &key.verify_key()).is_err());
    }
}

#[test]
fn the_event_signing_examples_verify_once_redacted() {
    let Some(text) = appendices() else { return };
    let key = spec_key(&text).verify_key();
    let blocks = json_blocks(section(&text, "Event Signing"));
    assert_eq!(blocks.len(), 4, "two examples, each input and output");
    for signed in blocks.iter().skip(1).step_by(2) {
        let Value::Object(event) = serde_json::from_str(signed).unwrap() else {
            panic!("not an object")
        };
        // an event's signature covers its redacted form (room version 1's rules)
        let redacted = redaction::redact(event.clone(), "1").unwrap();
        verify_json(&redacted, "domain", "ed25519:1", &key).unwrap_or_else(|e| panic!("{e}: {signed}"));
        // the signature is not of the whole event when redaction removed something
        let whole = event;
        if whole.get("content") != redacted.get("content") {
            assert!(verify_json(&whole, "domain", "ed25519:1", &key).is_err());
        }
    }
}

#[test]
fn x_matrix_headers_read_as_the_server_server_spec_describes() {
    let header = r#"X-Matrix origin="origin.hs.example.com",destination="destination.hs.example.com",key="ed25519:key1",sig="ABCDEF...""#;
    let parsed = XMatrix::parse(header).unwrap();
    assert_eq!(parsed.origin, "origin.hs.example.com");
    assert_eq!(parsed.destination.as_deref(), Some("destination.hs.example.com"));
    assert_eq!(parsed.key, "ed25519:key1");
    assert_eq!(parsed.sig, "ABCDEF...");
    assert_eq!(parsed.to_header(), header);
    // names case-insensitive, any order, spaces around commas, unquoted tokens (colons too),
    // backslash escapes, unknown parameters ignored, no destination from older servers
    let loose = "X-Matrix  Key=ed25519:k , sig=\"a\\\"b\",\tORIGIN=o.example:8448,extra=1";
    let parsed = XMatrix::parse(loose).unwrap();
    assert_eq!(
        (
            parsed.origin.as_str(),
            parsed.destination,
            parsed.key.as_str(),
            parsed.sig.as_str()
        ),
        ("o.example:8448", None, "ed25519:k", "a\"b")
    );
    assert!(XMatrix::parse("Bearer abc").is_err());
    assert!(XMatrix::parse("X-Matrix key=\"k\",sig=\"s\"").is_err(), "no origin");
}

#[test]
fn a_signing_key_never_shows_its_secret() {
    let seed = [7u8; 32];
    let key = SigningKey::from_seed("example.org", "ed25519:a", &seed);
    let shown = format!("{key:?}");
    assert!(shown.contains("example.org") && shown.contains(&key.verify_key().to_base64()));
    use base64::Engine as _;
    let secret = base64::engine::general_purpose::STANDARD_NO_PAD.encode(seed);
    assert!(!shown.contains(&secret), "{shown}");
}
