//! CSRF tokens, OWASP's signed double-submit pattern: `<nonce>.<kid>.<tag>`, where the tag
//! is an HMAC binding the nonce to the session id. The token is sent as the readable
//! `XSRF-TOKEN` cookie and must come back in the `X-CSRF-Token` header; a cross-site page
//! can make the browser send the cookie but can neither read it nor mint a token for the
//! victim's session.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::keyring::{Keyring, Purpose};
use crate::secret_token::{constant_time_eq, random_token};

fn message(session_id: &str, nonce: &str, kid: &str) -> String {
    format!("{session_id}!{nonce}!{kid}")
}

/// A new token for `session_id`.
pub fn issue(keys: &Keyring, session_id: &str) -> Result<String, getrandom::Error> {
    let nonce = random_token()?;
    let (kid, _) = keys.signing_key(Purpose::Csrf);
    let kid = kid.to_owned();
    let (_, tag) = keys.sign(Purpose::Csrf, message(session_id, &nonce, &kid).as_bytes());
    Ok(format!("{nonce}.{kid}.{}", URL_SAFE_NO_PAD.encode(tag)))
}

/// The outcome of a CSRF check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrfCheck {
    Valid,
    /// No `X-CSRF-Token` header.
    Missing,
    /// The header differs from the cookie, or the token is not this session's.
    Mismatch,
}

/// Checks the header against the cookie and the session, in constant time.
pub fn check(
    keys: &Keyring,
    session_id: &str,
    header: Option<&str>,
    cookie: Option<&str>,
) -> CsrfCheck {
    let Some(header) = header.filter(|h| !h.is_empty()) else {
        return CsrfCheck::Missing;
    };
    let Some(cookie) = cookie else {
        return CsrfCheck::Mismatch;
    };
    if !constant_time_eq(header, cookie) || !bound_to(keys, session_id, header) {
        return CsrfCheck::Mismatch;
    }
    CsrfCheck::Valid
}

fn bound_to(keys: &Keyring, session_id: &str, token: &str) -> bool {
    let mut parts = token.split('.');
    let (Some(nonce), Some(kid), Some(tag), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
        return false;
    };
    keys.verify(
        Purpose::Csrf,
        kid,
        message(session_id, nonce, kid).as_bytes(),
        &tag,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyring::tests::keyring;

    #[test]
    fn the_header_must_match_the_cookie_and_the_session() {
        let keys = keyring(&["k1"]);
        let token = issue(&keys, "s1").unwrap();
        let other_session = issue(&keys, "s2").unwrap();
        let t = Some(token.as_str());
        let cases = [
            (None, t, CsrfCheck::Missing),
            (Some(""), t, CsrfCheck::Missing),
            (t, None, CsrfCheck::Mismatch),
            (Some("nope"), t, CsrfCheck::Mismatch),
            (
                Some(other_session.as_str()),
                Some(other_session.as_str()),
                CsrfCheck::Mismatch,
            ),
            (t, t, CsrfCheck::Valid),
        ];
        for (header, cookie, expected) in cases {
            assert_eq!(check(&keys, "s1", header, cookie), expected, "{header:?}");
        }
    }
}
