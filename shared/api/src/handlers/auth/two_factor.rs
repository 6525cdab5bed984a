//! `/api/v1/auth/2fa/*`: TOTP (RFC 6238: SHA-1, 6 digits, 30 s).
//!
//! - `setup` → `200 {secret, otpauth_url}` (`409` when already on);
//! - `enable {code}` → `200 {recovery_codes: [10]}` (`400 invalid_code`);
//! - `verify {challenge_token, code}` or `{challenge_token, recovery_code}` → `200 {user}` and
//!   the session cookies (`401 invalid_code`);
//! - `disable {password, code}` → `204` (`401`).

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_audit::Outcome;
use rampart_auth::SecondFactor;
use rampart_core::{ApiError, FieldError};
use rampart_ratelimit::{Policy, RateKey, SECOND_FACTOR_DAILY};
use rampart_store::keys;
use serde::Deserialize;

use super::{Accounts, audit, audit_login, empty, origin, principal, signed_in_response};
use crate::context::RequestContext;
use crate::extract;
use crate::handlers::account::caller_account;
use crate::response;
use crate::state::HandlerFuture;

/// A TOTP secret to enrol, shown once.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct Enrolment {
    /// Base32.
    pub secret: String,
    /// `otpauth://totp/...`, for a QR code.
    pub otpauth_url: String,
}

/// Single-use recovery codes, shown once.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// Starts enrolment.
pub fn setup<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let user = caller_account(accounts, ctx).await?;
        let enrolment = accounts.auth.two_factor_setup(&user).await?;
        Ok(response::json(
            StatusCode::OK,
            &Enrolment {
                secret: enrolment.secret.expose().clone(),
                otpauth_url: enrolment.otpauth_url.expose().clone(),
            },
        ))
    })
}

/// A TOTP code.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct CodeBody {
    code: String,
}

/// Confirms enrolment with a first code.
pub fn enable<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: CodeBody = extract::body(ctx)?;
        let user = caller_account(accounts, ctx).await?;
        let codes = accounts.auth.two_factor_enable(&user, &body.code).await?;
        audit(
            accounts,
            ctx,
            "auth.two_factor_enabled",
            Outcome::Success,
            Some(&user.id),
            &[],
        )
        .await;
        let recovery_codes = codes.iter().map(|c| c.expose().clone()).collect();
        Ok(response::json(
            StatusCode::OK,
            &RecoveryCodes { recovery_codes },
        ))
    })
}

/// The second step of a sign-in: the challenge and a TOTP or recovery code.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(extend(
    "if" = {"required": ["code"], "properties": {"code": {"type": "string"}}},
    "then" = {"properties": {"recovery_code": {"type": "null"}}},
    "else" = {"required": ["recovery_code"], "properties": {"recovery_code": {"type": "string"}}},
))]
pub struct VerifyBody {
    challenge_token: String,
    code: Option<String>,
    recovery_code: Option<String>,
}

/// Completes a sign-in with the second factor.
pub fn verify<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: VerifyBody = extract::body(ctx)?;
        let factor = match (&body.code, &body.recovery_code) {
            (Some(code), None) => SecondFactor::Code(code),
            (None, Some(code)) => SecondFactor::RecoveryCode(code),
            _ => {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "code",
                    "send exactly one of code and recovery_code",
                )]));
            }
        };
        // Per account, like the password step: 5 a minute, and 20 a day.
        if let Some(user_id) = accounts.auth.challenge_user(&body.challenge_token).await?
            && let Some(limit) = Policy::AuthCredentials.account_limit()
        {
            let account = keys::ratelimits::account(&user_id);
            let checks = [
                (RateKey::new("auth-2fa-verify", &account), limit),
                (
                    RateKey::new(SECOND_FACTOR_DAILY.name, &account),
                    SECOND_FACTOR_DAILY,
                ),
            ];
            for (key, limit) in checks {
                let decision = accounts
                    .limiter
                    .check(&key, limit)
                    .await
                    .map_err(|e| ApiError::ServiceUnavailable(e.to_string()))?;
                // The per-minute limit's headers, unless the daily one refuses.
                if limit.name != SECOND_FACTOR_DAILY.name || !decision.allowed {
                    ctx.record_rate_limit(decision.clone());
                }
                if !decision.allowed {
                    return Err(ApiError::RateLimited {
                        retry_after_secs: decision.retry_after_secs(),
                    });
                }
            }
        }
        let signed_in = accounts
            .auth
            .two_factor_verify(&body.challenge_token, factor, &origin(ctx))
            .await?;
        let via = match factor {
            SecondFactor::Code(_) => "totp",
            SecondFactor::RecoveryCode(_) => "recovery_code",
        };
        audit_login(accounts, ctx, &signed_in, via).await;
        Ok(signed_in_response(accounts, &signed_in))
    })
}

/// What turning 2FA off needs.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct DisableBody {
    /// Required for accounts with a password; accounts created through OAuth sign in again
    /// instead (a session at most five minutes old).
    password: Option<String>,
    code: String,
}

/// Turns 2FA off.
pub fn disable<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: DisableBody = extract::body(ctx)?;
        let user = caller_account(accounts, ctx).await?;
        accounts
            .auth
            .two_factor_disable(
                &user,
                body.password.as_deref(),
                &body.code,
                principal(ctx)?.session_id.as_deref(),
            )
            .await?;
        audit(
            accounts,
            ctx,
            "auth.two_factor_disabled",
            Outcome::Success,
            Some(&user.id),
            &[],
        )
        .await;
        Ok(empty(StatusCode::NO_CONTENT))
    })
}
