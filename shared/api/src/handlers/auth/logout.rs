//! `POST /api/v1/auth/logout` → `204` with the cookies cleared; the session named by the
//! `refresh_token` cookie (or `{refresh_token}`) is revoked. Always 204: logging out twice,
//! or without a session, is not an error.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_audit::Outcome;

use super::{Accounts, audit, empty, presented_refresh_token, with_cleared_cookies};
use crate::context::RequestContext;
use crate::state::HandlerFuture;

/// Revokes the session and clears the cookies.
pub fn post<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        if let Some(token) = presented_refresh_token(accounts, ctx, req)?
            && let Some(session) = accounts.auth.revoke_by_refresh_token(&token).await?
        {
            audit(
                accounts,
                ctx,
                "auth.logout",
                Outcome::Success,
                Some(&session.user_id),
                &[("session_id", &session.id)],
            )
            .await;
        }
        Ok(with_cleared_cookies(
            accounts,
            empty(StatusCode::NO_CONTENT),
        ))
    })
}
