//! The support code every generated crate needs, whatever its other outputs: Matrix errors, the
//! traits every operation implements and their conversions, operation metadata, open enums.

use super::output::Placement;
use super::{Dependency, Emitted, Output, RuntimeFile};
use crate::ir::{Api, Auth};

/// The support code and the dependencies of the types-only crate.
pub struct Support;

impl Output for Support {
    fn name(&self) -> &'static str {
        "support"
    }

    fn emit<'a>(&self, api: &'a Api, placement: &'a Placement) -> Emitted<'a> {
        let mut emitted = Emitted {
            docs: vec![
                "[`MatrixError`] and [`ErrorCode`]: Matrix errors, paired with their HTTP status.",
                "[`UserId`], [`RoomId`], [`EventId`], [`RoomAlias`], [`ServerName`], [`MxcUri`]: the identifiers of the spec's `mx-*` string formats, checked when decoded.",
            ],
            runtime: runtime_files(),
            dependencies: vec![
                Dependency::new("http", "1"),
                Dependency {
                    features: &["derive"],
                    ..Dependency::new("serde", "1")
                },
                Dependency::new("serde_json", "1"),
                Dependency::new("serde_path_to_error", "0.1"),
            ],
            ..Emitted::default()
        };
        // signed JSON and federation's request signatures: in the shared crate of a set (the
        // crate every API of Matrix can use), else where an operation is signed
        // (an API of a set re-exports the shared crate's)
        let signed = api.operations.iter().any(|op| op.auth == Auth::Signed);
        if signed || *placement != Placement::Whole {
            emitted.docs.push("[`SigningKey`], [`VerifyKey`], [`canonical_json`], [`verify_json`], [`KeyLookup`], [`RequestSigner`]: signed JSON (canonical JSON, ed25519) and federation's `X-Matrix` request signatures.");
            emitted.runtime.push(RuntimeFile {
                name: "signatures",
                text: include_str!("../../runtime/signatures.rs"),
                feature: None,
                exports: &[
                    "canonical_json",
                    "verify_json",
                    "RequestSigner",
                    "KeyLookup",
                    "SignatureError",
                    "SigningKey",
                    "VerifyKey",
                    "XMatrix",
                ],
                internal: &[],
            });
            if !placement.is_member() {
                emitted.dependencies.push(Dependency::new("base64", "0.22"));
                emitted.dependencies.push(Dependency::new("ed25519-dalek", "2"));
            }
        }
        emitted
    }
}

/// What the crate re-exports of `runtime/metadata.rs`.
const METADATA_EXPORTS: &[&str] = &[
    "AuthKind",
    "Metadata",
    "Method",
    "PathSegment",
    "TokenPlaces",
    "Unsupported",
    "VersionedPath",
];

/// The support code every crate has: conversions, errors, identifiers, metadata, open enums.
fn runtime_files() -> Vec<RuntimeFile> {
    vec![
        RuntimeFile {
            name: "convert",
            text: include_str!("../../runtime/convert.rs"),
            feature: None,
            exports: &[
                "AccessToken",
                "Base",
                "Endpoint",
                "IncomingRequest",
                "IncomingResponse",
                "OutgoingRequest",
                "OutgoingResponse",
                "ParamValue",
            ],
            internal: &[
                "deserialize_some",
                "bool_default",
                "is_bool_default",
                "int_default",
                "is_int_default",
            ],
        },
        RuntimeFile {
            name: "error",
            text: include_str!("../../runtime/error.rs"),
            feature: None,
            exports: &[
                "AuthFlow",
                "ErrorCode",
                "FromHttpResponseError",
                "IntoHttpError",
                "MatrixError",
                "UiaaResponse",
            ],
            internal: &[],
        },
        RuntimeFile {
            name: "identifiers",
            text: include_str!("../../runtime/identifiers.rs"),
            feature: None,
            exports: &[
                "EventId",
                "IdError",
                "MxcUri",
                "RoomAlias",
                "RoomId",
                "ServerName",
                "UserId",
            ],
            internal: &[],
        },
        RuntimeFile {
            name: "json",
            text: include_str!("../../runtime/json.rs"),
            feature: None,
            exports: &[],
            internal: &[],
        },
        RuntimeFile {
            name: "metadata",
            text: include_str!("../../runtime/metadata.rs"),
            feature: None,
            exports: METADATA_EXPORTS,
            internal: &[],
        },
        RuntimeFile {
            name: "open_enum",
            text: include_str!("../../runtime/open_enum.rs"),
            feature: None,
            exports: &[],
            internal: &["deserialize_open_enum", "PrivOwnedStr"],
        },
    ]
}
