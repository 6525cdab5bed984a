//! `GET /api/v1/admin/alerts?status=firing|resolved` (contract section 4): the recent
//! Alertmanager alerts (kept 48 h), newest first.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_core::{ApiError, FieldError};
use rampart_ops::alerts::{self, Alert};
use rampart_store::SharedStore;

use crate::context::RequestContext;
use crate::extract::{self, Page, PageRequest, page_document};
use crate::response;
use crate::state::HandlerFuture;

/// A page of alerts.
pub type AlertPage = Page<Alert>;

/// The alerts with the status (default `firing`), by cursor.
pub fn list<'a>(
    store: &'a SharedStore,
    _ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let mut params = extract::query(req.uri());
        let status = params
            .remove("status")
            .unwrap_or_else(|| "firing".to_owned());
        if !matches!(status.as_str(), "firing" | "resolved") {
            return Err(ApiError::Validation(vec![FieldError::new(
                "status",
                "must be firing or resolved",
            )]));
        }
        let request = PageRequest::parse(&params)?;
        let (items, next) = request
            .read_by_cursor(|cursor| alerts::history(store, &status, request.page_size, cursor))
            .await?;
        Ok(response::json(
            StatusCode::OK,
            &page_document(items, &request, None, next),
        ))
    })
}
