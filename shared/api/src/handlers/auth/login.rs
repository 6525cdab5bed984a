//! `POST /api/v1/auth/login {email, password}` → `200 {user}` and the session cookies.
//! Unknown address and wrong password answer the same `401 invalid_credentials` after the
//! same hashing work. Limited per address and per account by the pipeline. An account with
//! two-factor authentication gets `200 {two_factor_required: true, challenge_token}` and no
//! cookies; `POST /api/v1/auth/2fa/verify` completes the sign-in.

use bytes::Bytes;
use http::Request;
use serde::Deserialize;

use super::{Accounts, password_step, signed_in_response};
use crate::context::RequestContext;
use crate::extract;
use crate::state::HandlerFuture;

/// An email address and password.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// Checks the password and opens a session.
pub fn post<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: Credentials = extract::body(ctx)?;
        match password_step(accounts, ctx, &body.email, &body.password, "password").await? {
            Ok(signed_in) => Ok(signed_in_response(accounts, &signed_in)),
            Err(challenge) => Ok(challenge),
        }
    })
}
