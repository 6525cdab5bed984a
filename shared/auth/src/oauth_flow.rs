//! The account system's side of OAuth sign-in: a verified provider address signs in to the
//! account that owns it (marking it verified and remembering the provider's user id), or
//! creates one.

use rampart_rbac::Role;
use rampart_store::{Cond, Update};

use crate::AuthError;
use crate::oauth::{Identity, OAuthError, Provider, Started};
use crate::service::AuthService;
use crate::sessions::Origin;
use crate::two_factor_flow::SignInStep;
use crate::users::{CreateError, User};

/// Why an OAuth sign-in did not complete.
#[derive(Debug, thiserror::Error)]
pub enum OAuthSignInError {
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl AuthService {
    /// Whether `provider` is configured.
    pub fn oauth_configured(&self, provider: Provider) -> bool {
        self.oauth.configured(provider)
    }

    /// The provider URL that starts a sign-in.
    pub async fn oauth_start(&self, provider: Provider) -> Result<Started, OAuthError> {
        self.oauth.start(provider, self.now()).await
    }

    /// Spends the state of a sign-in the provider refused; false when it was not valid.
    pub async fn oauth_abandon(&self, provider: Provider, state: &str) -> Result<bool, OAuthError> {
        self.oauth.abandon(provider, state, self.now()).await
    }

    /// Completes a sign-in from the provider's callback.
    pub async fn oauth_complete(
        &self,
        provider: Provider,
        code: &str,
        state: &str,
        binder: Option<&str>,
        origin: &Origin,
        two_factor_on: bool,
    ) -> Result<SignInStep, OAuthSignInError> {
        let identity = self
            .oauth
            .finish(provider, code, state, binder, self.now())
            .await?;
        let user = self.account_for(&identity).await?;
        Ok(self.begin_sign_in(user, origin, two_factor_on).await?)
    }

    async fn account_for(&self, identity: &Identity) -> Result<User, AuthError> {
        // The provider's user id; proving the address is added by how the account is linked.
        let link = Update::new().set(
            format!("oauth_{}", identity.provider.as_str()),
            identity.subject.as_str(),
        );
        if let Some(user) = self.users().find_by_email(&identity.email).await? {
            return self.link_existing(&user, link).await;
        }
        self.create_for(identity, link).await
    }

    /// Links the provider identity to the account holding its address: a claim when that
    /// account never proved the address, else an ordinary link.
    async fn link_existing(&self, user: &User, link: Update) -> Result<User, AuthError> {
        if !user.email_verified
            && let Some(claimed) = self.claim_unverified(user, link.clone()).await?
        {
            return Ok(claimed);
        }
        self.users()
            .set(&user.id, link.set("email_verified", true))
            .await?
            .ok_or_else(|| AuthError::Internal("account vanished while linking".into()))
    }

    /// Hands an account whose address was never verified to the provider's verified owner of
    /// that address. Whoever registered it never proved they own the address, so their password
    /// goes and every session they opened ends: revoked before and after the change, and
    /// refused by `sessions_not_before` even if the index a revocation walks had not yet shown
    /// it (the owner's new session begins after that instant). `None` when the account was verified in the meantime (then
    /// it is an ordinary link).
    async fn claim_unverified(&self, user: &User, link: Update) -> Result<Option<User>, AuthError> {
        let keyed = self.keyed()?;
        keyed.sessions.revoke_all_except(&user.id, None).await?;
        // The same proof a verification link gives, conditioned on the account still being
        // unproved: the account and its address claim stop expiring in the same transaction.
        let claimed = self
            .users()
            .prove_address_when(
                user,
                self.now(),
                link.remove("password_hash"),
                Cond::eq("email_verified", false),
            )
            .await?;
        if claimed.is_some() {
            keyed.sessions.revoke_all_except(&user.id, None).await?;
            tracing::info!(user_id = %user.id, "unverified account claimed by its address's verified owner");
        }
        Ok(claimed)
    }

    async fn create_for(&self, identity: &Identity, link: Update) -> Result<User, AuthError> {
        let user = User {
            id: rampart_core::ids::new_id(),
            email: identity.email.clone(),
            password_hash: None,
            role: Role::Viewer,
            grants: Vec::new(),
            email_verified: true,
            two_factor_enabled: false,
            created_ms: self.clock_ms(),
            sessions_not_before: None,
        };
        match self.users().create(&user).await {
            Ok(()) => {
                self.users().set(&user.id, link).await?;
                Ok(user)
            }
            // Registered by another request in the meantime: link to that account, claiming it
            // when it never proved the address.
            Err(CreateError::EmailTaken) => {
                let existing = self
                    .users()
                    .find_by_email(&identity.email)
                    .await?
                    .ok_or_else(|| AuthError::Internal("email claim without account".into()))?;
                self.link_existing(&existing, link).await
            }
            Err(CreateError::Store(e)) => Err(e.into()),
        }
    }
}
