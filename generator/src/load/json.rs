//! YAML read as OpenAPI reads it, into JSON: mapping keys are kept as written (`1.10:` is the key
//! `"1.10"`, not the number 1.1, and `0x1F:` is `"0x1F"`, not `"31"`); values are read by YAML
//! 1.2's core schema, as the YAML parser resolves them. A value without a JSON equivalent (a tag,
//! `.nan`, `.inf`) is an error at its JSON pointer; an integer beyond 64 bits has no exact
//! equivalent in the generator's JSON model, so it is carried as the nearest double, with a
//! warning at its pointer.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::push_token;

/// Why a YAML value has no JSON equivalent, at the node of `pointer`.
#[derive(Debug)]
pub struct NotJson {
    /// The JSON pointer of the node.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

/// What reading one document found besides its value.
#[derive(Default)]
pub struct Reading {
    /// The pointer of the node being read, as tokens.
    path: Vec<String>,
    /// The first value without a JSON equivalent.
    pub failure: Option<NotJson>,
    /// Integers carried as the nearest double: (pointer, the integer as YAML resolved it).
    pub approximated: Vec<(String, String)>,
}

impl Reading {
    fn pointer(&self) -> String {
        self.path.iter().fold(String::new(), |p, t| push_token(&p, t))
    }

    fn fail<E: serde::de::Error>(&mut self, message: String) -> E {
        let error = E::custom(&message);
        if self.failure.is_none() {
            self.failure = Some(NotJson {
                pointer: self.pointer(),
                message,
            });
        }
        error
    }
}

/// Reads one value into JSON, keeping notes in the [`Reading`].
pub struct Node<'r>(pub &'r mut Reading);

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value with a JSON equivalent")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Value, E> {
        self.approximate(v.to_string(), v as f64)
    }

    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Value, E> {
        self.approximate(v.to_string(), v as f64)
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        match serde_json::Number::from_f64(v) {
            Some(n) => Ok(Value::Number(n)),
            None => Err(self.0.fail(format!("the number {v} has no JSON equivalent"))),
        }
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let reading = self.0;
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        loop {
            reading.path.push(out.len().to_string());
            let item = seq.next_element_seed(Node(&mut *reading));
            reading.path.pop();
            match item? {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let reading = self.0;
        let mut out = Map::with_capacity(map.size_hint().unwrap_or(0));
        loop {
            let key = match map.next_key_seed(Key) {
                Ok(Some(key)) => key,
                Ok(None) => break,
                // the parser's own errors are its to report; a key that is no scalar is ours
                Err(e) if e.to_string().contains("expected a mapping key that is a scalar") => {
                    return Err(reading.fail(
                        "a mapping key is not a scalar; only string, number and boolean keys are supported".to_owned(),
                    ))
                }
                Err(e) => return Err(e),
            };
            if out.contains_key(&key) {
                return Err(reading.fail(format!("the key `{key}` is given twice in one mapping")));
            }
            reading.path.push(key);
            let value = map.next_value_seed(Node(&mut *reading));
            let key = reading.path.pop().unwrap_or_default();
            out.insert(key, value?);
        }
        Ok(Value::Object(out))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (tag, variant): (String, _) = data.variant()?;
        // the value under the tag is read past, so that the error is about the tag
        let _ = variant.newtype_variant_seed(Node(&mut Reading::default()));
        Err(self.0.fail(format!("YAML tag `!{tag}` is not supported")))
    }
}

impl Node<'_> {
    /// An integer beyond 64 bits: the nearest double, noted.
    fn approximate<E: serde::de::Error>(self, text: String, approx: f64) -> Result<Value, E> {
        match serde_json::Number::from_f64(approx) {
            Some(n) => {
                let pointer = self.0.pointer();
                self.0.approximated.push((pointer, text));
                Ok(Value::Number(n))
            }
            None => Err(self.0.fail(format!("the number {text} has no JSON equivalent"))),
        }
    }
}

/// A mapping key, as written.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        // a scalar's text as written, whatever it would resolve to as a value
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping key that is a scalar (a string, number or boolean)")
    }

    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Result<Value, String>, Reading) {
        let mut reading = Reading::default();
        let de = serde_yaml::Deserializer::from_str(text);
        let value = Node(&mut reading).deserialize(de).map_err(|e| e.to_string());
        (value, reading)
    }

    #[test]
    fn keys_are_kept_as_written() {
        let (v, _) = read("1.1: a\n1.10: b\n0x1F: c\ntrue: d\nnull: e\n~: f\n200: g\n'3': h\n");
        let v = v.unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["1.1", "1.10", "0x1F", "true", "null", "~", "200", "3"]);
    }

    #[test]
    fn values_are_read_by_the_core_schema() {
        let (v, _) = read("a: 1.10\nb: 0x1F\nc: true\nd: ~\ne: '1.10'\nf: 012\ng: -3\nh: 1e3\n");
        assert_eq!(
            v.unwrap(),
            serde_json::json!({"a": 1.1, "b": 31, "c": true, "d": null, "e": "1.10", "f": "012", "g": -3, "h": 1000.0})
        );
    }

    #[test]
    fn integers_beyond_64_bits_are_approximated_and_noted() {
        let (v, reading) = read("a:\n  - 123456789012345678901234567890\n");
        assert_eq!(v.unwrap()["a"][0].as_f64(), Some(1.2345678901234568e29));
        assert_eq!(
            reading.approximated,
            [("/a/0".to_owned(), "123456789012345678901234567890".to_owned())]
        );
    }

    #[test]
    fn what_has_no_json_equivalent_is_located() {
        let (v, reading) = read("a:\n  b/c: [1, !custom x]\n");
        assert!(v.is_err());
        let failure = reading.failure.unwrap();
        assert_eq!(failure.pointer, "/a/b~1c/1");
        assert_eq!(failure.message, "YAML tag `!custom` is not supported");
        let (_, reading) = read("a: .nan\n");
        assert_eq!(reading.failure.unwrap().pointer, "/a");
        let (_, reading) = read("a: 1\nb: {x: 1, x: 2}\n");
        let failure = reading.failure.unwrap();
        assert_eq!(
            (failure.pointer.as_str(), failure.message.as_str()),
            ("/b", "the key `x` is given twice in one mapping")
        );
    }
}
