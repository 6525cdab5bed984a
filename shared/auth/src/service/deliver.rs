//! The mail worker's side of account mail: it takes the requests the request path queued
//! ([`MailRequest`]), decides what each one sends, issues its token and sends it.

use super::AuthService;
use crate::AuthError;
use crate::email::Email;
use crate::mailer::{MailKind, MailRequest};
use crate::one_time_tokens::{IssueError, TokenPurpose};
use crate::users::User;

/// What became of one mail request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivered {
    /// Sent, to this account when the request was about one.
    Sent { user_id: Option<String> },
    /// Nothing to send, and why (no account, already verified, a notice sent this hour, the
    /// mailbox's verification mails used up for the day).
    Skipped(&'static str),
}

impl AuthService {
    /// Delivers one queued request. An error means nothing was sent and the request should be
    /// tried again (the store or the mail server is unavailable); a request that asks for
    /// nothing to be sent is `Skipped`, not an error.
    pub async fn deliver(&self, request: &MailRequest) -> Result<Delivered, AuthError> {
        let to = Email::parse(&request.to).map_err(|_| {
            AuthError::Internal("a queued mail request names no valid address".into())
        })?;
        if super::is_journey_address(&to) {
            // No mail leaves the system for a synthetic journey.
            return Ok(Delivered::Skipped("a synthetic journey's address"));
        }
        match request.kind {
            MailKind::VerifyEmail => {
                let user = match &request.user_id {
                    Some(id) => self.users.get(id).await?,
                    None => self.users.find_by_email(&to).await?,
                };
                match user {
                    Some(user) if user.email == to && !user.email_verified => {
                        // Nobody has proved the address yet: a few a day per mailbox, however
                        // often its account is deleted and registered again.
                        if !self.users.take_verification_slot(&to, self.now()).await? {
                            return Ok(Delivered::Skipped(
                                "the mailbox had its verification mails for today",
                            ));
                        }
                        self.send_token(TokenPurpose::VerifyEmail, MailKind::VerifyEmail, &user)
                            .await
                    }
                    Some(_) => Ok(Delivered::Skipped("the address is verified")),
                    None => Ok(Delivered::Skipped("no account has the address")),
                }
            }
            MailKind::PasswordReset => match self.users.find_by_email(&to).await? {
                Some(user) => {
                    self.send_token(TokenPurpose::PasswordReset, MailKind::PasswordReset, &user)
                        .await
                }
                None => Ok(Delivered::Skipped("no account has the address")),
            },
            MailKind::AccountExists => {
                // At most one notice an hour per address, so registering someone else's
                // address repeatedly is no way to flood their mailbox.
                if self.users.take_notice_slot(&to, self.now()).await? {
                    self.send(MailKind::AccountExists, &to, None).await?;
                    Ok(Delivered::Sent { user_id: None })
                } else {
                    Ok(Delivered::Skipped("a notice went to the address this hour"))
                }
            }
            kind @ (MailKind::TwoFactorChanged
            | MailKind::AccountDeleted
            | MailKind::PasswordChanged) => {
                self.send(kind, &to, None).await?;
                Ok(Delivered::Sent {
                    user_id: request.user_id.clone(),
                })
            }
        }
    }

    /// Issues a one-time token of `purpose` for `user` and mails it as `kind`.
    async fn send_token(
        &self,
        purpose: TokenPurpose,
        kind: MailKind,
        user: &User,
    ) -> Result<Delivered, AuthError> {
        let token = self
            .tokens
            .issue(purpose, &user.id, self.now())
            .await
            .map_err(|e| match e {
                IssueError::Store(e) => AuthError::from(e),
                IssueError::Random => AuthError::Internal("no randomness".into()),
            })?;
        self.send(kind, &user.email, Some(token)).await?;
        Ok(Delivered::Sent {
            user_id: Some(user.id.clone()),
        })
    }
}
