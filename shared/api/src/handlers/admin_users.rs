//! `PUT /api/v1/admin/users/{id}/role` and `POST|DELETE /api/v1/admin/users/{id}/grants`
//! (contract section 4). Changes take effect on the target's next request: every request
//! re-reads the account. The last admin cannot be demoted. A caller changes only accounts
//! holding no more than it does, into ones holding no more than it does, and only a signed-in
//! admin moves admin rights or `users:manage` (`rampart_rbac::check_assignment`); a refusal is
//! a 403, which the pipeline audits.

use bytes::Bytes;
use http::{Request, StatusCode};
use rampart_audit::{AuditLog, Outcome};
use rampart_auth::AuthService;
use rampart_auth::users::{RoleError, User};
use rampart_core::problem::kinds::FORBIDDEN;
use rampart_core::{ApiError, FieldError};
use rampart_rbac::{Authority, Permission, Principal, Role};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::context::RequestContext;
use crate::extract;
use crate::response;
use crate::state::HandlerFuture;

/// `PUT .../role`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// `viewer`, `reviewer` or `admin`.
    #[schemars(extend("enum" = ["viewer", "reviewer", "admin"]))]
    pub role: String,
}

/// `POST|DELETE .../grants`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    /// A known `resource:action` (or `resource:*`).
    #[schemars(schema_with = "grantable")]
    pub permission: String,
}

/// Every permission a grant may name: the known ones and `<resource>:*` for their resources.
fn grantable(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let mut names: Vec<String> = rampart_rbac::KNOWN
        .iter()
        .map(|p| (*p).to_owned())
        .collect();
    for known in rampart_rbac::KNOWN {
        if let Some((resource, _)) = known.split_once(':') {
            names.push(format!("{resource}:*"));
        }
    }
    names.sort();
    names.dedup();
    schemars::json_schema!({"type": "string", "enum": names})
}

/// An account as admins manage it.
/// An account as an admin manages it.
#[derive(Serialize, JsonSchema)]
pub struct ManagedUser {
    pub id: String,
    pub email: String,
    pub role: String,
    pub grants: Vec<String>,
    pub email_verified: bool,
    pub two_factor_enabled: bool,
    pub created_at: String,
}

fn managed(user: &User) -> ManagedUser {
    ManagedUser {
        id: user.id.clone(),
        email: user.email.given().to_owned(),
        role: user.role.as_str().to_owned(),
        grants: user.grants.iter().map(ToString::to_string).collect(),
        email_verified: user.email_verified,
        two_factor_enabled: user.two_factor_enabled,
        created_at: rampart_core::clock::rfc3339(user.created_ms),
    }
}

/// The account an admin looked up (`404` when none was found), the read audited with how it
/// was found.
async fn viewed(
    audit: &AuditLog,
    ctx: &RequestContext,
    user: Option<User>,
    by: &str,
) -> Result<http::Response<Bytes>, ApiError> {
    let user = user.ok_or(ApiError::ResourceNotFound)?;
    audited(audit, ctx, "admin.user_viewed", &user.id, ("by", by)).await;
    Ok(response::json(StatusCode::OK, &managed(&user)))
}

/// `GET /api/v1/admin/users/{id}`: the account's role and grants; the read is audited.
pub fn get<'a>(
    auth: &'a AuthService,
    audit: &'a AuditLog,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let id = target(ctx)?;
        let user = auth.users().get(id).await?;
        viewed(audit, ctx, user, "id").await
    })
}

/// `GET /api/v1/admin/users?email=`: the account holding the address, found through its
/// claim (one read, never a scan); the read is audited.
pub fn find<'a>(
    auth: &'a AuthService,
    audit: &'a AuditLog,
    ctx: &'a RequestContext,
    req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let params = extract::query(req.uri());
        let given = params.get("email").map(String::as_str).unwrap_or_default();
        let email = rampart_auth::Email::parse(given).map_err(|_| {
            ApiError::Validation(vec![FieldError::new("email", "must be an email address")])
        })?;
        let user = auth.users().find_by_email(&email).await?;
        viewed(audit, ctx, user, "email").await
    })
}

fn role_error(error: RoleError) -> ApiError {
    match error {
        RoleError::NotFound => ApiError::ResourceNotFound,
        RoleError::LastAdmin => {
            ApiError::Conflict("This is the last admin; make another account admin first.".into())
        }
        RoleError::Unverified => ApiError::Conflict(
            "This account has not verified its address; it can be given a role or grant once it has."
                .into(),
        ),
        RoleError::Refused(detail) => ApiError::Feature {
            kind: &FORBIDDEN,
            detail,
            errors: None,
        },
        RoleError::Store(error) => error.into(),
    }
}

/// The caller's check of a change: accounts that have not proven their address are given
/// nothing, and the caller hands out and takes away only what it holds.
fn caller_check(
    caller: &Principal,
) -> impl Fn(&User, &Authority) -> Result<(), RoleError> + Sync + '_ {
    move |user, after| {
        if !user.email_verified {
            return Err(RoleError::Unverified);
        }
        rampart_rbac::check_assignment(caller, &user.authority(), after)
            .map_err(|refusal| RoleError::Refused(refusal.to_string()))
    }
}

fn caller(ctx: &RequestContext) -> Result<&Principal, ApiError> {
    ctx.principal.as_ref().ok_or(ApiError::Unauthenticated)
}

async fn audited(
    audit: &AuditLog,
    ctx: &RequestContext,
    name: &str,
    target: &str,
    detail: (&str, &str),
) {
    let event = ctx
        .audit_event(name, Outcome::Success)
        .target(format!("user:{target}"))
        .detail(detail.0, detail.1);
    if let Err(error) = audit.record(event).await {
        tracing::error!(%error, name, "admin change not audited");
    }
}

fn target(ctx: &RequestContext) -> Result<&str, ApiError> {
    ctx.param("id").ok_or(ApiError::ResourceNotFound)
}

/// `PUT /api/v1/admin/users/{id}/role`.
pub fn set_role<'a>(
    auth: &'a AuthService,
    audit: &'a AuditLog,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let body: RoleBody = extract::body(ctx)?;
        let role: Role = body.role.parse().map_err(|_| {
            ApiError::Validation(vec![FieldError::new(
                "role",
                "must be viewer, reviewer or admin",
            )])
        })?;
        let id = target(ctx)?;
        let user = auth
            .users()
            .set_role(id, role, &caller_check(caller(ctx)?))
            .await
            .map_err(role_error)?;
        audited(
            audit,
            ctx,
            "admin.role_changed",
            id,
            ("role", role.as_str()),
        )
        .await;
        Ok(response::json(StatusCode::OK, &managed(&user)))
    })
}

fn permission_of(body: &GrantBody) -> Result<Permission, ApiError> {
    Permission::parse(&body.permission)
        .ok()
        .filter(rampart_rbac::is_known)
        .ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new(
                "permission",
                "must be a permission the API knows (resource:action or resource:*)",
            )])
        })
}

/// `POST /api/v1/admin/users/{id}/grants`.
pub fn grant<'a>(
    auth: &'a AuthService,
    audit: &'a AuditLog,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let permission = permission_of(&extract::body(ctx)?)?;
        let id = target(ctx)?;
        let user = auth
            .users()
            .grant(id, &permission, &caller_check(caller(ctx)?))
            .await
            .map_err(role_error)?;
        audited(
            audit,
            ctx,
            "admin.grant_added",
            id,
            ("permission", &permission.to_string()),
        )
        .await;
        Ok(response::json(StatusCode::OK, &managed(&user)))
    })
}

/// `DELETE /api/v1/admin/users/{id}/grants`.
pub fn revoke<'a>(
    auth: &'a AuthService,
    audit: &'a AuditLog,
    ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async move {
        let permission = permission_of(&extract::body(ctx)?)?;
        let id = target(ctx)?;
        let user = auth
            .users()
            .revoke(id, &permission, &caller_check(caller(ctx)?))
            .await
            .map_err(role_error)?;
        audited(
            audit,
            ctx,
            "admin.grant_removed",
            id,
            ("permission", &permission.to_string()),
        )
        .await;
        Ok(response::json(StatusCode::OK, &managed(&user)))
    })
}
