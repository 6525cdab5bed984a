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
