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

/// What an account holds right now: its role and its grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authority {
    /// The account's role.
    pub role: Role,
    /// The account's extra permissions.
    pub grants: Vec<Permission>,
}

impl Authority {
    /// Whether the role or a grant covers `needed`.
    pub fn can(&self, needed: &Permission) -> bool {
        self.role.allows(needed) || self.grants.iter().any(|g| g.covers(needed))
    }
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
    /// For API keys, what the key's creator holds at the time of use: a key acts with the
    /// intersection of its own permissions and this, so it never outgrows its creator.
    pub ceiling: Option<Authority>,
}

impl Principal {
    /// Whether the role or a grant covers `needed`, within the ceiling when there is one.
    pub fn can(&self, needed: &Permission) -> bool {
        let own = self.role.is_some_and(|r| r.allows(needed))
            || self.grants.iter().any(|g| g.covers(needed));
        own && self.ceiling.as_ref().is_none_or(|c| c.can(needed))
    }

    /// Whether this is a person signed in as an admin (a session, never a key): the only
    /// caller who may hand out `admin` or `users:manage`.
    pub fn is_human_admin(&self) -> bool {
        self.kind != PrincipalKind::ApiKey && self.role == Some(Role::Admin)
    }

    /// The role used for role-scaled limits; API keys count as viewers unless granted `*:*`,
    /// and never as more than their creator's role.
    pub fn effective_role(&self) -> Role {
        let own = self.own_role();
        match &self.ceiling {
            Some(ceiling) => own.min(ceiling.role),
            None => own,
        }
    }

    fn own_role(&self) -> Role {
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
            ceiling: None,
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

    #[test]
    fn a_key_acts_within_its_creators_authority() {
        let p = |s| Permission::parse(s).unwrap();
        let mut key = principal(None, &["*:*"]);
        key.kind = PrincipalKind::ApiKey;
        key.ceiling = Some(Authority {
            role: Role::Viewer,
            grants: vec![p("audit:read")],
        });
        let cases = [
            ("projects:read", true),
            ("audit:read", true),
            ("admin:write", false),
            ("users:manage", false),
        ];
        for (needed, expected) in cases {
            assert_eq!(key.can(&p(needed)), expected, "{needed}");
        }
        assert_eq!(key.effective_role(), Role::Viewer);
        assert!(!key.is_human_admin());
        let mut narrow = principal(None, &["projects:read"]);
        narrow.ceiling = Some(Authority {
            role: Role::Admin,
            grants: vec![],
        });
        assert!(!narrow.can(&p("projects:write")), "nor beyond its own");
    }
}
