//! Who may change an account's role or grants: authority never grows by itself. A caller hands
//! out only what it holds, changes only accounts holding no more than it does, and only a
//! person signed in as an admin (never a key) makes or unmakes admins or moves `users:manage`.

use crate::permission::Permission;
use crate::principal::{Authority, Principal};
use crate::role::Role;

/// Why a caller may not make a change.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentRefusal {
    /// The change confers, or the account already holds, a permission the caller lacks.
    #[error("you do not hold {0}, which this account would hold or already holds")]
    Beyond(String),
    /// Admin rights and `users:manage` move only by a signed-in admin.
    #[error("only an admin signed in with a session may give or take admin rights or users:manage")]
    AdminOnly,
}

/// Whether `grant` carries `users:manage`, the permission that changes roles and grants.
fn confers_users_manage(grant: &Permission) -> bool {
    matches!(grant.resource(), "*" | "users") && matches!(grant.action(), "*" | "manage")
}

/// Every permission an authority carries, its role's and its grants.
fn held(authority: &Authority) -> impl Iterator<Item = Permission> + '_ {
    authority
        .role
        .permissions()
        .filter_map(|p| Permission::parse(p).ok())
        .chain(authority.grants.iter().cloned())
}

/// Whether `caller` may change an account holding `before` so that it holds `after`.
pub fn check_assignment(
    caller: &Principal,
    before: &Authority,
    after: &Authority,
) -> Result<(), AssignmentRefusal> {
    let admin_moves =
        before.role != after.role && (before.role == Role::Admin || after.role == Role::Admin);
    let manage_moves = before
        .grants
        .iter()
        .filter(|g| !after.grants.contains(g))
        .chain(after.grants.iter().filter(|g| !before.grants.contains(g)))
        .any(confers_users_manage);
    if (admin_moves || manage_moves) && !caller.is_human_admin() {
        return Err(AssignmentRefusal::AdminOnly);
    }
    match held(before).chain(held(after)).find(|p| !caller.can(p)) {
        Some(missing) => Err(AssignmentRefusal::Beyond(missing.to_string())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::principal::PrincipalKind;

    fn p(text: &str) -> Permission {
        Permission::parse(text).unwrap()
    }

    fn authority(role: Role, grants: &[&str]) -> Authority {
        Authority {
            role,
            grants: grants.iter().map(|g| p(g)).collect(),
        }
    }

    fn caller(role: Role, grants: &[&str], kind: PrincipalKind) -> Principal {
        Principal {
            id: "caller".into(),
            role: (kind != PrincipalKind::ApiKey).then_some(role),
            grants: grants.iter().map(|g| p(g)).collect(),
            email_verified: true,
            kind,
            session_id: None,
            ceiling: (kind == PrincipalKind::ApiKey).then(|| authority(role, &[])),
        }
    }

    #[test]
    fn authority_never_grows_by_itself() {
        use PrincipalKind::{ApiKey, Cookie};
        use Role::{Admin, Reviewer, Viewer};
        let admin = caller(Admin, &[], Cookie);
        let manager = caller(Viewer, &["users:manage", "audit:read"], Cookie);
        let admin_key = caller(Admin, &["*:*"], ApiKey);
        let viewer = authority(Viewer, &[]);
        let refusal = |missing: &str| Some(AssignmentRefusal::Beyond(missing.into()));
        let cases = [
            (&admin, viewer.clone(), authority(Admin, &[]), None),
            (
                &admin,
                viewer.clone(),
                authority(Viewer, &["users:manage"]),
                None,
            ),
            (
                &manager,
                viewer.clone(),
                authority(Admin, &[]),
                Some(AssignmentRefusal::AdminOnly),
            ),
            (
                &manager,
                viewer.clone(),
                authority(Reviewer, &[]),
                refusal("tickets:manage"),
            ),
            (
                &manager,
                viewer.clone(),
                authority(Viewer, &["audit:read"]),
                None,
            ),
            (
                &manager,
                viewer.clone(),
                authority(Viewer, &["alerts:read"]),
                refusal("alerts:read"),
            ),
            (
                &manager,
                viewer.clone(),
                authority(Viewer, &["users:*"]),
                Some(AssignmentRefusal::AdminOnly),
            ),
            (
                &manager,
                authority(Reviewer, &[]),
                viewer.clone(),
                refusal("tickets:manage"),
            ),
            (
                &manager,
                authority(Viewer, &["users:manage"]),
                viewer.clone(),
                Some(AssignmentRefusal::AdminOnly),
            ),
            (
                &admin_key,
                viewer.clone(),
                authority(Admin, &[]),
                Some(AssignmentRefusal::AdminOnly),
            ),
            (
                &admin_key,
                viewer.clone(),
                authority(Viewer, &["*:*"]),
                Some(AssignmentRefusal::AdminOnly),
            ),
            (
                &admin_key,
                viewer.clone(),
                authority(Reviewer, &["alerts:read"]),
                None,
            ),
        ];
        for (who, before, after, expected) in cases {
            assert_eq!(
                check_assignment(who, &before, &after).err(),
                expected,
                "{:?} {before:?} -> {after:?}",
                who.grants
            );
        }
    }
}
