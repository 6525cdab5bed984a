//! `POST /api/v1/auth/password/forgot {email}` → `202` always; a reset token (1 hour, single
//! use) is mailed when the address has an account. `POST /api/v1/auth/password/reset {token,
//! password}` → `204`: the password is set, the address counts as verified, every session of
//! the account ends, two-factor authentication stays. `POST /api/v1/auth/password/change
//! {current_password, new_password}` → `204`: every other session ends.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_audit::Outcome;
use rampart_auth::Email;
use serde::Deserialize;

use super::{Accounts, accepted, audit, empty, principal};
use crate::context::RequestContext;
use crate::extract;
use crate::handlers::account::caller_account;
use crate::state::HandlerFuture;

/// The address whose password was forgotten.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "PasswordForgot")]
pub struct ForgotBody {
    /// Any text: every body is answered `202` alike, and mail goes out only when it is the
    /// address of an account, so nothing here tells addresses apart.
    email: String,
}

/// A reset token from the mail and the new password.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "PasswordReset")]
pub struct ResetBody {
    token: String,
    /// 12 to 128 characters, not a common or guessable one.
    #[schemars(length(min = 12, max = 128))]
    password: String,
}

/// The current password and the new one.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "PasswordChange")]
pub struct ChangeBody {
    current_password: String,
    /// 12 to 128 characters, not a common or guessable one.
    #[schemars(length(min = 12, max = 128))]
    new_password: String,
}

/// Mails a reset token when the address has an account.
pub fn forgot<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: ForgotBody = extract::body(ctx)?;
        // Queued for the mail worker whether or not the address has an account: it issues the
        // token, mails it and records `auth.password_reset_requested` when there is one.
        if let Ok(email) = Email::parse(&body.email) {
            accounts.auth.forgot_password(&email).await?;
        }
        Ok(accepted())
    })
}

/// Sets a new password with a reset token.
pub fn reset<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: ResetBody = extract::body(ctx)?;
        let user = accounts
            .auth
            .reset_password(&body.token, &body.password)
            .await?;
        audit(
            accounts,
            ctx,
            "auth.password_reset",
            Outcome::Success,
            Some(&user.id),
            &[],
        )
        .await;
        Ok(empty(StatusCode::NO_CONTENT))
    })
}

/// Replaces the caller's password.
pub fn change<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: ChangeBody = extract::body(ctx)?;
        let user = caller_account(accounts, ctx).await?;
        let revoked = accounts
            .auth
            .change_password(
                &user,
                &body.current_password,
                &body.new_password,
                principal(ctx)?.session_id.as_deref(),
            )
            .await?;
        audit(
            accounts,
            ctx,
            "auth.password_changed",
            Outcome::Success,
            Some(&user.id),
            &[("sessions_revoked", &revoked.to_string())],
        )
        .await;
        Ok(empty(StatusCode::NO_CONTENT))
    })
}
