//! `GET /api/v1/admin/audit?event=&actor=&since=` (contract section 4): the audit trail, newest
//! first, read through the audit table's indexes by event or actor, or, with neither, every
//! event of the last 7 days from the day partitions. The query itself is audited.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_audit::{AuditFilter, AuditLog, Outcome, StoredEvent, query, timeline};
use rampart_core::Clock;
use rampart_store::SharedStore;

use crate::context::RequestContext;
use crate::extract::{self, Page, PageRequest, page_document};
use crate::response;
use crate::state::HandlerFuture;

/// A page of audit events.
pub type AuditPage = Page<StoredEvent>;

/// The events matching the filter, by cursor (`page` numbers beyond the first read the pages
/// before them).
pub fn list<'a>(
    store: &'a SharedStore,
    clock: &'a dyn Clock,
    audit: &'a AuditLog,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let mut params = extract::query(req.uri());
        let filter = AuditFilter {
            event: params.remove("event"),
            actor: params.remove("actor"),
            since: params.remove("since"),
        };
        filter.validate()?;
        let request = PageRequest::parse(&params)?;
        let unfiltered = filter.event.is_none() && filter.actor.is_none();
        let now_ms = clock.now_ms();
        let filter_ref = &filter;
        let (items, next) = request
            .read_by_cursor(|cursor| async move {
                if unfiltered {
                    let since = filter_ref.since.as_deref();
                    timeline::timeline(store, since, now_ms, request.page_size, cursor.as_deref())
                        .await
                } else {
                    query::query(store, filter_ref, request.page_size, cursor).await
                }
            })
            .await?;
        let queried = ctx
            .audit_event("admin.audit_queried", Outcome::Success)
            .target(match (&filter.actor, &filter.event) {
                // Reading what one account did is reading that account's data.
                (Some(actor), _) => format!("user:{actor}"),
                (None, event) => format!("audit:{}", event.as_deref().unwrap_or("all")),
            })
            .detail("event", filter.event.clone().unwrap_or_default())
            .detail("actor", filter.actor.clone().unwrap_or_default());
        if let Err(error) = audit.record(queried).await {
            tracing::error!(%error, "audit query not audited");
        }
        Ok(response::json(
            StatusCode::OK,
            &page_document(items, &request, None, next),
        ))
    })
}
