//! `GET /api/v1/admin/security/summary` (contract section 4): failed sign-ins per hour,
//! rate-limit violations and permission denials per route, over the last 24 hours, from the
//! counters kept as they happen (24 partition reads, no audit rows).

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_core::Clock;
use rampart_store::SharedStore;

use crate::context::RequestContext;
use crate::response;
use crate::security_stats;
use crate::state::HandlerFuture;

/// The summary.
pub fn get<'a>(
    store: &'a SharedStore,
    clock: &'a dyn Clock,
    limiter: &'a rampart_ratelimit::Limiter,
    _ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let summary = security_stats::summary(store, clock, limiter.overrides()).await?;
        Ok(response::json(StatusCode::OK, &summary))
    })
}
