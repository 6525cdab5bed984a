//! What a function's handlers share: configuration, ports and pipeline services.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use http::request::Parts;
use http::{Request, Response};
use rampart_audit::AuditLog;
use rampart_auth::{AuthService, User};
use rampart_blob::BlobStore;
use rampart_core::secrets::SecretBundle;
use rampart_core::{ApiError, Config, SharedClock};
use rampart_ratelimit::Limiter;
use rampart_rbac::Principal;
use rampart_store::SharedStore;

use crate::context::RequestContext;

/// The future a handler returns.
pub type HandlerFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Response<Bytes>, ApiError>> + Send + 'a>>;

/// A route handler.
pub type Handler =
    for<'a> fn(&'a AppState, &'a RequestContext, Request<Bytes>) -> HandlerFuture<'a>;

/// A handler that answers 404 to everything (test route tables, and routes a function only
/// matches but does not serve).
pub fn not_found_handler<'a>(
    _state: &'a AppState,
    _ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async { Err(ApiError::NotFound) })
}

/// A handler that answers `503 service_unavailable` to everything (a function whose cold
/// start could not finish).
pub fn unavailable_handler<'a>(
    _state: &'a AppState,
    _ctx: &'a RequestContext,
    _req: Request<Bytes>,
) -> HandlerFuture<'a> {
    Box::pin(async {
        Err(ApiError::ServiceUnavailable(
            "the function could not start".to_owned(),
        ))
    })
}

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
    /// The user the request's credentials name, when that can be known without the store (a
    /// signed token's subject, once its signature verifies), so the caller's rate-limit count
    /// can go out with the reads [`Authenticator::authenticate`] makes. It may leave what it
    /// verified in `parts` for `authenticate` to use; `authenticate` still decides.
    fn claim(&self, _parts: &mut Parts) -> Option<String> {
        None
    }

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

/// The Discord parts of a function that serves the interactions webhook.
pub struct DiscordParts {
    /// The application's public key (`None` when `DISCORD_PUBLIC_KEY` is not set: every
    /// interaction then answers 503).
    pub key: Option<rampart_discord::PublicKey>,
    /// The command registry, permission matrix and state store.
    pub bot: rampart_discord::Bot,
    /// Discord's REST API, when the secret holds a bot token.
    pub api: Option<Arc<dyn rampart_discord::rest::DiscordApi>>,
}

/// What one function's handlers share, built by [`crate::compose`] from the function's
/// declared routes: its store sees only the declared tables, and the clients it holds are
/// only those its routes use.
pub struct AppState {
    pub config: Config,
    /// The store, limited to the function's declared table access.
    pub store: SharedStore,
    pub clock: SharedClock,
    pub limiter: Limiter,
    pub audit: AuditLog,
    pub authenticator: Arc<dyn Authenticator>,
    /// The account system.
    pub auth: AuthService,
    /// Exports and media (functions that use [`crate::Port::Blobs`]).
    pub blobs: Option<Arc<dyn BlobStore>>,
    /// Which changed paths make a PR riskier (`PR_INTEL_SENSITIVE_PATHS`, compiled at start;
    /// functions that use [`crate::Port::PrRisk`]).
    pub sensitive_paths: Option<rampart_ops::pr_intel::SensitivePaths>,
    /// Secrets, fetched once at cold start.
    pub secrets: Arc<SecretBundle>,
    /// The Discord webhook's parts (functions that use [`crate::Port::Discord`]).
    pub discord: Option<DiscordParts>,
    /// The build's version, reported by `/health`.
    pub version: &'static str,
    /// Switches the function's features off when they keep failing.
    pub degradation: std::sync::Arc<crate::degradation::Degradation>,
    /// Where the local stack keeps every answer for the daily digest (`None` on AWS, where the
    /// API's metrics hold them).
    pub traffic: Option<std::sync::Arc<crate::traffic::TrafficLog>>,
}
