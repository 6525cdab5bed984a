//! Field encryption: AES-256-GCM under keys from the secret's `field_encryption_keys`.
//!
//! A sealed value is `<kid>:<base64url(nonce ‖ ciphertext ‖ tag)>`. The newest (last listed)
//! key seals; any listed key opens, so keys rotate without re-encrypting stored data at once.
//! The caller passes associated data (say, the owning user id and the field's name) so a
//! sealed value copied onto another record does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rampart_core::secrets::KeyEntry;
use sha2::Sha256;

const NONCE_BYTES: usize = 12;
const MIN_KEY_BYTES: usize = 32;

/// Why a value could not be sealed or opened, or the keys not loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FieldCipherError {
    #[error("the secret lists no field_encryption_keys")]
    NoKeys,
    #[error("field_encryption_keys entry {0:?} is shorter than 32 bytes")]
    KeyTooShort(String),
    #[error("a sealed value names key {0:?}, which is not listed")]
    UnknownKey(String),
    #[error("a sealed value is malformed or was altered")]
    Corrupt,
    #[error("no randomness available: {0}")]
    Random(String),
}

/// A sealed field that did not open where it was needed: carried up to the request pipeline,
/// which audits it as `crypto.decrypt_failed` (naming the record, never the value).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("sealed field {field} of {record} does not open: {reason}")]
pub struct DecryptionFailed {
    /// Which kind of field (`session.refresh_token`, `user.totp_secret`).
    pub field: &'static str,
    /// The record holding it (`sessions/session#…`).
    pub record: String,
    /// The key id the value names.
    pub kid: String,
    pub reason: FieldCipherError,
}

impl DecryptionFailed {
    /// The failure of `sealed` (a value of `field` in `record`) to open.
    pub fn new(
        field: &'static str,
        record: impl Into<String>,
        sealed: &str,
        reason: FieldCipherError,
    ) -> Self {
        Self {
            field,
            record: record.into(),
            kid: FieldCipher::kid_of(sealed).unwrap_or("-").to_owned(),
            reason,
        }
    }

    /// Finds one in an error's chain of sources.
    pub fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Self> {
        let mut next = Some(error);
        while let Some(e) = next {
            if let Some(found) = e.downcast_ref::<Self>() {
                return Some(found);
            }
            next = e.source();
        }
        None
    }
}

/// The cipher over the configured keys.
#[derive(Clone)]
pub struct FieldCipher {
    /// Newest last.
    keys: Vec<(String, Aes256Gcm)>,
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<&str> = self.keys.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("FieldCipher").field("kids", &kids).finish()
    }
}

impl FieldCipher {
    /// A cipher over `entries`. Each entry's text is stretched to an AES-256 key with
    /// HMAC-SHA256 under a fixed label, so any string of at least 32 bytes serves.
    pub fn from_entries(entries: &[KeyEntry]) -> Result<Self, FieldCipherError> {
        if entries.is_empty() {
            return Err(FieldCipherError::NoKeys);
        }
        let mut keys = Vec::with_capacity(entries.len());
        for entry in entries {
            let material = entry.secret.expose().as_bytes();
            if material.len() < MIN_KEY_BYTES {
                return Err(FieldCipherError::KeyTooShort(entry.kid.clone()));
            }
            let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(material)
                .expect("HMAC takes keys of any length");
            mac.update(b"rampart/v1/field-encryption");
            let key = mac.finalize().into_bytes();
            let cipher = Aes256Gcm::new_from_slice(&key).map_err(|_| FieldCipherError::Corrupt)?;
            keys.push((entry.kid.clone(), cipher));
        }
        Ok(Self { keys })
    }

    /// The id of the key that seals (the newest).
    pub fn newest_kid(&self) -> &str {
        self.keys
            .last()
            .map(|(kid, _)| kid.as_str())
            .unwrap_or_default()
    }

    /// The id of the key a sealed value names, if it is shaped like one.
    pub fn kid_of(sealed: &str) -> Option<&str> {
        sealed.split_once(':').map(|(kid, _)| kid)
    }

    /// Seals `plaintext`, bound to `context`.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<String, FieldCipherError> {
        let (kid, cipher) = self.keys.last().ok_or(FieldCipherError::NoKeys)?;
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|e| FieldCipherError::Random(e.to_string()))?;
        let sealed = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| FieldCipherError::Corrupt)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{kid}:{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// Opens a value sealed with `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, FieldCipherError> {
        let (kid, body) = sealed.split_once(':').ok_or(FieldCipherError::Corrupt)?;
        let cipher = self
            .keys
            .iter()
            .find(|(k, _)| k == kid)
            .map(|(_, c)| c)
            .ok_or_else(|| FieldCipherError::UnknownKey(kid.to_owned()))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| FieldCipherError::Corrupt)?;
        if bytes.len() < NONCE_BYTES {
            return Err(FieldCipherError::Corrupt);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().map_err(|_| FieldCipherError::Corrupt)?;
        cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| FieldCipherError::Corrupt)
    }
}

#[cfg(test)]
mod tests {
    use rampart_core::Masked;

    use super::*;

    fn cipher(kids: &[&str]) -> FieldCipher {
        let entries: Vec<KeyEntry> = kids
            .iter()
            .map(|k| KeyEntry {
                kid: (*k).to_owned(),
                secret: Masked::new(format!("{k}-field-key-0123456789abcdef0123456789")),
            })
            .collect();
        FieldCipher::from_entries(&entries).unwrap()
    }

    #[test]
    fn values_round_trip_across_rotation_and_stay_bound_to_their_context() {
        let old = cipher(&["f1"]);
        let sealed = old.seal(b"JBSWY3DPEHPK3PXP", "user:1:totp").unwrap();
        assert!(sealed.starts_with("f1:"));
        assert!(!sealed.contains("JBSWY3DP"));
        let rotated = cipher(&["f1", "f2"]);
        assert_eq!(
            rotated.open(&sealed, "user:1:totp").unwrap(),
            b"JBSWY3DPEHPK3PXP"
        );
        assert!(rotated.seal(b"x", "c").unwrap().starts_with("f2:"));
        assert_eq!(
            rotated.open(&sealed, "user:2:totp"),
            Err(FieldCipherError::Corrupt)
        );
        assert_eq!(
            cipher(&["f2"]).open(&sealed, "user:1:totp"),
            Err(FieldCipherError::UnknownKey("f1".into()))
        );
        let mut altered = sealed.clone();
        altered.pop();
        altered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(
            rotated.open(&altered, "user:1:totp"),
            Err(FieldCipherError::Corrupt)
        );
        assert_ne!(
            sealed,
            old.seal(b"JBSWY3DPEHPK3PXP", "user:1:totp").unwrap()
        );
    }

    #[test]
    fn missing_or_short_keys_are_refused() {
        assert_eq!(
            FieldCipher::from_entries(&[]).unwrap_err(),
            FieldCipherError::NoKeys
        );
        let short = KeyEntry {
            kid: "k".into(),
            secret: Masked::new("short".into()),
        };
        assert_eq!(
            FieldCipher::from_entries(&[short]).unwrap_err(),
            FieldCipherError::KeyTooShort("k".into())
        );
    }
}
