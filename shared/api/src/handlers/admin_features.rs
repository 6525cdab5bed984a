//! `GET /api/v1/admin/features` and `DELETE /api/v1/admin/features/{feature}/degradation`:
//! the features that switch themselves off when they keep failing
//! ([`crate::degradation`]), whether each is on, and switching one back on (audited as
//! `configuration.feature_restored`).

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_audit::{AuditLog, Outcome};
use rampart_core::{ApiError, Config};
use rampart_store::SharedStore;
use schemars::JsonSchema;
use serde::Serialize;

use crate::context::RequestContext;
use crate::degradation::{self, DEGRADABLE, Degraded};
use crate::response;
use crate::state::HandlerFuture;

/// The audit event of switching a feature back on.
pub const RESTORED: &str = "configuration.feature_restored";

/// One feature.
#[derive(Serialize, JsonSchema)]
pub struct FeatureState {
    /// `pr_intel`, `flaky_detector`, `schema_diff` or `synthetic_journey`.
    pub feature: String,
    /// Its flag (`PR_INTEL_ENABLED`, ...): off, its routes answer `404 feature_disabled`.
    pub enabled: bool,
    /// Set while it is switched off for failing: its routes answer `503 feature_disabled`.
    pub degraded: Option<Degraded>,
}

/// The features.
#[derive(Serialize, JsonSchema)]
pub struct FeatureList {
    pub items: Vec<FeatureState>,
}

/// `GET /api/v1/admin/features`: each read from the store, never from a cache.
pub fn list<'a>(
    store: &'a SharedStore,
    config: &'a Config,
    _ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let reads = DEGRADABLE.map(|feature| degradation::read(store, feature));
        let states = futures_util::future::join_all(reads).await;
        let mut items = Vec::new();
        for (feature, state) in DEGRADABLE.into_iter().zip(states) {
            items.push(FeatureState {
                feature: degradation::name(feature),
                enabled: config.enabled(feature),
                degraded: state?,
            });
        }
        Ok(response::json(StatusCode::OK, &FeatureList { items }))
    })
}

/// `DELETE /api/v1/admin/features/{feature}/degradation`: `204`, whether or not it was off
/// (only a change is audited); `404` for a feature that does not degrade.
pub fn restore<'a>(
    store: &'a SharedStore,
    audit: &'a AuditLog,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let name = ctx.param("feature").ok_or(ApiError::ResourceNotFound)?;
        let feature = degradation::by_name(name).ok_or(ApiError::ResourceNotFound)?;
        if !degradation::restore(store, feature).await? {
            return Ok(response::empty(StatusCode::NO_CONTENT));
        }
        let event = ctx
            .audit_event(RESTORED, Outcome::Success)
            .target(format!("feature:{name}"));
        let _ = audit.record(event).await;
        Ok(response::empty(StatusCode::NO_CONTENT))
    })
}
