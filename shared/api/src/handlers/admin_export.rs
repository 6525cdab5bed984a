//! `GET /api/v1/admin/export` (contract section 4): the operational data as one JSON document:
//! the recent alerts, the knowledge base and the status page with its events.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_audit::{AuditLog, Outcome};
use rampart_content::knowledge::Entry;
use rampart_content::{Knowledge, Status, StatusEvent, StatusPage};
use rampart_core::clock::rfc3339;
use rampart_core::{ApiError, Clock};
use rampart_ops::alerts::{self, Alert};
use rampart_store::SharedStore;
use schemars::JsonSchema;
use serde::Serialize;

use crate::context::RequestContext;
use crate::response;
use crate::state::HandlerFuture;

/// The export.
#[derive(Serialize, JsonSchema)]
pub struct AdminExport {
    pub exported_at: String,
    /// The alerts of the last 48 hours, firing then resolved.
    pub alerts: Vec<Alert>,
    pub knowledge: Vec<Entry>,
    pub status: StatusPage,
    pub status_events: Vec<StatusEvent>,
}

async fn all_alerts(store: &SharedStore) -> Result<Vec<Alert>, ApiError> {
    let mut all = Vec::new();
    for status in ["firing", "resolved"] {
        let mut cursor = None;
        loop {
            let (mut page, next) = alerts::history(store, status, 1_000, cursor).await?;
            all.append(&mut page);
            match next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    Ok(all)
}

/// The whole export, read through indexes; recorded as `admin.exported` (it holds authors'
/// and reporters' ids).
pub fn get<'a>(
    store: &'a SharedStore,
    clock: &'a dyn Clock,
    audit: &'a AuditLog,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let status = Status::new(store.clone());
        let export = AdminExport {
            exported_at: rfc3339(clock.now_ms()),
            alerts: all_alerts(store).await?,
            knowledge: Knowledge::new(store.clone()).all().await?,
            status: status.page().await?,
            status_events: status.all_events(None).await?,
        };
        let event = ctx
            .audit_event("admin.exported", Outcome::Success)
            .target("export:alerts,knowledge,status")
            .detail("alerts", export.alerts.len().to_string())
            .detail("knowledge", export.knowledge.len().to_string());
        if let Err(error) = audit.record(event).await {
            tracing::error!(%error, "admin export not audited");
        }
        Ok(response::json(StatusCode::OK, &export))
    })
}
