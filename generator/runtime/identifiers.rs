//! Matrix identifiers: the string formats the spec names (`mx-user-id`, `mx-room-id`,
//! `mx-event-id`, `mx-room-alias`, `mx-server-name`, `mx-mxc-uri`), each a type of its own.
//! Cheap to clone (one shared allocation), checked when decoded or parsed as the spec's
//! `string-formats.yaml` describes (the sigil or scheme each starts with, a server name with no
//! space or `/`), and written back exactly as they were read.

use std::fmt;
use std::sync::Arc;

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident, $format:literal, $what:literal, $check:path) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Arc<str>);

        impl $name {
            /// The spec's name of the format.
            pub const FORMAT: &'static str = $format;

            /// Checks `s` and keeps it.
            pub fn parse(s: &str) -> Result<Self, IdError> {
                match $check(s) {
                    Ok(()) => Ok($name(Arc::from(s))),
                    Err(reason) => Err(IdError { value: s.to_owned(), what: $what, reason }),
                }
            }

            /// The identifier as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&*self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                &*self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                &*self.0 == *other
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;

                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }

                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        $name::parse(v).map_err(E::custom)
                    }
                }

                deserializer.deserialize_str(Visitor)
            }
        }

        impl super::convert::ParamValue for $name {
            fn to_param(&self) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed(&self.0)
            }
            fn from_param(s: &str) -> Result<Self, String> {
                Self::parse(s).map_err(|e| e.to_string())
            }
        }
    };
}

identifier!(
    /// A user ID (`mx-user-id`): `@localpart:server.name`.
    UserId, "mx-user-id", "a user ID", user_id
);
identifier!(
    /// A room ID (`mx-room-id`): `!opaque` (and `:server.name` in older room versions).
    RoomId, "mx-room-id", "a room ID", room_id
);
identifier!(
    /// An event ID (`mx-event-id`): `$opaque`.
    EventId, "mx-event-id", "an event ID", event_id
);
identifier!(
    /// A room alias (`mx-room-alias`): `#alias:server.name`.
    RoomAlias, "mx-room-alias", "a room alias", room_alias
);
identifier!(
    /// A server name (`mx-server-name`): a host name or IP literal, and maybe a port.
    ServerName, "mx-server-name", "a server name", server_name
);
identifier!(
    /// A Matrix content URI (`mx-mxc-uri`): `mxc://server.name/media_id`.
    MxcUri, "mx-mxc-uri", "an mxc:// URI", mxc_uri
);

/// An identifier that does not have its format; says what it should be and why it is not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdError {
    /// The text that was refused.
    pub value: String,
    /// What it should have been (`a user ID`).
    pub what: &'static str,
    /// Why it is not.
    pub reason: &'static str,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.value.chars().take(80).collect();
        write!(f, "`{shown}` is not {}: {}", self.what, self.reason)
    }
}

impl std::error::Error for IdError {}

/// Starts with `sigil`, followed by something.
fn sigil(s: &str, sigil: char, reason: &'static str) -> Result<(), &'static str> {
    match s.strip_prefix(sigil) {
        Some(rest) if !rest.is_empty() => Ok(()),
        Some(_) => Err("it has nothing after its sigil"),
        None => Err(reason),
    }
}

fn user_id(s: &str) -> Result<(), &'static str> {
    sigil(s, '@', "it must start with `@`")
}

fn room_id(s: &str) -> Result<(), &'static str> {
    sigil(s, '!', "it must start with `!`")
}

fn event_id(s: &str) -> Result<(), &'static str> {
    sigil(s, '$', "it must start with `$`")
}

fn room_alias(s: &str) -> Result<(), &'static str> {
    sigil(s, '#', "it must start with `#`")
}

fn server_name(s: &str) -> Result<(), &'static str> {
    if s.is_empty() {
        Err("it is empty")
    } else if s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '/') {
        Err("it has a space, a control character or a `/`")
    } else {
        Ok(())
    }
}

fn mxc_uri(s: &str) -> Result<(), &'static str> {
    match s.strip_prefix("mxc://") {
        Some(rest) if !rest.is_empty() => Ok(()),
        Some(_) => Err("it has nothing after `mxc://`"),
        None => Err("it must start with `mxc://`"),
    }
}
