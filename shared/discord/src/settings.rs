//! The bot's settings an admin changes without a deploy (`GET|PUT /api/v1/admin/settings/discord`):
//! who may run which command, which environments need a role of their own, and whether and
//! where the daily digest is posted. They are one item in the state table; until an admin
//! stores one, the built-in matrix (`config/permission_matrix.json`) and the deployment's
//! `DISCORD_STATUS_CHANNEL_ID` are the settings. Functions read them through [`LiveSettings`],
//! which keeps what it read for [`CACHE_MS`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rampart_store::{AttrValue, Cond, ItemExt, SharedStore, StoreError, Table, keys};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::registry::{self, Gate};
use crate::release::ENVIRONMENTS;

/// How long a function trusts the settings it read: a change reaches every function within
/// this time.
pub const CACHE_MS: i64 = 30_000;

/// At most this many roles per command or environment (a server has at most 250).
pub const MAX_ROLES: usize = 50;

/// Whether and where the daily status digest is posted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DailyDigest {
    /// `false`: the scheduled run does nothing (no probes, no snapshot, no post).
    pub enabled: bool,
    /// The channel it is posted to; `null` or absent: stored, not posted.
    #[serde(default)]
    #[schemars(schema_with = "optional_snowflake")]
    pub channel_id: Option<String>,
}

/// The settings, as an admin writes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BotSettings {
    /// Role-gated command -> the role ids that may run it and click its buttons. A command not
    /// listed may be run by admin roles (`ADMIN_ROLE_IDS`) only.
    #[schemars(schema_with = "command_roles")]
    pub commands: BTreeMap<String, Vec<String>>,
    /// Environment (`staging`, `prod`) -> the role ids a member needs, besides the command's,
    /// to run a command against it or decide a release in it. An environment not listed needs
    /// only the command's roles.
    #[schemars(schema_with = "environment_roles")]
    pub environment_roles: BTreeMap<String, Vec<String>>,
    pub daily_digest: DailyDigest,
}

fn snowflake_schema() -> serde_json::Value {
    serde_json::json!({"type": "string", "pattern": "^[0-9]{15,21}$"})
}

fn optional_snowflake(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"anyOf": [snowflake_schema(), {"type": "null"}]})
}

fn role_map(names: Vec<&str>) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "propertyNames": {"enum": names},
        "additionalProperties": {
            "type": "array",
            "maxItems": MAX_ROLES,
            "uniqueItems": true,
            "items": snowflake_schema(),
        },
    })
}

fn command_roles(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    role_map(
        registry::commands()
            .iter()
            .filter(|c| c.gate == Gate::Roles)
            .map(|c| c.name)
            .collect(),
    )
}

fn environment_roles(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    role_map(ENVIRONMENTS.to_vec())
}

/// The built-in matrix file: `commands` and `environment_roles`.
#[derive(Deserialize)]
struct MatrixFile {
    commands: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    environment_roles: BTreeMap<String, Vec<String>>,
}

impl BotSettings {
    /// The settings a matrix file describes, with `status_channel` as the digest's channel;
    /// role ids are checked, command and environment names are not (see
    /// [`BotSettings::problems`]).
    pub fn from_matrix_file(
        matrix_json: &str,
        status_channel: Option<String>,
    ) -> Result<Self, String> {
        let file: MatrixFile =
            serde_json::from_str(matrix_json).map_err(|e| format!("permission matrix: {e}"))?;
        let settings = Self {
            commands: file.commands,
            environment_roles: file.environment_roles,
            daily_digest: DailyDigest {
                enabled: true,
                channel_id: status_channel,
            },
        };
        match settings.role_problems().first() {
            Some((field, message)) => Err(format!("permission matrix: {field}: {message}")),
            None => Ok(settings),
        }
    }

    /// The settings before an admin stored any: the matrix file, wholly checked, and the
    /// deployment's channel.
    pub fn built_in(matrix_json: &str, status_channel: Option<String>) -> Result<Self, String> {
        let settings = Self::from_matrix_file(matrix_json, status_channel)?;
        match settings.problems().first() {
            Some((field, message)) => Err(format!("permission matrix: {field}: {message}")),
            None => Ok(settings),
        }
    }

    /// What is wrong with these settings, as `(field, message)` pairs; empty when they hold.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = self.role_problems();
        problems.extend(self.name_problems());
        problems
    }

    /// Commands that are not role-gated commands of the registry, unknown environments.
    fn name_problems(&self) -> Vec<(String, String)> {
        let gated: BTreeSet<&str> = registry::commands()
            .iter()
            .filter(|c| c.gate == Gate::Roles)
            .map(|c| c.name)
            .collect();
        let mut problems = Vec::new();
        for command in self.commands.keys() {
            if !gated.contains(command.as_str()) {
                let names: Vec<&str> = gated.iter().copied().collect();
                problems.push((
                    format!("commands.{command}"),
                    format!("not a role-gated command (those are {})", names.join(", ")),
                ));
            }
        }
        for env in self.environment_roles.keys() {
            if !ENVIRONMENTS.contains(&env.as_str()) {
                problems.push((
                    format!("environment_roles.{env}"),
                    format!("not an environment (those are {})", ENVIRONMENTS.join(", ")),
                ));
            }
        }
        problems
    }

    /// Role lists that are too long, repeat a role or hold something else than a role id; a
    /// channel that is not a channel id.
    fn role_problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut check_roles = |field: String, roles: &[String]| {
            if roles.len() > MAX_ROLES {
                problems.push((field.clone(), format!("at most {MAX_ROLES} roles")));
            }
            if let Some(bad) = roles.iter().find(|r| !is_snowflake(r)) {
                problems.push((field.clone(), format!("{bad:?} is not a role id")));
            }
            let distinct: BTreeSet<&String> = roles.iter().collect();
            if distinct.len() != roles.len() {
                problems.push((field, "a role is listed twice".to_owned()));
            }
        };
        for (command, roles) in &self.commands {
            check_roles(format!("commands.{command}"), roles);
        }
        for (env, roles) in &self.environment_roles {
            check_roles(format!("environment_roles.{env}"), roles);
        }
        if let Some(channel) = &self.daily_digest.channel_id
            && !is_snowflake(channel)
        {
            problems.push((
                "daily_digest.channel_id".to_owned(),
                "must be a channel id (15 to 21 digits) or null".to_owned(),
            ));
        }
        problems
    }

    /// The fields that differ from `before`, named as in [`BotSettings::problems`].
    pub fn changes_from(&self, before: &BotSettings) -> Vec<String> {
        let mut changed = Vec::new();
        fn roles<'a>(map: &'a BTreeMap<String, Vec<String>>, name: &str) -> BTreeSet<&'a String> {
            map.get(name)
                .map(|r| r.iter().collect())
                .unwrap_or_default()
        }
        // `listing_matters`: an environment listed without roles is for admins only, one not
        // listed needs no role of its own; a command listed without roles and one not listed
        // are both for admins only.
        let mut compare = |prefix: &str,
                           now: &BTreeMap<String, Vec<String>>,
                           then: &BTreeMap<String, Vec<String>>,
                           listing_matters: bool| {
            let names: BTreeSet<&String> = now.keys().chain(then.keys()).collect();
            for name in names {
                let relisted = listing_matters && now.contains_key(name) != then.contains_key(name);
                if roles(now, name) != roles(then, name) || relisted {
                    changed.push(format!("{prefix}.{name}"));
                }
            }
        };
        compare("commands", &self.commands, &before.commands, false);
        compare(
            "environment_roles",
            &self.environment_roles,
            &before.environment_roles,
            true,
        );
        if self.daily_digest.enabled != before.daily_digest.enabled {
            changed.push("daily_digest.enabled".to_owned());
        }
        if self.daily_digest.channel_id != before.daily_digest.channel_id {
            changed.push("daily_digest.channel_id".to_owned());
        }
        changed
    }
}

/// Whether `text` is a Discord id (a snowflake: 15 to 21 digits).
pub fn is_snowflake(text: &str) -> bool {
    (15..=21).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// The settings in force, and where they came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct StoredSettings {
    #[serde(flatten)]
    pub settings: BotSettings,
    /// 0 while the built-in settings are in force; each change adds one.
    pub version: i64,
    /// When and by whom they were last changed (absent for the built-in settings).
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
}

/// Why settings could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Another change was stored since `expected_version` was read.
    #[error("the settings changed since they were read")]
    Stale,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads and writes the settings item.
#[derive(Clone)]
pub struct SettingsStore {
    store: SharedStore,
    built_in: Arc<BotSettings>,
}

impl SettingsStore {
    /// The settings on `store`, with `built_in` in force until one is stored.
    pub fn new(store: SharedStore, built_in: Arc<BotSettings>) -> Self {
        Self { store, built_in }
    }

    /// The settings in force.
    pub async fn read(&self) -> Result<StoredSettings, StoreError> {
        let item = self
            .store
            .get(Table::State, &keys::state::settings("discord"))
            .await?;
        let Some(item) = item else {
            return Ok(StoredSettings {
                settings: (*self.built_in).clone(),
                version: 0,
                updated_at: None,
                updated_by: None,
            });
        };
        let settings = item
            .str_attr("document")
            .and_then(|d| serde_json::from_str::<BotSettings>(d).ok())
            .unwrap_or_else(|| {
                // Kept at its version, so the next change replaces it.
                tracing::error!("the stored bot settings cannot be read; the built-in ones apply");
                (*self.built_in).clone()
            });
        Ok(StoredSettings {
            settings,
            version: item.i64_attr("version").unwrap_or(0),
            updated_at: item.str_attr("updated_at").map(str::to_owned),
            updated_by: item.str_attr("updated_by").map(str::to_owned),
        })
    }

    /// Stores `settings` as version `expected_version + 1`, provided the stored version is
    /// still `expected_version` (a conditional write: of two admins changing the same version,
    /// one wins and the other is told). `extra` is written in the same transaction (the audit
    /// record of the change).
    pub async fn write(
        &self,
        settings: &BotSettings,
        expected_version: i64,
        updated_at: &str,
        updated_by: &str,
        extra: Vec<rampart_store::TxOp>,
    ) -> Result<StoredSettings, WriteError> {
        let key = keys::state::settings("discord");
        let mut item = key.to_item();
        let document =
            serde_json::to_string(settings).map_err(|e| StoreError::Internal(e.to_string()))?;
        item.insert("document".into(), AttrValue::s(document));
        item.insert("version".into(), AttrValue::n(expected_version + 1));
        item.insert("updated_at".into(), AttrValue::s(updated_at));
        item.insert("updated_by".into(), AttrValue::s(updated_by));
        let guard = if expected_version == 0 {
            Cond::not_exists("pk")
        } else {
            Cond::eq("version", expected_version)
        };
        let mut ops = vec![rampart_store::TxOp::Put {
            table: Table::State,
            item,
            cond: Some(guard),
        }];
        ops.extend(extra);
        match self.store.transact(ops).await {
            Ok(()) => Ok(StoredSettings {
                settings: settings.clone(),
                version: expected_version + 1,
                updated_at: Some(updated_at.to_owned()),
                updated_by: Some(updated_by.to_owned()),
            }),
            Err(error) if error.is_condition_failed() => Err(WriteError::Stale),
            Err(error) => Err(error.into()),
        }
    }
}

mod live;
pub use live::{Current, LiveSettings};

#[cfg(test)]
mod tests;
