//! The synthetic journey's accounts: addresses under a reserved domain that can receive no mail
//! (`.invalid`, RFC 2606), to which the mail worker sends nothing, and whose verification token
//! the journey takes directly instead of from a mail.

use super::AuthService;
use crate::AuthError;
use crate::email::Email;
use crate::one_time_tokens::{IssueError, TokenPurpose};

/// The domain of every synthetic journey account.
pub const JOURNEY_DOMAIN: &str = "journey.rampart.invalid";

/// Whether `email` is a synthetic journey's address.
pub fn is_journey_address(email: &Email) -> bool {
    email
        .as_str()
        .rsplit_once('@')
        .is_some_and(|(_, domain)| domain == JOURNEY_DOMAIN)
}

impl AuthService {
    /// A verification token for the unverified journey account `user_id`, as the mail worker
    /// would mail it. Refused for any other account: it is no way around a mailbox.
    pub async fn journey_verification_token(&self, user_id: &str) -> Result<String, AuthError> {
        let user = self
            .users
            .get(user_id)
            .await?
            .filter(|u| is_journey_address(&u.email) && !u.email_verified)
            .ok_or(AuthError::InvalidToken)?;
        self.tokens
            .issue(TokenPurpose::VerifyEmail, &user.id, self.now())
            .await
            .map_err(|e| match e {
                IssueError::Store(e) => AuthError::from(e),
                IssueError::Random => AuthError::Internal("no randomness".into()),
            })
    }
}
