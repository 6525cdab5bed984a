//! `resource:action` permissions, parsed at the edge.

use std::fmt;

/// A permission such as `projects:write`; `*` as action (or resource) matches any.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Permission {
    resource: String,
    action: String,
}

/// Why a permission string was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("a permission is `resource:action` in lower-case letters, digits, '_' or '-', or '*': {0}")]
pub struct PermissionError(String);

fn valid_part(part: &str) -> bool {
    part == "*"
        || (!part.is_empty()
            && part.len() <= 64
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'))
}

impl Permission {
    /// Parses `resource:action`.
    pub fn parse(text: &str) -> Result<Self, PermissionError> {
        let (resource, action) = text
            .split_once(':')
            .ok_or_else(|| PermissionError(text.to_owned()))?;
        if valid_part(resource) && valid_part(action) {
            Ok(Self {
                resource: resource.to_owned(),
                action: action.to_owned(),
            })
        } else {
            Err(PermissionError(text.to_owned()))
        }
    }

    /// The resource part.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The action part.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// Whether holding `self` satisfies a need for `needed`.
    pub fn covers(&self, needed: &Permission) -> bool {
        (self.resource == "*" || self.resource == needed.resource)
            && (self.action == "*" || self.action == needed.action)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.resource, self.action)
    }
}

/// Every permission a route of the API needs, and those only a role carries. A grant must name
/// one of these, or `<resource>:*` for one of their resources (a test of the route table keeps
/// this list complete).
pub const KNOWN: &[&str] = &[
    "account:read",
    "account:write",
    "admin:write",
    "alerts:read",
    "audit:read",
    "configuration:read",
    "configuration:write",
    "exports:read",
    "internal:read",
    "internal:write",
    "knowledge:query",
    "knowledge:write",
    "media:write",
    "posts:write",
    "profile:read",
    "profile:write",
    "projects:read",
    "projects:write",
    "search:read",
    "security:read",
    "settings:read",
    "settings:write",
    "status:write",
    "tickets:manage",
    "tickets:read",
    "tickets:write",
    "users:manage",
];

/// Whether `permission` names a known permission, or every action of a known resource.
pub fn is_known(permission: &Permission) -> bool {
    let text = permission.to_string();
    KNOWN.contains(&text.as_str())
        || (permission.action() == "*"
            && KNOWN
                .iter()
                .any(|known| known.split(':').next() == Some(permission.resource())))
}

#[cfg(test)]
mod tests {
    use super::Permission;

    #[test]
    fn permissions_parse_strictly() {
        for ok in ["projects:read", "internal:*", "*:*", "pr-intel:write"] {
            assert!(Permission::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["projects", ":read", "Projects:read", "a:b:c", "a b:c", ""] {
            assert!(Permission::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wildcards_cover_what_they_name() {
        let p = |s| Permission::parse(s).unwrap();
        let cases = [
            ("internal:*", "internal:write", true),
            ("internal:*", "admin:write", false),
            ("*:*", "admin:write", true),
            ("projects:read", "projects:write", false),
            ("projects:read", "projects:read", true),
        ];
        for (held, needed, expected) in cases {
            assert_eq!(
                p(held).covers(&p(needed)),
                expected,
                "{held} covers {needed}"
            );
        }
    }
}
