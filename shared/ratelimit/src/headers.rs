//! The rate-limit response headers: the `X-RateLimit-*` trio and the IETF pair.

use crate::limiter::Decision;

/// The headers every limited response carries (plus `Retry-After` when denied).
pub fn rate_limit_headers(decision: &Decision) -> Vec<(&'static str, String)> {
    let reset_in = (decision.reset_at - decision.now).max(0);
    let mut headers = vec![
        ("x-ratelimit-limit", decision.limit.max.to_string()),
        ("x-ratelimit-remaining", decision.remaining.to_string()),
        ("x-ratelimit-reset", decision.reset_at.to_string()),
        (
            "ratelimit-policy",
            format!(
                "\"{}\";q={};w={}",
                decision.limit.name, decision.limit.max, decision.limit.window_secs
            ),
        ),
        (
            "ratelimit",
            format!(
                "\"{}\";r={};t={}",
                decision.limit.name, decision.remaining, reset_in
            ),
        ),
    ];
    if !decision.allowed {
        headers.push(("retry-after", decision.retry_after_secs().to_string()));
    }
    headers
}
