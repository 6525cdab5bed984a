//! The audit hook: every 401 and 403, and every new rate-limit violation, becomes an audit
//! event. Later refusals of an already-counted violation are only logged, so a flood of
//! retries cannot turn into a flood of writes.

use http::StatusCode;
use rampart_audit::Outcome;

use crate::context::RequestContext;
use crate::state::AppState;

/// The longest request path an audit record keeps.
const PATH_MAX_CHARS: usize = 256;

/// Audits a refusal of the route whose template is `route` (the raw path when none matched);
/// counters, tallies and the record's target name the template, the record's details the
/// path as sent too.
pub(super) async fn after(
    state: &AppState,
    ctx: &RequestContext,
    route: &str,
    path: &str,
    status: StatusCode,
    code: Option<&'static str>,
) {
    let name = match (status.as_u16(), code) {
        // Recorded by the refresh handler with the session it revoked.
        (401, Some("refresh_reused")) => return,
        (401, Some("invalid_credentials")) => "auth.login_failed",
        (401, Some("invalid_code")) => "auth.second_factor_failed",
        (401 | 403, _) if ctx.api_key_presented => "auth.api_key_denied",
        (401, _) => "http.unauthenticated",
        (403, _) => "http.forbidden",
        (429, _) if ctx.rate_limit.as_ref().is_some_and(|d| d.fresh_violation) => {
            "ratelimit.violation"
        }
        _ => return,
    };
    let mut event = ctx
        .audit_event(name, Outcome::Denied)
        .detail("route", route)
        .detail(
            "path",
            path.chars().take(PATH_MAX_CHARS).collect::<String>(),
        )
        .detail("problem", code.unwrap_or("-"));
    if let Some(decision) = &ctx.rate_limit
        && status == StatusCode::TOO_MANY_REQUESTS
    {
        event = event
            .detail("policy", decision.limit.name)
            .detail("violations", decision.violations.unwrap_or(1).to_string())
            .detail(
                "locked_until",
                decision
                    .locked_until
                    .map(|l| l.to_string())
                    .unwrap_or_default(),
            );
    }
    let counted = match name {
        "auth.login_failed" => Some((crate::security_stats::FAILED_LOGINS, "-")),
        "http.forbidden" => Some((crate::security_stats::PERMISSION_DENIALS, route)),
        "auth.api_key_denied" if status == StatusCode::FORBIDDEN => {
            Some((crate::security_stats::PERMISSION_DENIALS, route))
        }
        "ratelimit.violation" => Some((crate::security_stats::RATE_LIMIT_VIOLATIONS, route)),
        _ => None,
    };
    if let Some((metric, dimension)) = counted {
        crate::security_stats::count(&state.store, &*state.clock, metric, dimension).await;
    }
    // A signed-in caller or key refused on route after route is probing what it may reach.
    if status == StatusCode::FORBIDDEN
        && let Some(principal) = &ctx.principal
    {
        crate::suspicion::watch(
            &state.store,
            &*state.clock,
            &state.audit,
            ctx,
            &crate::suspicion::FORBIDDEN_SWEEP,
            &principal.id,
            route,
            format!("principal:{}", principal.id),
        )
        .await;
    }
    event.target = Some(format!("route:{route}"));
    // A failed audit write is retried, logged and counted by the audit log; the response
    // stands. Refusals of callers without a principal are tallied rather than written one
    // by one: anyone can send them, as fast as they like.
    let anonymous_refusal = ctx.principal.is_none()
        && matches!(status.as_u16(), 401 | 403)
        && (name.starts_with("http.") || name == "auth.api_key_denied");
    let _ = if anonymous_refusal {
        state.audit.record_refusal(event, route).await
    } else {
        state.audit.record(event).await
    };
}

/// A sealed field that did not open while serving the request (the client got a 500).
pub(super) async fn decryption_failed(
    state: &AppState,
    ctx: &RequestContext,
    failure: rampart_audit::DecryptionFailed,
) {
    let event = ctx
        .audit_event("crypto.decrypt_failed", Outcome::Failure)
        .target(failure.record)
        .detail("field", failure.field)
        .detail("kid", failure.kid)
        .detail("reason", failure.reason.to_string());
    let _ = state.audit.record(event).await;
}

/// The metrics of an answer (CloudWatch EMF, by the route's function): 401, 403, 429 and 5xx
/// answers, failed sign-ins and replayed refresh tokens.
pub(super) fn count(function: &str, status: StatusCode, code: Option<&'static str>, now_ms: i64) {
    use rampart_core::metrics;
    let by_status = match status.as_u16() {
        401 => metrics::HTTP_401,
        403 => metrics::HTTP_403,
        429 => metrics::HTTP_429,
        500..=599 => metrics::HTTP_5XX,
        _ => return,
    };
    metrics::count(by_status, ("route", function), now_ms);
    let by_code = match (status.as_u16(), code) {
        (401, Some("invalid_credentials" | "invalid_code")) => metrics::SIGN_IN_FAILURES,
        (401, Some("refresh_reused")) => metrics::REFRESH_REUSE,
        _ => return,
    };
    metrics::count(by_code, ("route", function), now_ms);
}
