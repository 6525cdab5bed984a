//! `GET /health`: liveness, the version, and whether the store answers.

use bytes::Bytes;
use http::{Request, StatusCode};
use schemars::JsonSchema;
use serde::Serialize;

use rampart_store::Store;

use crate::context::RequestContext;
use crate::response;
use crate::state::HandlerFuture;

/// The health document.
#[derive(Serialize, JsonSchema)]
pub struct Health {
    /// `ok`, or `degraded` when a dependency does not answer.
    pub status: &'static str,
    /// The build's version.
    pub version: &'static str,
    pub checks: Checks,
}

/// Each dependency's state.
#[derive(Serialize, JsonSchema)]
pub struct Checks {
    /// `ok` or `unreachable`.
    pub store: &'static str,
}

/// 200 with `checks.store = "ok"`, or 503 with `"unreachable"` when the store does not answer.
pub fn get<'a>(
    store: &'a dyn Store,
    version: &'static str,
    _ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let (status, overall, store) = match store.ping().await {
            Ok(()) => (StatusCode::OK, "ok", "ok"),
            Err(error) => {
                tracing::warn!(%error, "health check: store unreachable");
                (StatusCode::SERVICE_UNAVAILABLE, "degraded", "unreachable")
            }
        };
        Ok(response::json(
            status,
            &Health {
                status: overall,
                version,
                checks: Checks { store },
            },
        ))
    })
}
