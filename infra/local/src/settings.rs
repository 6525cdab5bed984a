//! What the local stack runs with: environment settings, the store choice, the app.

use std::path::PathBuf;
use std::sync::Arc;

use rampart_api::compose::{MailWorker, mail_worker};
use rampart_api::{Adapters, App, Ports, routes};
use rampart_auth::LogMailer;
use rampart_blob::LocalBlobs;
use rampart_core::aws::{AwsSettings, load_sdk_config};
use rampart_core::events::LocalBus;
use rampart_core::secrets::{LocalSecrets, SecretBundle, Secrets};
use rampart_core::{Config, SharedClock, Stage, SystemClock};
use rampart_store::{DynamoStore, EmbeddedStore, SharedStore, TableNames, create_tables};

/// Where the local stack keeps its data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreChoice {
    /// A throwaway in-memory store (`RAMPART_STORE=memory`).
    Memory,
    /// A file that survives restarts (`RAMPART_STORE=file`, the default).
    File(PathBuf),
    /// DynamoDB, or an emulator at `endpoint` (`RAMPART_STORE=aws` or `--aws`).
    Aws { endpoint: Option<String> },
}

impl std::fmt::Display for StoreChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory => f.write_str("memory store"),
            Self::File(path) => write!(f, "file store {}", path.display()),
            Self::Aws { endpoint: Some(e) } => write!(f, "DynamoDB store at {e}"),
            Self::Aws { endpoint: None } => f.write_str("DynamoDB store"),
        }
    }
}

/// The local stack's settings.
#[derive(Clone, Debug)]
pub struct LocalSettings {
    /// `PORT` (default 3000; 0 picks a free port).
    pub port: u16,
    pub store: StoreChoice,
    /// `RAMPART_DATA_DIR`: where the file store and the generated local keys live.
    pub data_dir: PathBuf,
    /// `RAMPART_DRAIN_SECS`: how long in-flight requests get after a stop signal (default 30).
    pub drain: std::time::Duration,
}

impl LocalSettings {
    /// Reads `PORT`, `RAMPART_STORE`, `RAMPART_DATA_DIR`, `RAMPART_AWS_ENDPOINT` and
    /// `RAMPART_DRAIN_SECS`; `aws_flag`
    /// is the `--aws` command-line switch.
    pub fn from_env(aws_flag: bool) -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let port = match var("PORT") {
            Some(p) => p
                .parse()
                .map_err(|_| format!("PORT must be a port number, not {p:?}"))?,
            None => 3000,
        };
        let data_dir =
            PathBuf::from(var("RAMPART_DATA_DIR").unwrap_or_else(|| ".rampart".to_owned()));
        let choice = if aws_flag {
            Some("aws".to_owned())
        } else {
            var("RAMPART_STORE")
        };
        let store = match choice.as_deref() {
            None | Some("file") => StoreChoice::File(data_dir.join("store.jsonl")),
            Some("memory") => StoreChoice::Memory,
            Some("aws") => StoreChoice::Aws {
                endpoint: var("RAMPART_AWS_ENDPOINT"),
            },
            Some(other) => {
                return Err(format!(
                    "RAMPART_STORE must be memory, file or aws, not {other:?}"
                ));
            }
        };
        let drain = match var("RAMPART_DRAIN_SECS") {
            Some(secs) => match secs.parse::<u64>() {
                Ok(secs @ 1..=900) => std::time::Duration::from_secs(secs),
                _ => {
                    return Err(format!(
                        "RAMPART_DRAIN_SECS must be whole seconds from 1 to 900, not {secs:?}"
                    ));
                }
            },
            None => crate::server::DRAIN_TIMEOUT,
        };
        Ok(Self {
            port,
            store,
            data_dir,
            drain,
        })
    }
}

/// The configuration the local stack runs with: the environment, with `STAGE=local` unless
/// set otherwise. No proxy is trusted unless `TRUSTED_PROXIES` names one: every client of the
/// local stack connects from loopback, so trusting loopback would let any of them choose its
/// address with `X-Forwarded-For` (set `TRUSTED_PROXIES=127.0.0.1` to simulate clients).
pub fn local_config() -> Result<Config, String> {
    local_config_from(|name| std::env::var(name).ok())
}

/// [`local_config`] over any source of variables.
pub fn local_config_from(var: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
    Config::from_lookup(|name| {
        var(name)
            .filter(|v| !v.is_empty())
            .or_else(|| (name == "STAGE").then(|| "local".to_owned()))
    })
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_stack_trusts_no_proxy_unless_told() {
        let config = local_config_from(|_| None).unwrap();
        assert_eq!(config.stage, rampart_core::Stage::Local);
        assert!(
            config.trusted_proxies.is_empty(),
            "{:?}",
            config.trusted_proxies
        );
        let told =
            local_config_from(|name| (name == "TRUSTED_PROXIES").then(|| "127.0.0.1".to_owned()))
                .unwrap();
        assert_eq!(told.trusted_proxies.len(), 1);
    }
}

/// Without `DISCORD_PUBLIC_KEY`, generates a key pair for this run and prints its private
/// half so interactions can be signed locally (local stack only; the key dies with the process).
pub fn ensure_discord_key(config: &mut Config) -> Result<(), String> {
    if config.discord_public_key.is_some() {
        return Ok(());
    }
    let keys = rampart_discord::TestKeyPair::generate()?;
    let public = keys.public_key().to_hex();
    println!(
        "discord: DISCORD_PUBLIC_KEY not set; generated a local key pair. Public key {public}; \
         sign interactions with private key {}",
        keys.seed_hex()
    );
    config.discord_public_key = Some(public);
    Ok(())
}

/// The local stack: the app serving every route, and the blob folder whose signed URLs the
/// server answers.
#[derive(Clone)]
pub struct LocalStack {
    pub app: App,
    pub blobs: Arc<LocalBlobs>,
    /// The in-process event bus the request paths queue mail on.
    pub bus: Arc<LocalBus>,
    /// The mail worker that sends what the bus holds.
    pub mail_worker: Arc<MailWorker>,
    /// Whether the server delivers queued mail as it arrives (the local stack); the tests
    /// deliver it themselves, when they choose ([`LocalStack::deliver_mail`]).
    pub deliver_in_background: bool,
    /// The daily health snapshot, run on `POST /_local/health-snapshot`.
    pub health_snapshot: Arc<rampart_discord::daily::SnapshotJob>,
    /// The release worker, fed by the bus as EventBridge feeds it on AWS.
    pub release_worker: Arc<rampart_discord::release_worker::ReleaseWorker>,
    /// The worker's verifier, pointed at this server once it listens.
    pub release_verifier: Arc<rampart_api::compose::AppVerifier>,
    /// How long in-flight requests get to finish after a stop signal.
    pub drain: std::time::Duration,
}

impl LocalStack {
    /// Hands every queued event to its worker, as EventBridge rules do on AWS: mail requests
    /// to the mail worker, release requests to the release worker; deploy requests (for the
    /// team's pipeline, which the local stack has not) are logged. Returns how many were taken,
    /// including those the workers queued meanwhile. A failure is logged.
    pub async fn deliver_mail(&self) -> usize {
        let mut taken = 0;
        loop {
            let events = self.bus.take();
            if events.is_empty() {
                return taken;
            }
            taken += events.len();
            for event in &events {
                match event.source.as_str() {
                    rampart_core::events::RELEASE_SOURCE => {
                        if let Err(error) = self.release_worker.handle(event).await {
                            tracing::error!(%error, "release request not handled");
                        }
                    }
                    rampart_core::events::DEPLOY_SOURCE => tracing::info!(
                        deploy = %event.detail_type,
                        detail = %event.detail,
                        "deploy requested (the local stack has no deploy pipeline)"
                    ),
                    _ => {
                        if let Err(error) = self.mail_worker.handle(event).await {
                            tracing::error!(%error, "queued mail not delivered");
                        }
                    }
                }
            }
        }
    }
}

/// Opens the store `settings` choose (creating the tables on an emulator).
pub async fn open_store(
    settings: &LocalSettings,
    config: &Config,
    clock: SharedClock,
) -> Result<SharedStore, String> {
    Ok(match &settings.store {
        StoreChoice::Memory => Arc::new(EmbeddedStore::memory(clock)),
        StoreChoice::File(path) => {
            Arc::new(EmbeddedStore::open(path, clock).map_err(|e| e.to_string())?)
        }
        StoreChoice::Aws { endpoint } => {
            let aws = match endpoint {
                Some(endpoint) => AwsSettings::emulator(endpoint.clone()),
                None => AwsSettings::default(),
            };
            let sdk = load_sdk_config(&aws).await;
            let names = TableNames::new(config.table_prefix.clone());
            if endpoint.is_some() {
                create_tables(&sdk, &names)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Arc::new(DynamoStore::new(&sdk, names, clock))
        }
    })
}

/// The local secrets (`RAMPART_SECRETS_FILE` and the override variables), with generated
/// signing and encryption keys where they name none.
pub async fn local_secrets(settings: &LocalSettings) -> Result<SecretBundle, String> {
    let mut secrets = (*LocalSecrets::from_env()
        .map_err(|e| e.to_string())?
        .load()
        .await
        .map_err(|e| e.to_string())?)
    .clone();
    let keys_dir = match settings.store {
        StoreChoice::Memory => None,
        _ => Some(settings.data_dir.as_path()),
    };
    crate::ensure_local_keys(&mut secrets, keys_dir)?;
    Ok(secrets)
}

/// Builds the app serving every route, through the same composition root as Lambda.
pub async fn build_app(settings: &LocalSettings, config: Config) -> Result<LocalStack, String> {
    let clock: SharedClock = Arc::new(SystemClock);
    let store = open_store(settings, &config, clock.clone()).await?;
    let secrets = local_secrets(settings).await?;
    let mut signing = [0u8; 32];
    getrandom::fill(&mut signing).map_err(|e| format!("no randomness: {e}"))?;
    let blobs = Arc::new(LocalBlobs::new(
        settings.data_dir.join("blobs"),
        signing,
        clock.clone(),
    ));
    let bus = Arc::new(LocalBus::new());
    let adapters = Adapters {
        store,
        clock,
        secrets: Arc::new(secrets),
        blobs: Some(blobs.clone()),
        events: Some(bus.clone()),
        log_mailer: Arc::new(LogMailer::new(config.stage == Stage::Local)),
        authenticator: None,
        ports: Ports::ALL,
    };
    let mut app =
        rampart_api::build_app(&config, &adapters, routes()).map_err(|e| e.to_string())?;
    // Like a function's cold start: the flags and limit overrides it started with are noted,
    // and a change since the last start is recorded.
    let start = rampart_api::compose::StartNote::new(
        &config,
        adapters.store.clone(),
        adapters.clock.clone(),
        "local",
        &routes(),
    );
    if let Some(seen) = start.warm_up().await {
        start.note(seen).await;
    }
    // Every answer is kept for a day, for the digest's figures of what users met.
    let traffic = Arc::new(rampart_api::traffic::TrafficLog::default());
    let log = traffic.clone();
    app.adjust(move |state| state.traffic = Some(log.clone()))?;
    let mail_worker = Arc::new(mail_worker(&config, &adapters).map_err(|e| e.to_string())?);
    let prober = Arc::new(rampart_discord::daily::HttpProber::new()?);
    let mut job =
        rampart_api::compose::health_snapshot(&config, &adapters, prober.clone(), None, None)
            .map_err(|e| e.to_string())?;
    job.traffic = Some(traffic);
    let health_snapshot = Arc::new(job);
    // Locally the events deployer only logs the deploy requests (no Lambda to move).
    let release = rampart_api::compose::release_worker(&config, &adapters, prober, None, None)
        .map_err(|e| e.to_string())?;
    Ok(LocalStack {
        app,
        blobs,
        bus,
        mail_worker,
        deliver_in_background: true,
        health_snapshot,
        release_worker: Arc::new(release.worker),
        release_verifier: release.verifier,
        drain: settings.drain,
    })
}
