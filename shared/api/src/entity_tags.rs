//! Entity tags: the strong `ETag` of a body, and the `If-Match` and `If-None-Match` comparisons
//! (RFC 9110). Handlers tag what they answer and check `If-Match` before a change; the
//! pipeline's conditional-GET stage ([`crate::pipeline::conditional`]) answers `304`.

use sha2::{Digest, Sha256};

/// The strong entity tag of a body.
pub fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// Whether an `If-None-Match` value matches `tag`: `*`, or any listed tag under the weak
/// comparison RFC 9110 prescribes for this header (a `W/` prefix is ignored).
pub(crate) fn matches(if_none_match: &str, tag: &str) -> bool {
    if_none_match.trim() == "*"
        || if_none_match
            .split(',')
            .map(|candidate| {
                let candidate = candidate.trim();
                candidate.strip_prefix("W/").unwrap_or(candidate)
            })
            .any(|candidate| candidate == tag)
}

/// Whether a request's `If-Match` allows a change to a resource whose current tag is
/// `current`: no `If-Match`, `*`, or a listed tag equal to it under the strong comparison
/// (a weak `W/` tag never matches).
pub fn if_match_holds(request: &http::HeaderMap, current: &str) -> bool {
    let mut values = request
        .get_all(http::header::IF_MATCH)
        .iter()
        .map(|v| v.to_str().unwrap_or(""))
        .peekable();
    if values.peek().is_none() {
        return true;
    }
    values.any(|v| {
        v.trim() == "*"
            || v.split(',')
                .map(str::trim)
                .any(|candidate| candidate == current)
    })
}
