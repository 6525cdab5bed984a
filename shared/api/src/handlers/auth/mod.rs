//! `/api/v1/auth/*`: registration, verification, sign-in, tokens, refresh, logout, sessions.

pub mod documents;
pub mod login;
pub mod logout;
pub mod oauth;
pub mod password;
pub mod refresh;
pub mod register;
pub mod resend_verification;
pub mod sessions;
pub mod token;
pub mod two_factor;
pub mod verify_email;

use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use rampart_audit::AuditLog;
use rampart_audit::Outcome;
use rampart_auth::{AuthService, Origin, SignInStep, SignedIn};
use rampart_core::{ApiError, Config, Feature};
use rampart_ratelimit::Limiter;
use rampart_rbac::Principal;

use crate::context::RequestContext;
use crate::cookies;
use crate::response;
use crate::state::AppState;
use documents::{Challenge, Nothing, TokenPair, UserDocument};

/// What the account routes use: the account system, the audit log and the configuration
/// (cookies, feature flags). Their handlers take this, never the whole state.
#[derive(Clone, Copy)]
pub struct Accounts<'a> {
    pub auth: &'a AuthService,
    pub audit: &'a AuditLog,
    pub config: &'a Config,
    /// For the account system's own per-account limits (second-factor codes).
    pub limiter: &'a Limiter,
    /// For the suspicious-activity detectors (counters in the rate-limit table).
    pub store: &'a rampart_store::SharedStore,
    pub clock: &'a dyn rampart_core::Clock,
}

impl<'a> Accounts<'a> {
    /// The account parts of a function's state.
    pub fn of(state: &'a AppState) -> Self {
        Self {
            auth: &state.auth,
            audit: &state.audit,
            config: &state.config,
            limiter: &state.limiter,
            store: &state.store,
            clock: &*state.clock,
        }
    }
}

/// The optional body of refresh and logout.
#[derive(serde::Deserialize, schemars::JsonSchema)]
pub struct RefreshTokenBody {
    /// The refresh token, for clients that do not use the cookie.
    pub refresh_token: Option<String>,
}

/// The refresh token a request presents: `{refresh_token}` in the body, else (when auth
/// cookies are on) the `refresh_token` cookie.
pub(crate) fn presented_refresh_token(
    accounts: Accounts<'_>,
    ctx: &RequestContext,
    req: Request<Bytes>,
) -> Result<Option<String>, ApiError> {
    let body: RefreshTokenBody = crate::extract::body(ctx)?;
    let (parts, _) = req.into_parts();
    let cookies_on = accounts.config.enabled(rampart_core::Feature::AuthCookies);
    Ok(body
        .refresh_token
        .or_else(|| {
            cookies_on
                .then(|| cookies::read(&parts, cookies::REFRESH))
                .flatten()
        })
        .filter(|t| !t.is_empty()))
}

/// Where a session is opened from.
pub(crate) fn origin(ctx: &RequestContext) -> Origin {
    Origin {
        user_agent: ctx.user_agent.clone(),
        ip: Some(ctx.client_ip.to_string()),
    }
}

/// The authenticated caller (the pipeline guarantees one on protected routes).
pub(crate) fn principal(ctx: &RequestContext) -> Result<&Principal, ApiError> {
    ctx.principal.as_ref().ok_or(ApiError::Unauthenticated)
}

/// The token body of `/auth/token` (and of login and refresh when cookies are off).
pub(crate) fn token_body(signed_in: &SignedIn) -> TokenPair {
    TokenPair::of(signed_in, false)
}

/// `200 {user}` with the session's cookies; with `AUTH_COOKIES_ENABLED=false` the tokens
/// travel in the body instead.
pub(crate) fn signed_in_response(accounts: Accounts<'_>, signed_in: &SignedIn) -> Response<Bytes> {
    let user = signed_in.user.view();
    if !accounts.config.enabled(Feature::AuthCookies) {
        return response::json(StatusCode::OK, &TokenPair::of(signed_in, true));
    }
    let mut response = response::json(StatusCode::OK, &UserDocument { user });
    for cookie in cookies::session_cookies(accounts.config, &signed_in.tokens) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The password step of login and `/auth/token`: the signed-in session (audited), or the
/// challenge response when the account has two-factor authentication.
pub(crate) async fn password_step(
    accounts: Accounts<'_>,
    ctx: &RequestContext,
    email: &str,
    password: &str,
    via: &str,
) -> Result<Result<SignedIn, Response<Bytes>>, ApiError> {
    let user = accounts.auth.check_password(email, password).await?;
    let two_factor_on = accounts.config.enabled(Feature::TwoFactor);
    match accounts
        .auth
        .begin_sign_in(user, &origin(ctx), two_factor_on)
        .await?
    {
        SignInStep::SignedIn(signed_in) => {
            audit_login(accounts, ctx, &signed_in, via).await;
            Ok(Ok(*signed_in))
        }
        SignInStep::TwoFactorRequired { challenge_token } => {
            Ok(Err(challenge_response(&challenge_token)))
        }
    }
}

/// Records a completed sign-in, and notes its network for the detector of accounts signing in
/// from many (both at once: neither waits for the other).
pub(crate) async fn audit_login(
    accounts: Accounts<'_>,
    ctx: &RequestContext,
    signed_in: &SignedIn,
    via: &str,
) {
    let user_id = &signed_in.user.id;
    let network = rampart_audit::anonymize_ip(ctx.client_ip);
    futures_util::future::join(
        audit(
            accounts,
            ctx,
            "auth.login",
            Outcome::Success,
            Some(user_id),
            &[("session_id", &signed_in.tokens.session_id), ("via", via)],
        ),
        crate::suspicion::watch(
            accounts.store,
            accounts.clock,
            accounts.audit,
            ctx,
            &crate::suspicion::SIGN_IN_NETWORKS,
            user_id,
            &network,
            format!("user:{user_id}"),
        ),
    )
    .await;
}

/// `200 {two_factor_required: true, challenge_token}`: the password was right, and the
/// account needs its second factor.
pub(crate) fn challenge_response(challenge: &rampart_core::Masked<String>) -> Response<Bytes> {
    response::json(
        StatusCode::OK,
        &Challenge {
            two_factor_required: true,
            challenge_token: challenge.expose().clone(),
        },
    )
}

/// An empty response with the auth cookies cleared.
pub(crate) fn with_cleared_cookies(
    accounts: Accounts<'_>,
    mut response: Response<Bytes>,
) -> Response<Bytes> {
    for cookie in cookies::cleared_cookies(accounts.config) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// An empty response with `status`.
pub(crate) fn empty(status: StatusCode) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = status;
    response
}

/// Records an account event; a failed write is logged by the audit log and the request
/// stands. Its target is the session or API key a detail names, else the actor's account.
pub(crate) async fn audit(
    accounts: Accounts<'_>,
    ctx: &RequestContext,
    name: &str,
    outcome: Outcome,
    actor: Option<&str>,
    details: &[(&str, &str)],
) {
    let event = audit_event(ctx, name, outcome, actor, details);
    let _ = accounts.audit.record(event).await;
}

/// The event [`audit`] records.
pub(crate) fn audit_event(
    ctx: &RequestContext,
    name: &str,
    outcome: Outcome,
    actor: Option<&str>,
    details: &[(&str, &str)],
) -> rampart_audit::AuditEvent {
    let mut event = ctx.audit_event(name, outcome);
    for (k, v) in details {
        event = event.detail(*k, *v);
    }
    let named = |wanted: &str| details.iter().find(|(k, _)| *k == wanted).map(|(_, v)| *v);
    event.target = named("session_id")
        .map(|id| format!("session:{id}"))
        .or_else(|| named("key_id").map(|id| format!("api_key:{id}")))
        .or_else(|| actor.map(|id| format!("user:{id}")));
    event.actor = actor.map(str::to_owned);
    event
}

/// `202 Accepted` with an empty JSON object.
pub(crate) fn accepted() -> Response<Bytes> {
    response::json(StatusCode::ACCEPTED, &Nothing {})
}
