//! Roles and the one matrix of what each role may do.

use std::fmt;
use std::str::FromStr;

use crate::permission::Permission;

/// A user's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Viewer,
    Reviewer,
    Admin,
}

/// An unknown role name.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("role must be one of viewer, reviewer, admin")]
pub struct RoleError;

impl Role {
    /// Every role, least privileged first.
    pub const ALL: [Role; 3] = [Self::Viewer, Self::Reviewer, Self::Admin];

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Reviewer => "reviewer",
            Self::Admin => "admin",
        }
    }

    /// The permissions the role adds to those of the roles below it: the one matrix,
    /// rendered into docs/security/permissions.md.
    pub fn own_permissions(self) -> &'static [&'static str] {
        match self {
            Self::Viewer => &[
                "account:read",
                "account:write",
                "profile:read",
                "profile:write",
                "settings:read",
                "settings:write",
                "media:write",
                "search:read",
                "projects:read",
                "projects:write",
                "tickets:read",
                "tickets:write",
                "posts:write",
                "knowledge:query",
            ],
            Self::Reviewer => &["tickets:manage", "knowledge:write"],
            Self::Admin => &["*:*"],
        }
    }

    /// Every permission the role carries: its own and those of the roles below it.
    pub fn permissions(self) -> impl Iterator<Item = &'static str> {
        Self::ALL
            .into_iter()
            .filter(move |r| *r <= self)
            .flat_map(|r| r.own_permissions().iter().copied())
    }

    /// Whether the role carries a permission covering `needed`.
    pub fn allows(self, needed: &Permission) -> bool {
        self.permissions()
            .any(|held| Permission::parse(held).is_ok_and(|held| held.covers(needed)))
    }
}

impl FromStr for Role {
    type Err = RoleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or(RoleError)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_parses_and_grows_with_the_role() {
        for role in Role::ALL {
            for p in role.own_permissions() {
                assert!(Permission::parse(p).is_ok(), "{role}: {p}");
            }
        }
        let p = |s| Permission::parse(s).unwrap();
        let table = [
            ("projects:write", [true, true, true]),
            ("tickets:manage", [false, true, true]),
            ("knowledge:write", [false, true, true]),
            ("admin:write", [false, false, true]),
            ("internal:write", [false, false, true]),
        ];
        for (needed, expected) in table {
            let got = Role::ALL.map(|r| r.allows(&p(needed)));
            assert_eq!(got, expected, "{needed}");
        }
    }

    #[test]
    fn roles_parse_by_name() {
        assert_eq!("reviewer".parse(), Ok(Role::Reviewer));
        assert_eq!("root".parse::<Role>(), Err(RoleError));
    }
}
