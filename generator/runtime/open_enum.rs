//! Open enums: string enums of the spec keep values they do not know in a catch-all variant,
//! and decode the values they know without allocating.

use std::fmt;
use std::marker::PhantomData;

/// The text of an enum value unknown to this version of the spec. It cannot be built outside
/// this crate, so a known value is always its own variant: build enums with `From<&str>`.
#[doc(hidden)]
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
// boxed twice on purpose: a thin pointer keeps every open enum one word wide
#[allow(clippy::box_collection)]
pub struct PrivOwnedStr(pub(crate) Box<String>);

impl PrivOwnedStr {
    /// Keeps an unknown value. Boxed twice so that an open enum is one pointer wide, as small as
    /// it can be while it keeps any text.
    pub fn new(s: &str) -> Self {
        PrivOwnedStr(Box::new(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PrivOwnedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// Deserializes an open enum from a string, borrowing it where the format allows.
#[doc(hidden)]
pub fn deserialize_open_enum<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    struct Visitor<T>(PhantomData<T>);

    impl<'de, T: for<'a> From<&'a str>> serde::de::Visitor<'de> for Visitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            Ok(T::from(v))
        }
    }

    deserializer.deserialize_str(Visitor(PhantomData))
}
