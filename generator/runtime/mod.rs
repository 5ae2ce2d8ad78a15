//! Support code shared by every operation: hand-written once in the generator and copied into
//! the generated crate unchanged.

#[cfg(feature = "client")]
pub mod client;
pub mod error;
pub mod convert;
pub mod metadata;
pub mod open_enum;
#[cfg(feature = "server")]
pub mod server;

pub use self::error::{ErrorCode, FromHttpResponseError, IntoHttpError, MatrixError};
pub use self::convert::{
    AccessToken, Base, Endpoint, IncomingRequest, IncomingResponse, OutgoingRequest, OutgoingResponse, ParamValue,
};
pub use self::metadata::{AuthKind, Metadata, Method};
#[doc(hidden)]
pub use self::open_enum::{deserialize_open_enum, PrivOwnedStr};
