//! Who may run which command: `config/permission_matrix.json` (command -> role ids), plus
//! `ADMIN_ROLE_IDS`, checked against the member's roles for commands and buttons alike.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::interaction::Member;

/// The matrix compiled into every build; deployments edit the file and redeploy.
pub const DEFAULT_MATRIX: &str = include_str!("../../../config/permission_matrix.json");

/// Why a member may not run a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denial {
    /// Role-gated commands cannot run in DMs: there are no roles to check.
    DirectMessage,
    /// The member holds none of these roles.
    MissingRole { allowed: Vec<String> },
}

#[derive(Deserialize)]
struct MatrixFile {
    commands: BTreeMap<String, Vec<String>>,
}

/// The permission matrix and the admin roles.
#[derive(Clone, Debug, Default)]
pub struct PermissionMatrix {
    commands: BTreeMap<String, BTreeSet<String>>,
    admin_roles: BTreeSet<String>,
    /// `RBAC_ENABLED`: when false, any member with Manage Guild may run gated commands.
    rbac_enabled: bool,
}

impl PermissionMatrix {
    /// Parses the matrix JSON; `admin_roles` come from `ADMIN_ROLE_IDS`.
    pub fn parse(json: &str, admin_roles: &[String], rbac_enabled: bool) -> Result<Self, String> {
        let file: MatrixFile =
            serde_json::from_str(json).map_err(|e| format!("permission matrix: {e}"))?;
        for (command, roles) in &file.commands {
            if let Some(bad) = roles.iter().find(|r| !is_snowflake(r)) {
                return Err(format!(
                    "permission matrix: {command}: {bad:?} is not a role id"
                ));
            }
        }
        Ok(Self {
            commands: file
                .commands
                .into_iter()
                .map(|(c, roles)| (c, roles.into_iter().collect()))
                .collect(),
            admin_roles: admin_roles.iter().cloned().collect(),
            rbac_enabled,
        })
    }

    /// The commands the matrix names.
    pub fn commands(&self) -> impl Iterator<Item = &str> {
        self.commands.keys().map(String::as_str)
    }

    /// The role ids that may run `command` (admins aside).
    pub fn allowed_roles(&self, command: &str) -> Vec<String> {
        let mut roles: BTreeSet<String> = self.commands.get(command).cloned().unwrap_or_default();
        roles.extend(self.admin_roles.iter().cloned());
        roles.into_iter().collect()
    }

    /// Checks a role-gated command for `member` (`None` in DMs).
    pub fn check(&self, command: &str, member: Option<&Member>) -> Result<(), Denial> {
        let member = member.ok_or(Denial::DirectMessage)?;
        let held = |roles: &BTreeSet<String>| member.roles.iter().any(|r| roles.contains(r));
        let listed = self.commands.get(command).is_some_and(held);
        if listed || held(&self.admin_roles) || (!self.rbac_enabled && member.can_manage_guild()) {
            Ok(())
        } else {
            Err(Denial::MissingRole {
                allowed: self.allowed_roles(command),
            })
        }
    }
}

fn is_snowflake(text: &str) -> bool {
    (15..=21).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELEASE: &str = "111111111111111111";
    const ADMIN: &str = "999999999999999999";
    const OTHER: &str = "555555555555555555";

    fn matrix(rbac: bool) -> PermissionMatrix {
        let json = format!(r#"{{"commands": {{"ship": ["{RELEASE}"]}}}}"#);
        PermissionMatrix::parse(&json, &[ADMIN.to_owned()], rbac).unwrap()
    }

    fn member(roles: &[&str], permissions: &str) -> Member {
        Member {
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            permissions: Some(permissions.to_owned()),
            user: None,
        }
    }

    #[test]
    fn roles_admins_dms_and_the_rbac_flag() {
        let manage_guild = (1u64 << 5).to_string();
        let cases = [
            (true, Some(member(&[RELEASE], "0")), true),
            (true, Some(member(&[ADMIN], "0")), true),
            (true, Some(member(&[OTHER], &manage_guild)), false),
            (false, Some(member(&[OTHER], &manage_guild)), true),
            (false, Some(member(&[OTHER], "0")), false),
            (true, None, false),
            (false, None, false),
        ];
        for (rbac, member, allowed) in cases {
            let result = matrix(rbac).check("ship", member.as_ref());
            assert_eq!(result.is_ok(), allowed, "rbac={rbac} {member:?}");
        }
        assert_eq!(
            matrix(true).check("ship", Some(&member(&[OTHER], "0"))),
            Err(Denial::MissingRole {
                allowed: vec![RELEASE.to_owned(), ADMIN.to_owned()]
            })
        );
        assert_eq!(matrix(true).check("ship", None), Err(Denial::DirectMessage));
    }

    #[test]
    fn the_shipped_matrix_parses_and_bad_ids_are_refused() {
        assert!(PermissionMatrix::parse(DEFAULT_MATRIX, &[], true).is_ok());
        assert!(PermissionMatrix::parse(r#"{"commands":{"ship":["admins"]}}"#, &[], true).is_err());
    }
}
