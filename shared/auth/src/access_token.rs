//! Access tokens: short-lived HS256 JWTs naming the user and the session, signed with the
//! keyring's newest key (`kid` in the header) and accepted under any listed key.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::keyring::{Keyring, Purpose};

/// How long an access token lives (the `access_token` cookie's `Max-Age`).
pub const ACCESS_TOKEN_SECS: i64 = 900;
const ISSUER: &str = "rampart";

/// What an access token says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user id.
    pub sub: String,
    /// The session id.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
}

/// Why an access token was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccessTokenError {
    #[error("the token is malformed or its signature does not verify")]
    Invalid,
    #[error("the token has expired")]
    Expired,
}

/// Signs a token for `user_id` in `session_id`, valid from `now` for [`ACCESS_TOKEN_SECS`].
pub fn issue(keys: &Keyring, user_id: &str, session_id: &str, now: i64) -> String {
    let (kid, key) = keys.signing_key(Purpose::AccessToken);
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.to_owned());
    let claims = AccessClaims {
        sub: user_id.to_owned(),
        sid: session_id.to_owned(),
        iat: now,
        exp: now + ACCESS_TOKEN_SECS,
        iss: ISSUER.to_owned(),
    };
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(key))
        .expect("HS256 over serialisable claims cannot fail")
}

/// Verifies a token's signature (under the key its `kid` names), issuer and expiry at `now`.
pub fn verify(keys: &Keyring, token: &str, now: i64) -> Result<AccessClaims, AccessTokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| AccessTokenError::Invalid)?;
    if header.alg != Algorithm::HS256 {
        return Err(AccessTokenError::Invalid);
    }
    let kid = header.kid.ok_or(AccessTokenError::Invalid)?;
    let key = keys
        .key(&kid, Purpose::AccessToken)
        .ok_or(AccessTokenError::Invalid)?;
    let mut validation = Validation::new(Algorithm::HS256);
    // Expiry is checked below against the injected clock, not the library's wall clock.
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    validation.set_issuer(&[ISSUER]);
    let data =
        jsonwebtoken::decode::<AccessClaims>(token, &DecodingKey::from_secret(key), &validation)
            .map_err(|_| AccessTokenError::Invalid)?;
    if data.claims.exp <= now {
        return Err(AccessTokenError::Expired);
    }
    Ok(data.claims)
}

/// At most this many verified tokens are remembered per process.
pub const MAX_REMEMBERED: usize = 2048;

/// Access tokens this process verified, by their text, so a token presented again (every
/// request a client makes in its token's 15 minutes) is not verified again: its signature and
/// claims cannot change, and its expiry is still checked every time. Only tokens that verified
/// are kept, so a flood of forged ones adds nothing; once full, expired ones are dropped, and
/// all of them if none had expired. The session and the account are still read per request.
#[derive(Debug, Default)]
pub struct Verified {
    tokens: std::sync::Mutex<std::collections::HashMap<Box<str>, AccessClaims>>,
}

impl Verified {
    /// [`verify`], remembering the tokens that verify.
    pub fn verify(
        &self,
        keys: &Keyring,
        token: &str,
        now: i64,
    ) -> Result<AccessClaims, AccessTokenError> {
        let remembered = self.lock().get(token).cloned();
        if let Some(claims) = remembered {
            if claims.exp <= now {
                self.lock().remove(token);
                return Err(AccessTokenError::Expired);
            }
            return Ok(claims);
        }
        let claims = verify(keys, token, now)?;
        let mut tokens = self.lock();
        if tokens.len() >= MAX_REMEMBERED {
            tokens.retain(|_, c| c.exp > now);
            if tokens.len() >= MAX_REMEMBERED {
                tokens.clear();
            }
        }
        tokens.insert(token.into(), claims.clone());
        Ok(claims)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<Box<str>, AccessClaims>> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many tokens are remembered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyring::tests::keyring;

    #[test]
    fn tokens_verify_until_they_expire_and_across_rotation() {
        let old = keyring(&["k1"]);
        let token = issue(&old, "u1", "s1", 1_000);
        let claims = verify(&old, &token, 1_000).unwrap();
        assert_eq!((claims.sub.as_str(), claims.sid.as_str()), ("u1", "s1"));
        assert_eq!(claims.exp, 1_900);
        let rotated = keyring(&["k1", "k2"]);
        assert!(
            verify(&rotated, &token, 1_899).is_ok(),
            "old keys still verify"
        );
        assert_eq!(
            verify(&rotated, &token, 1_900),
            Err(AccessTokenError::Expired)
        );
        assert_eq!(
            verify(&keyring(&["k2"]), &token, 1_000),
            Err(AccessTokenError::Invalid),
            "a retired key no longer verifies"
        );
    }

    #[test]
    fn tampered_and_foreign_tokens_are_invalid() {
        let keys = keyring(&["k1"]);
        let token = issue(&keys, "u1", "s1", 1_000);
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = parts[1].replace('A', "B");
        assert_eq!(
            verify(&keys, &parts.join("."), 1_000),
            Err(AccessTokenError::Invalid)
        );
        let unsigned = "eyJhbGciOiJub25lIiwia2lkIjoiazEifQ.eyJzdWIiOiJ1MSJ9.";
        assert_eq!(
            verify(&keys, unsigned, 1_000),
            Err(AccessTokenError::Invalid)
        );
        assert_eq!(
            verify(&keys, "not a jwt", 1_000),
            Err(AccessTokenError::Invalid)
        );
    }

    #[test]
    fn a_remembered_token_still_expires_and_a_forged_one_is_never_remembered() {
        let keys = keyring(&["k1"]);
        let verified = Verified::default();
        let token = issue(&keys, "u1", "s1", 1_000);
        assert_eq!(verified.verify(&keys, &token, 1_000).unwrap().sub, "u1");
        assert_eq!(verified.len(), 1);
        // Presented again: the remembered claims, until the token's expiry.
        assert_eq!(verified.verify(&keys, &token, 1_899).unwrap().sid, "s1");
        assert_eq!(
            verified.verify(&keys, &token, 1_900),
            Err(AccessTokenError::Expired)
        );
        assert!(verified.is_empty());
        // A token whose signature does not verify is refused every time and kept nowhere.
        let other = keyring(&["k1"]);
        let mut forged = issue(&other, "u2", "s2", 1_000);
        forged.pop();
        forged.push('A');
        for _ in 0..2 {
            assert_eq!(
                verified.verify(&keys, &forged, 1_000),
                Err(AccessTokenError::Invalid)
            );
        }
        assert!(verified.is_empty());
    }

    #[test]
    fn remembered_tokens_are_bounded() {
        let keys = keyring(&["k1"]);
        let verified = Verified::default();
        for n in 0..MAX_REMEMBERED {
            let token = issue(&keys, &format!("u{n}"), "s", 1_000);
            verified.verify(&keys, &token, 1_000).unwrap();
        }
        assert_eq!(verified.len(), MAX_REMEMBERED);
        // Full of live tokens: one more starts afresh.
        let more = issue(&keys, "more", "s", 1_000);
        verified.verify(&keys, &more, 1_000).unwrap();
        assert_eq!(verified.len(), 1);
        for n in 1..MAX_REMEMBERED {
            let token = issue(&keys, &format!("v{n}"), "s", 1_000);
            verified.verify(&keys, &token, 1_000).unwrap();
        }
        assert_eq!(verified.len(), MAX_REMEMBERED);
        // Those issued at 1,000 expire at 1,900: at 1,901 a new one drops the expired ones.
        let late = issue(&keys, "late", "s", 1_901);
        verified.verify(&keys, &late, 1_901).unwrap();
        assert_eq!(verified.len(), 1);
    }
}
