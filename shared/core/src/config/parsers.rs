//! The typed readers of one variable each: every error names the variable it read.

use std::str::FromStr;

use ipnet::IpNet;

use super::ConfigError;

pub(super) fn parse_required<T: FromStr<Err = String>>(
    get: &impl Fn(&'static str) -> Option<String>,
    var: &'static str,
) -> Result<T, ConfigError> {
    let raw = get(var).ok_or(ConfigError::Missing(var))?;
    raw.trim()
        .parse()
        .map_err(|reason| ConfigError::Invalid { var, reason })
}

pub(super) fn parse_or<T: FromStr>(
    get: &impl Fn(&'static str) -> Option<String>,
    var: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(raw) => raw.trim().parse().map_err(|_| ConfigError::Invalid {
            var,
            reason: format!("{raw:?} is not a valid non-negative number"),
        }),
    }
}

/// A whole number within `range`, `default` when unset.
pub(super) fn parse_in_range(
    get: &impl Fn(&'static str) -> Option<String>,
    var: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or(ConfigError::Invalid {
                var,
                reason: format!("a number from {} to {}", range.start(), range.end()),
            }),
    }
}

pub(super) fn parse_bool(
    get: &impl Fn(&'static str) -> Option<String>,
    var: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(var).as_deref().map(str::trim) {
        None => Ok(default),
        Some("true" | "1" | "on" | "yes") => Ok(true),
        Some("false" | "0" | "off" | "no") => Ok(false),
        Some(other) => Err(ConfigError::Invalid {
            var,
            reason: format!("{other:?} is not one of true, false, 1, 0, on, off, yes, no"),
        }),
    }
}

pub(super) fn parse_hex_key(
    get: &impl Fn(&'static str) -> Option<String>,
    var: &'static str,
) -> Result<Option<String>, ConfigError> {
    match get(var).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(None),
        Some(key) if key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()) => Ok(Some(key)),
        Some(_) => Err(ConfigError::Invalid {
            var,
            reason: "expected 64 hex characters (a 32-byte Ed25519 public key)".to_owned(),
        }),
    }
}

pub(super) fn parse_snowflakes(
    get: &impl Fn(&'static str) -> Option<String>,
    var: &'static str,
) -> Result<Vec<String>, ConfigError> {
    let Some(raw) = get(var) else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            if (15..=21).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
                Ok(s.to_owned())
            } else {
                Err(ConfigError::Invalid {
                    var,
                    reason: format!("{s:?} is not a Discord id"),
                })
            }
        })
        .collect()
}

pub(super) fn parse_cidrs(
    get: &impl Fn(&'static str) -> Option<String>,
    var: &'static str,
) -> Result<Vec<IpNet>, ConfigError> {
    let Some(raw) = get(var) else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let net = s
                .parse::<IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| ConfigError::Invalid {
                    var,
                    reason: format!("{s:?} is not an IP address or CIDR"),
                })?;
            // Trusting every address would let every client name its own.
            if net.prefix_len() == 0 {
                return Err(ConfigError::Invalid {
                    var,
                    reason: format!("{s:?} trusts every address"),
                });
            }
            Ok(net)
        })
        .collect()
}
