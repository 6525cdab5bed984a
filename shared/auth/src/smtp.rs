//! The SMTP adapter of the `Mailer` port (lettre over tokio and rustls).
//!
//! The server comes from the secret's `smtp_url` (`smtps://user:pass@host:465`, or
//! `smtp://user:pass@host:587?tls=required` for STARTTLS); the sender from `MAIL_FROM`.
//! Links in mails point at `FRONTEND_BASE_URL` when it is set.

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::mailer::{Mail, MailError, MailKind, Mailer};

/// Sends mail through an SMTP server.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    link_base: Option<String>,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the credentials; only the sender is shown.
        f.debug_struct("SmtpMailer")
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl SmtpMailer {
    /// A mailer for `smtp_url`, sending as `from`. Errors never quote the URL (it carries
    /// the password).
    pub fn new(smtp_url: &str, from: &str, link_base: Option<String>) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|_| MailError("smtp_url is not a valid SMTP connection URL".into()))?
            .build();
        let from = from
            .parse()
            .map_err(|_| MailError(format!("MAIL_FROM {from:?} is not a mailbox")))?;
        Ok(Self {
            transport,
            from,
            link_base: link_base.map(|b| b.trim_end_matches('/').to_owned()),
        })
    }

    /// "Open this link to <verb>" with the frontend's `<page>#token=` link, or the bare token
    /// when no frontend is configured. The token travels in the fragment, which browsers never
    /// send to a server nor put in a `Referer`.
    fn token_action(&self, mail: &Mail, page: &str, verb: &str) -> String {
        let token = mail
            .token
            .as_ref()
            .map(|t| t.expose().as_str())
            .unwrap_or("");
        match &self.link_base {
            Some(base) => format!("Open this link to {verb}:\n\n{base}/{page}#token={token}"),
            None => format!("Use this code to {verb}:\n\n{token}"),
        }
    }

    fn body(&self, mail: &Mail) -> String {
        match mail.kind {
            MailKind::VerifyEmail => format!(
                "Welcome to Rampart. Please confirm that this is your email address.\n\n{}\n\n\
                 The link works once and expires in 24 hours. If you did not sign up, ignore \
                 this mail.",
                self.token_action(mail, "verify-email", "verify it")
            ),
            MailKind::AccountExists => "Someone tried to create a Rampart account with this \
                address, which already has one. If it was you, sign in instead (or reset your \
                password). If not, nothing has changed and you can ignore this mail."
                .to_owned(),
            MailKind::TwoFactorChanged => "Two-factor authentication was turned on or off for \
                your Rampart account. If this was not you, sign in, revoke your other sessions \
                and change your password at once."
                .to_owned(),
            MailKind::AccountDeleted => "Your Rampart account and its data have been deleted. \
                If this was not you, contact us right away."
                .to_owned(),
            MailKind::PasswordReset => format!(
                "Someone asked to reset the password of your Rampart account.\n\n{}\n\n\
                 The link works once and expires in 1 hour; every session of the account ends \
                 when it is used. If you did not ask, ignore this mail.",
                self.token_action(mail, "reset-password", "choose a new one")
            ),
            MailKind::PasswordChanged => "The password of your Rampart account was changed. \
                If this was not you, reset it at once and revoke your sessions."
                .to_owned(),
        }
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let to: Mailbox = mail
            .to
            .given()
            .parse()
            .map_err(|_| MailError("recipient is not a mailbox".into()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.kind.subject())
            .header(ContentType::TEXT_PLAIN)
            .body(self.body(&mail))
            .map_err(|e| MailError(format!("mail could not be built: {e}")))?;
        self.transport
            .send(message)
            .await
            .map_err(|e| MailError(format!("SMTP delivery failed: {e}")))?;
        tracing::info!(
            mail_kind = mail.kind.as_str(),
            mail_to = %crate::mailer::logged_address(mail.to.as_str()),
            "mail sent"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_are_refused_without_quoting_the_url() {
        let err = SmtpMailer::new("not a url with hunter2", "a@example.com", None).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(SmtpMailer::new("smtp://127.0.0.1:2525", "not a mailbox", None).is_err());
        let ok = SmtpMailer::new(
            "smtp://u:secret-pw@127.0.0.1:2525",
            "Rampart <a@example.com>",
            None,
        )
        .unwrap();
        assert!(!format!("{ok:?}").contains("secret-pw"));
    }
}
