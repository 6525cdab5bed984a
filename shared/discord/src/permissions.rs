//! Who may run which command: the bot's settings (command -> role ids, environment -> role
//! ids; see [`crate::settings`]) plus `ADMIN_ROLE_IDS`, checked against the member's roles for
//! commands and buttons alike.

use std::collections::{BTreeMap, BTreeSet};

use crate::interaction::Member;
use crate::settings::BotSettings;

/// The matrix compiled into every build: the settings in force until an admin stores others.
pub const DEFAULT_MATRIX: &str = include_str!("../../../config/permission_matrix.json");

/// Why a member may not run a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denial {
    /// Role-gated commands cannot run in DMs: there are no roles to check.
    DirectMessage,
    /// The member holds none of these roles.
    MissingRole { allowed: Vec<String> },
    /// The member may run the command, but holds none of the roles the environment needs.
    MissingEnvironmentRole { env: String, allowed: Vec<String> },
    /// The interaction comes from a server other than the configured one.
    OtherGuild,
}

type Roles = BTreeMap<String, BTreeSet<String>>;

/// The permission matrix and the admin roles.
#[derive(Clone, Debug)]
pub struct PermissionMatrix {
    commands: Roles,
    environments: Roles,
    admin_roles: BTreeSet<String>,
    /// `RBAC_ENABLED`: when false, any member with Manage Guild may run gated commands.
    rbac_enabled: bool,
    /// `DISCORD_GUILD_ID`: gated commands run only there.
    guild_id: Option<String>,
}

/// Denies every gated command: what a matrix that cannot be read falls back to.
impl Default for PermissionMatrix {
    fn default() -> Self {
        Self {
            commands: BTreeMap::new(),
            environments: BTreeMap::new(),
            admin_roles: BTreeSet::new(),
            rbac_enabled: true,
            guild_id: None,
        }
    }
}

fn sets(map: &BTreeMap<String, Vec<String>>) -> Roles {
    map.iter()
        .map(|(name, roles)| (name.clone(), roles.iter().cloned().collect()))
        .collect()
}

impl PermissionMatrix {
    /// Parses a matrix file (`commands`, optionally `environment_roles`; role ids are
    /// checked); `admin_roles` come from `ADMIN_ROLE_IDS`.
    pub fn parse(json: &str, admin_roles: &[String], rbac_enabled: bool) -> Result<Self, String> {
        let settings = BotSettings::from_matrix_file(json, None)?;
        Ok(Self::from_settings(&settings, admin_roles, rbac_enabled))
    }

    /// The matrix of checked `settings`.
    pub fn from_settings(
        settings: &BotSettings,
        admin_roles: &[String],
        rbac_enabled: bool,
    ) -> Self {
        Self {
            commands: sets(&settings.commands),
            environments: sets(&settings.environment_roles),
            admin_roles: admin_roles.iter().cloned().collect(),
            rbac_enabled,
            guild_id: None,
        }
    }

    /// The commands the matrix names.
    pub fn commands(&self) -> impl Iterator<Item = &str> {
        self.commands.keys().map(String::as_str)
    }

    fn with_admins(&self, roles: Option<&BTreeSet<String>>) -> Vec<String> {
        let mut roles: BTreeSet<String> = roles.cloned().unwrap_or_default();
        roles.extend(self.admin_roles.iter().cloned());
        roles.into_iter().collect()
    }

    /// The role ids that may run `command` (admins aside).
    pub fn allowed_roles(&self, command: &str) -> Vec<String> {
        self.with_admins(self.commands.get(command))
    }

    /// Restricts gated commands to one server (`DISCORD_GUILD_ID`).
    pub fn with_guild(mut self, guild_id: Option<String>) -> Self {
        self.guild_id = guild_id;
        self
    }

    /// Checks a role-gated command for `member` (`None` in DMs) in `guild_id`.
    pub fn check(
        &self,
        command: &str,
        member: Option<&Member>,
        guild_id: Option<&str>,
    ) -> Result<(), Denial> {
        let member = member.ok_or(Denial::DirectMessage)?;
        if let Some(ours) = &self.guild_id
            && guild_id != Some(ours.as_str())
        {
            return Err(Denial::OtherGuild);
        }
        if self.passes(self.commands.get(command), member) {
            Ok(())
        } else {
            Err(Denial::MissingRole {
                allowed: self.allowed_roles(command),
            })
        }
    }

    /// Checks that `member` may act on `env`, once [`PermissionMatrix::check`] passed: an
    /// environment with roles of its own needs one of them (or an admin role).
    pub fn check_environment(&self, env: &str, member: Option<&Member>) -> Result<(), Denial> {
        let member = member.ok_or(Denial::DirectMessage)?;
        let Some(roles) = self.environments.get(env) else {
            return Ok(());
        };
        if self.passes(Some(roles), member) {
            Ok(())
        } else {
            Err(Denial::MissingEnvironmentRole {
                env: env.to_owned(),
                allowed: self.with_admins(Some(roles)),
            })
        }
    }

    fn passes(&self, listed: Option<&BTreeSet<String>>, member: &Member) -> bool {
        let held = |roles: &BTreeSet<String>| member.roles.iter().any(|r| roles.contains(r));
        // "Manage Guild" is a permission in *some* server: it counts only when the deployment
        // names its server (`DISCORD_GUILD_ID`), which `check` enforces.
        let relaxed = !self.rbac_enabled && self.guild_id.is_some() && member.can_manage_guild();
        listed.is_some_and(held) || held(&self.admin_roles) || relaxed
    }
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
        // In the configured server (the only place the relaxation applies).
        const GUILD: &str = "222222222222222222";
        for (rbac, member, allowed) in cases {
            let result = matrix(rbac).with_guild(Some(GUILD.to_owned())).check(
                "ship",
                member.as_ref(),
                Some(GUILD),
            );
            assert_eq!(result.is_ok(), allowed, "rbac={rbac} {member:?}");
        }
        assert_eq!(
            matrix(true).check("ship", Some(&member(&[OTHER], "0")), None),
            Err(Denial::MissingRole {
                allowed: vec![RELEASE.to_owned(), ADMIN.to_owned()]
            })
        );
        assert_eq!(
            matrix(true).check("ship", None, None),
            Err(Denial::DirectMessage)
        );
    }

    #[test]
    fn a_configured_server_is_the_only_one_and_the_fallback_denies() {
        let manage_guild = (1u64 << 5).to_string();
        const OURS: &str = "222222222222222222";
        const THEIRS: &str = "333333333333333333";
        // With RBAC off, "Manage Guild" passes, but only in our server.
        let open = matrix(false).with_guild(Some(OURS.to_owned()));
        let owner = member(&[], &manage_guild);
        assert_eq!(open.check("ship", Some(&owner), Some(OURS)), Ok(()));
        assert_eq!(
            open.check("ship", Some(&owner), Some(THEIRS)),
            Err(Denial::OtherGuild)
        );
        assert_eq!(
            open.check("ship", Some(&owner), None),
            Err(Denial::OtherGuild)
        );
        // Even an admin role id (which another server cannot hold) stays in its server.
        let strict = matrix(true).with_guild(Some(OURS.to_owned()));
        assert!(
            strict
                .check("ship", Some(&member(&[ADMIN], "0")), Some(THEIRS))
                .is_err()
        );
        // With RBAC off but no server named, "Manage Guild" in whatever server counts for
        // nothing: the bot may be in servers that are not ours.
        assert_eq!(
            matrix(false).check("ship", Some(&owner), Some(THEIRS)),
            Err(Denial::MissingRole {
                allowed: vec![RELEASE.to_owned(), ADMIN.to_owned()]
            })
        );
        // A matrix that could not be read denies everyone, RBAC flag or not.
        let fallback = PermissionMatrix::default();
        assert!(fallback.check("ship", Some(&owner), None).is_err());
        assert!(
            fallback
                .check("ship", Some(&member(&[ADMIN], "0")), None)
                .is_err()
        );
    }

    #[test]
    fn the_shipped_matrix_parses_and_bad_ids_are_refused() {
        assert!(PermissionMatrix::parse(DEFAULT_MATRIX, &[], true).is_ok());
        assert!(PermissionMatrix::parse(r#"{"commands":{"ship":["admins"]}}"#, &[], true).is_err());
        let built_in = |json: &str| BotSettings::built_in(json, None);
        assert!(built_in(DEFAULT_MATRIX).is_ok());
        assert!(built_in(r#"{"commands":{"shipit":[]}}"#).is_err());
        assert!(built_in(r#"{"commands":{},"environment_roles":{"qa":[]}}"#).is_err());
    }
}
