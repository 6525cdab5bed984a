//! The knowledge base (contract section 3): reviewers and admins write entries; users and API
//! keys with `knowledge:query` ask; anyone sees the totals.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_content::{Knowledge, KnowledgeQuery, NewEntry};
use rampart_core::Clock;
use rampart_core::clock::rfc3339;

use crate::context::RequestContext;
use crate::extract;
use crate::response;
use crate::state::HandlerFuture;

/// `POST /api/v1/knowledge/entries`: `201` with the entry.
pub fn create<'a>(
    knowledge: Knowledge,
    clock: &'a dyn Clock,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let new: NewEntry = extract::body(ctx)?;
        let author = ctx
            .principal
            .as_ref()
            .map(|p| p.id.clone())
            .ok_or(rampart_core::ApiError::Unauthenticated)?;
        let entry = knowledge
            .create(&author, new, &rfc3339(clock.now_ms()))
            .await?;
        Ok(response::json(StatusCode::CREATED, &entry))
    })
}

/// `POST /api/v1/knowledge/query`: the best matching entries.
pub fn query<'a>(
    knowledge: Knowledge,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let query: KnowledgeQuery = extract::body(ctx)?;
        Ok(response::json(
            StatusCode::OK,
            &knowledge.query(&query).await?,
        ))
    })
}

/// `GET /api/v1/knowledge/summary` (public): totals only.
pub fn summary<'a>(
    knowledge: Knowledge,
    _ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move { Ok(response::json(StatusCode::OK, &knowledge.summary().await?)) })
}
