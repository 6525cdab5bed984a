//! The daily health snapshot's composition: the job on a store limited to what it touches,
//! with the probes of the configuration and, when a status channel is configured, the bot's
//! REST client (EventBridge runs it on AWS; the local stack on `POST /_local/health-snapshot`).

use std::sync::Arc;
use std::time::Duration;

use rampart_core::Config;
use rampart_discord::daily::{ProbePlan, Prober, SnapshotJob, StatusChannel};
use rampart_discord::rest::{DEFAULT_BASE_URL, DiscordApi, RestClient, TokioSleeper};
use rampart_store::{ScopedStore, SharedStore, Table, TableAccess};

use super::{Adapters, StartError};

/// The health-snapshot function (its folder under `functions/`).
pub const HEALTH_SNAPSHOT_FUNCTION: &str = "health-snapshot";

/// What the job may touch: the health table (its snapshots) and, read only, the intel table
/// (the hourly test-outcome counts).
pub const HEALTH_SNAPSHOT_TABLES: &[TableAccess] = &[
    TableAccess::Write(Table::Health),
    TableAccess::Read(Table::Intel),
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
    let channel = match &config.discord_status_channel_id {
        None => None,
        Some(channel_id) => {
            let api =
                match api {
                    Some(api) => api,
                    None => {
                        let token = adapters.secrets.discord_bot_token.clone().ok_or(
                            StartError::Setting {
                                variable: "DISCORD_STATUS_CHANNEL_ID",
                                reason: "set, but the secret has no discord_bot_token to post with"
                                    .to_owned(),
                            },
                        )?;
                        let base = config
                            .discord_api_base
                            .clone()
                            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
                        Arc::new(
                            RestClient::new(
                                base,
                                Some(token),
                                Arc::new(TokioSleeper),
                                adapters.clock.clone(),
                            )
                            .map_err(|error| StartError::Setting {
                                variable: "DISCORD_API_BASE",
                                reason: error.to_string(),
                            })?,
                        )
                    }
                };
            Some(StatusChannel {
                api,
                channel_id: channel_id.clone(),
            })
        }
    };
    let probes = &config.health_probes;
    Ok(SnapshotJob {
        store,
        clock: adapters.clock.clone(),
        prober,
        plan: ProbePlan {
            urls: probes.urls.clone(),
            samples: probes.samples as usize,
            timeout: Duration::from_millis(probes.timeout_ms),
        },
        channel,
    })
}
