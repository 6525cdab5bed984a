//! The daily health snapshot's composition: the job on a store limited to what it touches,
//! with the probes of the configuration, the bot's settings, the day's traffic from the API's
//! CloudWatch metrics (on AWS) and, when the secret has a bot token, the bot's REST client
//! (EventBridge runs it on AWS; the local stack on `POST /_local/health-snapshot`, with its
//! request log as the traffic source).

use std::sync::Arc;
use std::time::Duration;

use rampart_core::Config;
use rampart_discord::cloudwatch::{CloudWatchTraffic, MetricsApi, TrafficMetrics};
use rampart_discord::daily::{ProbePlan, Prober, SnapshotJob, TrafficSource};
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

/// The name a function of the route table is deployed under in `stack` (the template names
/// every function so; the digest finds each route's Lambda metrics by it).
pub fn deployed_function_name(stack: &str, function: &str) -> String {
    format!("{stack}-{function}")
}

/// The job, probing with `prober`; `api` replaces the REST client built from the secret's bot
/// token (tests and the local stack point it at a double); with `metrics` (CloudWatch, on AWS)
/// the day's traffic is read from the metrics of the API `HTTP_API_ID` and of the route
/// table's functions.
pub fn health_snapshot(
    config: &Config,
    adapters: &Adapters,
    prober: Arc<dyn Prober>,
    api: Option<Arc<dyn DiscordApi>>,
    metrics: Option<Arc<dyn MetricsApi>>,
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
        traffic: traffic_source(config, metrics)?,
    })
}

/// The CloudWatch traffic source over the API and every function of the route table.
fn traffic_source(
    config: &Config,
    metrics: Option<Arc<dyn MetricsApi>>,
) -> Result<Option<Arc<dyn TrafficSource>>, StartError> {
    let Some(api) = metrics else {
        return Ok(None);
    };
    let Some(api_id) = config.health_probes.api_id.clone() else {
        return Err(StartError::Setting {
            variable: "HTTP_API_ID",
            reason: "not set: the digest reads the day's traffic from the API's metrics".to_owned(),
        });
    };
    let stack = rampart_core::metrics::stack().to_owned();
    let mut functions: Vec<&str> = crate::routes::routes().iter().map(|r| r.function).collect();
    functions.sort_unstable();
    functions.dedup();
    let routes = functions
        .into_iter()
        .map(|f| (f.to_owned(), deployed_function_name(&stack, f)))
        .collect();
    Ok(Some(Arc::new(CloudWatchTraffic {
        api,
        metrics: TrafficMetrics {
            api_id,
            stack,
            routes,
        },
    })))
}
