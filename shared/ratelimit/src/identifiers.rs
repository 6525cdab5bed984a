//! Who a limit counts, as stored: client addresses and account addresses are never kept raw.
//! Each becomes a keyed hash (HMAC-SHA256 under the secret's `rate_limit_key`, truncated to
//! 128 bits), so the ratelimits table, the limiter's log lines and the deny cache hold no
//! address, and without the key the hashes cannot be matched against a list of addresses.

use std::net::IpAddr;

use hmac::{Hmac, KeyInit, Mac};
use rampart_store::keys;
use sha2::Sha256;

/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

/// The key used where none is configured: the local stage only (see [`Identifiers::local`]).
const LOCAL_KEY: &[u8] = b"rampart/local-stage/rate-limit-identifiers/not-a-secret";

/// Makes the stored identifiers of addresses and accounts.
#[derive(Clone)]
pub struct Identifiers {
    key: Vec<u8>,
}

impl std::fmt::Debug for Identifiers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Identifiers { key: *** }")
    }
}

/// Why the key was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("rate_limit_key must be at least {MIN_KEY_BYTES} bytes, not {0}")]
pub struct KeyTooShort(pub usize);

impl Identifiers {
    /// Hashing under `key` (the secret's `rate_limit_key`).
    pub fn keyed(key: &[u8]) -> Result<Self, KeyTooShort> {
        if key.len() < MIN_KEY_BYTES {
            return Err(KeyTooShort(key.len()));
        }
        Ok(Self { key: key.to_vec() })
    }

    /// Hashing under a fixed, public key: for the local stage and tests, where the secret may
    /// name none. Never used by a deployed stage (its cold start requires the key).
    pub fn local() -> Self {
        Self {
            key: LOCAL_KEY.to_vec(),
        }
    }

    fn digest(&self, kind: &str, value: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The identifier of a client address.
    pub fn address(&self, ip: IpAddr) -> String {
        keys::ratelimits::address(self.digest("ip", &ip.to_string()))
    }

    /// The identifier of an account named by its (normalised) email address.
    pub fn account(&self, email: &str) -> String {
        keys::ratelimits::account(&self.digest("account", email))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_keyed_hashes_that_hide_the_address() {
        let a = Identifiers::keyed(&[7u8; 32]).unwrap();
        let b = Identifiers::keyed(&[8u8; 32]).unwrap();
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        let id = a.address(ip);
        assert!(id.starts_with("ip:") && id.len() == 3 + 32, "{id}");
        assert!(!id.contains("203.0.113"));
        assert_eq!(id, a.address(ip), "stable, so limits count across requests");
        assert_ne!(id, b.address(ip), "another key, other identifiers");
        assert_ne!(id, a.address("203.0.113.10".parse().unwrap()));
        let account = a.account("ada@example.com");
        assert!(account.starts_with("acct:") && !account.contains("ada"));
        assert_ne!(
            a.account("203.0.113.9"),
            a.address(ip).replacen("ip:", "acct:", 1),
            "an address and an account with the same text differ"
        );
        assert_eq!(Identifiers::keyed(&[1u8; 31]).unwrap_err(), KeyTooShort(31));
        assert_eq!(format!("{a:?}"), "Identifiers { key: *** }");
    }
}
