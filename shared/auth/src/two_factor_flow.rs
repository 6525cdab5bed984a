//! The account system's two-factor operations: enrolment, the login challenge, turning it
//! off. Each change mails the owner (`two_factor_changed`).

use rampart_core::Masked;

use crate::AuthError;
use crate::mailer::MailKind;
use crate::service::{AuthService, SignedIn};
use crate::sessions::Origin;
use crate::two_factor::{Enrolment, TwoFactorError};
use crate::users::User;

/// What a correct password leads to.
#[derive(Debug)]
pub enum SignInStep {
    /// Signed in.
    SignedIn(Box<SignedIn>),
    /// The account has 2FA: the second step needs this challenge and a code.
    TwoFactorRequired { challenge_token: Masked<String> },
}

/// How the second factor is proven.
#[derive(Clone, Copy, Debug)]
pub enum SecondFactor<'a> {
    Code(&'a str),
    RecoveryCode(&'a str),
}

fn as_auth(e: TwoFactorError, wrong: AuthError) -> AuthError {
    match e {
        TwoFactorError::AlreadyEnabled => {
            AuthError::Conflict("two-factor authentication is already enabled".into())
        }
        TwoFactorError::NotSetUp | TwoFactorError::InvalidCode => wrong,
        TwoFactorError::Store(e) => e.into(),
        TwoFactorError::Secret(why) => AuthError::Internal(why),
        TwoFactorError::Undecryptable(failure) => AuthError::Undecryptable(failure),
    }
}

impl AuthService {
    /// After the password: a session, or a challenge when the account has 2FA and the
    /// feature is on.
    pub async fn begin_sign_in(
        &self,
        user: User,
        origin: &Origin,
        two_factor_on: bool,
    ) -> Result<SignInStep, AuthError> {
        if two_factor_on && user.two_factor_enabled {
            let token = self
                .keyed()?
                .two_factor
                .issue_challenge(&user.id, self.now())
                .await
                .map_err(|e| as_auth(e, AuthError::WrongCode))?;
            return Ok(SignInStep::TwoFactorRequired {
                challenge_token: token.into(),
            });
        }
        Ok(SignInStep::SignedIn(Box::new(
            self.sign_in(user, origin).await?,
        )))
    }

    /// Starts enrolment; `409` when 2FA is already on.
    pub async fn two_factor_setup(&self, user: &User) -> Result<Enrolment, AuthError> {
        if user.two_factor_enabled {
            return Err(AuthError::Conflict(
                "two-factor authentication is already enabled".into(),
            ));
        }
        self.keyed()?
            .two_factor
            .setup(&user.id, user.email.as_str())
            .await
            .map_err(|e| as_auth(e, AuthError::InvalidCode))
    }

    /// Confirms enrolment with a first code; returns the recovery codes.
    pub async fn two_factor_enable(
        &self,
        user: &User,
        code: &str,
    ) -> Result<Vec<Masked<String>>, AuthError> {
        if user.two_factor_enabled {
            return Err(AuthError::Conflict(
                "two-factor authentication is already enabled".into(),
            ));
        }
        let codes = self
            .keyed()?
            .two_factor
            .enable(&user.id, code, self.now())
            .await
            .map_err(|e| as_auth(e, AuthError::InvalidCode))?;
        self.notify(MailKind::TwoFactorChanged, user).await;
        Ok(codes)
    }

    /// The account a live challenge belongs to, for per-account limits.
    pub async fn challenge_user(&self, challenge: &str) -> Result<Option<String>, AuthError> {
        Ok(self.keyed()?.two_factor.challenge_user(challenge).await?)
    }

    /// The second step of a sign-in: a live challenge and a current code (accepted once) or
    /// an unused recovery code. Every failure is the same `401 invalid_code`.
    pub async fn two_factor_verify(
        &self,
        challenge: &str,
        factor: SecondFactor<'_>,
        origin: &Origin,
    ) -> Result<SignedIn, AuthError> {
        let keyed = self.keyed()?;
        let user_id = keyed
            .two_factor
            .challenge_user(challenge)
            .await?
            .ok_or(AuthError::WrongCode)?;
        let user = self
            .users()
            .get(&user_id)
            .await?
            .ok_or(AuthError::WrongCode)?;
        let proven = match factor {
            SecondFactor::Code(code) => {
                keyed
                    .two_factor
                    .check_code(&user.id, code, self.now())
                    .await
            }
            SecondFactor::RecoveryCode(code) => {
                keyed.two_factor.use_recovery_code(&user.id, code).await
            }
        };
        if let Err(error) = proven {
            // A wrong code counts against the challenge, which a few of them spend.
            if let Err(store) = keyed.two_factor.fail_challenge(challenge).await {
                tracing::warn!(error = %store, "a failed second factor was not counted");
            }
            return Err(as_auth(error, AuthError::WrongCode));
        }
        if !keyed
            .two_factor
            .consume_challenge(challenge, self.now())
            .await?
        {
            return Err(AuthError::WrongCode);
        }
        self.sign_in(user, origin).await
    }

    /// Turns 2FA off after proof of ownership (the password, or a fresh sign-in for an account
    /// without one) and a current code.
    pub async fn two_factor_disable(
        &self,
        user: &User,
        password: Option<&str>,
        code: &str,
        session_id: Option<&str>,
    ) -> Result<(), AuthError> {
        // Both checks run whatever the first one says, and either failing is the same
        // `InvalidCredentials`: a stolen session cannot use this route as a password oracle.
        let owner = self.confirm_owner(user, password, session_id).await;
        let keyed = self.keyed()?;
        let code = keyed
            .two_factor
            .check_code(&user.id, code, self.now())
            .await
            .map_err(|e| as_auth(e, AuthError::InvalidCredentials));
        owner?;
        code?;
        keyed
            .two_factor
            .disable(&user.id)
            .await
            .map_err(|e| as_auth(e, AuthError::WrongCode))?;
        self.notify(MailKind::TwoFactorChanged, user).await;
        Ok(())
    }
}
