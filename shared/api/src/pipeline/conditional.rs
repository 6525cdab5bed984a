//! Conditional GETs: every successful `GET` answer carries a strong `ETag` (a digest of its
//! body, so equal bodies always share a tag), and an `If-None-Match` that matches it turns the
//! answer into `304 Not Modified` with no body. The handler still runs: the tag describes what
//! it would send now, so a tag can never outlive a change.

use bytes::Bytes;
use http::header::ETAG;
use http::{HeaderValue, Method, Response, StatusCode};

use crate::entity_tags::{etag, matches};

/// Tags a successful GET and answers 304 when the client already holds it.
/// `if_none_match` holds the request's `If-None-Match` values.
pub fn apply(method: &Method, if_none_match: &[HeaderValue], response: &mut Response<Bytes>) {
    if method != Method::GET || response.status() != StatusCode::OK {
        return;
    }
    let tag = match response.headers().get(ETAG).and_then(|v| v.to_str().ok()) {
        Some(existing) => existing.to_owned(),
        None => {
            let tag = etag(response.body());
            if let Ok(value) = HeaderValue::from_str(&tag) {
                response.headers_mut().insert(ETAG, value);
            }
            tag
        }
    };
    let held = if_none_match
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| matches(v, &tag));
    if held {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        *response.body_mut() = Bytes::new();
        let headers = response.headers_mut();
        headers.remove(http::header::CONTENT_TYPE);
        headers.remove(http::header::CONTENT_LENGTH);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity_tags::if_match_holds;

    fn ok(body: &'static str) -> Response<Bytes> {
        Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(Bytes::from_static(body.as_bytes()))
            .unwrap()
    }

    fn with(if_none_match: &str) -> Vec<HeaderValue> {
        vec![HeaderValue::from_str(if_none_match).unwrap()]
    }

    #[test]
    fn gets_are_tagged_by_their_body() {
        let mut a = ok("{\"a\":1}");
        apply(&Method::GET, &[], &mut a);
        let tag = a.headers()[ETAG].to_str().unwrap().to_owned();
        assert!(
            tag.starts_with('"') && tag.ends_with('"') && tag.len() == 34,
            "{tag}"
        );
        let mut same = ok("{\"a\":1}");
        apply(&Method::GET, &[], &mut same);
        assert_eq!(same.headers()[ETAG], tag.as_str());
        let mut other = ok("{\"a\":2}");
        apply(&Method::GET, &[], &mut other);
        assert_ne!(other.headers()[ETAG], tag.as_str());
    }

    #[test]
    fn a_held_tag_is_a_304_without_a_body() {
        let mut first = ok("{\"a\":1}");
        apply(&Method::GET, &[], &mut first);
        let tag = first.headers()[ETAG].to_str().unwrap().to_owned();
        for header in [
            tag.clone(),
            format!("W/{tag}"),
            format!("\"other\", {tag}"),
            "*".to_owned(),
        ] {
            let mut again = ok("{\"a\":1}");
            apply(&Method::GET, &with(&header), &mut again);
            assert_eq!(again.status(), 304, "{header}");
            assert!(again.body().is_empty());
            assert_eq!(again.headers()[ETAG], tag.as_str());
            assert!(again.headers().get("content-type").is_none());
        }
        let mut changed = ok("{\"a\":2}");
        apply(&Method::GET, &with(&tag), &mut changed);
        assert_eq!(changed.status(), 200);
    }

    #[test]
    fn if_match_uses_the_strong_comparison() {
        let tag = etag(b"{}");
        let with_match = |value: &str| {
            let mut headers = http::HeaderMap::new();
            headers.insert(
                http::header::IF_MATCH,
                HeaderValue::from_str(value).unwrap(),
            );
            headers
        };
        assert!(if_match_holds(&http::HeaderMap::new(), &tag));
        assert!(if_match_holds(&with_match(&tag), &tag));
        assert!(if_match_holds(&with_match("*"), &tag));
        assert!(if_match_holds(&with_match(&format!("\"x\", {tag}")), &tag));
        assert!(!if_match_holds(&with_match(&format!("W/{tag}")), &tag));
        assert!(!if_match_holds(&with_match("\"stale\""), &tag));
    }

    #[test]
    fn only_successful_gets_are_tagged() {
        let mut post = ok("{}");
        apply(&Method::POST, &with("*"), &mut post);
        assert!(post.headers().get(ETAG).is_none());
        assert_eq!(post.status(), 200);
        let mut missing = ok("{}");
        *missing.status_mut() = StatusCode::NOT_FOUND;
        apply(&Method::GET, &with("*"), &mut missing);
        assert!(missing.headers().get(ETAG).is_none());
        assert_eq!(missing.status(), 404);
    }
}
