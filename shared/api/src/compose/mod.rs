//! The one composition root. Lambda (`rampart-lambda-host`), the local stack and the tests all
//! build the application here, from the same [`Config`] and the adapters their host provides.
//!
//! Every function gets its own [`AppState`]: a store limited to the tables and access kinds
//! its routes declare (so an undeclared access fails in tests as it would on AWS), and only
//! the clients its routes use ([`Port`]). Settings that the function's clients need are
//! parsed here, once; a bad value stops the start with a message naming the variable.

use std::collections::BTreeMap;
use std::sync::Arc;

use rampart_audit::AuditLog;
use rampart_auth::{AuthService, AuthSettings, Mailer};
use rampart_blob::{BlobAccess, BlobStore, ScopedBlobs};
use rampart_core::events::{Event, EventBus, EventError, SharedEventBus};
use rampart_core::secrets::SecretBundle;
use rampart_core::{Config, Feature, SharedClock};
use rampart_ops::pr_intel::SensitivePaths;
use rampart_ratelimit::Limiter;
use rampart_store::{ScopedStore, SharedStore, TableAccess};

use crate::authn::SessionAuthenticator;
use crate::pipeline::App;
use crate::routes::{Port, Route};
use crate::state::{AppState, Authenticator, DiscordParts};

mod discord;
mod health_snapshot;
mod key_rotation;
mod mail_worker;
use discord::{bot_settings, discord};
mod ports;
mod release_worker;
mod start;

pub use health_snapshot::{
    HEALTH_SNAPSHOT_FUNCTION, HEALTH_SNAPSHOT_TABLES, deployed_function_name, health_snapshot,
};
pub use key_rotation::{
    KEY_ROTATION_FUNCTION, KEY_ROTATION_SCANS, KEY_ROTATION_TABLES, key_rotation,
};
pub use mail_worker::{
    MAIL_WORKER_FUNCTION, MAIL_WORKER_TABLES, MailWorker, WorkerError, mail_worker,
};
use ports::given;
pub use ports::{DiscordPort, Ports, PrRiskPort};
pub use release_worker::{
    AppVerifier, RELEASE_WORKER_FUNCTION, RELEASE_WORKER_TABLES, ReleaseWorkerParts, release_worker,
};
pub use start::StartNote;

/// What the host provides: the adapters behind the ports.
#[derive(Clone)]
pub struct Adapters {
    /// The whole store; each function sees it through its declared access.
    pub store: SharedStore,
    pub clock: SharedClock,
    /// Secrets, fetched once at cold start.
    pub secrets: Arc<SecretBundle>,
    /// The blob store, where the host has one (`BLOB_BUCKET`, or the local folder).
    pub blobs: Option<Arc<dyn BlobStore>>,
    /// The event bus that mail requests go to (`EVENT_BUS_NAME`, or the local queue).
    pub events: Option<SharedEventBus>,
    /// Where the mail worker sends account mail when the secret names no SMTP server (the
    /// log; the tests read its outbox).
    pub log_mailer: Arc<dyn Mailer>,
    /// Replaces the account system's authenticator (tests).
    pub authenticator: Option<Arc<dyn Authenticator>>,
    /// The constructors of the other ports.
    pub ports: Ports,
}

impl Adapters {
    /// An in-memory store, no secrets, no blobs, mail queued in process and no other port: for tools,
    /// benchmarks and functions that touch nothing (the fallback). Add ports with
    /// [`Adapters::with_ports`].
    pub fn in_memory(clock: SharedClock) -> Self {
        Self {
            store: Arc::new(rampart_store::EmbeddedStore::memory(clock.clone())),
            clock,
            secrets: Arc::new(SecretBundle::default()),
            blobs: None,
            events: Some(Arc::new(rampart_core::events::LocalBus::new())),
            log_mailer: Arc::new(rampart_auth::LogMailer::new(false)),
            authenticator: None,
            ports: Ports::NONE,
        }
    }

    /// The same adapters over `store`.
    pub fn with_store(self, store: SharedStore) -> Self {
        Self { store, ..self }
    }

    /// The same adapters with these port constructors.
    pub fn with_ports(self, ports: Ports) -> Self {
        Self { ports, ..self }
    }
}

/// Why the application could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting that parses into nothing usable.
    #[error("{variable}: {reason}")]
    Setting {
        variable: &'static str,
        reason: String,
    },
    /// A route needs something the host did not provide.
    #[error("function {function} {reason}")]
    Missing {
        function: &'static str,
        reason: &'static str,
    },
    /// No route of the table is served by the function.
    #[error("no route in the route table is served by function {0}")]
    UnknownFunction(String),
}

/// The application serving `routes`: one state per function, each built by
/// [`function_state`]. The process-wide state ([`App::state`]) is that of the only function,
/// or, when several are served (local stack, tests), one over all their routes.
pub fn build_app(
    config: &Config,
    adapters: &Adapters,
    routes: Vec<Route>,
) -> Result<App, StartError> {
    let mut by_function: BTreeMap<&'static str, Vec<Route>> = BTreeMap::new();
    for route in &routes {
        by_function
            .entry(route.function)
            .or_default()
            .push(route.clone());
    }
    let mut states = BTreeMap::new();
    for (function, function_routes) in &by_function {
        states.insert(
            *function,
            Arc::new(function_state(config, adapters, function_routes)?),
        );
    }
    let primary = match states.values().next() {
        Some(only) if states.len() == 1 => only.clone(),
        _ => Arc::new(function_state(config, adapters, &routes)?),
    };
    Ok(App::with_states(primary, states, routes))
}

/// The app for one Lambda function: its routes of `routes`.
pub fn build_function(
    config: &Config,
    adapters: &Adapters,
    routes: Vec<Route>,
    function: &str,
) -> Result<App, StartError> {
    let mine: Vec<Route> = routes
        .into_iter()
        .filter(|r| r.function == function)
        .collect();
    if mine.is_empty() {
        return Err(StartError::UnknownFunction(function.to_owned()));
    }
    build_app(config, adapters, mine)
}

/// The table access of a set of routes, merged.
pub fn declared_access(routes: &[Route]) -> Vec<TableAccess> {
    TableAccess::normalize(routes.iter().flat_map(Route::table_access).collect())
}

/// The state of a function serving `routes`.
pub fn function_state(
    config: &Config,
    adapters: &Adapters,
    routes: &[Route],
) -> Result<AppState, StartError> {
    let function = routes.first().map_or("(none)", |r| r.function);
    let uses = |port: Port| routes.iter().any(|r| r.uses(port));
    let store: SharedStore = Arc::new(ScopedStore::new(
        adapters.store.clone(),
        &declared_access(routes),
    ));
    let clock = adapters.clock.clone();
    let ports = &adapters.ports;
    let mail_queue = if uses(Port::Mailer) {
        given(function, Port::Mailer, adapters.events.clone())?
    } else {
        Arc::new(UndeclaredMailQueue) as SharedEventBus
    };
    // A request path never sends mail; it queues it for the mail worker.
    let auth = AuthService::new(
        store.clone(),
        clock.clone(),
        &adapters.secrets,
        Arc::new(NotOnTheRequestPath),
        mail_queue,
        &AuthSettings {
            refresh_grace_secs: i64::from(config.refresh_reuse_grace_seconds),
            public_base_url: config.public_base_url.clone(),
            oauth_endpoints: oauth_endpoints(config),
            oauth: if uses(Port::OAuth) {
                Some(given(function, Port::OAuth, ports.oauth)?)
            } else {
                None
            },
        },
    );
    let authenticator = match &adapters.authenticator {
        Some(custom) => custom.clone(),
        None => Arc::new(SessionAuthenticator::new(auth.clone(), config)),
    };
    let blobs = if uses(Port::Blobs) {
        let inner = adapters.blobs.clone().ok_or(StartError::Missing {
            function,
            reason: "uses the blob store, but none is configured (BLOB_BUCKET)",
        })?;
        let mut declared: Vec<BlobAccess> = routes.iter().flat_map(|r| r.blobs.to_vec()).collect();
        declared.sort();
        declared.dedup();
        Some(Arc::new(ScopedBlobs::new(inner, &declared)) as Arc<dyn BlobStore>)
    } else {
        None
    };
    let discord = if uses(Port::Discord) {
        let mut parts = given(function, Port::Discord, ports.discord)?(config, adapters, &store)?;
        if uses(Port::Releases) {
            parts.bot.events = Some(given(function, Port::Releases, adapters.events.clone())?);
        }
        Some(parts)
    } else {
        None
    };
    Ok(AppState {
        limiter: Limiter::new(store.clone(), clock.clone())
            .with_overrides(rate_overrides(config)?)
            .with_identifiers(rate_identifiers(config, adapters, routes)?),
        audit: AuditLog::new(store.clone(), clock.clone(), config.audit_retention_days),
        authenticator,
        auth,
        blobs,
        sensitive_paths: if uses(Port::PrRisk) {
            Some(given(function, Port::PrRisk, ports.pr_risk)?(config)?)
        } else {
            None
        },
        secrets: adapters.secrets.clone(),
        discord,
        version: env!("CARGO_PKG_VERSION"),
        degradation: Arc::new(crate::degradation::Degradation::new(config.degradation)),
        traffic: None,
        config: config.clone(),
        store,
        clock,
    })
}

/// The OAuth providers' endpoints: the real ones unless the configuration overrides them.
fn oauth_endpoints(config: &Config) -> rampart_auth::oauth::Endpoints {
    let defaults = rampart_auth::oauth::Endpoints::default();
    let o = &config.oauth_endpoints;
    rampart_auth::oauth::Endpoints {
        github_authorize: o
            .github_authorize
            .clone()
            .unwrap_or(defaults.github_authorize),
        github_token: o.github_token.clone().unwrap_or(defaults.github_token),
        github_api: o.github_api.clone().unwrap_or(defaults.github_api),
        google_issuer: o.google_issuer.clone().unwrap_or(defaults.google_issuer),
    }
}

/// `RATE_LIMIT_OVERRIDES`, or none.
fn rate_overrides(config: &Config) -> Result<rampart_ratelimit::Overrides, StartError> {
    match &config.rate_limit_overrides {
        Some(json) => {
            rampart_ratelimit::Overrides::parse(json).map_err(|reason| StartError::Setting {
                variable: "RATE_LIMIT_OVERRIDES",
                reason,
            })
        }
        None => Ok(rampart_ratelimit::Overrides::default()),
    }
}

/// How the limiter hashes addresses: under the secret's `rate_limit_key`, which a deployed
/// function that limits anything must have (checked here, at cold start); the local stage
/// may go without (a fixed key: nothing there is worth hiding from its own operator).
fn rate_identifiers(
    config: &Config,
    adapters: &Adapters,
    routes: &[Route],
) -> Result<rampart_ratelimit::Identifiers, StartError> {
    let variable = "the secret's rate_limit_key";
    match &adapters.secrets.rate_limit_key {
        Some(key) => {
            rampart_ratelimit::Identifiers::keyed(key.expose().as_bytes()).map_err(|error| {
                StartError::Setting {
                    variable,
                    reason: error.to_string(),
                }
            })
        }
        None => {
            let limits = routes.iter().any(Route::limits_clients);
            if limits
                && config.stage != rampart_core::Stage::Local
                && config.enabled(rampart_core::Feature::RateLimiting)
            {
                return Err(StartError::Setting {
                    variable,
                    reason: "required outside the local stage: rate-limit keys are keyed \
                             hashes of client and account addresses"
                        .to_owned(),
                });
            }
            Ok(rampart_ratelimit::Identifiers::local())
        }
    }
}

/// `PR_INTEL_SENSITIVE_PATHS`, or the defaults when unset.
fn sensitive_paths(config: &Config) -> Result<SensitivePaths, StartError> {
    match &config.pr_intel_sensitive_paths {
        Some(globs) => SensitivePaths::new(globs).map_err(|error| StartError::Setting {
            variable: "PR_INTEL_SENSITIVE_PATHS",
            reason: error.to_string(),
        }),
        None => Ok(SensitivePaths::defaults()),
    }
}

/// The mailer of every request path: mail is queued there ([`Port::Mailer`]) and sent by the
/// mail worker, so a send from a request path is a defect, reported as an error (and so
/// logged) rather than mail leaving.
struct NotOnTheRequestPath;

#[async_trait::async_trait]
impl Mailer for NotOnTheRequestPath {
    async fn send(&self, mail: rampart_auth::Mail) -> Result<(), rampart_auth::mailer::MailError> {
        Err(rampart_auth::mailer::MailError(format!(
            "{} mail sent from a request path instead of the mail worker",
            mail.kind.as_str()
        )))
    }
}

/// The mail queue of a function whose routes declare no mail: queueing is a defect of the
/// route table, reported as an error rather than a request silently published.
struct UndeclaredMailQueue;

#[async_trait::async_trait]
impl EventBus for UndeclaredMailQueue {
    async fn publish(&self, event: Event) -> Result<(), EventError> {
        Err(EventError::Refused(format!(
            "{} from a function whose routes do not declare the mailer port",
            event.detail_type
        )))
    }
}

#[cfg(test)]
mod tests;
