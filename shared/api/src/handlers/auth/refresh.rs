//! `POST /api/v1/auth/refresh` with the `refresh_token` cookie or `{refresh_token}` →
//! `200 {user}` and rotated cookies. A token rotated away within the grace window yields the
//! current pair; an older replay revokes the session (`401 refresh_reused`).

use bytes::Bytes;
use http::Request;
use rampart_audit::{AuditEvent, Outcome};
use rampart_auth::sessions::Sessions;
use rampart_auth::{AuthError, SignedIn};
use rampart_core::ApiError;

use super::{Accounts, audit, audit_event, presented_refresh_token, signed_in_response};
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

/// Where the session of the presented refresh token is stored ([`crate::context::Prefetch`]):
/// the token in the body, else the cookie.
pub fn prefetch(
    input: &crate::context::PrefetchInput<'_>,
) -> Option<(rampart_store::Table, rampart_store::Key)> {
    let from_body = input
        .json
        .and_then(|body| body.get("refresh_token"))
        .and_then(|token| token.as_str())
        .map(str::to_owned);
    let token = from_body.or_else(|| crate::cookies::read(input.parts, crate::cookies::REFRESH))?;
    Sessions::key_of(&token)
}

/// Presents `token`; a replay is audited before it is refused. A rotation stores its audit
/// record in the same transaction as the new token.
pub(crate) async fn refresh_or_audit(
    accounts: Accounts<'_>,
    ctx: &RequestContext,
    token: &str,
) -> Result<SignedIn, ApiError> {
    let known = Sessions::key_of(token).and_then(|(table, key)| ctx.prefetched(table, &key));
    let mut entry = None;
    let refreshed = accounts
        .auth
        .refresh_with(token, known, |user_id, session_id| {
            let record = accounts
                .audit
                .entry(refreshed_event(ctx, user_id, session_id));
            let write = record.write();
            entry = Some(record);
            vec![write]
        })
        .await;
    match refreshed {
        Ok((signed_in, written)) => {
            match entry {
                Some(entry) if written => entry.committed(),
                _ => {
                    // The grace window's answer writes nothing: the record is written alone.
                    let event =
                        refreshed_event(ctx, &signed_in.user.id, &signed_in.tokens.session_id);
                    let _ = accounts.audit.record(event).await;
                }
            }
            Ok(signed_in)
        }
        Err(AuthError::RefreshReused {
            session_id,
            user_id,
        }) => {
            tracing::warn!(session_id, "refresh token replayed; session revoked");
            futures_util::future::join(
                audit(
                    accounts,
                    ctx,
                    "auth.refresh_reused",
                    Outcome::Denied,
                    Some(&user_id),
                    &[("session_id", &session_id)],
                ),
                crate::suspicion::watch(
                    accounts.store,
                    accounts.clock,
                    accounts.audit,
                    ctx,
                    &crate::suspicion::REFRESH_REUSE_BURST,
                    crate::suspicion::SERVICE,
                    &session_id,
                    "service:sessions".to_owned(),
                ),
            )
            .await;
            Err(ApiError::feature(&rampart_auth::problems::REFRESH_REUSED))
        }
        Err(other) => Err(other.into()),
    }
}

/// The audit event of a refresh of `session_id` by `user_id`.
fn refreshed_event(ctx: &RequestContext, user_id: &str, session_id: &str) -> AuditEvent {
    audit_event(
        ctx,
        "auth.refresh",
        Outcome::Success,
        Some(user_id),
        &[("session_id", session_id)],
    )
}
