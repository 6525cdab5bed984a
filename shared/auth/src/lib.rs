//! Accounts and authentication: parsed credentials, Argon2id password hashes, email
//! verification, access tokens (JWT with rotating keys), sessions with rotating refresh
//! tokens, CSRF tokens and API keys, all on the store port. Nothing here knows about HTTP;
//! `rampart-api` turns these operations into routes, cookies and problem documents.

pub mod access_token;
pub mod api_keys;
pub mod csrf;
pub mod email;
pub mod exports;
pub mod hash_pool;
pub mod keyring;
pub mod mailer;
pub mod oauth;
pub mod oauth_flow;
pub mod one_time_tokens;
pub mod password;
pub mod problems;
pub mod refresh_token;
pub mod rotation;
pub mod secret_token;
pub mod service;
pub mod sessions;
pub mod smtp;
pub mod two_factor;
pub mod two_factor_flow;
pub mod users;

pub use email::Email;
pub use mailer::{LogMailer, MAIL_REQUESTED, Mail, MailKind, MailRequest, Mailer};
pub use password::Password;
pub use service::{
    AuthService, AuthSettings, Delivered, JOURNEY_DOMAIN, SignedIn, Tokens, is_journey_address,
};
pub use sessions::{Origin, Session};
pub use two_factor_flow::{SecondFactor, SignInStep};
pub use users::{User, UserView};

use rampart_core::{ApiError, FieldError};

/// What an account operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("request validation failed")]
    Validation(Vec<FieldError>),
    #[error("email or password is wrong")]
    InvalidCredentials,
    #[error("token is unknown, used or expired")]
    InvalidToken,
    #[error("refresh token is not valid")]
    InvalidRefresh,
    /// A wrong code where the code is what the request is about (enabling 2FA): 400.
    #[error("the code is wrong, expired or already used")]
    InvalidCode,
    /// A wrong code where it is a credential (sign-in, disabling 2FA): 401.
    #[error("the code is wrong, expired or already used")]
    WrongCode,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("refresh token was reused; session {session_id} revoked")]
    RefreshReused { session_id: String, user_id: String },
    #[error("not authenticated")]
    Unauthenticated,
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal: {0}")]
    Internal(String),
    /// A sealed field did not open: a 500 for the client, a `crypto.decrypt_failed` record.
    #[error(transparent)]
    Undecryptable(#[from] rampart_audit::DecryptionFailed),
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Validation(errors) => Self::Validation(errors),
            AuthError::InvalidCredentials => Self::feature(&problems::INVALID_CREDENTIALS),
            AuthError::InvalidToken => Self::feature(&problems::INVALID_TOKEN),
            AuthError::InvalidRefresh => Self::feature(&problems::INVALID_REFRESH),
            AuthError::InvalidCode => Self::feature(&problems::INVALID_CODE),
            AuthError::WrongCode => Self::feature(&problems::WRONG_CODE),
            AuthError::Conflict(why) => Self::Conflict(why),
            AuthError::RefreshReused { .. } => Self::feature(&problems::REFRESH_REUSED),
            AuthError::Unauthenticated => Self::Unauthenticated,
            AuthError::Unavailable(why) => Self::ServiceUnavailable(why),
            AuthError::Internal(why) => Self::Internal(why.into()),
            AuthError::Undecryptable(failure) => Self::internal(failure),
        }
    }
}
