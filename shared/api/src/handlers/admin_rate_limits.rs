//! `GET /api/v1/admin/rate-limits`: every limit the API applies, as this deployment applies it
//! (the contract's default, the operator's override when one is in force), and whether rate
//! limiting is on. Which routes hit their limits is the security summary's.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_core::{Config, Feature};
use rampart_ratelimit::Limiter;
use schemars::JsonSchema;
use serde::Serialize;

use crate::context::RequestContext;
use crate::response;
use crate::state::HandlerFuture;

/// One limit.
#[derive(Serialize, JsonSchema)]
pub struct LimitView {
    /// The name an override uses (`RATE_LIMIT_OVERRIDES`) and `RateLimit-Policy` shows.
    pub name: String,
    /// The policy it belongs to (docs/security/rate_limiting.md).
    pub policy: String,
    /// For reads and writes: the role it applies to.
    pub role: Option<String>,
    /// What it counts per: `client address`, `account`, `caller`, `session` or `credential`.
    pub per: String,
    /// Requests allowed per window, as applied.
    pub max: u32,
    pub window_secs: u32,
    pub default_max: u32,
    pub default_window_secs: u32,
    /// Whether an override changes it.
    pub overridden: bool,
}

/// The deployment's rate limits.
#[derive(Serialize, JsonSchema)]
pub struct RateLimits {
    /// `RATE_LIMITING_ENABLED`: when false, no limit applies.
    pub enabled: bool,
    pub limits: Vec<LimitView>,
}

/// The limits as `limiter` applies them.
pub fn rate_limits(config: &Config, limiter: &Limiter) -> RateLimits {
    let overrides = limiter.overrides();
    let limits = rampart_ratelimit::catalogue()
        .into_iter()
        .map(|named| {
            let applied = overrides.apply(named.limit, named.role);
            LimitView {
                policy: format!("{:?}", named.policy),
                role: named.role.map(|r| r.as_str().to_owned()),
                per: named.limit.scope.as_str().to_owned(),
                max: applied.max,
                window_secs: applied.window_secs,
                default_max: named.limit.max,
                default_window_secs: named.limit.window_secs,
                overridden: overrides.0.contains_key(&named.key),
                name: named.key,
            }
        })
        .collect();
    RateLimits {
        enabled: config.enabled(Feature::RateLimiting),
        limits,
    }
}

/// The handler.
pub fn get<'a>(
    config: &'a Config,
    limiter: &'a Limiter,
    _ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        Ok(response::json(
            StatusCode::OK,
            &rate_limits(config, limiter),
        ))
    })
}
