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
