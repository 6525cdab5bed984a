//! Who is calling, once authenticated.

use crate::permission::Permission;
use crate::role::Role;

/// How the caller authenticated; cookie sessions need CSRF tokens, the others do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrincipalKind {
    /// The `access_token` cookie.
    Cookie,
    /// `Authorization: Bearer <jwt>`.
    Bearer,
    /// `Authorization: Bearer rk_...`.
    ApiKey,
}

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The user id, or the API key id for keys.
    pub id: String,
    /// The user's role; API keys have none and act only through `grants`.
    pub role: Option<Role>,
    /// Extra permissions (a user's grants, or an API key's permissions).
    pub grants: Vec<Permission>,
    /// Whether the user's email is verified (API keys count as verified).
    pub email_verified: bool,
    /// How the caller authenticated.
    pub kind: PrincipalKind,
    /// The session this request belongs to, for cookie and bearer JWTs.
    pub session_id: Option<String>,
}

impl Principal {
    /// Whether the role or a grant covers `needed`.
    pub fn can(&self, needed: &Permission) -> bool {
        self.role.is_some_and(|r| r.allows(needed)) || self.grants.iter().any(|g| g.covers(needed))
    }

    /// The role used for role-scaled limits; API keys count as viewers unless granted `*:*`.
    pub fn effective_role(&self) -> Role {
        match self.role {
            Some(role) => role,
            None if self
                .grants
                .iter()
                .any(|g| g.resource() == "*" && g.action() == "*") =>
            {
                Role::Admin
            }
            None => Role::Viewer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Option<Role>, grants: &[&str]) -> Principal {
        Principal {
            id: "u1".into(),
            role,
            grants: grants
                .iter()
                .map(|g| Permission::parse(g).unwrap())
                .collect(),
            email_verified: true,
            kind: PrincipalKind::Bearer,
            session_id: None,
        }
    }

    #[test]
    fn grants_add_to_the_role() {
        let needed = Permission::parse("internal:write").unwrap();
        assert!(!principal(Some(Role::Viewer), &[]).can(&needed));
        assert!(principal(Some(Role::Viewer), &["internal:*"]).can(&needed));
        assert!(principal(None, &["internal:write"]).can(&needed));
        assert!(!principal(None, &["internal:read"]).can(&needed));
    }

    #[test]
    fn api_keys_count_as_viewers_for_limits() {
        assert_eq!(
            principal(None, &["internal:*"]).effective_role(),
            Role::Viewer
        );
        assert_eq!(principal(None, &["*:*"]).effective_role(), Role::Admin);
    }
}
