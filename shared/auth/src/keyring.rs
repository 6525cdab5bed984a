//! The signing keyring: keys from the secret's `jwt_signing_keys`, each with an id, so keys
//! rotate without logging anyone out. The newest (last listed) key signs; any listed key
//! verifies. Each purpose (JWTs, refresh tokens, CSRF tokens) uses its own key derived from
//! the entry, so a value made for one purpose never verifies as another.

use hmac::{Hmac, KeyInit, Mac};
use rampart_core::secrets::KeyEntry;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The shortest key material accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

/// What a derived key is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    AccessToken,
    RefreshToken,
    Csrf,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::AccessToken => b"rampart/v1/access-token",
            Self::RefreshToken => b"rampart/v1/refresh-token",
            Self::Csrf => b"rampart/v1/csrf",
        }
    }
}

/// Why the keyring could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    #[error("the secret lists no jwt_signing_keys")]
    Empty,
    #[error("jwt_signing_keys entry {0:?} is shorter than {MIN_KEY_BYTES} bytes")]
    TooShort(String),
    #[error("jwt_signing_keys lists key id {0:?} twice")]
    DuplicateId(String),
}

#[derive(Clone)]
struct DerivedKeys {
    kid: String,
    access: [u8; 32],
    refresh: [u8; 32],
    csrf: [u8; 32],
}

/// The keyring.
#[derive(Clone)]
pub struct Keyring {
    /// Newest last.
    keys: Vec<DerivedKeys>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<&str> = self.keys.iter().map(|k| k.kid.as_str()).collect();
        f.debug_struct("Keyring").field("kids", &kids).finish()
    }
}

fn derive(material: &[u8], purpose: Purpose) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(material).expect("HMAC takes keys of any length");
    mac.update(purpose.label());
    mac.finalize().into_bytes().into()
}

impl Keyring {
    /// Builds the keyring from the secret's entries.
    pub fn from_entries(entries: &[KeyEntry]) -> Result<Self, KeyringError> {
        if entries.is_empty() {
            return Err(KeyringError::Empty);
        }
        let mut keys: Vec<DerivedKeys> = Vec::with_capacity(entries.len());
        for entry in entries {
            let material = entry.secret.expose().as_bytes();
            if material.len() < MIN_KEY_BYTES {
                return Err(KeyringError::TooShort(entry.kid.clone()));
            }
            if keys.iter().any(|k| k.kid == entry.kid) {
                return Err(KeyringError::DuplicateId(entry.kid.clone()));
            }
            keys.push(DerivedKeys {
                kid: entry.kid.clone(),
                access: derive(material, Purpose::AccessToken),
                refresh: derive(material, Purpose::RefreshToken),
                csrf: derive(material, Purpose::Csrf),
            });
        }
        Ok(Self { keys })
    }

    fn newest(&self) -> &DerivedKeys {
        self.keys.last().expect("a keyring is never empty")
    }

    /// The signing key id and key for `purpose`.
    pub fn signing_key(&self, purpose: Purpose) -> (&str, &[u8; 32]) {
        let k = self.newest();
        (&k.kid, Self::pick(k, purpose))
    }

    /// The key with id `kid` for `purpose`.
    pub fn key(&self, kid: &str, purpose: Purpose) -> Option<&[u8; 32]> {
        self.keys
            .iter()
            .find(|k| k.kid == kid)
            .map(|k| Self::pick(k, purpose))
    }

    fn pick(k: &DerivedKeys, purpose: Purpose) -> &[u8; 32] {
        match purpose {
            Purpose::AccessToken => &k.access,
            Purpose::RefreshToken => &k.refresh,
            Purpose::Csrf => &k.csrf,
        }
    }

    /// A MAC of `message` under the newest key for `purpose`, with that key's id.
    pub fn sign(&self, purpose: Purpose, message: &[u8]) -> (String, Vec<u8>) {
        let (kid, key) = self.signing_key(purpose);
        (kid.to_owned(), mac(key, message))
    }

    /// Whether `tag` is the MAC of `message` under key `kid` for `purpose` (constant time).
    pub fn verify(&self, purpose: Purpose, kid: &str, message: &[u8], tag: &[u8]) -> bool {
        let Some(key) = self.key(kid, purpose) else {
            return false;
        };
        let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
        m.update(message);
        m.verify_slice(tag).is_ok()
    }
}

fn mac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    m.update(message);
    m.finalize().into_bytes().to_vec()
}

#[cfg(test)]
pub mod tests {
    use rampart_core::Masked;

    use super::*;

    pub(crate) fn entry(kid: &str, secret: &str) -> KeyEntry {
        KeyEntry {
            kid: kid.to_owned(),
            secret: Masked::new(secret.to_owned()),
        }
    }

    pub(crate) fn keyring(kids: &[&str]) -> Keyring {
        let entries: Vec<KeyEntry> = kids
            .iter()
            .map(|k| entry(k, &format!("{k}-0123456789abcdef0123456789abcdef")))
            .collect();
        Keyring::from_entries(&entries).unwrap()
    }

    #[test]
    fn the_newest_key_signs_and_every_key_verifies() {
        let old = keyring(&["k1"]);
        let (kid, tag) = old.sign(Purpose::Csrf, b"hello");
        assert_eq!(kid, "k1");
        let rotated = keyring(&["k1", "k2"]);
        assert_eq!(rotated.signing_key(Purpose::Csrf).0, "k2");
        assert!(rotated.verify(Purpose::Csrf, "k1", b"hello", &tag));
        assert!(!rotated.verify(Purpose::Csrf, "k1", b"hellO", &tag));
        assert!(!rotated.verify(Purpose::RefreshToken, "k1", b"hello", &tag));
        assert!(!keyring(&["k2"]).verify(Purpose::Csrf, "k1", b"hello", &tag));
    }

    #[test]
    fn weak_or_ambiguous_keyrings_are_refused() {
        assert_eq!(Keyring::from_entries(&[]).unwrap_err(), KeyringError::Empty);
        assert!(matches!(
            Keyring::from_entries(&[entry("k", "short")]),
            Err(KeyringError::TooShort(_))
        ));
        let long = "0123456789abcdef0123456789abcdef";
        assert!(matches!(
            Keyring::from_entries(&[entry("k", long), entry("k", long)]),
            Err(KeyringError::DuplicateId(_))
        ));
        assert!(!format!("{:?}", keyring(&["k1"])).contains("0123"));
    }
}
