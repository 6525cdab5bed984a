//! `GET /api/v1/account` → `200 {user}`; `DELETE /api/v1/account {password[, code]}` → `204`
//! once the password (and, with 2FA on, a current code) checks out, with every session, API
//! key, two-factor secret, the account and its email claim gone.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_audit::Outcome;
use rampart_auth::User;
use rampart_auth::exports::{Export, Exports};
use rampart_blob::BlobStore;
use rampart_core::ApiError;
use rampart_store::SharedStore;
use serde::Deserialize;

use super::auth::{Accounts, audit, empty, principal, with_cleared_cookies};
use crate::context::RequestContext;
use crate::entity_tags;
use crate::extract;
use crate::handlers::auth::documents::UserDocument;
use crate::response;
use crate::state::{AppState, HandlerFuture};

/// The caller's account; API keys, which have none, get 404. A signed-in user's account was
/// read while authenticating; it is read here only for a context built without one.
pub(crate) async fn caller_account(
    accounts: Accounts<'_>,
    ctx: &RequestContext,
) -> Result<User, ApiError> {
    let caller = principal(ctx)?;
    if let Some(account) = &ctx.account
        && account.id == caller.id
    {
        return Ok(account.clone());
    }
    accounts
        .auth
        .users()
        .get(&caller.id)
        .await
        .map_err(rampart_auth::AuthError::from)?
        .ok_or(ApiError::ResourceNotFound)
}

/// Where an account's exports live: their records in the store, their files in the bucket.
#[derive(Clone, Copy)]
pub struct ExportFiles<'a> {
    pub store: &'a SharedStore,
    pub blobs: Option<&'a dyn BlobStore>,
}

impl<'a> ExportFiles<'a> {
    /// The export parts of a function's state.
    pub fn of(state: &'a AppState) -> Self {
        Self {
            store: &state.store,
            blobs: state.blobs.as_deref(),
        }
    }
}

/// Deletes the files of an account's exports; `503` when one cannot be deleted.
async fn remove_export_files(files: ExportFiles<'_>, exports: &[Export]) -> Result<(), ApiError> {
    let Some(blobs) = files.blobs else {
        return Ok(());
    };
    for export in exports {
        blobs.delete(&export.key).await.map_err(|error| {
            ApiError::ServiceUnavailable(format!("export file {} not deleted: {error}", export.id))
        })?;
    }
    Ok(())
}

/// The caller's account.
pub fn get<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let user = caller_account(accounts, ctx).await?;
        Ok(response::json(StatusCode::OK, &representation(&user)))
    })
}

/// What `GET /api/v1/account` answers; its digest is the account's `ETag`.
fn representation(user: &User) -> UserDocument {
    UserDocument { user: user.view() }
}

/// What deleting the account needs.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct DeleteBody {
    /// Required for accounts with a password; accounts created through OAuth sign in again
    /// instead (a session at most five minutes old).
    password: Option<String>,
    /// A current TOTP code, required when two-factor authentication is on.
    code: Option<String>,
}

/// Deletes the caller's account; an `If-Match` must name the account as `GET` last showed it.
pub fn delete<'a>(
    accounts: Accounts<'a>,
    files: ExportFiles<'a>,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: DeleteBody = extract::body(ctx)?;
        let current = caller_account(accounts, ctx).await?;
        let shown = serde_json::to_vec(&representation(&current)).unwrap_or_default();
        if !entity_tags::if_match_holds(req.headers(), &entity_tags::etag(&shown)) {
            return Err(ApiError::PreconditionFailed);
        }
        let user = current;
        accounts
            .auth
            .authorize_deletion(
                &user,
                body.password.as_deref(),
                body.code.as_deref(),
                principal(ctx)?.session_id.as_deref(),
            )
            .await?;
        purge(accounts, files, &user).await?;
        audit(
            accounts,
            ctx,
            "auth.account_deleted",
            Outcome::Success,
            Some(&user.id),
            &[],
        )
        .await;
        Ok(with_cleared_cookies(
            accounts,
            empty(StatusCode::NO_CONTENT),
        ))
    })
}

/// Deletes an account with everything it owns: export and media files first (if one cannot be
/// deleted, nothing else is, and the caller can try again), its content next (each delete can
/// be repeated), the account last.
pub(crate) async fn purge(
    accounts: Accounts<'_>,
    files: ExportFiles<'_>,
    user: &rampart_auth::User,
) -> Result<(), ApiError> {
    // The files go first: if one cannot be deleted, nothing else is, and the caller can
    // try again; the records that name them go with the account.
    let exports = Exports::new(files.store.clone())
        .all(&user.id)
        .await
        .map_err(rampart_auth::AuthError::from)?;
    remove_export_files(files, &exports).await?;
    // Media objects go first too, by prefix: a failure leaves the account to try again.
    if let Some(blobs) = files.blobs {
        rampart_content::MediaLibrary::new(files.store.clone())
            .delete_all(blobs, &user.id)
            .await?;
    }
    // The account's own content next (each delete can be repeated), the account last.
    rampart_content::Projects::new(files.store.clone())
        .delete_all(&user.id)
        .await?;
    rampart_content::Tickets::new(files.store.clone())
        .delete_all(&user.id)
        .await?;
    rampart_content::Posts::new(files.store.clone())
        .delete_by(&user.id)
        .await?;
    rampart_content::Profiles::new(files.store.clone())
        .delete(&user.id)
        .await?;
    rampart_content::Knowledge::new(files.store.clone())
        .forget_author(&user.id)
        .await?;
    accounts.auth.delete_account(user).await?;
    Ok(())
}
