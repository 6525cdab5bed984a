//! `Password`: a new password that passed the strength rules, and the Argon2id hasher.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};

use rampart_core::Masked;

/// Length bounds, in characters.
pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;
/// The lowest zxcvbn score accepted (0..=4): "safely unguessable" for online attacks and
/// better.
const MIN_SCORE: u8 = 3;

/// Why a new password was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("password must be at least {MIN_CHARS} characters")]
    TooShort,
    #[error("password must be at most {MAX_CHARS} characters")]
    TooLong,
    #[error("password is too common or too easy to guess{0}")]
    TooWeak(String),
}

/// A new password that is long enough and not guessable. It never prints.
#[derive(Clone, Debug)]
pub struct Password(Masked<String>);

impl Password {
    /// Checks length and strength; `context` holds words the password must not lean on (the
    /// account's email, say). Strength comes from zxcvbn, which knows common passwords,
    /// names, keyboard walks, dates and l33t spellings.
    pub fn parse(raw: &str, context: &[&str]) -> Result<Self, PasswordError> {
        let chars = raw.chars().count();
        if chars < MIN_CHARS {
            return Err(PasswordError::TooShort);
        }
        if chars > MAX_CHARS {
            return Err(PasswordError::TooLong);
        }
        let estimate = zxcvbn::zxcvbn(raw, context);
        if u8::from(estimate.score()) < MIN_SCORE {
            let hint = estimate
                .feedback()
                .and_then(|f| f.warning())
                .map(|w| format!(": {w}"))
                .unwrap_or_default();
            return Err(PasswordError::TooWeak(hint));
        }
        Ok(Self(Masked::new(raw.to_owned())))
    }

    /// The password's text, for hashing.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

/// A hash verified against when an account does not exist (or has no password), so that every
/// failed sign-in costs exactly one Argon2id verification with the production parameters. It
/// is a constant rather than made on first use, which would make the first unknown address
/// of each instance cost two. No one knows its password; a test checks its parameters.
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$FYgBhbrlyxurxdsU7QoPjw$8Zso4ChIcBnP8dOnrohB6xN8xFX/TBsTEXPOv+fBP2Q";

/// Argon2id with OWASP's parameters: 19 MiB of memory, 2 passes, 1 lane.
#[derive(Clone)]
pub struct PasswordHasher {
    argon: Argon2<'static>,
}

/// Why a hash could not be made.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl PasswordHasher {
    /// The hasher with the production parameters.
    pub fn new() -> Self {
        let params = Params::new(19 * 1024, 2, 1, None).unwrap_or(Params::DEFAULT);
        Self {
            argon: Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
        }
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for `password`.
    pub fn hash(&self, password: &str) -> Result<String, HashError> {
        self.argon
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    }

    /// Whether `password` matches `phc`. `None` (no account, or no password set) verifies
    /// against the dummy hash and answers false, taking the same time as a real check.
    pub fn verify(&self, password: &str, phc: Option<&str>) -> bool {
        let Some(phc) = phc else {
            self.check(password, DUMMY_PHC);
            return false;
        };
        self.check(password, phc)
    }

    fn check(&self, password: &str, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            tracing::error!("a stored password hash is not a PHC string");
            return false;
        };
        self.argon
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does() {
        let real = PasswordHasher::new().hash("any password at all").unwrap();
        let params = |phc: &str| phc.split('$').nth(3).unwrap().to_owned();
        assert_eq!(params(DUMMY_PHC), params(&real));
        assert!(DUMMY_PHC.starts_with("$argon2id$v=19$"));
        assert!(!PasswordHasher::new().verify("rampart-timing-equaliser", None));
    }

    #[test]
    fn length_and_strength_rules() {
        assert_eq!(
            Password::parse("short", &[]).unwrap_err(),
            PasswordError::TooShort
        );
        assert_eq!(
            Password::parse(&"x".repeat(129), &[]).unwrap_err(),
            PasswordError::TooLong
        );
        for weak in [
            "password1234",
            "qwertyuiop12",
            "aaaaaaaaaaaa",
            "ada@example.com!",
        ] {
            assert!(
                matches!(
                    Password::parse(weak, &["ada@example.com", "ada"]),
                    Err(PasswordError::TooWeak(_))
                ),
                "{weak}"
            );
        }
        assert!(Password::parse("correct horse battery staple 42", &[]).is_ok());
        // Characters, not bytes: 12 multi-byte characters are long enough.
        assert_eq!(
            Password::parse("ééé", &[]).unwrap_err(),
            PasswordError::TooShort
        );
    }

    #[test]
    fn passwords_never_print() {
        let p = Password::parse("correct horse battery staple 42", &[]).unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let hasher = PasswordHasher::new();
        let phc = hasher.hash("correct horse battery staple 42").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(hasher.verify("correct horse battery staple 42", Some(&phc)));
        assert!(!hasher.verify("correct horse battery staple 43", Some(&phc)));
        assert!(!hasher.verify("anything", None));
        assert!(!hasher.verify("anything", Some("not a hash")));
    }
}
