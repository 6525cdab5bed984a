//! Forgetting, resetting and changing a password.

use rampart_core::FieldError;
use rampart_store::Update;

use super::AuthService;
use super::account::parse_credentials;
use crate::AuthError;
use crate::email::Email;
use crate::mailer::MailKind;
use crate::one_time_tokens::{OneTimeTokens, TokenPurpose};
use crate::users::User;

impl AuthService {
    /// Queues a password-reset request for the address. The mail worker looks the address up
    /// and, when it has an account, issues a reset token (1 hour, single use) and mails it:
    /// the request path does the same work for every address, so neither the answer nor its
    /// timing tells whether the address has an account.
    pub async fn forgot_password(&self, email: &Email) -> Result<(), AuthError> {
        self.request_mail(MailKind::PasswordReset, email, None)
            .await
    }

    /// Sets a new password with a reset token. The mail proved the address, so the account
    /// counts as verified; every session of the account ends; two-factor authentication
    /// stays as it was. A password that fails the rules is refused without using the token.
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<User, AuthError> {
        let user = self.token_owner(TokenPurpose::PasswordReset, token).await?;
        let (_, password) = parse_credentials(user.email.as_str(), password)?;
        let hash = self.hash(password.expose()).await?;
        self.tokens
            .redeem(TokenPurpose::PasswordReset, token, self.now())
            .await?
            .filter(|id| *id == user.id)
            .ok_or(AuthError::InvalidToken)?;
        let user = self
            .users
            .prove_address(&user, self.now(), Update::new().set("password_hash", hash))
            .await?
            .ok_or(AuthError::InvalidToken)?;
        self.end_sessions(&user.id).await?;
        self.notify(MailKind::PasswordChanged, &user).await;
        Ok(user)
    }

    /// Replaces the password of a signed-in account after checking the current one; every
    /// other session ends. Returns how many sessions were revoked.
    pub async fn change_password(
        &self,
        user: &User,
        current: &str,
        new: &str,
        keep_session: Option<&str>,
    ) -> Result<u64, AuthError> {
        if !self
            .password_matches(current, user.password_hash.as_deref())
            .await
        {
            return Err(AuthError::InvalidCredentials);
        }
        let (_, password) = parse_credentials(user.email.as_str(), new).map_err(|e| match e {
            AuthError::Validation(errors) => AuthError::Validation(
                errors
                    .into_iter()
                    .map(|e| FieldError::new("new_password", e.message))
                    .collect(),
            ),
            other => other,
        })?;
        let hash = self.hash(password.expose()).await?;
        // A new password retires every mailed token: a reset link sent before the change
        // must not undo it.
        let update = OneTimeTokens::retire_all(Update::new().set("password_hash", hash));
        self.users
            .set(&user.id, update)
            .await?
            .ok_or(AuthError::InvalidCredentials)?;
        let revoked = self.revoke_other_sessions(&user.id, keep_session).await?;
        self.notify(MailKind::PasswordChanged, user).await;
        Ok(revoked)
    }
}
