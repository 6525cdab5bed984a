//! Anonymising addresses and masking secrets in event details.

use std::collections::BTreeMap;
use std::net::IpAddr;

/// Zeroes the host part: the last octet of IPv4 (/24), all but the first 48 bits of IPv6.
pub fn anonymize_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0")
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return anonymize_ip(IpAddr::V4(v4));
            }
            let s = v6.segments();
            // 6to4 (2002::/16) carries the client's IPv4 address in bits 16..48: keep only
            // its first three octets, as for IPv4 itself.
            if s[0] == 0x2002 {
                return std::net::Ipv6Addr::new(s[0], s[1], s[2] & 0xff00, 0, 0, 0, 0, 0)
                    .to_string();
            }
            // Teredo (2001:0::/32) carries its server's IPv4 address next, and the client's
            // (obfuscated) at the end: keep the prefix only.
            if s[0] == 0x2001 && s[1] == 0 {
                return std::net::Ipv6Addr::new(s[0], 0, 0, 0, 0, 0, 0, 0).to_string();
            }
            let masked = std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0);
            masked.to_string()
        }
    }
}

const SECRET_WORDS: [&str; 9] = [
    "password",
    "token",
    "secret",
    "code",
    "key",
    "authorization",
    "cookie",
    "otp",
    "signature",
];

/// Words that, last in a detail's name, make it a reference to a secret rather than the secret
/// itself (`key_id`, `token_count`).
const REFERENCE_WORDS: [&str; 6] = ["id", "ids", "kid", "count", "kind", "type"];

/// Whether a detail's name says it holds a secret: one of its words (split at `_`, `-`, `.`
/// and case changes are not words) is a secret word, and its last word is not a reference.
fn names_a_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    let refers = words.last().is_some_and(|w| REFERENCE_WORDS.contains(w));
    !refers && words.iter().any(|w| SECRET_WORDS.contains(w))
}

/// Replaces the value of every detail whose name says it holds a secret with `***`.
pub fn mask_details(details: BTreeMap<String, String>) -> BTreeMap<String, String> {
    details
        .into_iter()
        .map(|(name, value)| {
            if names_a_secret(&name) {
                (name, "***".to_owned())
            } else {
                (name, value)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_lose_their_host_part() {
        let cases = [
            ("203.0.113.77", "203.0.113.0"),
            ("2001:db8:abcd:12:34::1", "2001:db8:abcd::"),
            ("::ffff:198.51.100.9", "198.51.100.0"),
            // 6to4 for 192.0.2.77: the embedded IPv4 loses its last octet.
            ("2002:c000:24d::1", "2002:c000:200::"),
            // Teredo: only the prefix stays.
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::"),
        ];
        for (input, expected) in cases {
            assert_eq!(anonymize_ip(input.parse().unwrap()), expected);
        }
    }

    #[test]
    fn secret_looking_details_are_masked() {
        let details: BTreeMap<String, String> = [
            ("refresh_token", "abc"),
            ("totp_code", "123456"),
            ("api_key", "rk_x"),
            ("route", "/api/v1/auth/login"),
            ("key_id", "01KEY"),
            ("password_hash", "$argon2id$..."),
            ("keyword", "rust"),
            ("sessions_revoked", "2"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let masked = mask_details(details);
        assert_eq!(masked["refresh_token"], "***");
        assert_eq!(masked["totp_code"], "***");
        assert_eq!(masked["api_key"], "***");
        assert_eq!(masked["route"], "/api/v1/auth/login");
        assert_eq!(
            masked["key_id"], "01KEY",
            "an id names a key; it is not one"
        );
        assert_eq!(masked["password_hash"], "***");
        assert_eq!(masked["keyword"], "rust");
        assert_eq!(masked["sessions_revoked"], "2");
    }
}
