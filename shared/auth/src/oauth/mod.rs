//! Sign-in with GitHub (OAuth 2.0) and Google (OpenID Connect), both with PKCE (S256) and a
//! server-side `state` kept 10 minutes. A provider whose client id and secret are not in the
//! secret is not configured (its routes answer `404 feature_disabled`).
//!
//! What a provider hands back is a verified email address: GitHub's primary, verified address
//! from `/user/emails`; Google's `email` claim of an ID token whose signature (JWKS), issuer,
//! audience, expiry and nonce check out and whose `email_verified` is true.

mod github;
mod http_client;
mod oidc;
pub mod state;

use rampart_core::Masked;
use rampart_core::secrets::SecretBundle;
use rampart_store::{SharedStore, StoreError};

use crate::email::Email;
use crate::secret_token::{constant_time_eq, random_token, token_hash};
use github::GitHub;
use http_client::ProviderHttp;
use oidc::Oidc;
use state::PendingSignIn;

/// A sign-in under way: where to send the browser, and the binder to set in it as a cookie.
#[derive(Clone, Debug)]
pub struct Started {
    pub url: String,
    pub binder: String,
}

/// A sign-in provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    GitHub,
    Google,
}

impl Provider {
    /// The provider named in a path (`github`, `google`).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "github" => Some(Self::GitHub),
            "google" => Some(Self::Google),
            _ => None,
        }
    }

    /// The provider's name in paths and records.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GitHub => "github",
            Self::Google => "google",
        }
    }
}

/// Where the providers live; the defaults are the real ones, tests point them at local
/// servers.
#[derive(Clone, Debug)]
pub struct Endpoints {
    pub github_authorize: String,
    pub github_token: String,
    pub github_api: String,
    pub google_issuer: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self {
            github_authorize: "https://github.com/login/oauth/authorize".into(),
            github_token: "https://github.com/login/oauth/access_token".into(),
            github_api: "https://api.github.com".into(),
            google_issuer: "https://accounts.google.com".into(),
        }
    }
}

/// A client id and secret, from the secret's `oauth_<provider>_client_id` / `_client_secret`.
#[derive(Clone, Debug)]
pub(crate) struct Credentials {
    pub client_id: String,
    pub client_secret: Masked<String>,
    pub redirect_uri: String,
}

fn credentials(
    secrets: &SecretBundle,
    provider: Provider,
    public_base_url: Option<&str>,
) -> Option<Credentials> {
    let value = |suffix: &str| {
        secrets
            .oauth
            .get(&format!("oauth_{}_{suffix}", provider.as_str()))
            .and_then(|v| v.expose().as_str().map(str::to_owned))
            .filter(|v| !v.is_empty())
    };
    let base = public_base_url?;
    Some(Credentials {
        client_id: value("client_id")?,
        client_secret: Masked::new(value("client_secret")?),
        redirect_uri: format!(
            "{}/api/v1/auth/oauth/{}/callback",
            base.trim_end_matches('/'),
            provider.as_str()
        ),
    })
}

/// Who the provider says signed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub provider: Provider,
    /// The provider's stable user id.
    pub subject: String,
    pub email: Email,
}

/// Why an OAuth step failed.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("the provider is not configured")]
    NotConfigured,
    #[error("the state is unknown, used, expired or for another provider")]
    InvalidState,
    #[error("the provider refused: {0}")]
    Provider(String),
    #[error("the provider has no verified email address for this account")]
    EmailNotVerified,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What builds the providers' clients: [`OAuth::new`], named where a function signs in with
/// them.
pub type Factory = fn(SharedStore, &SecretBundle, &Endpoints, Option<&str>) -> OAuth;

/// The configured providers.
#[derive(Clone)]
pub struct OAuth {
    store: SharedStore,
    github: Option<GitHub>,
    google: Option<Oidc>,
}

impl OAuth {
    /// The providers whose credentials are in `secrets`; redirect URIs are under
    /// `public_base_url` (`PUBLIC_BASE_URL`), without which no provider is configured.
    pub fn new(
        store: SharedStore,
        secrets: &SecretBundle,
        endpoints: &Endpoints,
        public_base_url: Option<&str>,
    ) -> Self {
        let http = ProviderHttp::new()
            .inspect_err(|error| tracing::error!(%error, "OAuth HTTP client unavailable"))
            .ok();
        let github = http.clone().and_then(|http| {
            credentials(secrets, Provider::GitHub, public_base_url)
                .map(|c| GitHub::new(c, endpoints, http))
        });
        let google = http.and_then(|http| {
            credentials(secrets, Provider::Google, public_base_url)
                .map(|c| Oidc::new(c, &endpoints.google_issuer, http))
        });
        Self {
            store,
            github,
            google,
        }
    }

    /// No provider: sign-in through OAuth answers "not configured".
    pub fn none(store: SharedStore) -> Self {
        Self {
            store,
            github: None,
            google: None,
        }
    }

    /// Whether `provider` can be used.
    pub fn configured(&self, provider: Provider) -> bool {
        match provider {
            Provider::GitHub => self.github.is_some(),
            Provider::Google => self.google.is_some(),
        }
    }

    /// The provider's authorization URL for a new sign-in, and the binder to set as a cookie
    /// in the browser that asked; the state, PKCE verifier, nonce and the binder's hash are
    /// remembered for 10 minutes.
    pub async fn start(&self, provider: Provider, now: i64) -> Result<Started, OAuthError> {
        let state = random_token().map_err(|e| OAuthError::Provider(e.to_string()))?;
        let binder = random_token().map_err(|e| OAuthError::Provider(e.to_string()))?;
        let (url, pkce_verifier, nonce) = match provider {
            Provider::GitHub => {
                let github = self.github.as_ref().ok_or(OAuthError::NotConfigured)?;
                let (url, verifier) = github.authorize_url(&state)?;
                (url, verifier, None)
            }
            Provider::Google => {
                let google = self.google.as_ref().ok_or(OAuthError::NotConfigured)?;
                let (url, verifier, nonce) = google.authorize_url(&state).await?;
                (url, verifier, Some(nonce))
            }
        };
        let pending = PendingSignIn {
            provider: provider.as_str().to_owned(),
            pkce_verifier,
            nonce,
            binder_hash: token_hash(&binder),
        };
        state::remember(&self.store, &state, &pending, now).await?;
        Ok(Started { url, binder })
    }

    /// Spends the state of a sign-in the provider refused; false when it was not valid.
    pub async fn abandon(
        &self,
        provider: Provider,
        state: &str,
        now: i64,
    ) -> Result<bool, OAuthError> {
        Ok(state::redeem(&self.store, state, now)
            .await?
            .is_some_and(|p| p.provider == provider.as_str()))
    }

    /// Finishes a sign-in: redeems the state (spent whatever follows), checks that `binder`
    /// is the one set in the browser that started it, exchanges the code with its PKCE
    /// verifier and returns the verified identity. A callback opened in another browser (a
    /// link someone else planted, to sign the victim in to the planter's account) fails.
    pub async fn finish(
        &self,
        provider: Provider,
        code: &str,
        state: &str,
        binder: Option<&str>,
        now: i64,
    ) -> Result<Identity, OAuthError> {
        let pending = state::redeem(&self.store, state, now)
            .await?
            .filter(|p| p.provider == provider.as_str())
            .ok_or(OAuthError::InvalidState)?;
        let bound = binder.is_some_and(|b| constant_time_eq(&token_hash(b), &pending.binder_hash));
        if !bound {
            return Err(OAuthError::InvalidState);
        }
        match provider {
            Provider::GitHub => {
                let github = self.github.as_ref().ok_or(OAuthError::NotConfigured)?;
                github.identity(code, &pending.pkce_verifier).await
            }
            Provider::Google => {
                let google = self.google.as_ref().ok_or(OAuthError::NotConfigured)?;
                let nonce = pending.nonce.as_deref().ok_or(OAuthError::InvalidState)?;
                google.identity(code, &pending.pkce_verifier, nonce).await
            }
        }
    }
}
