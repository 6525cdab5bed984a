//! The account system's operations, on the ports: what the HTTP handlers call.

use std::sync::Arc;

use rampart_audit::FieldCipher;
use rampart_core::secrets::SecretBundle;
use rampart_core::{FieldError, Masked, SharedClock};
use rampart_rbac::{Permission, Principal, PrincipalKind, Role};
use rampart_store::{SharedStore, StoreError};

use crate::access_token::{self, ACCESS_TOKEN_SECS, AccessTokenError};
use crate::api_keys::{ApiKey, ApiKeys, KeyError};
use crate::email::Email;
use crate::keyring::Keyring;
use crate::mailer::{Mail, MailKind, Mailer};
use crate::one_time_tokens::{IssueError, OneTimeTokens, TokenPurpose};
use crate::password::{Password, PasswordHasher};
use crate::sessions::{Issued, Origin, RefreshOutcome, Session, SessionError, Sessions};
use crate::two_factor::TwoFactor;
use crate::users::{CreateError, User, UserView, Users};
use crate::{AuthError, csrf};

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
    /// Whether to build the OAuth providers' clients (only the sign-in routes use them; each
    /// costs an HTTP client at cold start).
    pub oauth: bool,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            refresh_grace_secs: 10,
            public_base_url: None,
            oauth_endpoints: crate::oauth::Endpoints::default(),
            oauth: true,
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
    mailer: Arc<dyn Mailer>,
    keyed: Result<Keyed, String>,
    pub(crate) oauth: crate::oauth::OAuth,
}

impl AuthService {
    /// The service on `store`, with keys from `secrets`. Missing or weak keys do not stop the
    /// process (routes that need no keys keep working); routes that need them answer 503
    /// and the reason is logged once here.
    pub fn new(
        store: SharedStore,
        clock: SharedClock,
        secrets: &SecretBundle,
        mailer: Arc<dyn Mailer>,
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
                    sessions,
                    two_factor,
                })
            })
            .inspect_err(|error| tracing::debug!(%error, "sign-in is unavailable"));
        let oauth = if settings.oauth {
            crate::oauth::OAuth::new(
                store.clone(),
                secrets,
                &settings.oauth_endpoints,
                settings.public_base_url.as_deref(),
            )
        } else {
            crate::oauth::OAuth::none(store.clone())
        };
        Self {
            oauth,
            clock,
            users: Users::new(store.clone()),
            tokens: OneTimeTokens::new(store.clone()),
            api_keys: ApiKeys::new(store),
            hasher: Arc::new(PasswordHasher::new()),
            mailer,
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

    /// Hashes off the async threads: Argon2id takes tens of milliseconds by design.
    async fn hash(&self, password: &str) -> Result<String, AuthError> {
        let hasher = self.hasher.clone();
        let password = Masked::new(password.to_owned());
        tokio::task::spawn_blocking(move || hasher.hash(password.expose()))
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
        tokio::task::spawn_blocking(move || hasher.verify(password.expose(), phc.as_deref()))
            .await
            .unwrap_or(false)
    }

    /// Creates an account and mails a verification token. A taken address answers exactly
    /// as a new one does (after the same work) and mails its owner instead.
    pub async fn register(
        &self,
        email: &str,
        password: &str,
        role: Role,
        verified: bool,
    ) -> Result<UserView, AuthError> {
        let (email, password) = parse_credentials(email, password)?;
        let hash = self.hash(password.expose()).await?;
        let now_ms = self.clock.now_ms();
        let user = User {
            id: rampart_core::ids::new_id(),
            email: email.clone(),
            password_hash: Some(hash),
            role,
            grants: Vec::new(),
            email_verified: verified,
            two_factor_enabled: false,
            created_ms: now_ms,
            sessions_not_before: None,
        };
        match self.users.create(&user).await {
            Ok(()) => {
                if !verified {
                    self.send_verification(&user).await?;
                }
            }
            Err(CreateError::EmailTaken) => {
                self.mail(MailKind::AccountExists, &email, None).await;
            }
            Err(CreateError::Store(e)) => return Err(e.into()),
        }
        Ok(user.view())
    }

    async fn send_verification(&self, user: &User) -> Result<(), AuthError> {
        let token = self
            .tokens
            .issue(TokenPurpose::VerifyEmail, &user.id, self.now())
            .await
            .map_err(|e| match e {
                IssueError::Store(e) => AuthError::from(e),
                IssueError::Random => AuthError::Internal("no randomness".into()),
            })?;
        self.mail(MailKind::VerifyEmail, &user.email, Some(token))
            .await;
        Ok(())
    }

    pub(crate) async fn mail(&self, kind: MailKind, to: &Email, token: Option<String>) {
        let mail = Mail {
            kind,
            to: to.clone(),
            token: token.map(Masked::new),
        };
        // A mail that cannot be sent is logged; the request that caused it still stands
        // (the user can ask for another).
        if let Err(error) = self.mailer.send(mail).await {
            tracing::error!(%error, mail_kind = kind.as_str(), "mail not sent");
        }
    }

    /// Redeems a verification token.
    pub async fn verify_email(&self, token: &str) -> Result<UserView, AuthError> {
        let user_id = self
            .tokens
            .redeem(TokenPurpose::VerifyEmail, token, self.now())
            .await?
            .ok_or(AuthError::InvalidToken)?;
        let user = self
            .users
            .mark_verified(&user_id)
            .await?
            .ok_or(AuthError::InvalidToken)?;
        Ok(user.view())
    }

    /// Mails a new verification token when the address has an unverified account; does
    /// nothing visible otherwise.
    pub async fn resend_verification(&self, email: &Email) -> Result<(), AuthError> {
        if let Some(user) = self.users.find_by_email(email).await?
            && !user.email_verified
        {
            self.send_verification(&user).await?;
        }
        Ok(())
    }

    /// Checks an email and password. Unknown address and wrong password fail alike, after
    /// one hash each.
    pub async fn check_password(&self, email: &str, password: &str) -> Result<User, AuthError> {
        let user = match Email::parse(email) {
            Ok(email) => self.users.find_by_email(&email).await?,
            Err(_) => None,
        };
        let phc = user.as_ref().and_then(|u| u.password_hash.as_deref());
        if self.password_matches(password, phc).await {
            user.ok_or(AuthError::InvalidCredentials)
        } else {
            Err(AuthError::InvalidCredentials)
        }
    }

    /// Opens a session for `user` and issues its tokens.
    pub async fn sign_in(&self, user: User, origin: &Origin) -> Result<SignedIn, AuthError> {
        let keyed = self.keyed()?;
        let issued = keyed
            .sessions
            .open(&user.id, origin, self.now())
            .await
            .map_err(session_error)?;
        let tokens = self.tokens_for(keyed, &issued)?;
        Ok(SignedIn { user, tokens })
    }

    fn tokens_for(&self, keyed: &Keyed, issued: &Issued) -> Result<Tokens, AuthError> {
        let session = &issued.session;
        Ok(Tokens {
            access_token: access_token::issue(
                &keyed.keys,
                &session.user_id,
                &session.id,
                self.now(),
            )
            .into(),
            refresh_token: issued.refresh_token.clone(),
            csrf_token: csrf::issue(&keyed.keys, &session.id)
                .map_err(|_| AuthError::Internal("no randomness".into()))?
                .into(),
            expires_in: ACCESS_TOKEN_SECS,
            session_id: session.id.clone(),
        })
    }

    /// Presents a refresh token.
    pub async fn refresh(&self, token: &str) -> Result<SignedIn, AuthError> {
        let keyed = self.keyed()?;
        match keyed
            .sessions
            .refresh(token, self.now())
            .await
            .map_err(session_error)?
        {
            RefreshOutcome::Ok(issued) => {
                let user = self
                    .users
                    .get(&issued.session.user_id)
                    .await?
                    .filter(|u| u.honours_session_from(issued.session.created_at))
                    .ok_or(AuthError::InvalidRefresh)?;
                let tokens = self.tokens_for(keyed, &issued)?;
                Ok(SignedIn { user, tokens })
            }
            RefreshOutcome::Invalid => Err(AuthError::InvalidRefresh),
            RefreshOutcome::Reused {
                session_id,
                user_id,
            } => Err(AuthError::RefreshReused {
                session_id,
                user_id,
            }),
        }
    }

    /// Revokes the session a refresh token belongs to, if the token is authentic.
    pub async fn revoke_by_refresh_token(&self, token: &str) -> Result<Option<Session>, AuthError> {
        let keyed = self.keyed()?;
        match crate::refresh_token::authenticate(&keyed.keys, token) {
            Some(parsed) => Ok(keyed.sessions.revoke(&parsed.session_id).await?),
            None => Ok(None),
        }
    }

    /// Revokes a session by id.
    pub async fn revoke_session(&self, session_id: &str) -> Result<Option<Session>, AuthError> {
        Ok(self.keyed()?.sessions.revoke(session_id).await?)
    }

    /// Revokes one of `user_id`'s sessions; `false` when it is not theirs or does not exist.
    pub async fn revoke_own_session(
        &self,
        user_id: &str,
        session_id: &str,
    ) -> Result<bool, AuthError> {
        Ok(self
            .keyed()?
            .sessions
            .revoke_owned(session_id, user_id)
            .await?)
    }

    /// Revokes every session of `user_id` but `keep`.
    pub async fn revoke_other_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<u64, AuthError> {
        Ok(self
            .keyed()?
            .sessions
            .revoke_all_except(user_id, keep)
            .await?)
    }

    /// One page of `user_id`'s sessions.
    pub async fn sessions(
        &self,
        user_id: &str,
        limit: u32,
        cursor: Option<String>,
    ) -> Result<(Vec<Session>, Option<String>), AuthError> {
        Ok(self.keyed()?.sessions.list(user_id, limit, cursor).await?)
    }

    /// The principal behind an access token: the token must verify, its session must be
    /// live and belong to its user, and the user must exist.
    pub async fn authenticate_access(
        &self,
        token: &str,
        kind: PrincipalKind,
    ) -> Result<(Principal, User), AuthError> {
        let keyed = self.keyed()?;
        let claims = access_token::verify(&keyed.keys, token, self.now()).map_err(|e| match e {
            AccessTokenError::Invalid | AccessTokenError::Expired => AuthError::Unauthenticated,
        })?;
        let (user, session) =
            tokio::join!(self.users.get(&claims.sub), keyed.sessions.get(&claims.sid));
        let (Some(user), Some(session)) = (user?, session?) else {
            return Err(AuthError::Unauthenticated);
        };
        if session.user_id != user.id || !user.honours_session_from(session.created_at) {
            return Err(AuthError::Unauthenticated);
        }
        let principal = Principal {
            id: user.id.clone(),
            role: Some(user.role),
            grants: user.grants.clone(),
            email_verified: user.email_verified,
            kind,
            session_id: Some(session.id),
        };
        Ok((principal, user))
    }

    /// The principal behind an API key.
    pub async fn authenticate_api_key(&self, secret: &str) -> Result<Principal, AuthError> {
        let key = self
            .api_keys
            .authenticate(secret)
            .await?
            .ok_or(AuthError::Unauthenticated)?;
        Ok(Principal {
            id: key.id.clone(),
            role: None,
            grants: key.grants(),
            email_verified: true,
            kind: PrincipalKind::ApiKey,
            session_id: None,
        })
    }

    /// Whether the CSRF token is valid for `session_id`.
    pub fn check_csrf(
        &self,
        session_id: &str,
        header: Option<&str>,
        cookie: Option<&str>,
    ) -> Result<csrf::CsrfCheck, AuthError> {
        Ok(csrf::check(&self.keyed()?.keys, session_id, header, cookie))
    }

    /// Creates an API key.
    pub async fn create_api_key(
        &self,
        name: &str,
        permissions: &[Permission],
        expires_at_secs: Option<i64>,
        created_by: &str,
    ) -> Result<(ApiKey, Masked<String>), AuthError> {
        self.api_keys
            .create(name, permissions, expires_at_secs, created_by)
            .await
            .map_err(|e| match e {
                KeyError::Store(e) => e.into(),
                KeyError::Random => AuthError::Internal("no randomness".into()),
            })
    }

    /// Revokes an API key by id.
    pub async fn revoke_api_key(&self, id: &str) -> Result<bool, AuthError> {
        Ok(self.api_keys.revoke(id).await?)
    }

    /// Deletes an account after checking its password (and, with 2FA on, a current code):
    /// sessions and API keys first, then the account, its email claim and its two-factor
    /// data in one transaction. Each step can be repeated, so a failure part-way leaves an
    /// account that can still sign in and delete itself again, never an orphan claim that
    /// blocks registering the address anew.
    pub async fn delete_account(
        &self,
        user: &User,
        password: Option<&str>,
        code: Option<&str>,
        session_id: Option<&str>,
    ) -> Result<(), AuthError> {
        self.confirm_owner(user, password, session_id).await?;
        let mut extra = Vec::new();
        if let Ok(keyed) = self.keyed() {
            if user.two_factor_enabled {
                let code = code.ok_or(AuthError::InvalidCredentials)?;
                keyed
                    .two_factor
                    .check_code(&user.id, code, self.now())
                    .await
                    .map_err(|_| AuthError::InvalidCredentials)?;
            }
            keyed.sessions.revoke_all_except(&user.id, None).await?;
        }
        self.api_keys.revoke_created_by(&user.id).await?;
        extra.extend(self.users.partition_ops(&user.id).await?);
        self.users.delete(user, extra).await?;
        self.mail(MailKind::AccountDeleted, &user.email, None).await;
        Ok(())
    }
}

fn session_error(e: SessionError) -> AuthError {
    match e {
        SessionError::Store(e) => e.into(),
        other => AuthError::Internal(other.to_string()),
    }
}

/// Parses a new account's credentials, collecting every field error.
pub fn parse_credentials(email: &str, password: &str) -> Result<(Email, Password), AuthError> {
    let mut errors = Vec::new();
    let parsed_email = Email::parse(email)
        .inspect_err(|e| errors.push(FieldError::new("email", e.to_string())))
        .ok();
    let context: Vec<&str> = match &parsed_email {
        Some(e) => {
            let local = e.as_str().split('@').next().unwrap_or_default();
            vec![e.as_str(), local]
        }
        None => Vec::new(),
    };
    let parsed_password = Password::parse(password, &context)
        .inspect_err(|e| errors.push(FieldError::new("password", e.to_string())))
        .ok();
    match (parsed_email, parsed_password) {
        (Some(e), Some(p)) => Ok((e, p)),
        _ => Err(AuthError::Validation(errors)),
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
