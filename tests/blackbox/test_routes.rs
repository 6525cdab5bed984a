//! Routes that exist only in tests, to drive pipeline stages the route table does not use yet.

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use rampart_api::state::HandlerFuture;
use rampart_api::{Access, AppState, BodyKind, RequestContext, Route, response};
use rampart_ratelimit::Policy;

/// Answers `{"ok": true, "caller": <principal id>}`.
pub fn ok<'a>(
    _state: &'a AppState,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let caller = ctx.principal.as_ref().map(|p| p.id.clone());
        Ok(response::json(
            StatusCode::OK,
            &serde_json::json!({"ok": true, "caller": caller}),
        ))
    })
}

/// Waits until the test releases it, then answers 200.
pub fn slow<'a>(
    _state: &'a AppState,
    _ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        ENTERED.notify_one();
        RELEASE.notified().await;
        Ok(response::json(
            StatusCode::OK,
            &serde_json::json!({"finished": true}),
        ))
    })
}

/// Signalled when the `slow` handler starts.
pub static ENTERED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Releases the `slow` handler.
pub static RELEASE: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// A test route with the given access, policy and body.
pub fn route(
    method: Method,
    path: &'static str,
    access: Access,
    rate_limit: Option<Policy>,
    verified: bool,
) -> Route {
    Route {
        method,
        path,
        function: "test",
        summary: "A test route.",
        handler: ok,
        access,
        verified,
        rate_limit,
        feature: None,
        body: BodyKind::None,
        tables: &[],
        secrets: false,
        uses: &[],
        blobs: &[],
        api: rampart_api::openapi::ApiSpec::UNDECLARED,
        idempotent: false,
        prefetch: None,
        memory: rampart_api::routes::Memory::Standard,
    }
}
