//! The settings as a function uses them: cached for [`super::CACHE_MS`], kept when the store
//! cannot be read, and deny-all before any were read.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rampart_core::SharedClock;

use super::{BotSettings, CACHE_MS, DailyDigest, SettingsStore, StoredSettings};
use crate::permissions::PermissionMatrix;

/// What [`LiveSettings`] hands out: the settings and the matrix built from them.
#[derive(Clone, Debug)]
pub struct Current {
    pub settings: Arc<StoredSettings>,
    pub matrix: Arc<PermissionMatrix>,
}

struct Cached {
    read_at_ms: i64,
    current: Current,
}

/// The settings as a function uses them: read at most every [`CACHE_MS`]. When the store
/// cannot be read, the last settings read stay in force; before any were read, every gated
/// command is refused (nothing is allowed on a guess).
pub struct LiveSettings {
    source: SettingsStore,
    clock: SharedClock,
    admin_roles: Vec<String>,
    rbac_enabled: bool,
    guild_id: Option<String>,
    cached: Mutex<Option<Cached>>,
}

impl LiveSettings {
    /// Settings from `source`, with the deployment's admin roles, RBAC flag and server.
    pub fn new(
        source: SettingsStore,
        clock: SharedClock,
        admin_roles: Vec<String>,
        rbac_enabled: bool,
        guild_id: Option<String>,
    ) -> Self {
        Self {
            source,
            clock,
            admin_roles,
            rbac_enabled,
            guild_id,
            cached: Mutex::new(None),
        }
    }

    fn matrix_of(&self, settings: &BotSettings) -> PermissionMatrix {
        PermissionMatrix::from_settings(settings, &self.admin_roles, self.rbac_enabled)
            .with_guild(self.guild_id.clone())
    }

    fn cached(&self) -> Option<(i64, Current)> {
        let guard = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().map(|c| (c.read_at_ms, c.current.clone()))
    }

    /// The settings in force, read again when what was read is older than [`CACHE_MS`].
    pub async fn current(&self) -> Current {
        let now = self.clock.now_ms();
        let cached = self.cached();
        if let Some((read_at, current)) = &cached
            && now - read_at < CACHE_MS
        {
            return current.clone();
        }
        match self.source.read().await {
            Ok(settings) => {
                let current = Current {
                    matrix: Arc::new(self.matrix_of(&settings.settings)),
                    settings: Arc::new(settings),
                };
                let mut guard = self.cached.lock().unwrap_or_else(|p| p.into_inner());
                *guard = Some(Cached {
                    read_at_ms: now,
                    current: current.clone(),
                });
                current
            }
            Err(error) => match cached {
                Some((_, current)) => {
                    tracing::warn!(%error, "bot settings not read; the last ones read apply");
                    current
                }
                None => {
                    tracing::error!(%error, "bot settings not read; gated commands are refused");
                    Current {
                        settings: Arc::new(StoredSettings {
                            settings: BotSettings {
                                commands: BTreeMap::new(),
                                environment_roles: BTreeMap::new(),
                                daily_digest: DailyDigest {
                                    enabled: false,
                                    channel_id: None,
                                },
                            },
                            version: -1,
                            updated_at: None,
                            updated_by: None,
                        }),
                        matrix: Arc::new(PermissionMatrix::default()),
                    }
                }
            },
        }
    }

    /// The matrix of the settings last read (deny-all before any were): for checks that run
    /// after [`LiveSettings::current`] refreshed it in the same interaction.
    pub fn matrix(&self) -> Arc<PermissionMatrix> {
        self.cached()
            .map(|(_, c)| c.matrix)
            .unwrap_or_else(|| Arc::new(PermissionMatrix::default()))
    }
}
