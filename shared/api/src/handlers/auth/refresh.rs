//! `POST /api/v1/auth/refresh` with the `refresh_token` cookie or `{refresh_token}` →
//! `200 {user}` and rotated cookies. A token rotated away within the grace window yields the
//! current pair; an older replay revokes the session (`401 refresh_reused`).

use bytes::Bytes;
use http::Request;
use rampart_audit::Outcome;
use rampart_auth::{AuthError, SignedIn};
use rampart_core::ApiError;

use super::{Accounts, audit, presented_refresh_token, signed_in_response};
use crate::context::RequestContext;
use crate::state::HandlerFuture;

/// Rotates the refresh token.
pub fn post<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let token = presented_refresh_token(accounts, ctx, req)?
            .ok_or_else(|| ApiError::feature(&rampart_auth::problems::INVALID_REFRESH))?;
        let signed_in = refresh_or_audit(accounts, ctx, &token).await?;
        Ok(signed_in_response(accounts, &signed_in))
    })
}

/// Presents `token`; a replay is audited before it is refused.
pub(crate) async fn refresh_or_audit(
    accounts: Accounts<'_>,
    ctx: &RequestContext,
    token: &str,
) -> Result<SignedIn, ApiError> {
    match accounts.auth.refresh(token).await {
        Ok(signed_in) => {
            audit(
                accounts,
                ctx,
                "auth.refresh",
                Outcome::Success,
                Some(&signed_in.user.id),
                &[("session_id", &signed_in.tokens.session_id)],
            )
            .await;
            Ok(signed_in)
        }
        Err(AuthError::RefreshReused {
            session_id,
            user_id,
        }) => {
            tracing::warn!(session_id, "refresh token replayed; session revoked");
            audit(
                accounts,
                ctx,
                "auth.refresh_reused",
                Outcome::Denied,
                Some(&user_id),
                &[("session_id", &session_id)],
            )
            .await;
            Err(ApiError::feature(&rampart_auth::problems::REFRESH_REUSED))
        }
        Err(other) => Err(other.into()),
    }
}
