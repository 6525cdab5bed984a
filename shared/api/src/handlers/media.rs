//! Media uploads (contract section 3): `POST /media` signs an upload; `POST /media/{id}/complete`
//! checks it.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_blob::BlobStore;
use rampart_content::{MediaLibrary, NewMedia};
use rampart_core::clock::rfc3339;
use rampart_core::{ApiError, Clock};

use crate::context::RequestContext;
use crate::extract;
use crate::response;
use crate::state::HandlerFuture;

fn owner(ctx: &RequestContext) -> Result<&str, ApiError> {
    ctx.principal
        .as_ref()
        .map(|p| p.id.as_str())
        .ok_or(ApiError::Unauthenticated)
}

fn bucket(blobs: Option<&dyn BlobStore>) -> Result<&dyn BlobStore, ApiError> {
    blobs.ok_or_else(|| ApiError::ServiceUnavailable("no blob store is configured".into()))
}

/// `POST /api/v1/media`: `201 {media_id, upload_url, upload_headers, expires_at}`.
pub fn create<'a>(
    library: MediaLibrary,
    blobs: Option<&'a dyn BlobStore>,
    clock: &'a dyn Clock,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let new: NewMedia = extract::body(ctx)?;
        let upload = library
            .create(
                bucket(blobs)?,
                owner(ctx)?,
                new,
                clock.now_secs(),
                &rfc3339(clock.now_ms()),
            )
            .await?;
        Ok(response::json(StatusCode::CREATED, &upload))
    })
}

/// `POST /api/v1/media/{id}/complete`: `200` with the media, or `409 upload_incomplete`.
pub fn complete<'a>(
    library: MediaLibrary,
    blobs: Option<&'a dyn BlobStore>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let id = ctx.param("id").ok_or(ApiError::ResourceNotFound)?;
        let media = library.complete(bucket(blobs)?, owner(ctx)?, id).await?;
        Ok(response::json(StatusCode::OK, &media))
    })
}
