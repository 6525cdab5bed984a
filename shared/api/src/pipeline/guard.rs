//! Authentication required, email-verified gate and RBAC.
//!
//! `RBAC_ENABLED=false` does not relax anything here: it only relaxes Discord role checks, so
//! switching it off can never open an admin route to a non-admin.

use rampart_core::ApiError;

use crate::context::RequestContext;
use crate::routes::{Access, Route};

/// 401 without a principal on a protected route, 403 `email_unverified` where the route
/// needs a verified email, 403 `forbidden` without the route's permission.
pub(super) fn authorize(route: &Route, ctx: &RequestContext) -> Result<(), ApiError> {
    let Access::Permission(_) = route.access else {
        return Ok(());
    };
    let principal = ctx.principal.as_ref().ok_or(ApiError::Unauthenticated)?;
    if route.verified && !principal.email_verified {
        return Err(ApiError::EmailUnverified);
    }
    let needed = route.access.permission().ok_or_else(|| {
        ApiError::Internal(format!("route {} has an invalid permission", route.path).into())
    })?;
    if principal.can(&needed) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::BodyKind;
    use http::Method;
    use rampart_rbac::{Permission, Principal, PrincipalKind, Role};

    fn route(access: Access, verified: bool) -> Route {
        Route {
            method: Method::POST,
            path: "/x",
            function: "x",
            summary: "A test route.",
            handler: crate::state::not_found_handler,
            access,
            verified,
            rate_limit: None,
            feature: None,
            body: BodyKind::None,
            tables: &[],
            secrets: false,
            uses: &[],
            api: crate::openapi::ApiSpec::UNDECLARED,
            idempotent: false,
            prefetch: None,
            memory: crate::routes::Memory::Standard,
            blobs: &[],
        }
    }

    fn ctx(principal: Option<(Option<Role>, bool, &[&str])>) -> RequestContext {
        let mut ctx = RequestContext::new(
            rampart_core::RequestId::from_header(None),
            "127.0.0.1".parse().unwrap(),
            None,
        );
        ctx.principal = principal.map(|(role, verified, grants)| Principal {
            id: "u".into(),
            role,
            grants: grants
                .iter()
                .map(|g| Permission::parse(g).unwrap())
                .collect(),
            email_verified: verified,
            kind: PrincipalKind::Bearer,
            session_id: None,
            ceiling: None,
        });
        ctx
    }

    #[test]
    fn the_guard_answers_in_contract_order() {
        let admin = route(Access::Permission("admin:write"), true);
        let project = route(Access::Permission("projects:write"), true);
        let public = route(Access::Public, false);
        let viewer = Some((Some(Role::Viewer), true, &[][..]));
        let unverified = Some((Some(Role::Admin), false, &[][..]));
        let cases = [
            (&public, None, None),
            (&admin, None, Some("unauthenticated")),
            (&admin, viewer, Some("forbidden")),
            (&admin, unverified, Some("email_unverified")),
            (&admin, Some((Some(Role::Admin), true, &[][..])), None),
            (&project, viewer, None),
            (&admin, Some((None, true, &["admin:*"][..])), None),
        ];
        for (route, principal, expected) in cases {
            let got = authorize(route, &ctx(principal)).err().map(|e| e.code());
            assert_eq!(
                got,
                expected,
                "{} {principal:?}",
                route
                    .access
                    .permission()
                    .map(|p| p.to_string())
                    .unwrap_or_default()
            );
        }
    }
}
