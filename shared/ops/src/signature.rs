//! Webhook signatures as GitHub sends them: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of
//! the raw body>`. Verified over the exact bytes received, in constant time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Why a signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no signature was sent")]
    Missing,
    #[error("the signature does not match the body")]
    Invalid,
}

/// The header value for `body` signed with `secret` (`sha256=<hex>`).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a `sha256=<hex>` header value against the raw body.
pub fn verify(secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or(SignatureError::Missing)?;
    let hex_digest = header
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Invalid)?;
    let expected = hex::decode(hex_digest).map_err(|_| SignatureError::Invalid)?;
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Invalid)
}

/// Whether `Authorization: Bearer <presented>` names `expected`, compared in constant time
/// (over digests, so not even the lengths are compared in the clear).
pub fn bearer_matches(expected: &[u8], authorization: &str) -> bool {
    use sha2::Digest;
    use subtle::ConstantTimeEq;
    let Some(presented) = authorization.trim().strip_prefix("Bearer ") else {
        return false;
    };
    let a = Sha256::digest(expected);
    let b = Sha256::digest(presented.trim().as_bytes());
    !expected.is_empty() && bool::from(a.ct_eq(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GitHub's published example ("Validating webhook deliveries").
    const SECRET: &[u8] = b"It's a Secret to Everybody";

    #[test]
    fn bearer_tokens_match_exactly() {
        assert!(bearer_matches(b"token-1", "Bearer token-1"));
        assert!(!bearer_matches(b"token-1", "Bearer token-2"));
        assert!(!bearer_matches(b"token-1", "Bearer token-1x"));
        assert!(!bearer_matches(b"token-1", "Basic token-1"));
        assert!(!bearer_matches(b"", "Bearer "));
    }
    const BODY: &[u8] = b"Hello, World!";
    const SIGNATURE: &str =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn githubs_test_vector_verifies() {
        assert_eq!(sign(SECRET, BODY), SIGNATURE);
        assert_eq!(verify(SECRET, BODY, Some(SIGNATURE)), Ok(()));
    }

    #[test]
    fn anything_else_is_refused() {
        let cases = [
            (BODY, None, SignatureError::Missing),
            (BODY, Some(""), SignatureError::Missing),
            (
                b"Hello, World?".as_slice(),
                Some(SIGNATURE),
                SignatureError::Invalid,
            ),
            (BODY, Some(&SIGNATURE[7..]), SignatureError::Invalid),
            (BODY, Some("sha1=757107ea"), SignatureError::Invalid),
            (BODY, Some("sha256=zz"), SignatureError::Invalid),
            (BODY, Some("sha256=757107ea"), SignatureError::Invalid),
        ];
        for (body, header, expected) in cases {
            assert_eq!(verify(SECRET, body, header), Err(expected), "{header:?}");
        }
        assert_eq!(
            verify(b"another secret", BODY, Some(SIGNATURE)),
            Err(SignatureError::Invalid)
        );
    }
}
