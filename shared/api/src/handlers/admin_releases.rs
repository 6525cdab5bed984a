//! `GET /api/v1/admin/releases`: the release history (90 days), newest first: each release's
//! environment, strategy, who asked, where it stands, what it deployed, its verification and
//! every step and decision with who took it.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_discord::release::{self, Release};
use rampart_store::SharedStore;
use schemars::JsonSchema;
use serde::Serialize;

use crate::context::RequestContext;
use crate::extract::{self, Page, PageRequest, page_document};
use crate::response;
use crate::state::HandlerFuture;

/// A function's versions moved by a release.
#[derive(Serialize, JsonSchema)]
pub struct MovedVersion {
    pub function: String,
    pub from: String,
    pub to: String,
}

/// A release's verification.
#[derive(Serialize, JsonSchema)]
pub struct VerificationView {
    pub passed: bool,
    pub probes: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub error_rate_pct: f64,
    pub journey_passed: Option<bool>,
    /// Why it failed (empty when it passed).
    pub failures: Vec<String>,
}

/// One step of a release's history.
#[derive(Serialize, JsonSchema)]
pub struct ReleaseStep {
    pub at: String,
    pub what: String,
    /// The Discord user who took it, for requests and decisions.
    pub by: Option<String>,
}

/// A release.
#[derive(Serialize, JsonSchema)]
pub struct ReleaseView {
    pub id: String,
    pub env: String,
    pub strategy: String,
    /// The Discord user who asked.
    pub requested_by: String,
    /// `requested`, `deploying`, `verifying`, `awaiting_decision`, `promoting`, `promoted`,
    /// `rolling_back`, `rolled_back` or `failed`.
    pub status: String,
    pub deployed: Option<String>,
    pub versions: Vec<MovedVersion>,
    pub verification: Option<VerificationView>,
    pub history: Vec<ReleaseStep>,
}

fn view(release: Release) -> ReleaseView {
    ReleaseView {
        status: serde_json::to_value(release.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        versions: release
            .versions
            .into_iter()
            .map(|(function, (from, to))| MovedVersion { function, from, to })
            .collect(),
        verification: release.verification.map(|v| VerificationView {
            passed: v.passed(),
            probes: u64::try_from(v.probes).unwrap_or(u64::MAX),
            p50_ms: v.p50_ms,
            p95_ms: v.p95_ms,
            error_rate_pct: v.error_rate_pct,
            journey_passed: v.journey_passed,
            failures: v.failures,
        }),
        history: release
            .history
            .into_iter()
            .map(|h| ReleaseStep {
                at: h.at,
                what: h.what,
                by: h.by,
            })
            .collect(),
        id: release.id,
        env: release.env,
        strategy: release.strategy,
        requested_by: release.requested_by,
        deployed: release.deployed,
    }
}

/// A page of releases.
pub type ReleasePage = Page<ReleaseView>;

/// The handler: by page number or cursor, newest first.
pub fn list<'a>(
    store: &'a SharedStore,
    _ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let params = extract::query(req.uri());
        let request = PageRequest::parse(&params)?;
        let (items, next) = request
            .read_by_cursor(|cursor| release::history(store, request.page_size, cursor))
            .await?;
        let items = items.into_iter().map(view).collect();
        Ok(response::json(
            StatusCode::OK,
            &page_document(items, &request, None, next),
        ))
    })
}
