//! Who the client is, network-wise: the source address, or `X-Forwarded-For` when (and only
//! when) the source is a trusted proxy.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

/// The address the request arrived from, set by the host (API Gateway's `sourceIp`, or the
/// local stack's peer address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceIp(pub IpAddr);

/// The client's address: the source, unless the source is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
pub fn client_ip(source: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let source = source.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&source) {
        return source;
    }
    let Some(header) = forwarded_for else {
        return source;
    };
    let hops: Vec<IpAddr> = header
        .split(',')
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    hops.iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or_else(|| hops.first())
        .copied()
        .unwrap_or(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec![
            "127.0.0.0/8".parse().unwrap(),
            "10.0.0.0/8".parse().unwrap(),
        ];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let cases = [
            ("203.0.113.5", Some("198.51.100.1"), "203.0.113.5"),
            ("127.0.0.1", Some("198.51.100.1"), "198.51.100.1"),
            (
                "127.0.0.1",
                Some("6.6.6.6, 198.51.100.1, 10.1.1.1"),
                "198.51.100.1",
            ),
            ("127.0.0.1", Some("garbage"), "127.0.0.1"),
            ("127.0.0.1", None, "127.0.0.1"),
            ("127.0.0.1", Some("10.0.0.9"), "10.0.0.9"),
        ];
        for (source, xff, expected) in cases {
            assert_eq!(
                client_ip(Some(ip(source)), xff, &trusted),
                ip(expected),
                "{source} {xff:?}"
            );
        }
    }
}
