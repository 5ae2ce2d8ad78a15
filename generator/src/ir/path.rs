//! Path templates, parsed once: `/rooms/{roomId}/invite` is the segments `rooms`, the parameter
//! `roomId` and `invite`.

use std::fmt;

/// One `/`-separated segment of a path template.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    /// Text matched as it is.
    Literal(String),
    /// A parameter standing for the whole segment (`{roomId}`), by its wire name.
    Param(String),
}

/// A literal segment as a URI carries it: every character a path segment may not hold as it is
/// (RFC 3986's `pchar`: unreserved, sub-delims, `:`, `@`) percent-encoded, a `%` already starting
/// an escape kept. The server routes, and the client sends, this form.
pub fn on_the_wire(text: &str) -> std::borrow::Cow<'_, str> {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b);
    let bytes = text.as_bytes();
    let escape_at = |i: usize| {
        bytes[i] == b'%'
            && bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    };
    if (0..bytes.len()).all(|i| plain(bytes[i]) || escape_at(i)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &b) in bytes.iter().enumerate() {
        if plain(b) || escape_at(i) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A parsed path template.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PathTemplate {
    /// The segments after the leading `/`.
    pub segments: Vec<Segment>,
}

impl PathTemplate {
    /// Parses a template. A parameter must be a whole segment, with a name, and braces must
    /// pair: anything else is refused with the reason.
    pub fn parse(path: &str) -> Result<PathTemplate, String> {
        let Some(rest) = path.strip_prefix('/') else {
            return Err(format!("path `{path}` must start with `/`"));
        };
        let mut segments = Vec::new();
        for segment in rest.split('/') {
            let open = segment.matches('{').count();
            let close = segment.matches('}').count();
            if open == 0 && close == 0 {
                segments.push(Segment::Literal(segment.to_owned()));
                continue;
            }
            let name = segment
                .strip_prefix('{')
                .and_then(|s| s.strip_suffix('}'))
                .filter(|n| !n.is_empty() && !n.contains(['{', '}']));
            match name {
                // one value cannot stand in two places: which would the server keep?
                Some(name) if segments.iter().any(|s| matches!(s, Segment::Param(p) if p == name)) => {
                    return Err(format!("path `{path}` has `{{{name}}}` twice"));
                }
                Some(name) => segments.push(Segment::Param(name.to_owned())),
                None => {
                    return Err(format!(
                        "path `{path}`: the segment `{segment}` must be plain text or one whole `{{parameter}}`"
                    ))
                }
            }
        }
        Ok(PathTemplate { segments })
    }

    /// The parameters' wire names, in path order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Param(name) => Some(name.as_str()),
            Segment::Literal(_) => None,
        })
    }

    /// Whether the template has the parameter `name`.
    pub fn has_param(&self, name: &str) -> bool {
        self.params().any(|p| p == name)
    }

    /// The position of the parameter `name` among the parameters.
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.params().position(|p| p == name)
    }
}

impl fmt::Display for PathTemplate {
    /// As the spec writes it: `/rooms/{roomId}/invite`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.segments {
            match s {
                Segment::Literal(text) => write!(f, "/{text}")?,
                Segment::Param(name) => write!(f, "/{{{name}}}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod wire {
    use super::on_the_wire;

    #[test]
    fn literals_are_encoded_as_a_uri_carries_them() {
        assert_eq!(on_the_wire("account"), "account");
        assert_eq!(on_the_wire("m.room.member"), "m.room.member");
        assert_eq!(on_the_wire(" "), "%20");
        assert_eq!(on_the_wire("%7Bp%7D"), "%7Bp%7D");
        assert_eq!(on_the_wire("100%"), "100%25");
        assert_eq!(on_the_wire("é"), "%C3%A9");
        assert_eq!(on_the_wire("a|b"), "a%7Cb");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_back() {
        let t = PathTemplate::parse("/rooms/{roomId}/invite").unwrap();
        assert_eq!(
            t.segments,
            vec![
                Segment::Literal("rooms".into()),
                Segment::Param("roomId".into()),
                Segment::Literal("invite".into())
            ]
        );
        assert_eq!(t.to_string(), "/rooms/{roomId}/invite");
        assert_eq!(t.params().collect::<Vec<_>>(), ["roomId"]);
        assert_eq!(t.param_index("roomId"), Some(0));
        assert_eq!(PathTemplate::parse("/").unwrap().to_string(), "/");
        assert_eq!(PathTemplate::parse("/a/").unwrap().to_string(), "/a/");
    }

    #[test]
    fn refuses_what_no_router_can_match() {
        for bad in ["rooms", "/a/{b", "/a/b}", "/a/{}", "/a/x{b}", "/a/{b}.json", "/a/{{b}}"] {
            assert!(PathTemplate::parse(bad).is_err(), "{bad}");
        }
    }
}
