//! Signed JSON, as the spec's appendices define it: canonical JSON, ed25519 signatures in unpadded
//! Base64 under `signatures`, and federation's `Authorization: X-Matrix` request signatures (the
//! sending server signs the method, URI, origin, destination and body; the receiving server
//! checks them against the sender's public key, which a [`KeyLookup`] implementation finds).

use std::fmt;
use std::future::Future;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, Verifier as _};
use serde_json::{Map, Value};

use super::error::{ErrorCode, MatrixError};

/// Why JSON could not be signed or a signature not checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureError(pub String);

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SignatureError {}

fn error(message: impl Into<String>) -> SignatureError {
    SignatureError(message.into())
}

/// The largest integer canonical JSON allows (and the smallest, negated): 2^53 - 1.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// `value` as canonical JSON: no insignificant whitespace, object keys sorted by code point,
/// strings as UTF-8 with only the escapes JSON requires, numbers as integers (a number with a
/// fraction or beyond ±(2^53 - 1) is an error; `1e10` is `10000000000`, `-0` is `0`).
pub fn canonical_json(value: &Value) -> Result<String, SignatureError> {
    let mut out = String::new();
    write_canonical(value, &mut out)?;
    Ok(out)
}

fn write_canonical(value: &Value, out: &mut String) -> Result<(), SignatureError> {
    match value {
        Value::Null | Value::Bool(_) | Value::String(_) => {
            // serde_json writes these as canonical JSON wants them: `null`, `true`, and strings
            // with only `"`, `\` and control characters escaped
            out.push_str(&value.to_string());
        }
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                if (i as f64).abs() > MAX_SAFE_INTEGER {
                    return Err(error(format!("the integer {i} is beyond what canonical JSON allows")));
                }
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                return Err(error(format!("the integer {u} is beyond what canonical JSON allows")));
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.fract() != 0.0 || !f.is_finite() || f.abs() > MAX_SAFE_INTEGER {
                    return Err(error(format!("canonical JSON has no number like {n}: integers only")));
                }
                out.push_str(&(f as i64).to_string());
            }
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            // sorted here, whatever order the map keeps (serde_json's `preserve_order`)
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// The bytes of an object that its signatures sign: the object without `signatures` and
/// `unsigned`, as canonical JSON.
pub fn signed_bytes(object: &Map<String, Value>) -> Result<String, SignatureError> {
    let mut copy = object.clone();
    copy.remove("signatures");
    copy.remove("unsigned");
    canonical_json(&Value::Object(copy))
}

/// A server's ed25519 signing key, with the server's name and the key's id (`ed25519:abc`).
/// `Debug` shows the name, the id and the public key, never the secret.
#[derive(Clone)]
pub struct SigningKey {
    server_name: String,
    key_id: String,
    key: ed25519_dalek::SigningKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("server_name", &self.server_name)
            .field("key_id", &self.key_id)
            .field("public_key", &self.verify_key().to_base64())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The key of a 32-byte seed (what Synapse's signing key file holds, Base64-encoded, after
    /// `ed25519 <version>`).
    pub fn from_seed(server_name: impl Into<String>, key_id: impl Into<String>, seed: &[u8; 32]) -> Self {
        SigningKey {
            server_name: server_name.into(),
            key_id: key_id.into(),
            key: ed25519_dalek::SigningKey::from_bytes(seed),
        }
    }

    /// The key of a seed in (unpadded or padded) Base64.
    pub fn from_base64_seed(
        server_name: impl Into<String>,
        key_id: impl Into<String>,
        seed: &str,
    ) -> Result<Self, SignatureError> {
        let bytes = decode_base64(seed)?;
        let seed: [u8; 32] = bytes.try_into().map_err(|_| error("an ed25519 seed is 32 bytes"))?;
        Ok(SigningKey::from_seed(server_name, key_id, &seed))
    }

    /// The signing server's name.
    pub fn server_name(&self) -> &str {
        &self.server_name
    }

    /// The key's id, `ed25519:` and its version.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public half, which other servers verify with.
    pub fn verify_key(&self) -> VerifyKey {
        VerifyKey(self.key.verifying_key())
    }

    /// The signature of `bytes`, in unpadded Base64.
    pub fn sign_bytes(&self, bytes: &[u8]) -> String {
        STANDARD_NO_PAD.encode(self.key.sign(bytes).to_bytes())
    }

    /// Signs a JSON object as the appendices say: adds this server's signature under
    /// `signatures.{server_name}.{key_id}`, keeping the signatures it had.
    pub fn sign_json(&self, object: &mut Map<String, Value>) -> Result<(), SignatureError> {
        let signature = self.sign_bytes(signed_bytes(object)?.as_bytes());
        let signatures = object
            .entry("signatures")
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(signatures) = signatures else {
            return Err(error("`signatures` is not an object"));
        };
        let mine = signatures
            .entry(self.server_name.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(mine) = mine else {
            return Err(error(format!("`signatures.{}` is not an object", self.server_name)));
        };
        mine.insert(self.key_id.clone(), Value::String(signature));
        Ok(())
    }
}

/// An ed25519 public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyKey(ed25519_dalek::VerifyingKey);

impl VerifyKey {
    /// The key of its unpadded Base64 (as `verify_keys` in `/_matrix/key/v2/server` give it).
    pub fn from_base64(text: &str) -> Result<Self, SignatureError> {
        let bytes: [u8; 32] = decode_base64(text)?
            .try_into()
            .map_err(|_| error("an ed25519 public key is 32 bytes"))?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map(VerifyKey)
            .map_err(|e| error(format!("not an ed25519 public key: {e}")))
    }

    /// The key in unpadded Base64.
    pub fn to_base64(self) -> String {
        STANDARD_NO_PAD.encode(self.0.as_bytes())
    }

    /// Whether `signature` (unpadded Base64) is this key's signature of `bytes`.
    pub fn verify_bytes(&self, bytes: &[u8], signature: &str) -> Result<(), SignatureError> {
        let raw: [u8; 64] = decode_base64(signature)?
            .try_into()
            .map_err(|_| error("an ed25519 signature is 64 bytes"))?;
        self.0
            .verify(bytes, &ed25519_dalek::Signature::from_bytes(&raw))
            .map_err(|_| error("the signature does not match"))
    }
}

/// Checks the signature of `server` with key `key_id` on a signed JSON object.
pub fn verify_json(
    object: &Map<String, Value>,
    server: &str,
    key_id: &str,
    key: &VerifyKey,
) -> Result<(), SignatureError> {
    let signature = object
        .get("signatures")
        .and_then(|s| s.get(server))
        .and_then(|s| s.get(key_id))
        .and_then(Value::as_str)
        .ok_or_else(|| error(format!("no signature of {server} with {key_id}")))?;
    key.verify_bytes(signed_bytes(object)?.as_bytes(), signature)
}

/// Reads Base64 as leniently as the spec's own examples need: padded or not, and with bits
/// beyond the last byte set (the appendices' signing key seed has them).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

fn decode_base64(text: &str) -> Result<Vec<u8>, SignatureError> {
    LENIENT.decode(text).map_err(|e| error(format!("not Base64: {e}")))
}

/// The parameters of an `Authorization: X-Matrix` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XMatrix {
    /// The sending server.
    pub origin: String,
    /// The receiving server (older servers leave it out).
    pub destination: Option<String>,
    /// The id of the key that signed (`ed25519:abc`).
    pub key: String,
    /// The signature, unpadded Base64.
    pub sig: String,
}

impl XMatrix {
    /// Reads the header's value (RFC 9110 parameters: names case-insensitive, values quoted or
    /// not, backslash escapes, unknown names ignored).
    pub fn parse(header: &str) -> Result<Self, SignatureError> {
        let rest = header
            .strip_prefix("X-Matrix")
            .or_else(|| header.strip_prefix("x-matrix"))
            .filter(|r| r.starts_with([' ', '\t']))
            .ok_or_else(|| error("not an X-Matrix authorization"))?;
        let (mut origin, mut destination, mut key, mut sig) = (None, None, None, None);
        let mut chars = rest.trim_start().chars().peekable();
        loop {
            while chars.next_if(|c| matches!(c, ' ' | '\t' | ',')).is_some() {}
            let mut name = String::new();
            while let Some(c) = chars.next_if(|&c| c != '=') {
                name.push(c);
            }
            if name.trim().is_empty() {
                break;
            }
            if chars.next() != Some('=') {
                return Err(error(format!("the parameter `{}` has no value", name.trim())));
            }
            let mut value = String::new();
            if chars.next_if_eq(&'"').is_some() {
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => value.extend(chars.next()),
                        Some(c) => value.push(c),
                        None => return Err(error("a quoted value does not end")),
                    }
                }
            } else {
                while let Some(c) = chars.next_if(|&c| c != ',') {
                    value.push(c);
                }
                value = value.trim().to_owned();
            }
            match name.trim().to_ascii_lowercase().as_str() {
                "origin" => origin = Some(value),
                "destination" => destination = Some(value),
                "key" => key = Some(value),
                "sig" => sig = Some(value),
                _ => {}
            }
        }
        Ok(XMatrix {
            origin: origin.ok_or_else(|| error("no `origin`"))?,
            destination,
            key: key.ok_or_else(|| error("no `key`"))?,
            sig: sig.ok_or_else(|| error("no `sig`"))?,
        })
    }

    /// The header's value, as the spec asks senders to write it.
    pub fn to_header(&self) -> String {
        let mut out = format!("X-Matrix origin=\"{}\"", self.origin);
        if let Some(d) = &self.destination {
            out.push_str(&format!(",destination=\"{d}\""));
        }
        out.push_str(&format!(",key=\"{}\",sig=\"{}\"", self.key, self.sig));
        out
    }
}

/// The JSON a request signature signs: method, URI (path and query, as sent), origin,
/// destination and the parsed body, if any.
fn request_json(method: &str, uri: &str, origin: &str, destination: &str, body: &[u8]) -> Result<Map<String, Value>, SignatureError> {
    let mut object = Map::new();
    object.insert("method".to_owned(), Value::String(method.to_owned()));
    object.insert("uri".to_owned(), Value::String(uri.to_owned()));
    object.insert("origin".to_owned(), Value::String(origin.to_owned()));
    object.insert("destination".to_owned(), Value::String(destination.to_owned()));
    if !body.is_empty() {
        let content: Value =
            serde_json::from_slice(body).map_err(|e| error(format!("a signed request's body must be JSON: {e}")))?;
        object.insert("content".to_owned(), content);
    }
    Ok(object)
}

/// Signs requests to one destination server as `key`'s server: the `Authorization` header of a
/// request (give it to a client with `Client::with_server_signing`).
#[derive(Clone, Debug)]
pub struct RequestSigner {
    key: SigningKey,
    destination: String,
}

impl RequestSigner {
    /// Signs as `key`'s server, for requests to `destination`.
    pub fn new(key: SigningKey, destination: impl Into<String>) -> Self {
        RequestSigner {
            key,
            destination: destination.into(),
        }
    }

    /// The `Authorization: X-Matrix` value for a request (`uri`: its path and query).
    pub fn authorization(&self, method: &str, uri: &str, body: &[u8]) -> Result<String, SignatureError> {
        let object = request_json(method, uri, &self.key.server_name, &self.destination, body)?;
        let sig = self.key.sign_bytes(canonical_json(&Value::Object(object))?.as_bytes());
        Ok(XMatrix {
            origin: self.key.server_name.clone(),
            destination: Some(self.destination.clone()),
            key: self.key.key_id.clone(),
            sig,
        }
        .to_header())
    }
}

/// What a server needs to check federation requests: its own name, and the public keys of the
/// servers that send to it (from their `/_matrix/key/v2/server`, a notary, or a cache), which
/// the implementation finds.
pub trait KeyLookup: Send + Sync {
    /// This server's name: a request whose `destination` is another server's is refused.
    fn server_name(&self) -> &str;

    /// The public key `key_id` of `origin`, if it has one valid now; `None` refuses the request
    /// (401 `M_UNAUTHORIZED`), an error is the answer.
    fn verify_key(
        &self,
        origin: &str,
        key_id: &str,
    ) -> impl Future<Output = Result<Option<VerifyKey>, MatrixError>> + Send;
}

fn unauthorized(message: impl Into<String>) -> MatrixError {
    MatrixError::new(http::StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, message)
}

/// The `X-Matrix` authorization of a request, read (not yet checked): 401 `M_UNAUTHORIZED`
/// when there is none or it cannot be read.
pub fn authorization(headers: &http::HeaderMap) -> Result<XMatrix, MatrixError> {
    let mut last = None;
    for value in headers.get_all(http::header::AUTHORIZATION) {
        let text = value.to_str().map_err(|_| unauthorized("The Authorization header is not text."))?;
        match XMatrix::parse(text) {
            Ok(x) => return Ok(x),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => unauthorized(format!("Invalid X-Matrix authorization: {e}.")),
        None => unauthorized("Missing X-Matrix authorization: this request must be signed by the sending server."),
    })
}

/// Checks a federation request's signature: its `X-Matrix` authorization names this server (or
/// no destination), and `origin`'s key signed the method, `uri` (path and query as received),
/// origin, destination and body. The origin on success; 401 `M_UNAUTHORIZED` otherwise.
pub async fn verify_request<K: KeyLookup + ?Sized>(
    keys: &K,
    method: &str,
    uri: &str,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<String, MatrixError> {
    let auth = authorization(headers)?;
    let ours = keys.server_name();
    if auth.destination.as_deref().is_some_and(|d| d != ours) {
        return Err(unauthorized("The request is signed for another server."));
    }
    let Some(key) = keys.verify_key(&auth.origin, &auth.key).await? else {
        return Err(unauthorized(format!("No key {} of {} is known.", auth.key, auth.origin)));
    };
    let object = request_json(method, uri, &auth.origin, ours, body).map_err(|e| unauthorized(e.0))?;
    let bytes = canonical_json(&Value::Object(object)).map_err(|e| unauthorized(e.0))?;
    key.verify_bytes(bytes.as_bytes(), &auth.sig)
        .map_err(|e| unauthorized(format!("Invalid request signature: {e}.")))?;
    Ok(auth.origin)
}

#[cfg(feature = "client")]
impl super::client::SignRequest for RequestSigner {
    fn authorization(&self, method: &str, uri: &str, body: &[u8]) -> Result<String, String> {
        RequestSigner::authorization(self, method, uri, body).map_err(|e| e.0)
    }
}
