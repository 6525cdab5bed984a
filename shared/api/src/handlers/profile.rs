//! Profile and settings (contract section 3): read with a strong `ETag`, replaced by `PUT`,
//! which honours `If-Match` against the document as `GET` shows it.

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use rampart_content::{Profile, Profiles, Settings};
use rampart_core::ApiError;
use serde::Serialize;

use crate::context::RequestContext;
use crate::entity_tags::{etag, if_match_holds};
use crate::extract;
use crate::response;
use crate::state::HandlerFuture;

fn caller(ctx: &RequestContext) -> Result<&str, ApiError> {
    ctx.principal
        .as_ref()
        .map(|p| p.id.as_str())
        .ok_or(ApiError::Unauthenticated)
}

fn tag_of<T: Serialize>(document: &T) -> String {
    etag(&serde_json::to_vec(document).unwrap_or_default())
}

fn tagged<T: Serialize>(document: &T) -> Response<Bytes> {
    let mut response = response::json(StatusCode::OK, document);
    if let Ok(value) = HeaderValue::from_str(&tag_of(document)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// `GET /api/v1/profile`.
pub fn get_profile<'a>(
    profiles: Profiles,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move { Ok(tagged(&profiles.profile(caller(ctx)?).await?)) })
}

/// `PUT /api/v1/profile`.
pub fn put_profile<'a>(
    profiles: Profiles,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let profile: Profile = extract::body(ctx)?;
        let headers = req.headers();
        let saved = profiles
            .put_profile(caller(ctx)?, profile, |current| {
                if_match_holds(headers, &tag_of(current))
            })
            .await?;
        Ok(tagged(&saved))
    })
}

/// `GET /api/v1/settings`.
pub fn get_settings<'a>(
    profiles: Profiles,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move { Ok(tagged(&profiles.settings(caller(ctx)?).await?)) })
}

/// `PUT /api/v1/settings`.
pub fn put_settings<'a>(
    profiles: Profiles,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let settings: Settings = extract::body(ctx)?;
        let headers = req.headers();
        let saved = profiles
            .put_settings(caller(ctx)?, settings, |current| {
                if_match_holds(headers, &tag_of(current))
            })
            .await?;
        Ok(tagged(&saved))
    })
}
