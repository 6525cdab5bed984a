//! `GET /health`: liveness, the version, and whether the store answers.

use bytes::Bytes;
use http::{Request, StatusCode};
use serde_json::json;

use crate::context::RequestContext;
use crate::response;
use crate::state::{AppState, HandlerFuture};

/// 200 with `checks.store = "ok"`, or 503 with `"unreachable"` when the store does not answer.
pub fn get<'a>(
    state: &'a AppState,
    _ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let (status, overall, store) = match state.store.ping().await {
            Ok(()) => (StatusCode::OK, "ok", "ok"),
            Err(error) => {
                tracing::warn!(%error, "health check: store unreachable");
                (StatusCode::SERVICE_UNAVAILABLE, "degraded", "unreachable")
            }
        };
        Ok(response::json(
            status,
            &json!({
                "status": overall,
                "version": state.version,
                "checks": { "store": store },
            }),
        ))
    })
}
