//! The release worker's composition: the worker on the state store, the `Deployer` (deploy
//! events on the stack's bus for the team's pipeline), the bot's webhook client, and a verifier
//! that probes the environment's `/health` and runs the synthetic journey against it in process.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use rampart_core::{Config, DeployerChoice};
use rampart_discord::alias_deployer::{AliasApi, AliasDeployer};
use rampart_discord::daily::{ProbePlan, Prober, measure};
use rampart_discord::release::{
    Deployer, EventsDeployer, Releases, Thresholds, Verification, Verifier,
};
use rampart_discord::release_worker::ReleaseWorker;
use rampart_discord::rest::DiscordApi;
use rampart_discord::state::StateStore;
use rampart_store::{Index, ScopedStore, SharedStore, Table, TableAccess};

use super::{Adapters, StartError, function_state, given};
use crate::handlers::account::ExportFiles;
use crate::handlers::auth::Accounts;
use crate::routes::Port;
use crate::state::AppState;

/// The release worker's Lambda function (its folder under `functions/`).
pub const RELEASE_WORKER_FUNCTION: &str = "release-worker";

/// What the worker may touch: the state table (releases and their decisions), the intel table
/// (the release history), and what the synthetic journey touches (its user, sessions and
/// content, for its clean-up).
pub const RELEASE_WORKER_TABLES: &[TableAccess] = &[
    TableAccess::Write(Table::State),
    TableAccess::Write(Table::Intel),
    TableAccess::Write(Table::Users),
    TableAccess::Write(Table::Sessions),
    TableAccess::Write(Table::Content),
    TableAccess::Append(Table::Audit),
    // The journey's clean-up finds its user's sessions, content and keys by index.
    TableAccess::Index(Table::Sessions, Index::Gsi1),
    TableAccess::Index(Table::Content, Index::Gsi1),
    TableAccess::Index(Table::Content, Index::Gsi2),
    TableAccess::Index(Table::Users, Index::Gsi1),
];

/// Verifies an environment: probes of its `/health`, then the synthetic journey.
pub struct AppVerifier {
    prober: Arc<dyn Prober>,
    env_urls: BTreeMap<String, String>,
    /// Where an environment without a URL of its own is verified: `PUBLIC_BASE_URL`, or the
    /// local stack's address once it listens.
    fallback: RwLock<Option<String>>,
    samples: usize,
    timeout: Duration,
    thresholds: Thresholds,
    journey: AppState,
}

impl AppVerifier {
    /// Verifies environments without a URL of their own at `base` (the local stack's
    /// address), unless `PUBLIC_BASE_URL` names one.
    pub fn set_fallback(&self, base: &str) {
        if let Ok(mut fallback) = self.fallback.write()
            && fallback.is_none()
        {
            *fallback = Some(base.trim_end_matches('/').to_owned());
        }
    }

    fn base(&self, env: &str) -> Option<String> {
        self.env_urls
            .get(env)
            .cloned()
            .or_else(|| self.fallback.read().ok().and_then(|f| f.clone()))
    }
}

#[async_trait]
impl Verifier for AppVerifier {
    async fn verify(&self, env: &str) -> Verification {
        let Some(base) = self.base(env) else {
            let nothing = measure(
                &*self.prober,
                &ProbePlan {
                    urls: Vec::new(),
                    samples: 0,
                    timeout: self.timeout,
                },
            )
            .await;
            let mut v = Verification::judge(nothing, None, &self.thresholds);
            v.failures.push(format!(
                "no URL for {env}: set RELEASE_ENV_URLS or PUBLIC_BASE_URL"
            ));
            return v;
        };
        let plan = ProbePlan {
            urls: vec![format!("{base}/health")],
            samples: self.samples,
            timeout: self.timeout,
        };
        let measured = measure(&*self.prober, &plan).await;
        let journey = crate::handlers::internal::journey::run_against(
            Accounts::of(&self.journey),
            ExportFiles::of(&self.journey),
            base,
        )
        .await
        .ok()
        .map(|report| {
            let failed = report
                .steps
                .iter()
                .find(|s| !s.ok)
                .map(|s| s.name.to_owned());
            (report.passed, report.total_ms, failed)
        });
        Verification::judge(measured, journey, &self.thresholds)
    }
}

/// The worker with its verifier (whose fallback URL the local stack sets once it listens).
pub struct ReleaseWorkerParts {
    pub worker: ReleaseWorker,
    pub verifier: Arc<AppVerifier>,
}

/// The worker, probing with `prober`; `api` replaces the REST client (a double in tests);
/// `aliases` is Lambda's alias API, needed when `RELEASE_DEPLOYER` is `lambda-alias`.
pub fn release_worker(
    config: &Config,
    adapters: &Adapters,
    prober: Arc<dyn Prober>,
    api: Option<Arc<dyn DiscordApi>>,
    aliases: Option<Arc<dyn AliasApi>>,
) -> Result<ReleaseWorkerParts, StartError> {
    let function = RELEASE_WORKER_FUNCTION;
    let store: SharedStore = Arc::new(ScopedStore::new(
        adapters.store.clone(),
        RELEASE_WORKER_TABLES,
    ));
    let bus = given(function, Port::Releases, adapters.events.clone())?;
    let api = match api {
        Some(api) => api,
        // The webhook edits use the interaction's token; the bot token is not needed.
        None => super::discord::rest_client(
            config,
            adapters,
            adapters.secrets.discord_bot_token.clone(),
        )?,
    };
    let events: Arc<dyn Deployer> = Arc::new(EventsDeployer { bus });
    let deployer: Arc<dyn Deployer> = match &config.release.deployer {
        DeployerChoice::Events => events,
        DeployerChoice::LambdaAlias { functions, alias } => Arc::new(AliasDeployer {
            api: aliases.ok_or(StartError::Setting {
                variable: "RELEASE_DEPLOYER",
                reason: "lambda-alias, but this host has no Lambda client".to_owned(),
            })?,
            functions: functions.clone(),
            alias: alias.clone(),
            client: events,
        }),
    };
    let journey = function_state(
        config,
        adapters,
        &[crate::routes::internal::internal_journey_run()],
    )?;
    let verifier = Arc::new(AppVerifier {
        prober,
        env_urls: config.release.env_urls.clone(),
        fallback: RwLock::new(config.public_base_url.clone()),
        samples: config.health_probes.samples as usize,
        timeout: Duration::from_millis(config.health_probes.timeout_ms),
        thresholds: Thresholds {
            max_error_rate_pct: config.release.max_error_rate_pct,
            max_p95_ms: config.release.max_p95_ms,
        },
        journey,
    });
    let worker = ReleaseWorker {
        releases: Releases {
            state: StateStore::new(store, adapters.clock.clone()),
        },
        clock: adapters.clock.clone(),
        api,
        deployer,
        verifier: verifier.clone(),
    };
    Ok(ReleaseWorkerParts { worker, verifier })
}
