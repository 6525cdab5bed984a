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

/// Replaces the value of every detail whose name suggests a secret with `***`.
pub fn mask_details(details: BTreeMap<String, String>) -> BTreeMap<String, String> {
    details
        .into_iter()
        .map(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            if SECRET_WORDS.iter().any(|w| lower.contains(w)) {
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
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let masked = mask_details(details);
        assert_eq!(masked["refresh_token"], "***");
        assert_eq!(masked["totp_code"], "***");
        assert_eq!(masked["api_key"], "***");
        assert_eq!(masked["route"], "/api/v1/auth/login");
    }
}
