//! How a parameter's value is written as text, decided from where it is sent, its type and
//! what the document says (OpenAPI 3's `style`/`explode`, Swagger 2.0's `collectionFormat`).
//! Every (location, type, serialization) the generated client and server both implement has a
//! `ParamStyle`; anything else is an error the caller locates at the parameter, never a crate
//! that does not build or sends what the spec does not say.

use super::model::{ParamLocation, ParamStyle};
use super::types::Ty;
use crate::frontend::Serialization;

/// What a parameter's type is, for its style.
enum Kind {
    Scalar,
    List,
    TextMap,
    Other(&'static str),
}

/// The style of a parameter of type `ty` (with `scalar` telling which named types are written
/// as text) sent in `location` and written as `serialization`, and the type it then has; or why
/// the generator cannot send and read it. `catch_all`: a query parameter named `name...`.
pub fn style(
    location: ParamLocation,
    ty: Ty,
    serialization: &Serialization,
    catch_all: bool,
    scalar: impl Fn(&Ty) -> bool,
) -> Result<(ParamStyle, Ty), String> {
    // a parameter is never `null`; one of no type is its text as it is
    let ty = match ty {
        Ty::Nullable(inner) => *inner,
        Ty::Json => Ty::String,
        other => other,
    };
    if catch_all {
        return Ok((ParamStyle::Entries, Ty::Map(Box::new(Ty::String))));
    }
    let kind = match &ty {
        t if scalar(t) => Kind::Scalar,
        Ty::Vec(item) if scalar(item) => Kind::List,
        Ty::Vec(_) => Kind::Other("a list of lists, maps or objects"),
        Ty::Map(value) if matches!(**value, Ty::String | Ty::Json) => Kind::TextMap,
        Ty::JsonObject => Kind::TextMap,
        Ty::Map(_) => Kind::Other("a map of values other than strings"),
        _ => Kind::Other("an object"),
    };
    let style = match serialization {
        Serialization::Content(mime) => {
            return Err(format!(
                "a parameter written in a media type (`content: {mime}`) is not supported; give it a `schema`"
            ))
        }
        Serialization::Style { style, explode } => openapi_style(location, &kind, style, *explode)?,
        Serialization::CollectionFormat(format) => collection_format(location, &kind, format)?,
    };
    let ty = match (style, ty) {
        (ParamStyle::Entries, _) => Ty::Map(Box::new(Ty::String)),
        (_, ty) => ty,
    };
    Ok((style, ty))
}

fn unsupported(location: ParamLocation, kind: &Kind, how: &str) -> String {
    let what = match kind {
        Kind::Scalar => "a single value",
        Kind::List => "a list",
        Kind::TextMap => "a map of strings",
        Kind::Other(what) => what,
    };
    format!(
        "a {} parameter that is {what}, written {how}, is not supported (lists and single values are, and maps of strings exploded in the query)",
        location.as_str()
    )
}

/// OpenAPI 3: `style` and `explode`.
fn openapi_style(location: ParamLocation, kind: &Kind, style: &str, explode: bool) -> Result<ParamStyle, String> {
    let refuse = || unsupported(location, kind, &format!("`style: {style}`, `explode: {explode}`"));
    Ok(match (location, style, kind) {
        (_, _, Kind::Other(_)) => return Err(refuse()),
        (ParamLocation::Query, "form", Kind::Scalar) => ParamStyle::Single,
        (ParamLocation::Query, "form", Kind::List) if explode => ParamStyle::List(None),
        (ParamLocation::Query, "form", Kind::List) => ParamStyle::List(Some(',')),
        (ParamLocation::Query, "form", Kind::TextMap) if explode => ParamStyle::Entries,
        (ParamLocation::Query, "spaceDelimited" | "pipeDelimited", Kind::List) if explode => ParamStyle::List(None),
        (ParamLocation::Query, "spaceDelimited", Kind::List) => ParamStyle::List(Some(' ')),
        (ParamLocation::Query, "pipeDelimited", Kind::List) => ParamStyle::List(Some('|')),
        (ParamLocation::Path | ParamLocation::Header, "simple", Kind::Scalar) => ParamStyle::Single,
        (ParamLocation::Path | ParamLocation::Header, "simple", Kind::List) => ParamStyle::List(Some(',')),
        _ => return Err(refuse()),
    })
}

/// Swagger 2.0: `collectionFormat`.
fn collection_format(location: ParamLocation, kind: &Kind, format: &str) -> Result<ParamStyle, String> {
    let separator = match format {
        "csv" => Some(','),
        "ssv" => Some(' '),
        "tsv" => Some('\t'),
        "pipes" => Some('|'),
        "multi" => None,
        other => {
            return Err(format!(
                "`collectionFormat: {other}` is not one of csv, ssv, tsv, pipes and multi"
            ))
        }
    };
    Ok(match (location, kind, separator) {
        (_, Kind::Scalar, _) => ParamStyle::Single,
        (ParamLocation::Query, Kind::List, separator) => ParamStyle::List(separator),
        (_, Kind::List, Some(separator)) => ParamStyle::List(Some(separator)),
        _ => return Err(unsupported(location, kind, &format!("`collectionFormat: {format}`"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openapi(style: &str, explode: bool) -> Serialization {
        Serialization::Style {
            style: style.to_owned(),
            explode,
        }
    }

    fn is_scalar(t: &Ty) -> bool {
        matches!(t, Ty::String | Ty::I64 | Ty::Bool)
    }

    #[test]
    fn every_location_and_shape_is_a_style_or_refused() {
        use ParamLocation::{Header, Path, Query};
        let list = || Ty::Vec(Box::new(Ty::String));
        let map = || Ty::Map(Box::new(Ty::String));
        let go = |l, ty, s: &Serialization| style(l, ty, s, false, is_scalar).map(|(s, _)| s);
        assert_eq!(go(Query, list(), &openapi("form", true)), Ok(ParamStyle::List(None)));
        assert_eq!(
            go(Query, list(), &openapi("form", false)),
            Ok(ParamStyle::List(Some(',')))
        );
        assert_eq!(
            go(Query, list(), &openapi("spaceDelimited", false)),
            Ok(ParamStyle::List(Some(' ')))
        );
        assert_eq!(
            go(Query, list(), &openapi("pipeDelimited", false)),
            Ok(ParamStyle::List(Some('|')))
        );
        assert_eq!(
            go(Path, list(), &openapi("simple", false)),
            Ok(ParamStyle::List(Some(',')))
        );
        assert_eq!(
            go(Header, list(), &openapi("simple", true)),
            Ok(ParamStyle::List(Some(',')))
        );
        assert_eq!(go(Query, map(), &openapi("form", true)), Ok(ParamStyle::Entries));
        assert_eq!(
            go(Query, Ty::JsonObject, &openapi("form", true)),
            Ok(ParamStyle::Entries)
        );
        assert!(go(Query, map(), &openapi("form", false)).is_err());
        assert!(go(Query, map(), &openapi("deepObject", true)).is_err());
        assert!(go(Path, map(), &openapi("simple", false)).is_err());
        assert!(go(Path, Ty::String, &openapi("label", false)).is_err());
        assert!(go(Path, Ty::String, &openapi("matrix", false)).is_err());
        assert!(go(Query, Ty::Vec(Box::new(list())), &openapi("form", true)).is_err());
        assert!(go(Query, Ty::String, &Serialization::Content("application/json".into())).is_err());
        let swagger = |f: &str| Serialization::CollectionFormat(f.to_owned());
        assert_eq!(go(Query, list(), &swagger("multi")), Ok(ParamStyle::List(None)));
        assert_eq!(go(Query, list(), &swagger("tsv")), Ok(ParamStyle::List(Some('\t'))));
        assert_eq!(go(Path, list(), &swagger("pipes")), Ok(ParamStyle::List(Some('|'))));
        assert!(go(Path, list(), &swagger("multi")).is_err());
        assert!(go(Header, list(), &swagger("multi")).is_err());
        assert!(go(Query, list(), &swagger("bogus")).is_err());
        assert_eq!(
            go(Header, Ty::Nullable(Box::new(Ty::I64)), &swagger("csv")),
            Ok(ParamStyle::Single)
        );
        assert_eq!(
            style(Query, Ty::String, &swagger("csv"), true, is_scalar),
            Ok((ParamStyle::Entries, map()))
        );
    }
}
