//! One error type for every route, rendered as an RFC 9457 problem document.
//!
//! Each kind of problem (its status, code and title) is a [`ProblemKind`] defined once: the
//! generic ones in [`kinds`], each feature's own in its crate (`rampart_auth::problems`,
//! `rampart_ops::problems`), which map their errors into [`ApiError::Feature`]. Internal
//! causes are logged with the request id and never sent to the client.

pub mod kinds;

use serde::Serialize;

pub use kinds::ProblemKind;

/// One invalid field of a request body or query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct FieldError {
    /// The field's name as the client sent it.
    pub field: String,
    /// What is wrong with it, for a person.
    pub message: String,
    /// Where in the field's text, when the field is a document (a schema): 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column (in characters) on that line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            line: None,
            column: None,
        }
    }

    /// The same error, placed at `line` and `column` of the field's text.
    pub fn at(self, line: usize, column: usize) -> Self {
        Self {
            line: u32::try_from(line).ok(),
            column: u32::try_from(column).ok(),
            ..self
        }
    }
}

/// Every failure a route can answer with. The `code` of each kind is part of the contract.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("no route matches this path")]
    NotFound,
    #[error("the resource does not exist")]
    ResourceNotFound,
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("content type must be {expected}")]
    UnsupportedMediaType { expected: &'static str },
    #[error("request body is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("request validation failed")]
    Validation(Vec<FieldError>),
    #[error("authentication required")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    #[error("CSRF token missing")]
    CsrfMissing,
    #[error("CSRF token does not match")]
    CsrfMismatch,
    #[error("email address not verified")]
    EmailUnverified,
    #[error("rate limit exceeded")]
    RateLimited { retry_after_secs: u64 },
    /// A cap on what one account may add (a day's posts, say), named in `detail`; answered
    /// with `Retry-After` when the cap lifts.
    #[error("quota exceeded: {detail}")]
    QuotaExceeded {
        detail: String,
        retry_after_secs: u64,
    },
    #[error("feature disabled")]
    FeatureDisabled,
    /// The feature was switched off automatically after its requests kept failing; answered
    /// `503` with `Retry-After`.
    #[error("feature switched off after failing")]
    FeatureDegraded { retry_after_secs: u64 },
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("conflict: {0}")]
    Conflict(String),
    /// The `Idempotency-Key` was first used with another request (method, path or body).
    #[error("idempotency key reused with another request")]
    IdempotencyKeyReused,
    /// The first request with this `Idempotency-Key` is still running (answered with
    /// `Retry-After: 1`).
    #[error("a request with this idempotency key is in progress")]
    IdempotencyInProgress,
    #[error("service unavailable: {0}")]
    ServiceUnavailable(String),
    /// An unexpected failure; the cause (with its own sources) is logged, never sent.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A problem a feature defines: its kind, what to tell the client this time, and the
    /// fields at fault, if any.
    #[error("{}: {detail}", kind.code)]
    Feature {
        kind: &'static ProblemKind,
        detail: String,
        errors: Option<Vec<FieldError>>,
    },
}

impl ApiError {
    /// A feature's problem, with its kind's standard detail.
    pub fn feature(kind: &'static ProblemKind) -> Self {
        Self::Feature {
            kind,
            detail: kind.detail.to_owned(),
            errors: None,
        }
    }

    /// A feature's problem, naming the fields at fault (listed in the detail too).
    pub fn feature_fields(kind: &'static ProblemKind, errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        Self::Feature {
            kind,
            detail,
            errors: Some(errors),
        }
    }

    /// An internal error caused by `source`, which is kept for the log.
    pub fn internal(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(source))
    }

    /// This error and each of its sources, joined by `: `, for the log.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        // The first source is already in `internal error: {0}`.
        if matches!(self, Self::Internal(_)) {
            source = source.and_then(std::error::Error::source);
        }
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }

    /// The kind of this problem: where its status, code and title are defined.
    pub fn kind(&self) -> &'static ProblemKind {
        use kinds::*;
        match self {
            Self::NotFound | Self::ResourceNotFound => &NOT_FOUND,
            Self::MethodNotAllowed { .. } => &METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge { .. } => &PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType { .. } => &UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidJson(_) => &INVALID_JSON,
            Self::Validation(_) => &VALIDATION_FAILED,
            Self::Unauthenticated => &UNAUTHENTICATED,
            Self::Forbidden => &FORBIDDEN,
            Self::CsrfMissing => &CSRF_MISSING,
            Self::CsrfMismatch => &CSRF_MISMATCH,
            Self::EmailUnverified => &EMAIL_UNVERIFIED,
            Self::RateLimited { .. } => &RATE_LIMITED,
            Self::QuotaExceeded { .. } => &QUOTA_EXCEEDED,
            Self::FeatureDisabled => &FEATURE_DISABLED,
            Self::FeatureDegraded { .. } => &FEATURE_DEGRADED,
            Self::PreconditionFailed => &PRECONDITION_FAILED,
            Self::Conflict(_) => &CONFLICT,
            Self::IdempotencyKeyReused => &IDEMPOTENCY_KEY_REUSED,
            Self::IdempotencyInProgress => &IDEMPOTENCY_IN_PROGRESS,
            Self::ServiceUnavailable(_) => &SERVICE_UNAVAILABLE,
            Self::Internal(_) => &INTERNAL_ERROR,
            Self::Feature { kind, .. } => kind,
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> u16 {
        self.kind().status
    }

    /// The contract's machine-readable code.
    pub fn code(&self) -> &'static str {
        self.kind().code
    }

    /// What the client is told; server-side causes stay out of it.
    fn detail(&self) -> String {
        match self {
            Self::NotFound => "No route matches this path.".to_owned(),
            Self::MethodNotAllowed { allow } => {
                format!("This route accepts: {}.", allow.join(", "))
            }
            Self::PayloadTooLarge { limit } => {
                format!("The request body is larger than {limit} bytes.")
            }
            Self::UnsupportedMediaType { expected } => {
                format!("The request body must be sent as {expected}.")
            }
            Self::InvalidJson(why) => format!("The request body is not valid JSON: {why}."),
            Self::RateLimited { retry_after_secs } => {
                format!("Too many requests; retry after {retry_after_secs} seconds.")
            }
            Self::Conflict(why) => why.clone(),
            Self::QuotaExceeded { detail, .. } => detail.clone(),
            Self::Feature { detail, .. } => detail.clone(),
            other => other.kind().detail.to_owned(),
        }
    }

    /// The problem document for this error, carrying `request_id` on 5xx.
    pub fn to_problem(&self, request_id: &str) -> Problem {
        let kind = self.kind();
        Problem {
            kind: format!("/problems/{}", kind.code),
            title: kind.title,
            status: kind.status,
            detail: self.detail(),
            code: kind.code,
            errors: match self {
                Self::Validation(errors) => Some(errors.clone()),
                Self::Feature { errors, .. } => errors.clone(),
                _ => None,
            },
            request_id: (kind.status >= 500).then(|| request_id.to_owned()),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// A relative URI naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the problem type.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// A human-readable explanation of this occurrence.
    pub detail: String,
    /// The machine-readable code from the contract.
    pub code: &'static str,
    /// Field errors of a validation failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// The request id, on server errors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[cfg(test)]
mod tests;
