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
}
