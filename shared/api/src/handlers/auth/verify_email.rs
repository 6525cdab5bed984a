//! `POST /api/v1/auth/verify-email {token}` → `200 {user}`; `400 invalid_token` for a token
//! that is unknown, already used or older than 24 hours.

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
}

/// Redeems the token and marks the address verified.
pub fn post<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: Body = extract::body(ctx)?;
        let user = accounts.auth.verify_email(&body.token).await?;
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
