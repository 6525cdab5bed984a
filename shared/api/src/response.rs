//! Building responses: JSON bodies and problem documents.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use rampart_core::ApiError;
use serde::Serialize;

/// A JSON response.
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response<Bytes> {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = Response::new(Bytes::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The `Retry-After` of a `503 service_unavailable`: how long a dependency (or a function's
/// cold start) is given before the next try.
pub const UNAVAILABLE_RETRY_SECS: u64 = 5;

/// An answer with no body.
pub fn empty(status: StatusCode) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = status;
    response
}

/// The problem document for `error`, with `Allow` on 405.
pub fn problem(error: &ApiError, request_id: &str) -> Response<Bytes> {
    let document = error.to_problem(request_id);
    let status = StatusCode::from_u16(document.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = json(status, &document);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if let ApiError::MethodNotAllowed { allow } = error
        && let Ok(value) = HeaderValue::from_str(&allow.join(", "))
    {
        response.headers_mut().insert(header::ALLOW, value);
    }
    if let ApiError::RateLimited { retry_after_secs }
    | ApiError::FeatureDegraded { retry_after_secs }
    | ApiError::QuotaExceeded {
        retry_after_secs, ..
    } = error
    {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
    }
    if let ApiError::ServiceUnavailable(_) = error {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(UNAVAILABLE_RETRY_SECS),
        );
    }
    if let ApiError::IdempotencyInProgress = error {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(1u64));
    }
    response
}
