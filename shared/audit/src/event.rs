//! The audit event record.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;

/// How the audited action ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    /// The outcome's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Denied => "denied",
        }
    }
}

/// One security event.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    /// A dotted name such as `http.unauthenticated` or `ratelimit.violation`.
    pub name: String,
    /// The user or API key id, when known.
    pub actor: Option<String>,
    /// What the action was done to, when it is not the actor: a user id, a session id, a
    /// stored record (`sessions/session#…`).
    pub target: Option<String>,
    /// The client's address (anonymised when recorded).
    pub ip: Option<IpAddr>,
    /// The client's user agent (truncated when recorded).
    pub user_agent: Option<String>,
    /// The request id of the request that caused it.
    pub correlation_id: String,
    pub outcome: Outcome,
    /// Extra facts; values of secret-looking names are masked when recorded.
    pub details: BTreeMap<String, String>,
}

impl AuditEvent {
    /// An event with no actor, address or details yet.
    pub fn new(
        name: impl Into<String>,
        outcome: Outcome,
        correlation_id: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            actor: None,
            target: None,
            ip: None,
            user_agent: None,
            correlation_id: correlation_id.into(),
            outcome,
            details: BTreeMap::new(),
        }
    }

    /// Names what the action was done to.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Adds a detail.
    pub fn detail(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.details.insert(name.into(), value.into());
        self
    }
}

/// The kinds of events, by what they are about; a record names its category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Sign-ins, sessions, passwords, second factors, API keys.
    Authentication,
    /// Refusals (401, 403, 429) and changes of roles and grants.
    AccessControl,
    /// Someone reading data that is not their own: the audit log, exports, other accounts'
    /// records.
    DataAccess,
    /// Changes of the settings the service runs with.
    Configuration,
    /// Patterns no single event shows, found by the detectors.
    SuspiciousActivity,
    /// What the service does by itself: key rotation, a record that did not decrypt, alerts
    /// refused.
    System,
}

impl Category {
    /// The category's name, as records and metrics carry it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authentication => "authentication",
            Self::AccessControl => "access_control",
            Self::DataAccess => "data_access",
            Self::Configuration => "configuration",
            Self::SuspiciousActivity => "suspicious_activity",
            Self::System => "system",
        }
    }

    /// The category of the event named `name`.
    pub fn of(name: &str) -> Self {
        match name {
            "admin.audit_queried" | "admin.user_viewed" | "admin.exported" | "account.exported" => {
                Self::DataAccess
            }
            "admin.role_changed" | "admin.grant_added" | "admin.grant_removed" => {
                Self::AccessControl
            }
            _ => match name.split_once('.').map_or(name, |(prefix, _)| prefix) {
                "data_access" => Self::DataAccess,
                "configuration" => Self::Configuration,
                "suspicious" => Self::SuspiciousActivity,
                "auth" => Self::Authentication,
                "http" | "ratelimit" => Self::AccessControl,
                _ => Self::System,
            },
        }
    }

    /// The metric counting events of this category, for the categories the deployment
    /// alarms on.
    pub fn metric(self) -> Option<&'static str> {
        match self {
            Self::DataAccess => Some(rampart_core::metrics::DATA_ACCESS_EVENTS),
            Self::Configuration => Some(rampart_core::metrics::CONFIGURATION_CHANGES),
            Self::SuspiciousActivity => Some(rampart_core::metrics::SUSPICIOUS_ACTIVITY),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Category;

    #[test]
    fn events_fall_in_their_categories() {
        let cases = [
            ("auth.login", Category::Authentication),
            ("auth.api_key_denied", Category::Authentication),
            ("http.forbidden", Category::AccessControl),
            ("ratelimit.violation", Category::AccessControl),
            ("admin.role_changed", Category::AccessControl),
            ("admin.audit_queried", Category::DataAccess),
            ("admin.user_viewed", Category::DataAccess),
            ("admin.exported", Category::DataAccess),
            ("account.exported", Category::DataAccess),
            ("data_access.ticket_read", Category::DataAccess),
            (
                "configuration.discord_settings_changed",
                Category::Configuration,
            ),
            ("suspicious.forbidden_sweep", Category::SuspiciousActivity),
            ("keys.field_rotation_started", Category::System),
            ("crypto.decrypt_failed", Category::System),
        ];
        for (name, category) in cases {
            assert_eq!(Category::of(name), category, "{name}");
        }
    }
}
