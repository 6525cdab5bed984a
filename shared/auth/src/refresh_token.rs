//! Refresh tokens: `<session id>.<generation>.<nonce>.<kid>.<tag>`.
//!
//! The nonce carries 256 random bits; the tag is an HMAC over the rest under the keyring's
//! refresh key. The tag lets the server tell a genuine token of an older generation (a
//! replay, which revokes the session) from a forged one naming someone's session id (which
//! is only refused), without storing every generation's hash. The session stores the hash
//! of its current token (and the previous one, for the grace window).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::keyring::{Keyring, Purpose};
use crate::secret_token::random_token;

/// A parsed, authentic refresh token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshToken {
    pub session_id: String,
    pub generation: i64,
}

fn message(session_id: &str, generation: i64, nonce: &str, kid: &str) -> String {
    format!("{session_id}.{generation}.{nonce}.{kid}")
}

/// A new token for generation `generation` of `session_id`.
pub fn issue(
    keys: &Keyring,
    session_id: &str,
    generation: i64,
) -> Result<String, getrandom::Error> {
    let nonce = random_token()?;
    let (kid, _) = keys.signing_key(Purpose::RefreshToken);
    let body = message(session_id, generation, &nonce, kid);
    let (_, tag) = keys.sign(Purpose::RefreshToken, body.as_bytes());
    Ok(format!("{body}.{}", URL_SAFE_NO_PAD.encode(tag)))
}

/// The session id a token's text names, before its tag is checked: at most 64 letters and
/// digits, so it is safe to key a read or a rate limit on.
pub fn session_named(token: &str) -> Option<&str> {
    let session = token.split('.').next()?;
    (!session.is_empty()
        && session.len() <= 64
        && session.bytes().all(|b| b.is_ascii_alphanumeric()))
    .then_some(session)
}

/// Parses a token and checks its tag; `None` for anything not issued by this keyring.
pub fn authenticate(keys: &Keyring, token: &str) -> Option<RefreshToken> {
    if token.len() > 512 {
        return None;
    }
    let (body, tag) = token.rsplit_once('.')?;
    let mut parts = body.split('.');
    let (session_id, generation, nonce, kid) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || session_id.is_empty() || nonce.is_empty() {
        return None;
    }
    let generation: i64 = generation.parse().ok()?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    keys.verify(Purpose::RefreshToken, kid, body.as_bytes(), &tag)
        .then(|| RefreshToken {
            session_id: session_id.to_owned(),
            generation,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyring::tests::keyring;

    #[test]
    fn tokens_carry_their_session_and_generation_and_resist_forgery() {
        let keys = keyring(&["k1"]);
        let token = issue(&keys, "01SESSION", 3).unwrap();
        assert_eq!(
            authenticate(&keys, &token),
            Some(RefreshToken {
                session_id: "01SESSION".into(),
                generation: 3
            })
        );
        assert_ne!(token, issue(&keys, "01SESSION", 3).unwrap(), "random nonce");
        let forged = token.replacen(".3.", ".4.", 1);
        assert_eq!(authenticate(&keys, &forged), None);
        assert_eq!(authenticate(&keyring(&["k9"]), &token), None);
        assert!(
            authenticate(&keyring(&["k1", "k2"]), &token).is_some(),
            "rotation keeps old tokens"
        );
        for junk in ["", "a.b", "a.1.n.k1.!!", "....."] {
            assert_eq!(authenticate(&keys, junk), None, "{junk:?}");
        }
    }
}
