//! `POST /api/v1/admin/api-keys {name, permissions, expires_at}` → `201` with the key shown
//! once (`rk_…`); `DELETE /api/v1/admin/api-keys/{id}` → `204` (`404` for an unknown key).

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_audit::Outcome;
use rampart_core::clock::{parse_rfc3339, rfc3339};
use rampart_core::{ApiError, Clock, FieldError};
use rampart_rbac::{Permission, PrincipalKind};
use serde::Deserialize;

use super::auth::{Accounts, audit, empty, principal};
use crate::context::RequestContext;
use crate::extract;
use crate::response;
use crate::state::HandlerFuture;

const MAX_NAME_CHARS: usize = 100;
const MAX_PERMISSIONS: usize = 50;

/// A key to create.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct CreateBody {
    /// 1 to 100 characters, not only spaces.
    #[schemars(length(min = 1, max = 100), pattern(rampart_core::text::NOT_BLANK))]
    name: String,
    /// 1 to 50 permissions (`resource:action`, either part `*`), each held by the caller.
    #[schemars(
        length(min = 1, max = 50),
        inner(pattern(r"^(\*|[a-z0-9_-]{1,64}):(\*|[a-z0-9_-]{1,64})$"))
    )]
    permissions: Vec<String>,
    /// RFC 3339, in the future; none for a key that does not expire.
    #[schemars(extend("format" = "date-time"))]
    expires_at: Option<String>,
}

/// A created key; `key` is shown this once.
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct CreatedKey {
    pub id: String,
    pub name: String,
    pub permissions: Vec<String>,
    /// RFC 3339, when the key expires.
    pub expires_at: Option<String>,
    /// The secret (`rk_...`).
    pub key: String,
}

struct NewKey {
    name: String,
    permissions: Vec<Permission>,
    expires_at_secs: Option<i64>,
}

fn parse(body: CreateBody, now_secs: i64) -> Result<NewKey, ApiError> {
    let mut errors = Vec::new();
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        errors.push(FieldError::new("name", "must be 1 to 100 characters"));
    }
    if body.permissions.is_empty() || body.permissions.len() > MAX_PERMISSIONS {
        errors.push(FieldError::new(
            "permissions",
            "must list 1 to 50 permissions",
        ));
    }
    let mut permissions = Vec::new();
    for p in &body.permissions {
        match Permission::parse(p) {
            Ok(p) => permissions.push(p),
            Err(e) => errors.push(FieldError::new("permissions", format!("{p:?}: {e}"))),
        }
    }
    let expires_at_secs = match body.expires_at.as_deref() {
        None => None,
        Some(text) => match parse_rfc3339(text).map(|ms| ms.div_euclid(1000)) {
            Some(at) if at > now_secs => Some(at),
            Some(_) => {
                errors.push(FieldError::new("expires_at", "must be in the future"));
                None
            }
            None => {
                errors.push(FieldError::new(
                    "expires_at",
                    "must be an RFC 3339 timestamp",
                ));
                None
            }
        },
    };
    if errors.is_empty() {
        Ok(NewKey {
            name,
            permissions,
            expires_at_secs,
        })
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Creates a key and shows it once. Only a signed-in user creates keys (a key minting keys
/// would outlive its own revocation), and never with a permission the user does not hold
/// (`*` is covered only by `*`).
pub fn create<'a>(
    accounts: Accounts<'a>,
    clock: &'a dyn Clock,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let caller = principal(ctx)?;
        if caller.kind == PrincipalKind::ApiKey {
            return Err(ApiError::Forbidden);
        }
        let new = parse(extract::body(ctx)?, clock.now_secs())?;
        let beyond: Vec<FieldError> = new
            .permissions
            .iter()
            .filter(|p| !caller.can(p))
            .map(|p| {
                FieldError::new(
                    "permissions",
                    format!("{p} goes beyond your own permissions"),
                )
            })
            .collect();
        if !beyond.is_empty() {
            return Err(ApiError::Validation(beyond));
        }
        let (key, secret) = accounts
            .auth
            .create_api_key(&new.name, &new.permissions, new.expires_at_secs, &caller.id)
            .await?;
        audit(
            accounts,
            ctx,
            "auth.api_key_created",
            Outcome::Success,
            Some(&caller.id),
            &[
                ("key_id", &key.id),
                ("permissions", &key.permissions.join(",")),
            ],
        )
        .await;
        Ok(response::json(
            StatusCode::CREATED,
            &CreatedKey {
                id: key.id.clone(),
                name: key.name.clone(),
                permissions: key.permissions.clone(),
                expires_at: key.expires_at_secs.map(|s| rfc3339(s * 1000)),
                key: secret.expose().clone(),
            },
        ))
    })
}

/// Revokes a key.
pub fn delete<'a>(
    accounts: Accounts<'a>,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let caller = principal(ctx)?;
        let id = ctx.param("id").ok_or(ApiError::ResourceNotFound)?;
        if !accounts.auth.revoke_api_key(id).await? {
            return Err(ApiError::ResourceNotFound);
        }
        audit(
            accounts,
            ctx,
            "auth.api_key_revoked",
            Outcome::Success,
            Some(&caller.id),
            &[("key_id", id)],
        )
        .await;
        Ok(empty(StatusCode::NO_CONTENT))
    })
}
