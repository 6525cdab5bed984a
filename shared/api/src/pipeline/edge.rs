//! The edge's origin check. With the edge in front of the API (`EDGE_ORIGIN_TOKEN` set), every
//! request it forwards carries `X-Origin-Verify` with the stage's token; a request without it
//! reached the API some other way (straight to the execute-api URL, past the web ACL's
//! managed rules and per-client rate rule) and is refused before any route runs.

use http::HeaderMap;
use rampart_core::config::Config;
use rampart_core::problem::ProblemKind;

/// The header the edge adds.
pub const HEADER: &str = "x-origin-verify";

pub const ORIGIN_NOT_ALLOWED: ProblemKind = ProblemKind::new(
    403,
    "origin_not_allowed",
    "Origin not allowed",
    "Send requests to the API's public address, not to its origin.",
);

/// What the check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// No edge configured: requests arrive directly.
    Off,
    /// The request came through the edge.
    Vouched,
    /// An edge is configured and the request did not come through it.
    Bypassed,
}

pub fn check(config: &Config, headers: &HeaderMap) -> Edge {
    let Some(token) = &config.edge_origin_token else {
        return Edge::Off;
    };
    let mut values = headers.get_all(HEADER).iter();
    match (values.next(), values.next()) {
        (Some(value), None) if token.matches(value.as_bytes()) => Edge::Vouched,
        _ => Edge::Bypassed,
    }
}
