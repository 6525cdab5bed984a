//! Who the client is, network-wise: the source address, or `X-Forwarded-For` when (and only
//! when) the source is a trusted proxy.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

/// The address the request arrived from, set by the host (API Gateway's `sourceIp`, or the
/// local stack's peer address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceIp(pub IpAddr);

/// The client's address: the source, unless the source is a trusted proxy, in which case
/// `X-Forwarded-For` (every line of it, in order) is walked from the right: trusted proxies
/// are passed over, and the first entry that is not one is the client. Only entries our own
/// proxies vouch for are believed: an entry that does not parse as an address stops the walk
/// (what lies left of it was written by someone we cannot vouch for), and the answer is then
/// the last trusted hop reached. Entries may carry a port (`192.0.2.1:443`, `[2001:db8::1]:443`).
pub fn client_ip(source: Option<IpAddr>, forwarded_for: &[&str], trusted: &[IpNet]) -> IpAddr {
    walk(source, forwarded_for, |ip| {
        trusted.iter().any(|net| net.contains(ip))
    })
}

/// The client's address for a request the edge vouched for (it carried the edge's origin
/// token): the address that connected is the edge, so it counts as a trusted proxy for this
/// request, and `X-Forwarded-For` is walked as above. The edge appends the viewer's address,
/// so the walk stops there, whatever the viewer wrote to the left of it.
pub fn client_ip_via_edge(
    source: Option<IpAddr>,
    forwarded_for: &[&str],
    trusted: &[IpNet],
) -> IpAddr {
    walk(source, forwarded_for, |ip| {
        Some(*ip) == source || trusted.iter().any(|net| net.contains(ip))
    })
}

/// The walk both share, with what counts as a trusted proxy.
fn walk(
    source: Option<IpAddr>,
    forwarded_for: &[&str],
    is_trusted: impl Fn(&IpAddr) -> bool,
) -> IpAddr {
    let source = source.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let mut client = source;
    if !is_trusted(&client) {
        return client;
    }
    let hops = forwarded_for
        .iter()
        .flat_map(|line| line.split(','))
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            return client;
        };
        client = ip;
        if !is_trusted(&ip) {
            return ip;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, optionally with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Ok(socket) = hop.parse::<std::net::SocketAddr>() {
        return Some(socket.ip());
    }
    hop.strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|inner| inner.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behind_the_edge_the_viewer_it_appended_is_the_client() {
        let edge: IpAddr = "130.176.0.9".parse().unwrap();
        // The viewer claims an address; the edge appends the one it saw; API Gateway may
        // append the edge's own.
        for line in [
            "198.51.100.66, 203.0.113.9",
            "198.51.100.66, 203.0.113.9, 130.176.0.9",
        ] {
            assert_eq!(
                client_ip_via_edge(Some(edge), &[line], &[]),
                "203.0.113.9".parse::<IpAddr>().unwrap(),
                "{line}"
            );
        }
        // Nothing forwarded: the edge itself is all there is.
        assert_eq!(client_ip_via_edge(Some(edge), &[], &[]), edge);
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec![
            "127.0.0.0/8".parse().unwrap(),
            "10.0.0.0/8".parse().unwrap(),
        ];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let cases: [(&str, &[&str], &str); 11] = [
            ("203.0.113.5", &["198.51.100.1"], "203.0.113.5"),
            ("127.0.0.1", &["198.51.100.1"], "198.51.100.1"),
            (
                "127.0.0.1",
                &["6.6.6.6, 198.51.100.1, 10.1.1.1"],
                "198.51.100.1",
            ),
            ("127.0.0.1", &["garbage"], "127.0.0.1"),
            ("127.0.0.1", &[], "127.0.0.1"),
            ("127.0.0.1", &["10.0.0.9"], "10.0.0.9"),
            // A proxy that writes ports is still understood ...
            (
                "127.0.0.1",
                &["6.6.6.6, 198.51.100.1:51234"],
                "198.51.100.1",
            ),
            ("127.0.0.1", &["6.6.6.6, [2001:db8::7]:443"], "2001:db8::7"),
            // ... an entry that does not parse ends the walk: nothing left of it is believed.
            ("127.0.0.1", &["6.6.6.6, junk, 10.1.1.1"], "10.1.1.1"),
            // A proxy's own line after the client's counts, in order.
            ("127.0.0.1", &["6.6.6.6", "198.51.100.1"], "198.51.100.1"),
            // Every hop trusted (a request from inside): the left-most, which a proxy vouched for.
            ("127.0.0.1", &["10.0.0.1, 10.0.0.2"], "10.0.0.1"),
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
