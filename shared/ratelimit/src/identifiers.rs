//! Who a limit counts, as stored: client addresses and account addresses are never kept raw.
//! Each becomes a keyed hash (HMAC-SHA256 under the secret's `rate_limit_key`, truncated to
//! 128 bits), so the ratelimits table, the limiter's log lines and the deny cache hold no
//! address, and without the key the hashes cannot be matched against a list of addresses.

use std::collections::HashMap;
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
    /// The HMAC with its key already absorbed: each identifier clones it, so the key's two
    /// blocks are not hashed again per request.
    keyed: Hmac<Sha256>,
    /// Identifiers of recent client addresses: a client's every request needs its own, one
    /// or more times. Bounded by [`REMEMBERED_ADDRESSES`]; only the keyed hashes are kept.
    addresses: std::sync::Arc<std::sync::Mutex<HashMap<IpAddr, String>>>,
}

/// At most this many client addresses' identifiers are remembered per process (then all are
/// forgotten at once).
pub const REMEMBERED_ADDRESSES: usize = 4096;

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
        Ok(Self::with_key(key))
    }

    fn with_key(key: &[u8]) -> Self {
        Self {
            keyed: <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key"),
            addresses: Default::default(),
        }
    }

    /// Hashing under a fixed, public key: for the local stage and tests, where the secret may
    /// name none. Never used by a deployed stage (its cold start requires the key).
    pub fn local() -> Self {
        Self::with_key(LOCAL_KEY)
    }

    fn digest(&self, kind: &str, value: &str) -> String {
        let mut mac = self.keyed.clone();
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// The identifier of a client address. An IPv6 client counts by its /64: one subscriber
    /// usually holds a whole /64 (often far more), so counting single addresses would hand
    /// every client 2^64 budgets. An IPv4-mapped address counts as the IPv4 address.
    pub fn address(&self, ip: IpAddr) -> String {
        let mut remembered = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(id) = remembered.get(&ip) {
            return id.clone();
        }
        let id = keys::ratelimits::address(self.digest("ip", &counted_network(ip)));
        if remembered.len() >= REMEMBERED_ADDRESSES {
            remembered.clear();
        }
        remembered.insert(ip, id.clone());
        id
    }

    /// The identifier of a credential a webhook's sender presents (a bearer token's header,
    /// or the name of a signing scheme whose signatures differ per body).
    pub fn credential(&self, presented: &str) -> String {
        keys::ratelimits::credential(&self.digest("credential", presented))
    }

    /// The identifier of an account named by its (normalised) email address.
    pub fn account(&self, email: &str) -> String {
        keys::ratelimits::account(&self.digest("account", email))
    }
}

/// The network a client address is counted by: the address itself for IPv4, the /64 for IPv6.
fn counted_network(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let ids = Identifiers::local();
        let id = |s: &str| ids.address(s.parse().unwrap());
        assert_eq!(
            id("2001:db8:1:2::1"),
            id("2001:db8:1:2:ffff:ffff:ffff:ffff")
        );
        assert_ne!(id("2001:db8:1:2::1"), id("2001:db8:1:3::1"));
        assert_eq!(id("::ffff:203.0.113.7"), id("203.0.113.7"));
        assert_ne!(id("203.0.113.7"), id("203.0.113.8"));
    }

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

    #[test]
    fn remembered_addresses_are_bounded_and_answer_as_computed() {
        let ids = Identifiers::keyed(&[9u8; 32]).unwrap();
        let first: IpAddr = "203.0.113.7".parse().unwrap();
        let computed = keys::ratelimits::address(ids.digest("ip", "203.0.113.7"));
        assert_eq!(ids.address(first), computed);
        assert_eq!(ids.address(first), computed, "remembered");
        for n in 0..REMEMBERED_ADDRESSES as u32 {
            ids.address(IpAddr::from(n.to_be_bytes()));
            assert!(ids.addresses.lock().unwrap().len() <= REMEMBERED_ADDRESSES);
        }
        assert_eq!(ids.address(first), computed, "forgotten, computed again");
    }
}
