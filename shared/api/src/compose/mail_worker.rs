//! The mail worker: it takes the mail requests that request paths queued on the event bus and
//! sends them (EventBridge invokes it on AWS; the local stack runs it in process).

use std::sync::Arc;

use rampart_audit::{AuditEvent, AuditLog, Outcome};
use rampart_auth::smtp::SmtpMailer;
use rampart_auth::{
    AuthService, AuthSettings, Delivered, MAIL_REQUESTED, MailKind, MailRequest, Mailer,
};
use rampart_core::Config;
use rampart_core::events::{Event, EventBus, EventError};
use rampart_store::{ScopedStore, SharedStore, Table, TableAccess};

use super::{Adapters, StartError};

/// The mail worker's Lambda function (its folder under `functions/`).
pub const MAIL_WORKER_FUNCTION: &str = "mail-worker";

/// What the worker may touch: accounts, email claims and one-time tokens (the users table),
/// and the audit table, to which it only adds.
pub const MAIL_WORKER_TABLES: &[TableAccess] = &[
    TableAccess::Write(Table::Users),
    TableAccess::Append(Table::Audit),
];

/// Delivers queued mail requests.
pub struct MailWorker {
    auth: AuthService,
    audit: AuditLog,
}

/// Why a queued event was not handled.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// Not a mail request this worker can read; trying again will not help.
    #[error("not a mail request: {0}")]
    Malformed(String),
    /// Nothing was sent; the request should be tried again.
    #[error("mail request not delivered: {0}")]
    Retry(String),
}

/// The worker, from the same settings and adapters as the functions (its store limited to
/// [`MAIL_WORKER_TABLES`]; its mailer SMTP when the secret names a server, else the log).
pub fn mail_worker(config: &Config, adapters: &Adapters) -> Result<MailWorker, StartError> {
    let store: SharedStore = Arc::new(ScopedStore::new(adapters.store.clone(), MAIL_WORKER_TABLES));
    let auth = AuthService::new(
        store.clone(),
        adapters.clock.clone(),
        &adapters.secrets,
        mailer(config, adapters)?,
        Arc::new(NoQueue),
        &AuthSettings {
            refresh_grace_secs: i64::from(config.refresh_reuse_grace_seconds),
            public_base_url: config.public_base_url.clone(),
            oauth_endpoints: rampart_auth::oauth::Endpoints::default(),
            oauth: None,
        },
    );
    Ok(MailWorker {
        auth,
        audit: AuditLog::new(store, adapters.clock.clone(), config.audit_retention_days),
    })
}

impl MailWorker {
    /// Handles one event from the bus.
    pub async fn handle(&self, event: &Event) -> Result<Delivered, WorkerError> {
        if event.detail_type != MAIL_REQUESTED {
            return Err(WorkerError::Malformed(format!(
                "detail type {:?}",
                event.detail_type
            )));
        }
        let request: MailRequest = serde_json::from_value(event.detail.clone())
            .map_err(|e| WorkerError::Malformed(e.to_string()))?;
        let delivered = self
            .auth
            .deliver(&request)
            .await
            .map_err(|e| WorkerError::Retry(e.to_string()))?;
        match &delivered {
            Delivered::Sent { user_id } => {
                tracing::info!(mail_kind = request.kind.as_str(), "mail sent");
                if request.kind == MailKind::PasswordReset {
                    let mut audited = AuditEvent::new(
                        "auth.password_reset_requested",
                        Outcome::Success,
                        rampart_core::ids::new_id(),
                    );
                    audited.actor = user_id.clone();
                    audited.target = user_id.as_ref().map(|id| format!("user:{id}"));
                    if let Err(error) = self.audit.record(audited).await {
                        tracing::error!(%error, "password reset request not audited");
                    }
                }
            }
            Delivered::Skipped(why) => {
                tracing::info!(mail_kind = request.kind.as_str(), why, "no mail to send");
            }
        }
        Ok(delivered)
    }
}

/// The mail worker's mailer: SMTP when the secret names a server (then `MAIL_FROM` is
/// required), else the log.
fn mailer(config: &Config, adapters: &Adapters) -> Result<Arc<dyn Mailer>, StartError> {
    let Some(url) = &adapters.secrets.smtp_url else {
        return Ok(adapters.log_mailer.clone());
    };
    let from = config.mail_from.as_deref().ok_or(StartError::Setting {
        variable: "MAIL_FROM",
        reason: "required when the secret holds smtp_url".to_owned(),
    })?;
    let smtp =
        SmtpMailer::new(url.expose(), from, config.frontend_base_url.clone()).map_err(|error| {
            StartError::Setting {
                variable: "MAIL_FROM or the secret's smtp_url",
                reason: error.to_string(),
            }
        })?;
    Ok(Arc::new(smtp))
}

/// The worker queues nothing.
struct NoQueue;

#[async_trait::async_trait]
impl EventBus for NoQueue {
    async fn publish(&self, event: Event) -> Result<(), EventError> {
        Err(EventError::Refused(format!(
            "{} queued by the mail worker",
            event.detail_type
        )))
    }
}
