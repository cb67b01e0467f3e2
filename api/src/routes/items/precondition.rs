//! Conditional requests on items (RFC 9110, section 13): `If-Match` guards every write against
//! lost updates, `If-None-Match` lets a reader revalidate its copy (304).

use axum::http::{HeaderMap, HeaderName, StatusCode, header};

use super::failure::Failure;
use crate::edits::ETag;

/// The ETag a write must match: `If-Match` holding exactly one entity tag.
///
/// Deliberately stricter than RFC 9110: no `If-Match` is 428 (RFC 6585) rather than an
/// unconditional write, and `If-Match: *` is refused the same way, since it matches whatever
/// is there and so guards against nothing. A weak tag (`W/"…"`) is accepted here and never
/// matches (If-Match compares strongly), which answers 412.
pub(super) fn if_match(headers: &HeaderMap) -> Result<ETag, Failure> {
    let tags = list(headers, header::IF_MATCH)?;
    match tags.as_slice() {
        [] => Err(Failure::PreconditionRequired(
            "this write needs If-Match with the item's ETag (from GET /api/items/{id})".to_owned(),
        )),
        ["*"] => Err(Failure::PreconditionRequired(
            "If-Match: * guards against nothing; send the item's ETag".to_owned(),
        )),
        [tag] if is_entity_tag(tag) => Ok(ETag::new(*tag)),
        [tag] => Err(bad(format!("If-Match: `{tag}` is not an entity tag"))),
        _ => Err(bad("If-Match must hold exactly one ETag".to_owned())),
    }
}

/// Whether `If-None-Match` names `current` or is `*` (weak comparison, as RFC 9110 asks for
/// this header), so that a GET answers 304. A malformed header is ignored, as the RFC allows.
pub(super) fn none_match(headers: &HeaderMap, current: &ETag) -> bool {
    list(headers, header::IF_NONE_MATCH).is_ok_and(|tags| {
        tags.iter()
            .any(|tag| *tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == current.as_str())
    })
}

/// The comma-separated members of every `name` header, in order.
fn list(headers: &HeaderMap, name: HeaderName) -> Result<Vec<&str>, Failure> {
    let mut tags = Vec::new();
    for value in headers.get_all(&name) {
        let value = value
            .to_str()
            .map_err(|_| bad(format!("{name} is not visible ASCII")))?;
        tags.extend(value.split(',').map(str::trim).filter(|t| !t.is_empty()));
    }
    Ok(tags)
}

/// `"…"` or `W/"…"` (entity tags hold no commas, so splitting the list on them is safe).
fn is_entity_tag(tag: &str) -> bool {
    let opaque = tag.strip_prefix("W/").unwrap_or(tag);
    opaque.len() >= 2 && opaque.starts_with('"') && opaque.ends_with('"')
}

fn bad(message: String) -> Failure {
    Failure::Request(StatusCode::BAD_REQUEST, message)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(name: HeaderName, values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(&name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn status(result: Result<ETag, Failure>) -> u16 {
        match result {
            Ok(_) => 200,
            Err(Failure::PreconditionRequired(_)) => 428,
            Err(Failure::Request(status, _)) => status.as_u16(),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn if_match_needs_exactly_one_entity_tag() {
        let tag = "\"0123456789abcdef\"";
        let ok = if_match(&headers(header::IF_MATCH, &[tag])).ok();
        assert_eq!(ok, Some(ETag::new(tag)));
        assert_eq!(status(if_match(&HeaderMap::new())), 428);
        assert_eq!(status(if_match(&headers(header::IF_MATCH, &["*"]))), 428);
        assert_eq!(status(if_match(&headers(header::IF_MATCH, &["abc"]))), 400);
        let two = headers(header::IF_MATCH, &["\"a\", \"b\""]);
        assert_eq!(status(if_match(&two)), 400);
        let repeated = headers(header::IF_MATCH, &["\"a\"", "\"b\""]);
        assert_eq!(status(if_match(&repeated)), 400);
    }

    #[test]
    fn a_weak_if_match_passes_through_and_cannot_match() {
        let weak = if_match(&headers(header::IF_MATCH, &["W/\"abc\""])).unwrap();
        assert_ne!(weak, ETag::new("\"abc\""));
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_star() {
        let current = ETag::new("\"abc\"");
        let matches =
            |values: &[&str]| none_match(&headers(header::IF_NONE_MATCH, values), &current);
        assert!(matches(&["\"abc\""]));
        assert!(matches(&["W/\"abc\""]));
        assert!(matches(&["\"x\", \"abc\""]));
        assert!(matches(&["*"]));
        assert!(!matches(&["\"x\""]));
        assert!(!matches(&[]));
    }
}
