//! The rate-limit stage: counts the request against its route's policy.

use rampart_core::{ApiError, Feature};
use rampart_ratelimit::{RateKey, Scope};

use crate::context::RequestContext;
use crate::routes::Route;
use crate::state::AppState;

/// Counts the request; 429 when over the limit. When the limiter's store is down, routes whose
/// policy fails closed answer 503 and the rest proceed (see `Policy::fails_closed`).
pub(super) async fn enforce(
    state: &AppState,
    route: &Route,
    ctx: &mut RequestContext,
) -> Result<(), ApiError> {
    if !state.config.enabled(Feature::RateLimiting) {
        return Ok(());
    }
    let Some(policy) = route.rate_limit else {
        return Ok(());
    };
    let role = ctx.principal.as_ref().map(|p| p.effective_role());
    let limit = policy.limit(route.is_write(), role);
    let identifier = match (limit.scope, &ctx.principal) {
        (Scope::Caller, Some(principal)) => format!("u:{}", principal.id),
        // Account-scoped limits are checked by the handler once it knows the account; the
        // pipeline still bounds the caller's address with the same numbers.
        _ => format!("ip:{}", ctx.client_ip),
    };
    let key = RateKey::new(route.function, &identifier);
    match state.limiter.check(&key, limit).await {
        Ok(decision) => {
            let allowed = decision.allowed;
            let retry_after_secs = decision.retry_after_secs();
            if !allowed {
                tracing::info!(
                    rate_key = key.as_str(),
                    fresh_violation = decision.fresh_violation,
                    "rate limited"
                );
            }
            ctx.rate_limit = Some(decision);
            if allowed {
                Ok(())
            } else {
                Err(ApiError::RateLimited { retry_after_secs })
            }
        }
        Err(error) if policy.fails_closed() => {
            tracing::error!(%error, "rate limiter unavailable; failing closed");
            Err(ApiError::ServiceUnavailable(error.to_string()))
        }
        Err(error) => {
            tracing::warn!(%error, "rate limiter unavailable; failing open");
            Ok(())
        }
    }
}
