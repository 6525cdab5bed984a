//! Account lifecycle: registering, verifying the address, and deleting the account.

use rampart_core::FieldError;
use rampart_rbac::Role;

use super::AuthService;
use crate::AuthError;
use crate::email::Email;
use crate::mailer::MailKind;
use crate::one_time_tokens::TokenPurpose;
use crate::password::Password;
use crate::users::{CreateError, User, UserView};

impl AuthService {
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
        // Either way one mail request is queued, and the worker decides what it sends: the
        // answer and the work before it are the same for a taken address and a new one. A
        // request that cannot be queued is logged; the account stands (resend asks again).
        match self.users.create(&user).await {
            Ok(()) if verified => {}
            Ok(()) => {
                let _ = self
                    .request_mail(MailKind::VerifyEmail, &email, Some(&user.id))
                    .await;
            }
            Err(CreateError::EmailTaken) => {
                let _ = self
                    .request_mail(MailKind::AccountExists, &email, None)
                    .await;
            }
            Err(CreateError::Store(e)) => return Err(e.into()),
        }
        Ok(user.view())
    }

    /// The account a live one-time token of `purpose` names, without using the token up.
    pub(super) async fn token_owner(
        &self,
        purpose: TokenPurpose,
        token: &str,
    ) -> Result<User, AuthError> {
        let user_id = self
            .tokens
            .peek(purpose, token)
            .await?
            .ok_or(AuthError::InvalidToken)?;
        self.users
            .get(&user_id)
            .await?
            .ok_or(AuthError::InvalidToken)
    }

    /// Redeems a verification token, which proves the address. Every session begun before
    /// the proof ends, whoever began it, and the password survives only when this request
    /// proves it too: a password chosen by someone who never proved the address (a
    /// pre-hijacker) does not outlive the owner's click. A wrong password is refused
    /// (`InvalidCredentials`) without using the token up.
    pub async fn verify_email(
        &self,
        token: &str,
        password: Option<&str>,
    ) -> Result<UserView, AuthError> {
        let user = self.token_owner(TokenPurpose::VerifyEmail, token).await?;
        let keep_password = match password {
            Some(p)
                if self
                    .password_matches(p, user.password_hash.as_deref())
                    .await =>
            {
                true
            }
            Some(_) => return Err(AuthError::InvalidCredentials),
            None => false,
        };
        self.tokens
            .redeem(TokenPurpose::VerifyEmail, token, self.now())
            .await?
            .filter(|id| *id == user.id)
            .ok_or(AuthError::InvalidToken)?;
        let update = if keep_password {
            rampart_store::Update::new()
        } else {
            rampart_store::Update::new().remove("password_hash")
        };
        let user = self
            .users
            .prove_address(&user, self.now(), update)
            .await?
            .ok_or(AuthError::InvalidToken)?;
        self.end_sessions(&user.id).await?;
        Ok(user.view())
    }

    /// Queues a verification request for the address; the mail worker mails a new token when
    /// it has an unverified account, and nothing otherwise (the request path does the same
    /// work either way).
    pub async fn resend_verification(&self, email: &Email) -> Result<(), AuthError> {
        self.request_mail(MailKind::VerifyEmail, email, None).await
    }

    /// Checks that the caller may delete `user`: its password (or, for an account without
    /// one, a sign-in at most five minutes old) and, with 2FA on, a current code. Either
    /// failing is `InvalidCredentials`.
    pub async fn authorize_deletion(
        &self,
        user: &User,
        password: Option<&str>,
        code: Option<&str>,
        session_id: Option<&str>,
    ) -> Result<(), AuthError> {
        self.confirm_owner(user, password, session_id).await?;
        // Checked before anything is deleted: the last admin's account stays whole.
        if user.role == rampart_rbac::Role::Admin {
            self.users
                .leave_admins(&user.id)
                .await
                .map_err(last_admin_error)?;
        }
        if user.two_factor_enabled
            && let Ok(keyed) = self.keyed()
        {
            let code = code.ok_or(AuthError::InvalidCredentials)?;
            keyed
                .two_factor
                .check_code(&user.id, code, self.now())
                .await
                .map_err(|_| AuthError::InvalidCredentials)?;
        }
        Ok(())
    }

    /// Deletes an account after checking its password (and, with 2FA on, a current code):
    /// sessions and API keys first, then the account, its email claim and its two-factor
    /// data in one transaction. Each step can be repeated, so a failure part-way leaves an
    /// account that can still sign in and delete itself again, never an orphan claim that
    /// blocks registering the address anew.
    /// Call [`AuthService::authorize_deletion`] first: the caller deletes what lives outside
    /// the store (export files) between the two, so a failure there deletes nothing here.
    pub async fn delete_account(&self, user: &User) -> Result<(), AuthError> {
        let mut extra = Vec::new();
        if let Ok(keyed) = self.keyed() {
            keyed.sessions.revoke_all_except(&user.id, None).await?;
        }
        self.api_keys.revoke_created_by(&user.id).await?;
        extra.extend(self.users.partition_ops(&user.id).await?);
        // An admin leaves the set of admins in the same transaction, so the last-admin rule
        // never counts a deleted account.
        extra.extend(
            self.users
                .leave_admins(&user.id)
                .await
                .map_err(last_admin_error)?,
        );
        self.users.delete(user, extra).await.map_err(|e| {
            if e.is_condition_failed() {
                AuthError::Conflict("The admins changed meanwhile; try again.".into())
            } else {
                e.into()
            }
        })?;
        self.notify(MailKind::AccountDeleted, user).await;
        Ok(())
    }
}

fn last_admin_error(error: crate::users::RoleError) -> AuthError {
    match error {
        crate::users::RoleError::LastAdmin => AuthError::Conflict(
            "This is the last admin; make another account admin before deleting it.".into(),
        ),
        crate::users::RoleError::Store(e) => e.into(),
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
