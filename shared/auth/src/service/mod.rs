//! The account system's operations, on the ports: what the HTTP handlers call.

mod account;
mod api_keys;
mod deliver;
mod journey;
mod passwords;
mod sign_in;

use std::sync::Arc;

use rampart_audit::FieldCipher;
use rampart_core::secrets::SecretBundle;
use rampart_core::{FieldError, Masked, SharedClock};
use rampart_store::{SharedStore, StoreError};

use crate::AuthError;
use crate::api_keys::ApiKeys;
use crate::email::Email;
use crate::keyring::Keyring;
use crate::mailer::{MAIL_REQUESTED, Mail, MailKind, MailRequest, Mailer};
use crate::one_time_tokens::OneTimeTokens;
use crate::password::PasswordHasher;
use crate::sessions::Sessions;
use crate::two_factor::TwoFactor;
use crate::users::{User, Users};
use rampart_core::events::{Event, SharedEventBus};

pub use account::parse_credentials;
pub use deliver::Delivered;
pub use journey::{JOURNEY_DOMAIN, is_journey_address};

/// How recent a sign-in must be to stand in for the password of an account that has none,
/// before deleting it or turning off its second factor.
pub const REAUTH_SECS: i64 = 300;

/// Settings of the account system.
#[derive(Clone, Debug)]
pub struct AuthSettings {
    /// `REFRESH_REUSE_GRACE_SECONDS` (default 10).
    pub refresh_grace_secs: i64,
    /// `PUBLIC_BASE_URL`: OAuth redirect URIs live under it.
    pub public_base_url: Option<String>,
    /// Where the OAuth providers live.
    pub oauth_endpoints: crate::oauth::Endpoints,
    /// What builds the OAuth providers' clients, where the function signs in with them
    /// ([`crate::oauth::OAuth::new`]); `None` builds none, and the provider's code is not
    /// linked into a function that names none.
    pub oauth: Option<crate::oauth::Factory>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            refresh_grace_secs: 10,
            public_base_url: None,
            oauth_endpoints: crate::oauth::Endpoints::default(),
            oauth: Some(crate::oauth::OAuth::new),
        }
    }
}

/// What a client receives when a session is opened or refreshed.
#[derive(Clone, Debug)]
pub struct Tokens {
    pub access_token: Masked<String>,
    pub refresh_token: Masked<String>,
    pub csrf_token: Masked<String>,
    /// Seconds the access token lives.
    pub expires_in: i64,
    pub session_id: String,
}

/// A signed-in user with fresh tokens.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub user: User,
    pub tokens: Tokens,
}

/// The keys-dependent part: absent when the secret lacks signing or encryption keys.
#[derive(Clone)]
pub(crate) struct Keyed {
    pub(crate) keys: Keyring,
    /// Access tokens already verified (shared by the service's clones).
    pub(crate) verified: Arc<crate::access_token::Verified>,
    pub(crate) sessions: Sessions,
    pub(crate) two_factor: TwoFactor,
}

/// The account system.
#[derive(Clone)]
pub struct AuthService {
    clock: SharedClock,
    users: Users,
    tokens: OneTimeTokens,
    api_keys: ApiKeys,
    hasher: Arc<PasswordHasher>,
    /// Sends mail: only the mail worker's service sends ([`AuthService::deliver`]).
    mailer: Arc<dyn Mailer>,
    /// Where the request path puts the mail it wants sent.
    mail_queue: SharedEventBus,
    keyed: Result<Keyed, String>,
    pub(crate) oauth: crate::oauth::OAuth,
}

impl AuthService {
    /// The service on `store`, with keys from `secrets`. Missing or weak keys do not stop the
    /// process (routes that need no keys keep working); routes that need them answer 503
    /// and the reason is logged once here. Requests queue mail on `mail_queue`; the mail
    /// worker's service sends it with `mailer`.
    pub fn new(
        store: SharedStore,
        clock: SharedClock,
        secrets: &SecretBundle,
        mailer: Arc<dyn Mailer>,
        mail_queue: SharedEventBus,
        settings: &AuthSettings,
    ) -> Self {
        let keyed = Keyring::from_entries(&secrets.jwt_signing_keys)
            .map_err(|e| e.to_string())
            .and_then(|keys| {
                let cipher = FieldCipher::from_entries(&secrets.field_encryption_keys)
                    .map_err(|e| e.to_string())?;
                let sessions = Sessions::new(
                    store.clone(),
                    keys.clone(),
                    cipher.clone(),
                    settings.refresh_grace_secs,
                );
                let two_factor = TwoFactor::new(store.clone(), cipher);
                Ok(Keyed {
                    keys,
                    verified: Arc::default(),
                    sessions,
                    two_factor,
                })
            })
            .inspect_err(|error| tracing::debug!(%error, "sign-in is unavailable"));
        let oauth = match settings.oauth {
            Some(build) => build(
                store.clone(),
                secrets,
                &settings.oauth_endpoints,
                settings.public_base_url.as_deref(),
            ),
            None => crate::oauth::OAuth::none(store.clone()),
        };
        Self {
            oauth,
            clock,
            users: Users::new(store.clone()),
            tokens: OneTimeTokens::new(store.clone()),
            api_keys: ApiKeys::new(store),
            hasher: Arc::new(PasswordHasher::new()),
            mailer,
            mail_queue,
            keyed,
        }
    }

    pub(crate) fn keyed(&self) -> Result<&Keyed, AuthError> {
        self.keyed
            .as_ref()
            .map_err(|why| AuthError::Unavailable(why.clone()))
    }

    pub(crate) fn clock_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.now_secs()
    }

    /// The accounts repository.
    pub fn users(&self) -> &Users {
        &self.users
    }

    /// Hashes off the async threads, on the process's hashing threads (one per core):
    /// Argon2id takes tens of milliseconds and 19 MiB by design.
    async fn hash(&self, password: &str) -> Result<String, AuthError> {
        let hasher = self.hasher.clone();
        let password = Masked::new(password.to_owned());
        crate::hash_pool::run(move || hasher.hash(password.expose()))
            .await
            .map_err(|e| AuthError::Internal(e.to_string()))?
            .map_err(|e| AuthError::Internal(e.to_string()))
    }

    /// Proof that the caller owns `user` before an irreversible change: its password, or, for
    /// an account without one (created through OAuth), that the caller's session began within
    /// [`REAUTH_SECS`] (a fresh sign-in at the provider). Either way `InvalidCredentials`.
    pub(crate) async fn confirm_owner(
        &self,
        user: &User,
        password: Option<&str>,
        session_id: Option<&str>,
    ) -> Result<(), AuthError> {
        if user.password_hash.is_some() {
            let given = password.unwrap_or_default();
            return if self
                .password_matches(given, user.password_hash.as_deref())
                .await
            {
                Ok(())
            } else {
                Err(AuthError::InvalidCredentials)
            };
        }
        let keyed = self.keyed()?;
        let session = match session_id {
            Some(id) => keyed.sessions.get(id).await?,
            None => None,
        };
        match session {
            Some(s) if s.user_id == user.id && self.now() - s.created_at <= REAUTH_SECS => Ok(()),
            _ => Err(AuthError::InvalidCredentials),
        }
    }

    pub(crate) async fn password_matches(&self, password: &str, phc: Option<&str>) -> bool {
        let hasher = self.hasher.clone();
        let password = Masked::new(password.to_owned());
        let phc = phc.map(str::to_owned);
        crate::hash_pool::run(move || hasher.verify(password.expose(), phc.as_deref()))
            .await
            .unwrap_or(false)
    }

    /// Queues a mail for the worker. The request path never sends mail itself: an SMTP round
    /// trip would make it slow, fail with the mail server, and tell by its timing whether
    /// the address has an account.
    pub(crate) async fn request_mail(
        &self,
        kind: MailKind,
        to: &Email,
        user_id: Option<&str>,
    ) -> Result<(), AuthError> {
        let request = MailRequest {
            kind,
            to: to.given().to_owned(),
            user_id: user_id.map(str::to_owned),
        };
        let detail = serde_json::to_value(&request)
            .map_err(|e| AuthError::Internal(format!("mail request: {e}")))?;
        self.mail_queue
            .publish(Event::new(MAIL_REQUESTED, detail))
            .await
            .map_err(|error| {
                tracing::error!(%error, mail_kind = kind.as_str(), "mail not queued");
                AuthError::Unavailable(format!("mail not queued: {error}"))
            })
    }

    /// Queues a notice to `user` whose loss must not undo what was done (the password changed,
    /// 2FA turned off): a queue failure is logged (by [`AuthService::request_mail`]) and the
    /// request stands. An address nobody has proved gets no notices: whoever registered it may
    /// not own it, and a loop of such changes must not become a way to mail someone else.
    pub(crate) async fn notify(&self, kind: MailKind, user: &User) {
        if user.email_verified {
            let _ = self.request_mail(kind, &user.email, None).await;
        }
    }

    /// Sends one mail now: the worker's last step.
    pub(crate) async fn send(
        &self,
        kind: MailKind,
        to: &Email,
        token: Option<String>,
    ) -> Result<(), AuthError> {
        let mail = Mail {
            kind,
            to: to.clone(),
            token: token.map(Masked::new),
        };
        self.mailer
            .send(mail)
            .await
            .map_err(|error| AuthError::Unavailable(error.to_string()))
    }
}

impl From<StoreError> for AuthError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(why) => Self::Unavailable(why),
            StoreError::InvalidCursor => Self::Validation(vec![FieldError::new(
                "cursor",
                "is not a cursor this list issued",
            )]),
            other => Self::Internal(other.to_string()),
        }
    }
}
