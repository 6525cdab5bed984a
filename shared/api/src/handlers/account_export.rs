//! `POST /api/v1/account/export` → `202 {export_id}`: everything the account holds (the
//! account, its sessions, its audit trail) as one JSON file in the blob store;
//! `GET /api/v1/account/export/{id}` → `{status, download_url, expires_at}`, the URL presigned
//! for 15 minutes. Exports are the owner's only and kept 7 days.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_audit::Outcome;
use rampart_auth::exports::{Export, Exports};
use rampart_core::clock::rfc3339;
use rampart_core::{ApiError, Clock};
use rampart_store::{Index, Query, Table, keys};
use serde_json::{Value, json};

use super::account::caller_account;
use super::auth::{Accounts, audit};
use crate::context::RequestContext;
use crate::handlers::account::ExportFiles;
use crate::response;
use crate::state::HandlerFuture;

/// An export was written.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct ExportStarted {
    pub export_id: String,
}

/// An export and a fresh download URL.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct ExportView {
    pub id: String,
    pub status: String,
    pub created_at: String,
    /// A presigned GET, valid 15 minutes.
    pub download_url: String,
    pub download_url_expires_at: String,
}

/// How long a download URL works.
pub const DOWNLOAD_URL_SECS: u64 = 900;
/// Audit records included, newest first.
const AUDIT_LIMIT: u32 = 1000;

fn blobs(files: ExportFiles<'_>) -> Result<&dyn rampart_blob::BlobStore, ApiError> {
    files
        .blobs
        .ok_or_else(|| ApiError::ServiceUnavailable("no blob store configured".into()))
}

/// Everything the account holds, as one document.
async fn document(
    accounts: Accounts<'_>,
    files: ExportFiles<'_>,
    clock: &dyn Clock,
    user: &rampart_auth::User,
) -> Result<Value, ApiError> {
    let mut sessions = Vec::new();
    let mut cursor = None;
    loop {
        let (page, next) = accounts.auth.sessions(&user.id, 100, cursor).await?;
        sessions.extend(page.into_iter().map(|s| {
            json!({
                "id": s.id,
                "created_at": rfc3339(s.created_at * 1000),
                "last_used_at": rfc3339(s.last_used_at * 1000),
                "user_agent": s.user_agent,
                "ip": s.ip,
            })
        }));
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let audit = files
        .store
        .query(
            &Query::index(Table::Audit, Index::Gsi2, keys::audit::by_actor(&user.id))
                .backward()
                .limit(AUDIT_LIMIT),
        )
        .await
        .map_err(ApiError::from)?;
    let events: Vec<Value> = audit
        .items
        .iter()
        .map(|item| {
            let field = |name: &str| item.get(name).and_then(|v| v.as_s()).unwrap_or_default();
            json!({
                "event": field("event"),
                "at": field("at"),
                "outcome": field("outcome"),
                "ip": field("ip"),
            })
        })
        .collect();
    let projects = rampart_content::Projects::new(files.store.clone())
        .all(&user.id)
        .await?;
    let profiles = rampart_content::Profiles::new(files.store.clone());
    let tickets = rampart_content::Tickets::new(files.store.clone())
        .of_owner(&user.id)
        .await?;
    Ok(json!({
        "exported_at": rfc3339(clock.now_ms()),
        "user": user.view(),
        "sessions": sessions,
        "audit_events": events,
        "projects": projects,
        "support_tickets": tickets,
        "community_posts": rampart_content::Posts::new(files.store.clone()).by(&user.id).await?,
        "profile": profiles.profile(&user.id).await?,
        "media": rampart_content::MediaLibrary::new(files.store.clone()).all(&user.id).await?,
        "knowledge_entries": rampart_content::Knowledge::new(files.store.clone()).authored(&user.id).await?,
        "settings": profiles.settings(&user.id).await?,
    }))
}

/// Builds the export and answers with its id.
pub fn create<'a>(
    accounts: Accounts<'a>,
    files: ExportFiles<'a>,
    clock: &'a dyn Clock,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let blobs = blobs(files)?;
        let user = caller_account(accounts, ctx).await?;
        let body = serde_json::to_vec_pretty(&document(accounts, files, clock, &user).await?)
            .map_err(ApiError::internal)?;
        let id = rampart_core::ids::new_id();
        let export = Export {
            key: format!("exports/{}/{id}.json", user.id),
            id,
            status: "ready".into(),
            created_at: clock.now_secs(),
        };
        blobs
            .put(&export.key, Bytes::from(body), "application/json")
            .await
            .map_err(|e| ApiError::ServiceUnavailable(e.to_string()))?;
        Exports::new(files.store.clone())
            .record(&user.id, &export)
            .await
            .map_err(ApiError::from)?;
        audit(
            accounts,
            ctx,
            "account.exported",
            Outcome::Success,
            Some(&user.id),
            &[("export_id", &export.id)],
        )
        .await;
        Ok(response::json(
            StatusCode::ACCEPTED,
            &ExportStarted {
                export_id: export.id,
            },
        ))
    })
}

/// The export's status and a fresh download URL.
pub fn get<'a>(
    files: ExportFiles<'a>,
    clock: &'a dyn Clock,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let blobs = blobs(files)?;
        let caller = super::auth::principal(ctx)?;
        let id = ctx.param("id").ok_or(ApiError::ResourceNotFound)?;
        let export = Exports::new(files.store.clone())
            .get(&caller.id, id)
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::ResourceNotFound)?;
        let url = blobs
            .presign_get(&export.key, DOWNLOAD_URL_SECS)
            .await
            .map_err(|e| ApiError::ServiceUnavailable(e.to_string()))?;
        let expires = clock.now_ms() + i64::try_from(DOWNLOAD_URL_SECS).unwrap_or(0) * 1000;
        Ok(response::json(
            StatusCode::OK,
            &ExportView {
                id: export.id,
                status: export.status,
                created_at: rfc3339(export.created_at * 1000),
                download_url: url,
                download_url_expires_at: rfc3339(expires),
            },
        ))
    })
}
