//! The daily health snapshot's composition: the job on a store limited to what it touches,
//! with the probes of the configuration, the bot's settings and, when the secret has a bot
//! token, the bot's REST client (EventBridge runs it on AWS; the local stack on `POST /_local/health-snapshot`).

use std::sync::Arc;
use std::time::Duration;

use rampart_core::Config;
use rampart_discord::daily::{ProbePlan, Prober, SnapshotJob};
use rampart_discord::rest::DiscordApi;
use rampart_store::{ScopedStore, SharedStore, Table, TableAccess};

use super::{Adapters, StartError};

/// The health-snapshot function (its folder under `functions/`).
pub const HEALTH_SNAPSHOT_FUNCTION: &str = "health-snapshot";

/// What the job may touch: the health table (its snapshots) and, read only, the intel table
/// (the hourly test-outcome counts) and the state table (the bot's settings: whether and where
/// the digest is posted).
pub const HEALTH_SNAPSHOT_TABLES: &[TableAccess] = &[
    TableAccess::Write(Table::Health),
    TableAccess::Read(Table::Intel),
    TableAccess::Read(Table::State),
];

/// The job, probing with `prober`; `api` replaces the REST client built from the secret's bot
/// token (tests and the local stack point it at a double).
pub fn health_snapshot(
    config: &Config,
    adapters: &Adapters,
    prober: Arc<dyn Prober>,
    api: Option<Arc<dyn DiscordApi>>,
) -> Result<SnapshotJob, StartError> {
    let store: SharedStore = Arc::new(ScopedStore::new(
        adapters.store.clone(),
        HEALTH_SNAPSHOT_TABLES,
    ));
    let api = match (api, &adapters.secrets.discord_bot_token) {
        (Some(api), _) => Some(api),
        (None, Some(token)) => Some(super::discord::rest_client(
            config,
            adapters,
            Some(token.clone()),
        )?),
        (None, None) if config.discord_status_channel_id.is_some() => {
            return Err(StartError::Setting {
                variable: "DISCORD_STATUS_CHANNEL_ID",
                reason: "set, but the secret has no discord_bot_token to post with".to_owned(),
            });
        }
        (None, None) => None,
    };
    let probes = &config.health_probes;
    Ok(SnapshotJob {
        settings: super::bot_settings(config, &store)?,
        store,
        clock: adapters.clock.clone(),
        prober,
        plan: ProbePlan {
            urls: probes.urls.clone(),
            samples: probes.samples as usize,
            timeout: Duration::from_millis(probes.timeout_ms),
        },
        api,
        // The local stack gives its request log; on AWS the API's metrics are read by the
        // digest's CloudWatch source once there is one, and the probes report alone until then.
        traffic: None,
    })
}
