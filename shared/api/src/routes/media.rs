//! Media uploads (contract section 3).

use http::Method;
use rampart_content::MediaLibrary;
use rampart_ratelimit::Policy;
use rampart_store::Table;

use super::{Access, BlobAccess, BodyKind, Entry, Port, Route, TableAccess};
use crate::handlers::media;
use crate::openapi::{ApiSpec, ok, schema};

/// Media: sign an upload, complete it.
pub(super) const ROUTES: &[Entry] = entries![media_create, media_complete];

fn library(s: &crate::state::AppState) -> MediaLibrary {
    MediaLibrary::new(s.store.clone())
}

pub fn media_create() -> Route {
    Route {
        access: Access::Permission("media:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        body: BodyKind::Json,
        tables: &[TableAccess::Write(Table::Content)],
        uses: &[Port::Blobs],
        // The upload URL is signed for PutObject, under `uploads/` only.
        blobs: &[BlobAccess::WriteUploads],
        idempotent: true,
        api: ApiSpec {
            request: Some(schema::<rampart_content::NewMedia>),
            responses: const { &[ok::<rampart_content::Upload>(201)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/media",
            "media-create",
            "signs an upload of an image or PDF (15 minutes).",
            |s, c, r| media::create(library(s), s.blobs.as_deref(), &*s.clock, c, r),
        )
    }
}

pub fn media_complete() -> Route {
    Route {
        access: Access::Permission("media:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        tables: &[TableAccess::Write(Table::Content)],
        uses: &[Port::Blobs],
        // Reads the upload's size and first bytes, copies it to media/, deletes the upload.
        blobs: &[BlobAccess::Read, BlobAccess::Write, BlobAccess::Delete],
        api: ApiSpec {
            responses: const { &[ok::<rampart_content::Media>(200)] },
            ..ApiSpec::UNDECLARED
        },
        ..Route::new(
            Method::POST,
            "/api/v1/media/{id}/complete",
            "media-complete",
            "checks an upload's size, type and first bytes and completes it.",
            |s, c, r| media::complete(library(s), s.blobs.as_deref(), c, r),
        )
    }
}
