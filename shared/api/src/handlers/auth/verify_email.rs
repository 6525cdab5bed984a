//! `POST /api/v1/auth/verify-email {token[, password]}` → `200 {user}`; `400 invalid_token`
//! for a token that is unknown, already used or older than 24 hours.
//!
//! The link proves the address, not the password: every session begun before it ends, and
//! the account keeps its password only when `password` is sent and right (a wrong one is
//! `401 invalid_credentials` and leaves the token usable). Without it the address is
//! verified and the password removed; the owner sets one with the password reset. So a
//! stranger who registered the address first (pre-hijacking) keeps neither a session nor a
//! way to sign in.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_audit::Outcome;
use serde::Deserialize;

use super::Accounts;
use super::audit;
use crate::context::RequestContext;
use crate::extract;
use crate::handlers::auth::documents::UserDocument;
use crate::response;
use crate::state::HandlerFuture;

/// A verification token from the mail.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "EmailVerification")]
pub struct Body {
    token: String,
    /// The account's password, to keep it (a verify page asks for it).
    password: Option<String>,
}

/// Redeems the token and marks the address verified.
pub fn post<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: Body = extract::body(ctx)?;
        let user = accounts
            .auth
            .verify_email(&body.token, body.password.as_deref())
            .await?;
        audit(
            accounts,
            ctx,
            "auth.email_verified",
            Outcome::Success,
            Some(&user.id),
            &[],
        )
        .await;
        Ok(response::json(StatusCode::OK, &UserDocument { user }))
    })
}
