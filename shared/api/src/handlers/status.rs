//! The status page (contract section 3): admins post events; everyone reads the events and the
//! page. The page is public and may be cached briefly by browsers and shared caches.

use bytes::Bytes;
use http::{HeaderValue, Request, StatusCode, header};
use rampart_content::{NewStatusEvent, Status, StatusEvent};
use rampart_core::clock::rfc3339;
use rampart_core::{ApiError, Clock, FieldError};

use crate::context::RequestContext;
use crate::extract::{self, Page, PageRequest, page_document};
use crate::response;
use crate::state::HandlerFuture;

/// A page of status events.
pub type EventPage = Page<StatusEvent>;

/// How long a browser or a shared cache may reuse the status page or an event list.
const PUBLIC_CACHE: &str = "public, max-age=30";

/// `POST /api/v1/status/events` (admin): `201` with the event.
pub fn post<'a>(
    status: Status,
    clock: &'a dyn Clock,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let new: NewStatusEvent = extract::body(ctx)?;
        let event = status.post(new, &rfc3339(clock.now_ms())).await?;
        Ok(response::json(StatusCode::CREATED, &event))
    })
}

/// `GET /api/v1/status/events?service=` (public): newest first, by page or cursor.
pub fn events<'a>(
    status: Status,
    _ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let mut params = extract::query(req.uri());
        let service = params.remove("service");
        if let Some(service) = &service
            && !((1..=64).contains(&service.len())
                && service
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
        {
            return Err(ApiError::Validation(vec![FieldError::new(
                "service",
                "must be 1 to 64 characters of a-z, 0-9 and -",
            )]));
        }
        let request = PageRequest::parse(&params)?;
        let page = if request.cursor.is_some() {
            let (items, next) = status
                .events(
                    service.as_deref(),
                    request.page_size,
                    request.cursor.clone(),
                )
                .await?;
            page_document(items, &request, None, next)
        } else {
            // The total is a counter kept on write; the page reads no further than it shows.
            let (items, next) = status
                .numbered_events(
                    service.as_deref(),
                    request.skip(),
                    request.page_size as usize,
                )
                .await?;
            let total = status.count_events(service.as_deref()).await?;
            page_document(items, &request, Some(total), next)
        };
        let mut response = response::json(StatusCode::OK, &page);
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(PUBLIC_CACHE),
        );
        Ok(response)
    })
}

/// `GET /api/v1/status` (public): `{overall, services}`.
pub fn page<'a>(
    status: Status,
    _ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let page = status.page().await?;
        let mut response = response::json(StatusCode::OK, &page);
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(PUBLIC_CACHE),
        );
        Ok(response)
    })
}
