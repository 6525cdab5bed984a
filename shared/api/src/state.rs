//! What every handler shares: configuration, ports and pipeline services.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use http::request::Parts;
use http::{Request, Response};
use rampart_audit::AuditLog;
use rampart_auth::smtp::SmtpMailer;
use rampart_auth::{AuthService, AuthSettings, LogMailer, Mailer, User};
use rampart_blob::{BlobStore, LocalBlobs};
use rampart_core::secrets::SecretBundle;
use rampart_core::{ApiError, Config, SharedClock, Stage};
use rampart_ratelimit::Limiter;
use rampart_rbac::Principal;
use rampart_store::SharedStore;

use crate::authn::SessionAuthenticator;
use crate::context::RequestContext;

/// The future a handler returns.
pub type HandlerFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Response<Bytes>, ApiError>> + Send + 'a>>;

/// A route handler.
pub type Handler =
    for<'a> fn(&'a AppState, &'a RequestContext, Request<Bytes>) -> HandlerFuture<'a>;

/// Who a request comes from.
#[derive(Clone, Debug)]
pub struct Authenticated {
    pub principal: Principal,
    /// The caller's account as read while authenticating (users only; API keys have none),
    /// so a handler that needs it does not read it again.
    pub account: Option<User>,
}

impl From<Principal> for Authenticated {
    fn from(principal: Principal) -> Self {
        Self {
            principal,
            account: None,
        }
    }
}

/// Turns request credentials into a principal.
#[async_trait]
pub trait Authenticator: Send + Sync {
    /// `Ok(None)` when the request carries no credentials; an error (401) when it carries
    /// credentials that are invalid.
    async fn authenticate(&self, parts: &Parts) -> Result<Option<Authenticated>, ApiError>;
}

/// Recognises no credentials, so every protected route answers 401.
pub struct NoCredentials;

#[async_trait]
impl Authenticator for NoCredentials {
    async fn authenticate(&self, _parts: &Parts) -> Result<Option<Authenticated>, ApiError> {
        Ok(None)
    }
}

/// Shared state of one process.
pub struct AppState {
    pub config: Config,
    pub store: SharedStore,
    pub clock: SharedClock,
    pub limiter: Limiter,
    pub audit: AuditLog,
    pub authenticator: Arc<dyn Authenticator>,
    /// Whether `authenticator` was installed by hand (tests), so rebuilding the account
    /// system keeps it.
    custom_authenticator: bool,
    /// The account system.
    pub auth: AuthService,
    /// Where account mail goes.
    pub mailer: Arc<dyn Mailer>,
    /// Exports and media (`None` where the function has no bucket).
    pub blobs: Option<Arc<dyn BlobStore>>,
    /// Which changed paths make a PR riskier.
    pub sensitive_paths: rampart_ops::pr_intel::SensitivePaths,
    /// The local stack's blob folder, whose signed URLs the local server serves.
    pub local_blobs: Option<Arc<LocalBlobs>>,
    /// Secrets, fetched once at cold start.
    pub secrets: Arc<SecretBundle>,
    /// The Discord application's public key, parsed once (`None` when not configured).
    pub discord_key: Option<rampart_discord::PublicKey>,
    /// The Discord bot: command registry, permission matrix, state store.
    pub bot: rampart_discord::Bot,
    /// Discord's REST API, when a bot token is configured.
    pub discord_api: Option<Arc<dyn rampart_discord::rest::DiscordApi>>,
    /// The build's version, reported by `/health`.
    pub version: &'static str,
}

impl AppState {
    /// State with the pipeline services built on `store` and `clock`.
    pub fn new(config: Config, store: SharedStore, clock: SharedClock) -> Self {
        let matrix = rampart_discord::PermissionMatrix::parse(
            rampart_discord::permissions::DEFAULT_MATRIX,
            &config.admin_role_ids,
            config.enabled(rampart_core::Feature::Rbac),
        )
        .unwrap_or_else(|error| {
            // The matrix is compiled in and checked by a test; the fallback denies every
            // gated command (whatever RBAC_ENABLED says).
            tracing::error!(%error, "permission matrix unusable; gated commands are denied");
            rampart_discord::PermissionMatrix::default()
        })
        .with_guild(config.discord_guild_id.clone());
        let bot = rampart_discord::Bot::new(
            rampart_discord::registry::commands(),
            matrix,
            store.clone(),
            clock.clone(),
        );
        let mailer: Arc<dyn Mailer> = Arc::new(LogMailer::new(config.stage == Stage::Local));
        let secrets = Arc::new(SecretBundle::default());
        let auth = build_auth(&config, &store, &clock, &secrets, &mailer);
        Self {
            bot,
            discord_api: None,
            limiter: Limiter::new(store.clone(), clock.clone()),
            audit: AuditLog::new(store.clone(), clock.clone(), config.audit_retention_days),
            authenticator: Arc::new(SessionAuthenticator::new(auth.clone(), &config)),
            custom_authenticator: false,
            auth,
            mailer,
            blobs: None,
            local_blobs: None,
            sensitive_paths: sensitive_paths(&config),
            secrets,
            discord_key: config.discord_public_key.as_deref().and_then(|hex| {
                rampart_discord::PublicKey::from_hex(hex)
                    .inspect_err(|error| tracing::error!(%error, "DISCORD_PUBLIC_KEY unusable"))
                    .ok()
            }),
            version: env!("CARGO_PKG_VERSION"),
            config,
            store,
            clock,
        }
    }

    /// Installs the secret bundle: with its bot token the Discord REST client, with its
    /// `smtp_url` (and `MAIL_FROM`) the SMTP mailer.
    pub fn with_secrets(mut self, secrets: Arc<SecretBundle>) -> Self {
        if let Some(token) = &secrets.discord_bot_token {
            let base = self
                .config
                .discord_api_base
                .clone()
                .unwrap_or_else(|| rampart_discord::rest::DEFAULT_BASE_URL.to_owned());
            match rampart_discord::rest::RestClient::new(
                base,
                Some(token.clone()),
                Arc::new(rampart_discord::rest::TokioSleeper),
                self.clock.clone(),
            ) {
                Ok(client) => self.discord_api = Some(Arc::new(client)),
                Err(error) => tracing::error!(%error, "Discord REST client unavailable"),
            }
        }
        if let Some(url) = &secrets.smtp_url {
            match &self.config.mail_from {
                Some(from) => {
                    match SmtpMailer::new(url.expose(), from, self.config.frontend_base_url.clone())
                    {
                        Ok(smtp) => self.mailer = Arc::new(smtp),
                        Err(error) => {
                            tracing::error!(%error, "SMTP mailer unavailable; mail is only logged")
                        }
                    }
                }
                None => {
                    tracing::error!("smtp_url is set but MAIL_FROM is not; mail is only logged")
                }
            }
        }
        self.secrets = secrets;
        self.rebuild_auth();
        self
    }

    /// Stores blobs in `blobs`.
    pub fn with_blobs(mut self, blobs: Arc<dyn BlobStore>) -> Self {
        self.blobs = Some(blobs);
        self
    }

    /// Stores blobs in a local folder whose signed URLs the local server serves.
    pub fn with_local_blobs(mut self, blobs: Arc<LocalBlobs>) -> Self {
        self.blobs = Some(blobs.clone());
        self.local_blobs = Some(blobs);
        self
    }

    /// Sends account mail through `mailer`.
    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = mailer;
        self.rebuild_auth();
        self
    }

    /// Installs an authenticator in place of the account system's.
    pub fn with_authenticator(mut self, authenticator: Arc<dyn Authenticator>) -> Self {
        self.authenticator = authenticator;
        self.custom_authenticator = true;
        self
    }

    fn rebuild_auth(&mut self) {
        self.auth = build_auth(
            &self.config,
            &self.store,
            &self.clock,
            &self.secrets,
            &self.mailer,
        );
        if !self.custom_authenticator {
            self.authenticator =
                Arc::new(SessionAuthenticator::new(self.auth.clone(), &self.config));
        }
    }
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

/// The configured sensitive-path globs, or the defaults when they are absent or invalid.
fn sensitive_paths(config: &Config) -> rampart_ops::pr_intel::SensitivePaths {
    use rampart_ops::pr_intel::SensitivePaths;
    match &config.pr_intel_sensitive_paths {
        Some(globs) => SensitivePaths::new(globs).unwrap_or_else(|error| {
            tracing::error!(%error, "PR_INTEL_SENSITIVE_PATHS unusable; using the defaults");
            SensitivePaths::defaults()
        }),
        None => SensitivePaths::defaults(),
    }
}

fn build_auth(
    config: &Config,
    store: &SharedStore,
    clock: &SharedClock,
    secrets: &SecretBundle,
    mailer: &Arc<dyn Mailer>,
) -> AuthService {
    AuthService::new(
        store.clone(),
        clock.clone(),
        secrets,
        mailer.clone(),
        &AuthSettings {
            refresh_grace_secs: i64::from(config.refresh_reuse_grace_seconds),
            public_base_url: config.public_base_url.clone(),
            oauth_endpoints: oauth_endpoints(config),
        },
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rampart_core::ManualClock;
    use rampart_core::secrets::SecretBundle;
    use rampart_store::EmbeddedStore;

    use super::*;

    #[test]
    fn the_discord_client_exists_only_with_a_bot_token() {
        let clock = Arc::new(ManualClock::at_ms(0));
        let state = || {
            AppState::new(
                Config::local(),
                Arc::new(EmbeddedStore::memory(clock.clone())),
                clock.clone(),
            )
        };
        assert!(
            state()
                .with_secrets(Arc::new(SecretBundle::default()))
                .discord_api
                .is_none()
        );
        let bundle = SecretBundle::from_json(r#"{"discord_bot_token":"bot-1"}"#).unwrap();
        assert!(state().with_secrets(Arc::new(bundle)).discord_api.is_some());
    }
}
