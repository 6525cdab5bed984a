//! The rate-limit stage: counts the request against its route's policy.
//!
//! The identifier is the user id for authenticated callers, else the client's address. Where
//! a policy also limits per account (credential routes, resend-verification), the account is
//! the mailbox of the JSON body's `email`, whether or not such an account exists, so the
//! answer never reveals which addresses are registered.

use rampart_core::{ApiError, Feature};
use rampart_ratelimit::{Counted, Decision, Limit, Policy, RateKey, Scope};
use rampart_rbac::Role;
use rampart_store::keys;

use crate::context::RequestContext;
use crate::routes::Route;
use crate::state::AppState;

/// Counts the request; 429 when over a limit. When the limiter's store is down, routes whose
/// policy fails closed answer 503 and the rest proceed (see `Policy::fails_closed`).
/// A count made by [`count_early`] is used when it is this request's route key, and taken
/// from `early` then; otherwise it stays there to be given back.
pub(super) async fn enforce(
    state: &AppState,
    route: &Route,
    ctx: &mut RequestContext,
    parts: &http::request::Parts,
    early: &mut Option<Counted>,
) -> Result<(), ApiError> {
    let Some((policy, checks)) = checks(state, route, ctx, parts) else {
        return Ok(());
    };
    // A key the deny cache refuses answers before any store call; otherwise the checks go out
    // together (one round trip, however many limits the route has) and are read in order.
    refuse_cached_checks(state, ctx, &checks)?;
    let pending: Vec<_> = checks
        .iter()
        .map(|(key, limit)| {
            let counted = early.take_if(|counted| counted.key() == key);
            check(state, policy, key, *limit, counted)
        })
        .collect();
    let decisions = futures_util::future::join_all(pending).await;
    for ((key, _), decision) in checks.iter().zip(decisions) {
        let Some(decision) = decision? else {
            return Ok(());
        };
        let allowed = decision.allowed;
        let retry_after_secs = decision.retry_after_secs();
        if !allowed {
            tracing::info!(
                rate_key = key.as_str(),
                fresh_violation = decision.fresh_violation,
                "rate limited"
            );
        }
        // The tighter of the decisions is what the headers report.
        if ctx
            .rate_limit
            .as_ref()
            .is_none_or(|d| decision.remaining <= d.remaining)
        {
            ctx.rate_limit = Some(decision);
        }
        if !allowed {
            return Err(ApiError::RateLimited { retry_after_secs });
        }
    }
    Ok(())
}

/// `429` when the deny cache already refuses one of the route's limits for this request, with
/// no store call; what [`enforce`] would answer first.
pub(super) fn refuse_cached(
    state: &AppState,
    route: &Route,
    ctx: &mut RequestContext,
    parts: &http::request::Parts,
) -> Result<(), ApiError> {
    match checks(state, route, ctx, parts) {
        Some((_, checks)) => refuse_cached_checks(state, ctx, &checks),
        None => Ok(()),
    }
}

fn refuse_cached_checks(
    state: &AppState,
    ctx: &mut RequestContext,
    checks: &[(RateKey, Limit)],
) -> Result<(), ApiError> {
    for (key, limit) in checks {
        if let Some(decision) = state.limiter.cached_denial(key, *limit) {
            return Err(refuse(ctx, decision));
        }
    }
    Ok(())
}

/// The route's policy and the limits a request to it counts against, keyed; `None` when the
/// route is not limited (or limiting is off).
fn checks(
    state: &AppState,
    route: &Route,
    ctx: &RequestContext,
    parts: &http::request::Parts,
) -> Option<(Policy, Vec<(RateKey, Limit)>)> {
    if !state.config.enabled(Feature::RateLimiting) {
        return None;
    }
    let policy = route.rate_limit?;
    let role = ctx.principal.as_ref().map(|p| p.effective_role());
    let limit = state
        .limiter
        .overrides()
        .apply(policy.limit(route.is_write(), role), role);
    let account = body_account(ctx);
    let ids = state.limiter.identifiers();
    let ip = ids.address(ctx.client_ip);
    let identifier = match (limit.scope, &ctx.principal, &account) {
        (Scope::Caller, Some(principal), _) => keys::ratelimits::caller(&principal.id),
        (Scope::Account, _, Some(email)) => ids.account(email),
        (Scope::Session, _, _) => match presented_session(ctx, parts) {
            Some(session) => keys::ratelimits::session(&session),
            None => ip.clone(),
        },
        (Scope::Credential, _, _) => match presented_credential(parts) {
            Some(credential) => ids.credential(&credential),
            None => ip.clone(),
        },
        _ => ip.clone(),
    };
    let by_ip = identifier == ip;
    let mut checks = vec![(RateKey::new(route.function, &identifier), limit)];
    // The per-account budget is keyed by the limit, not the route: login and token share
    // theirs (`auth-password-account`), so switching routes buys no extra guesses.
    if let (Some(account_limit), Some(email)) = (policy.account_limit(), &account) {
        checks.push((
            RateKey::new(account_limit.name, &ids.account(email)),
            account_limit,
        ));
    }
    if let Some(ip_limit) = policy.ip_limit()
        && !by_ip
    {
        checks.push((RateKey::new(ip_limit.name, &ip), ip_limit));
    }
    Some((policy, checks))
}

/// The per-client limit of protected routes, before authentication (`Policy::PreAuth`).
pub(super) async fn enforce_pre_auth(
    state: &AppState,
    ctx: &mut RequestContext,
) -> Result<(), ApiError> {
    if !state.config.enabled(Feature::RateLimiting) {
        return Ok(());
    }
    let (key, limit) = pre_auth_key(state, ctx);
    let Some(decision) = check(state, Policy::PreAuth, &key, limit, None).await? else {
        return Ok(());
    };
    if decision.allowed {
        // The route's own limit is what the headers of an allowed request report.
        return Ok(());
    }
    Err(refuse(ctx, decision))
}

/// The `429` of a refusal, whose decision the response's headers report.
fn refuse(ctx: &mut RequestContext, decision: Decision) -> ApiError {
    let retry_after_secs = decision.retry_after_secs();
    ctx.rate_limit = Some(decision);
    ApiError::RateLimited { retry_after_secs }
}

fn pre_auth_key(state: &AppState, ctx: &RequestContext) -> (RateKey, Limit) {
    let limit = Policy::PreAuth.limit(false, None);
    let key = RateKey::new(
        limit.name,
        &state.limiter.identifiers().address(ctx.client_ip),
    );
    (key, limit)
}

/// A client the deny cache already refuses under the per-client limit: `429` before any store
/// call, so a flood past the limit costs neither a counter update nor an authentication.
pub(super) fn refuse_cached_pre_auth(
    state: &AppState,
    ctx: &mut RequestContext,
) -> Result<(), ApiError> {
    if !state.config.enabled(Feature::RateLimiting) {
        return Ok(());
    }
    let (key, limit) = pre_auth_key(state, ctx);
    match state.limiter.cached_denial(&key, limit) {
        Some(decision) => Err(refuse(ctx, decision)),
        None => Ok(()),
    }
}

/// The route's count for `user`, the caller a verified token names, made before the store has
/// confirmed the caller or said its role, so that it goes out with the reads that do (one
/// round trip instead of two). Only for routes whose limit counts per caller in a window
/// every role shares: the role then decides only the maximum, applied when the reads answer
/// ([`enforce`]). `None` where that does not hold; the route is then counted afterwards.
pub(super) async fn count_early(
    state: &AppState,
    route: &Route,
    user: Option<String>,
) -> Option<Counted> {
    let user = user?;
    if !state.config.enabled(Feature::RateLimiting) {
        return None;
    }
    let policy = route.rate_limit?;
    if policy.account_limit().is_some() || policy.ip_limit().is_some() {
        return None;
    }
    let overrides = state.limiter.overrides();
    let mut windows = Role::ALL
        .into_iter()
        .map(Some)
        .chain([None])
        .map(|role| overrides.apply(policy.limit(route.is_write(), role), role))
        .map(|limit| (limit.scope == Scope::Caller).then_some(limit.window_secs));
    let window = windows.next()??;
    if !windows.all(|w| w == Some(window)) {
        return None;
    }
    let key = RateKey::new(route.function, &keys::ratelimits::caller(&user));
    Some(state.limiter.count(&key, window).await)
}

/// Gives back a count made by [`count_early`] that the request did not reach its limit with
/// (its credentials or CSRF token were refused, or another limit refused it first).
pub(super) async fn give_back(state: &AppState, counted: Counted) {
    if let Err(error) = state.limiter.give_back(counted).await {
        tracing::warn!(%error, "could not give back a rate-limit count");
    }
}

/// One check (or the decision on a count made early); `None` when the limiter is down and
/// the policy fails open.
async fn check(
    state: &AppState,
    policy: Policy,
    key: &RateKey,
    limit: Limit,
    early: Option<Counted>,
) -> Result<Option<Decision>, ApiError> {
    let answer = match early {
        Some(counted) => state.limiter.settle(counted, limit).await,
        None => state.limiter.check(key, limit).await,
    };
    match answer {
        Ok(decision) => Ok(Some(decision)),
        Err(error) if policy.fails_closed() => {
            tracing::error!(%error, "rate limiter unavailable; failing closed");
            Err(ApiError::ServiceUnavailable(error.to_string()))
        }
        Err(error) => {
            tracing::warn!(%error, "rate limiter unavailable; failing open");
            Ok(None)
        }
    }
}

/// The session a presented refresh token names (`<session>.<generation>...`, from the body or
/// the cookie), when it looks like one. A forged token can name any session: the per-client
/// companion limit bounds that, and session limits never lock out.
fn presented_session(ctx: &RequestContext, parts: &http::request::Parts) -> Option<String> {
    let from_body = ctx
        .json
        .as_ref()
        .and_then(|b| b.get("refresh_token"))
        .and_then(|t| t.as_str())
        .map(str::to_owned);
    let token = from_body.or_else(|| crate::cookies::read(parts, crate::cookies::REFRESH))?;
    rampart_auth::refresh_token::session_named(&token).map(str::to_owned)
}

/// What a webhook's sender presents: its `Authorization` header, or, for a signing relay (whose
/// signatures differ per body), the scheme's name. Checked by the handler afterwards; an
/// invalid one only ever counts against itself.
fn presented_credential(parts: &http::request::Parts) -> Option<String> {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(authorization) = header("authorization").filter(|a| a.len() <= 1024) {
        return Some(authorization.to_owned());
    }
    header(crate::handlers::alertmanager::SIGNATURE_HEADER).map(|_| "hmac-relay".to_owned())
}

/// The mailbox of the body's `email` (plus-tags and dots dropped, so one mailbox has one
/// budget however it is spelt), or the address trimmed and lower-cased when it does not parse.
fn body_account(ctx: &RequestContext) -> Option<String> {
    let raw = ctx.json.as_ref()?.get("email")?.as_str()?;
    let email = match rampart_auth::email::Email::parse(raw) {
        Ok(email) => email.mailbox(),
        Err(_) => raw.trim().to_lowercase(),
    };
    (!email.is_empty() && email.len() <= 254).then_some(email)
}
