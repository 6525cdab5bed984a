//! Support tickets (contract section 3): owners open and may close their own; reviewers and
//! admins (`tickets:manage`) see every ticket and change status, assignee and priority.
//! Reads carry a strong `ETag`; `PATCH` honours `If-Match`; create and change take an
//! `Idempotency-Key`.

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use rampart_audit::{AuditLog, Outcome};
use rampart_content::tickets::Caller;
use rampart_content::{NewTicket, Ticket, TicketPatch, TicketStatus, Tickets};
use rampart_core::clock::rfc3339;
use rampart_core::{ApiError, Clock, FieldError};
use rampart_rbac::Permission;

use crate::context::RequestContext;
use crate::entity_tags::{etag, if_match_holds};
use crate::extract::{self, Page, PageRequest, page_document};
use crate::response;
use crate::state::HandlerFuture;

/// A page of tickets.
pub type TicketPage = Page<Ticket>;

fn caller(ctx: &RequestContext) -> Result<Caller<'_>, ApiError> {
    let principal = ctx.principal.as_ref().ok_or(ApiError::Unauthenticated)?;
    let manage = Permission::parse("tickets:manage")
        .map_err(|e| ApiError::Internal(e.to_string().into()))?;
    Ok(Caller {
        id: principal.id.as_str(),
        manages: principal.can(&manage),
    })
}

fn ticket_id(ctx: &RequestContext) -> Result<&str, ApiError> {
    ctx.param("id").ok_or(ApiError::ResourceNotFound)
}

fn tag_of(ticket: &Ticket) -> String {
    etag(&serde_json::to_vec(ticket).unwrap_or_default())
}

fn tagged(status: StatusCode, ticket: &Ticket) -> Response<Bytes> {
    let mut response = response::json(status, ticket);
    if let Ok(value) = HeaderValue::from_str(&tag_of(ticket)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// Records a manager reading what other accounts wrote (`data_access.*`); a failed write is
/// retried and counted by the audit log, and the read stands.
async fn audit_access(
    audit: &AuditLog,
    ctx: &RequestContext,
    name: &str,
    target: String,
    details: &[(&str, &str)],
) {
    let mut event = ctx.audit_event(name, Outcome::Success).target(target);
    for (key, value) in details {
        event = event.detail(*key, *value);
    }
    let _ = audit.record(event).await;
}

/// `GET /api/v1/support/tickets?status=`: the caller's own, or every ticket for a manager
/// (audited as `data_access.tickets_listed`).
pub fn list<'a>(
    tickets: Tickets,
    audit: &'a AuditLog,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let caller = caller(ctx)?;
        let mut params = extract::query(req.uri());
        let status = match params.remove("status") {
            None => None,
            Some(raw) => Some(TicketStatus::parse(&raw).ok_or_else(|| {
                ApiError::Validation(vec![FieldError::new(
                    "status",
                    "must be open, pending, resolved or closed",
                )])
            })?),
        };
        let request = PageRequest::parse(&params)?;
        let page = if request.cursor.is_some() {
            let (items, next) = tickets
                .page(caller, status, request.page_size, request.cursor.clone())
                .await?;
            page_document(items, &request, None, next)
        } else {
            // The total is a counter kept on write, read together with the page; the page
            // reads no further than it shows.
            let (page, total) = futures_util::future::join(
                tickets.numbered(caller, status, request.skip(), request.page_size as usize),
                tickets.count(caller, status),
            )
            .await;
            let (items, next) = page?;
            page_document(items, &request, Some(total?), next)
        };
        if caller.manages {
            let shown = page.items.len().to_string();
            let filter = status.map_or("any", TicketStatus::as_str);
            audit_access(
                audit,
                ctx,
                "data_access.tickets_listed",
                "tickets:all".to_owned(),
                &[("status", filter), ("shown", &shown)],
            )
            .await;
        }
        Ok(response::json(StatusCode::OK, &page))
    })
}

/// `POST /api/v1/support/tickets`: `201` with the ticket, `status: open`.
pub fn create<'a>(
    tickets: Tickets,
    clock: &'a dyn Clock,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let new: NewTicket = extract::body(ctx)?;
        let ticket = tickets
            .create(
                caller(ctx)?.id,
                new,
                &rfc3339(clock.now_ms()),
                clock.now_secs(),
            )
            .await?;
        let mut response = tagged(StatusCode::CREATED, &ticket);
        if let Ok(value) = HeaderValue::from_str(&format!("/api/v1/support/tickets/{}", ticket.id))
        {
            response.headers_mut().insert(header::LOCATION, value);
        }
        Ok(response)
    })
}

/// `GET /api/v1/support/tickets/{id}`: the owner's, or any for a manager (audited as
/// `data_access.ticket_read` when it is another account's); else 404.
pub fn get<'a>(
    tickets: Tickets,
    audit: &'a AuditLog,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let caller = caller(ctx)?;
        let stored = tickets
            .get(caller, ticket_id(ctx)?)
            .await?
            .ok_or(ApiError::ResourceNotFound)?;
        let ticket = &stored.ticket;
        if ticket.owner_id != caller.id {
            audit_access(
                audit,
                ctx,
                "data_access.ticket_read",
                format!("ticket:{}", ticket.id),
                &[("owner", &format!("user:{}", ticket.owner_id))],
            )
            .await;
        }
        Ok(response::json(StatusCode::OK, &stored.ticket))
    })
}

/// `PATCH /api/v1/support/tickets/{id}`: a manager changes anything; the owner may only close
/// (`403` otherwise); `412` for a stale `If-Match`.
pub fn update<'a>(
    tickets: Tickets,
    clock: &'a dyn Clock,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let patch: TicketPatch = extract::body(ctx)?;
        let headers = req.headers();
        let ticket = tickets
            .update(
                caller(ctx)?,
                ticket_id(ctx)?,
                patch,
                &rfc3339(clock.now_ms()),
                |current| if_match_holds(headers, &tag_of(current)),
            )
            .await?;
        Ok(tagged(StatusCode::OK, &ticket))
    })
}
