//! `GET /api/v1/auth/sessions` (a page of the caller's sessions, no token material),
//! `POST /api/v1/auth/sessions/{id}/revoke` (`204`; `404` for a session that is not the
//! caller's) and `POST /api/v1/auth/sessions/revoke-others` (`200 {revoked: N}`).

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_audit::Outcome;
use rampart_auth::Session;
use rampart_core::ApiError;
use rampart_core::clock::rfc3339;
use serde::Serialize;

use super::{Accounts, audit, empty, principal};
use crate::context::RequestContext;
use crate::extract::{self, PageRequest, page_document};
use crate::response;
use crate::state::HandlerFuture;

/// How many sessions were revoked.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Revoked {
    pub revoked: u64,
}

/// A session as its owner sees it.
#[derive(Serialize, schemars::JsonSchema)]
pub struct SessionView {
    id: String,
    created_at: String,
    last_used_at: String,
    user_agent: Option<String>,
    ip: Option<String>,
    expires_at: String,
    is_current: bool,
}

fn view(session: Session, current: Option<&str>) -> SessionView {
    SessionView {
        is_current: current == Some(session.id.as_str()),
        created_at: rfc3339(session.created_at * 1000),
        last_used_at: rfc3339(session.last_used_at * 1000),
        expires_at: rfc3339(session.expires_at * 1000),
        user_agent: session.user_agent,
        ip: session.ip,
        id: session.id,
    }
}

/// A page of the caller's live sessions, oldest first.
pub fn list<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let caller = principal(ctx)?;
        let request = PageRequest::parse(&extract::query(req.uri()))?;
        let current = caller.session_id.as_deref();
        let (page, next, total) = match &request.cursor {
            Some(cursor) => {
                let (page, next) = accounts
                    .auth
                    .sessions(&caller.id, request.page_size, Some(cursor.clone()))
                    .await?;
                (page, next, None)
            }
            None => {
                let mut cursor = None;
                let mut all = Vec::new();
                loop {
                    let (page, next) = accounts.auth.sessions(&caller.id, 100, cursor).await?;
                    all.extend(page);
                    match next {
                        Some(next) => cursor = Some(next),
                        None => break,
                    }
                }
                let total = all.len() as u64;
                let page = request.slice(&all);
                // Continuing by cursor from a numbered page starts a fresh walk; the list
                // is short enough that a numbered page never needs one.
                (page, None, Some(total))
            }
        };
        let items: Vec<SessionView> = page.into_iter().map(|s| view(s, current)).collect();
        Ok(response::json(
            StatusCode::OK,
            &page_document(items, &request, total, next),
        ))
    })
}

/// Revokes one of the caller's sessions.
pub fn revoke<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let caller = principal(ctx)?;
        let id = ctx.param("id").ok_or(ApiError::ResourceNotFound)?;
        if !accounts.auth.revoke_own_session(&caller.id, id).await? {
            return Err(ApiError::ResourceNotFound);
        }
        audit(
            accounts,
            ctx,
            "auth.session_revoked",
            Outcome::Success,
            Some(&caller.id),
            &[("session_id", id)],
        )
        .await;
        Ok(empty(StatusCode::NO_CONTENT))
    })
}

/// Revokes every session of the caller but the current one.
pub fn revoke_others<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let caller = principal(ctx)?;
        let revoked = accounts
            .auth
            .revoke_other_sessions(&caller.id, caller.session_id.as_deref())
            .await?;
        audit(
            accounts,
            ctx,
            "auth.sessions_revoked",
            Outcome::Success,
            Some(&caller.id),
            &[("revoked", &revoked.to_string())],
        )
        .await;
        Ok(response::json(StatusCode::OK, &Revoked { revoked }))
    })
}
