//! The `Mailer` port and its local adapter.
//!
//! Every mail the account system sends has a kind, a recipient and, for some kinds, a token
//! the recipient uses. The local adapter writes one JSON log line per mail (`mail_kind`,
//! `mail_to`, and the token only when running locally) and keeps recent mails in memory so
//! tests can read them; the SMTP adapter delivers them.

use std::collections::VecDeque;
use std::sync::Mutex;

use async_trait::async_trait;
use rampart_core::Masked;

use crate::email::Email;

/// What a mail is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// A new account's verification link.
    VerifyEmail,
    /// Someone tried to register an address that already has an account.
    AccountExists,
    /// Two-factor authentication was turned on or off.
    TwoFactorChanged,
    /// The account was deleted.
    AccountDeleted,
    /// A password-reset link.
    PasswordReset,
    /// The password was changed or reset.
    PasswordChanged,
}

impl MailKind {
    /// The kind's name in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::AccountExists => "account_exists",
            Self::TwoFactorChanged => "two_factor_changed",
            Self::AccountDeleted => "account_deleted",
            Self::PasswordReset => "password_reset",
            Self::PasswordChanged => "password_changed",
        }
    }

    /// The subject line.
    pub fn subject(self) -> &'static str {
        match self {
            Self::VerifyEmail => "Verify your email address",
            Self::AccountExists => "Someone tried to register with your address",
            Self::TwoFactorChanged => "Two-factor authentication changed",
            Self::AccountDeleted => "Your account was deleted",
            Self::PasswordReset => "Reset your password",
            Self::PasswordChanged => "Your password was changed",
        }
    }
}

/// One mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub kind: MailKind,
    pub to: Email,
    /// The token the recipient needs (verification), if any.
    pub token: Option<Masked<String>>,
}

/// The event detail type of a [`MailRequest`].
pub const MAIL_REQUESTED: &str = "mail.requested";

/// A mail the account system wants sent, published on the request path and delivered by the
/// mail worker ([`crate::AuthService::deliver`]). It carries no token and nothing the request
/// decided about the account: the worker looks the account up, issues the token and sends,
/// so the request path does the same work whether the address has an account or not.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MailRequest {
    pub kind: MailKind,
    /// The recipient, as the request named it (already parsed and normalised).
    pub to: String,
    /// The account, when the request path already knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// Why a mail could not be sent.
#[derive(Debug, thiserror::Error)]
#[error("mail could not be sent: {0}")]
pub struct MailError(pub String);

/// Sends mail.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends one mail.
    async fn send(&self, mail: Mail) -> Result<(), MailError>;
}

const OUTBOX_CAPACITY: usize = 1_000;

/// How a log line names a recipient outside the local stage: the domain only.
pub fn logged_address(to: &str) -> String {
    match to.rsplit_once('@') {
        Some((_, domain)) => format!("***@{domain}"),
        None => "***".to_owned(),
    }
}

/// The local adapter: one log line per mail, and an in-memory outbox.
#[derive(Debug)]
pub struct LogMailer {
    /// Whether tokens and addresses may appear in the log line (the local stage only).
    show_tokens: bool,
    outbox: Mutex<VecDeque<Mail>>,
}

impl LogMailer {
    /// A mailer that logs tokens and whole addresses only when `show_tokens`.
    pub fn new(show_tokens: bool) -> Self {
        Self {
            show_tokens,
            outbox: Mutex::new(VecDeque::new()),
        }
    }

    /// The mails sent so far (most recent last, the last 1,000 at most).
    pub fn outbox(&self) -> Vec<Mail> {
        self.outbox
            .lock()
            .map(|o| o.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The most recent mail of `kind` to `to`.
    pub fn last(&self, kind: MailKind, to: &str) -> Option<Mail> {
        self.outbox()
            .into_iter()
            .rev()
            .find(|m| m.kind == kind && m.to.as_str() == to)
    }
}

#[async_trait]
impl Mailer for LogMailer {
    async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let token = match (&mail.token, self.show_tokens) {
            (Some(t), true) => t.expose().as_str(),
            _ => "",
        };
        if token.is_empty() {
            let to = if self.show_tokens {
                mail.to.as_str().to_owned()
            } else {
                logged_address(mail.to.as_str())
            };
            tracing::info!(mail_kind = mail.kind.as_str(), mail_to = %to, "mail");
        } else {
            tracing::info!(
                mail_kind = mail.kind.as_str(),
                mail_to = mail.to.as_str(),
                token,
                "mail"
            );
        }
        if let Ok(mut outbox) = self.outbox.lock() {
            if outbox.len() == OUTBOX_CAPACITY {
                outbox.pop_front();
            }
            outbox.push_back(mail);
        }
        Ok(())
    }
}
