//! `POST /api/v1/auth/resend-verification {email}` → `202` always: a new token is mailed
//! only when the address has an unverified account, and the answer is the same either way.
//! Limited to 5 an hour per address (by the pipeline, keyed by the normalised address).

use bytes::Bytes;
use http::Request;
use rampart_auth::Email;
use serde::Deserialize;

use super::Accounts;
use super::accepted;
use crate::context::RequestContext;
use crate::extract;
use crate::state::HandlerFuture;

/// The address to mail.
#[derive(Deserialize, schemars::JsonSchema)]
#[schemars(rename = "ResendVerification")]
pub struct Body {
    /// Any text: every body is answered `202` alike, and mail goes out only when it is the
    /// address of an account, so nothing here tells addresses apart.
    email: String,
}

/// Mails a fresh verification token when there is someone to mail.
pub fn post<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: Body = extract::body(ctx)?;
        if let Ok(email) = Email::parse(&body.email) {
            accounts.auth.resend_verification(&email).await?;
        }
        Ok(accepted())
    })
}
