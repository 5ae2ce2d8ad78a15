//! Events: [`EventContent`], what the generated content enums have in common, and [`Raw`], an
//! event (or any value) kept as the JSON text that came until it is read, so that a large
//! `/sync` costs only what is read of it.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

/// The content of an event, told apart by the event's `type`: each of the events module's
/// `Any*EventContent` enums.
pub trait EventContent: Sized {
    /// Decodes the `content` of an event of type `event_type`; an event type the enum does not
    /// know is kept whole, and a known type whose content does not fit its schema is an error.
    fn from_parts(event_type: &str, content: serde_json::Value) -> Result<Self, serde_json::Error>;

    /// The event's `type`.
    fn event_type(&self) -> &str;

    /// The content as JSON.
    fn to_value(&self) -> Result<serde_json::Value, serde_json::Error>;

    /// Whether the enum kept the content whole, as of an event type it does not know.
    fn is_unknown(&self) -> bool;

    /// The content of a redacted event whose remains its type's schema does not read (a
    /// message's `{}`), kept as it came.
    fn redacted(event_type: &str, content: serde_json::Value) -> Self;
}

/// A `T` kept as the JSON text that came: decoding it checks only that it is JSON, and
/// [`Raw::deserialize`] reads it when (and if) it is wanted. Encoding it writes the text back
/// unchanged, so nothing a server sends is lost, even where `T` would refuse it.
pub struct Raw<T> {
    json: Box<RawValue>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Raw<T> {
    /// Wraps JSON text.
    pub fn from_json(json: Box<RawValue>) -> Self {
        Raw {
            json,
            _type: PhantomData,
        }
    }

    /// Encodes a value.
    pub fn new(value: &T) -> Result<Self, serde_json::Error>
    where
        T: Serialize,
    {
        serde_json::value::to_raw_value(value).map(Self::from_json)
    }

    /// The JSON text, as it came.
    pub fn json(&self) -> &RawValue {
        &self.json
    }

    /// The JSON text, as it came.
    pub fn into_json(self) -> Box<RawValue> {
        self.json
    }

    /// Reads the value as a `T`.
    pub fn deserialize(&self) -> Result<T, serde_json::Error>
    where
        T: DeserializeOwned,
    {
        self.deserialize_as()
    }

    /// Reads the value as another type (an event as the `Any*Event` of the kind the caller
    /// knows it is, say).
    pub fn deserialize_as<U: DeserializeOwned>(&self) -> Result<U, serde_json::Error> {
        serde_json::from_str(self.json.get())
    }

    /// The same JSON, to be read as another type.
    pub fn cast<U>(self) -> Raw<U> {
        Raw::from_json(self.json)
    }

    /// Reads one field of a JSON object (an event's `type`, say) without reading the rest:
    /// `None` when it is absent, an error when the value is no object or the field is not a `U`.
    pub fn get_field<U: DeserializeOwned>(&self, name: &str) -> Result<Option<U>, serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_str(self.json.get());
        (&mut deserializer).deserialize_map(FieldVisitor {
            name,
            _type: PhantomData,
        })
    }

    /// The event's `type`, read alone; `None` when the value has no string `type`.
    pub fn event_type(&self) -> Option<String> {
        self.get_field::<String>("type").ok().flatten()
    }
}

struct FieldVisitor<'n, U> {
    name: &'n str,
    _type: PhantomData<fn() -> U>,
}

impl<'de, U: DeserializeOwned> Visitor<'de> for FieldVisitor<'_, U> {
    type Value = Option<U>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<U>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == self.name && found.is_none() {
                found = Some(map.next_value::<U>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

impl<T> Clone for Raw<T> {
    fn clone(&self) -> Self {
        Raw::from_json(self.json.clone())
    }
}

impl<T> fmt::Debug for Raw<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Raw").field(&self.json.get()).finish()
    }
}

/// The same text: two values that differ only in spacing or key order are not equal.
impl<T> PartialEq for Raw<T> {
    fn eq(&self, other: &Self) -> bool {
        self.json.get() == other.json.get()
    }
}

impl<T> Serialize for Raw<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(serializer)
    }
}

impl<'de, T> Deserialize<'de> for Raw<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(Self::from_json)
    }
}

/// Whether an event's fields say it was redacted (its `unsigned` names the redaction).
pub fn is_redacted(fields: &serde_json::Map<String, serde_json::Value>) -> bool {
    fields.get("unsigned").and_then(|u| u.get("redacted_because")).is_some()
}

/// Takes an event's `type` and `content` out of its fields, the content read by `C`; errors
/// name what is wrong. What a redaction left (`redacted`) is read by the type's schema where it
/// fits (a member's `membership`), and kept as it came where it does not.
pub fn take_content<C: EventContent, E: de::Error>(
    fields: &mut serde_json::Map<String, serde_json::Value>,
    redacted: bool,
) -> Result<C, E> {
    let event_type = match fields.remove("type") {
        Some(serde_json::Value::String(t)) => t,
        _ => return Err(E::custom("an event needs a string `type`")),
    };
    match fields.remove("content") {
        Some(c) if redacted => Ok(C::from_parts(&event_type, c.clone()).unwrap_or_else(|_| C::redacted(&event_type, c))),
        Some(c) => C::from_parts(&event_type, c).map_err(|e| E::custom(format!("content: {e}"))),
        None => Err(E::custom("an event needs `content`")),
    }
}

/// Puts an event's `type` and `content` among its fields.
pub fn put_content<C: EventContent>(
    fields: &mut serde_json::Map<String, serde_json::Value>,
    content: &C,
) -> Result<(), serde_json::Error> {
    fields.insert("type".to_owned(), serde_json::Value::String(content.event_type().to_owned()));
    fields.insert("content".to_owned(), content.to_value()?);
    Ok(())
}

/// Takes the field `wire` out of an event's fields, as the type the generated `Event` gives it:
/// `null` is left among the other fields, as it came.
pub fn take_field<T: DeserializeOwned, E: de::Error>(
    fields: &mut serde_json::Map<String, serde_json::Value>,
    wire: &str,
) -> Result<Option<T>, E> {
    match fields.remove(wire) {
        None => Ok(None),
        Some(serde_json::Value::Null) => {
            fields.insert(wire.to_owned(), serde_json::Value::Null);
            Ok(None)
        }
        Some(value) => serde_json::from_value(value)
            .map(Some)
            .map_err(|e| E::custom(format!("{wire}: {e}"))),
    }
}

/// Puts the field `wire` among an event's fields, when it has a value.
pub fn put_field<T: Serialize>(
    fields: &mut serde_json::Map<String, serde_json::Value>,
    wire: &str,
    value: &Option<T>,
) -> Result<(), serde_json::Error> {
    if let Some(value) = value {
        fields.insert(wire.to_owned(), serde_json::to_value(value)?);
    }
    Ok(())
}
