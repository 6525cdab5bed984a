//! One error type for every route, rendered as an RFC 9457 problem document.
//!
//! Internal causes are logged with the request id and never sent to the client.

use serde::Serialize;

/// One invalid field of a request body or query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct FieldError {
    /// The field's name as the client sent it.
    pub field: String,
    /// What is wrong with it, for a person.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Every failure a route can answer with. The `code` of each variant is part of the contract.
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
    #[error("email or password is wrong")]
    InvalidCredentials,
    #[error("token is unknown, used or expired")]
    InvalidToken,
    #[error("refresh token is not valid")]
    InvalidRefresh,
    #[error("refresh token reused; session revoked")]
    RefreshReused,
    /// A one-time code that does not check out, where the code itself is the request.
    #[error("the code is wrong, expired or already used")]
    InvalidCode,
    /// A one-time code that does not check out, where it is a credential.
    #[error("the code is wrong, expired or already used")]
    WrongCode,
    /// A schema that does not parse; the field names which one, the message its position.
    #[error("schema does not parse: {0:?}")]
    SchemaParse(Vec<FieldError>),
    /// A JUnit XML body that cannot be read.
    #[error("XML body unreadable: {0}")]
    InvalidXml(String),
    /// A webhook whose signature does not match its body.
    #[error("signature does not match")]
    InvalidSignature,
    /// An OAuth callback whose `state` is unknown, used, expired or another provider's.
    #[error("OAuth state is not valid")]
    InvalidState,
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
    #[error("feature disabled")]
    FeatureDisabled,
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("service unavailable: {0}")]
    ServiceUnavailable(String),
    /// An unexpected failure; the cause (with its own sources) is logged, never sent.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
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

    /// The HTTP status of this error.
    pub fn status(&self) -> u16 {
        match self {
            Self::NotFound | Self::ResourceNotFound | Self::FeatureDisabled => 404,
            Self::MethodNotAllowed { .. } => 405,
            Self::PayloadTooLarge { .. } => 413,
            Self::UnsupportedMediaType { .. } => 415,
            Self::InvalidJson(_) | Self::Validation(_) => 400,
            Self::InvalidToken
            | Self::InvalidCode
            | Self::InvalidState
            | Self::InvalidXml(_)
            | Self::SchemaParse(_) => 400,
            Self::Unauthenticated
            | Self::InvalidCredentials
            | Self::InvalidRefresh
            | Self::RefreshReused
            | Self::WrongCode
            | Self::InvalidSignature => 401,
            Self::Forbidden | Self::CsrfMissing | Self::CsrfMismatch | Self::EmailUnverified => 403,
            Self::RateLimited { .. } => 429,
            Self::PreconditionFailed => 412,
            Self::Conflict(_) => 409,
            Self::ServiceUnavailable(_) => 503,
            Self::Internal(_) => 500,
        }
    }

    /// The contract's machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound | Self::ResourceNotFound => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType { .. } => "unsupported_media_type",
            Self::InvalidJson(_) => "invalid_json",
            Self::Validation(_) => "validation_failed",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidToken => "invalid_token",
            Self::InvalidRefresh => "invalid_refresh",
            Self::RefreshReused => "refresh_reused",
            Self::InvalidCode | Self::WrongCode => "invalid_code",
            Self::InvalidState => "invalid_state",
            Self::InvalidSignature => "invalid_signature",
            Self::InvalidXml(_) => "invalid_xml",
            Self::SchemaParse(_) => "schema_parse_error",
            Self::Forbidden => "forbidden",
            Self::CsrfMissing => "csrf_missing",
            Self::CsrfMismatch => "csrf_mismatch",
            Self::EmailUnverified => "email_unverified",
            Self::RateLimited { .. } => "rate_limited",
            Self::FeatureDisabled => "feature_disabled",
            Self::PreconditionFailed => "precondition_failed",
            Self::Conflict(_) => "conflict",
            Self::ServiceUnavailable(_) => "service_unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::NotFound | Self::ResourceNotFound => "Not found",
            Self::MethodNotAllowed { .. } => "Method not allowed",
            Self::PayloadTooLarge { .. } => "Payload too large",
            Self::UnsupportedMediaType { .. } => "Unsupported media type",
            Self::InvalidJson(_) => "Invalid JSON",
            Self::Validation(_) => "Validation failed",
            Self::Unauthenticated => "Unauthenticated",
            Self::InvalidCredentials => "Invalid credentials",
            Self::InvalidToken => "Invalid token",
            Self::InvalidRefresh => "Invalid refresh token",
            Self::RefreshReused => "Refresh token reused",
            Self::InvalidCode | Self::WrongCode => "Invalid code",
            Self::InvalidState => "Invalid state",
            Self::InvalidSignature => "Invalid signature",
            Self::InvalidXml(_) => "Invalid XML",
            Self::SchemaParse(_) => "Schema parse error",
            Self::Forbidden => "Forbidden",
            Self::CsrfMissing => "CSRF token missing",
            Self::CsrfMismatch => "CSRF token mismatch",
            Self::EmailUnverified => "Email not verified",
            Self::RateLimited { .. } => "Too many requests",
            Self::FeatureDisabled => "Feature disabled",
            Self::PreconditionFailed => "Precondition failed",
            Self::Conflict(_) => "Conflict",
            Self::ServiceUnavailable(_) => "Service unavailable",
            Self::Internal(_) => "Internal server error",
        }
    }

    /// What the client is told; server-side causes stay out of it.
    fn detail(&self) -> String {
        match self {
            Self::NotFound => "No route matches this path.".to_owned(),
            Self::ResourceNotFound => "The resource does not exist or is not yours.".to_owned(),
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
            Self::Validation(_) => "One or more fields are invalid.".to_owned(),
            Self::Unauthenticated => "Sign in, or send a valid bearer token.".to_owned(),
            Self::InvalidCredentials => "The email address or password is wrong.".to_owned(),
            Self::InvalidToken => "The token is unknown, already used or expired.".to_owned(),
            Self::InvalidCode | Self::WrongCode => {
                "The code is wrong, expired or already used.".to_owned()
            }
            Self::SchemaParse(errors) => errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
            Self::InvalidXml(why) => format!("The body is not a readable JUnit XML report: {why}."),
            Self::InvalidSignature => {
                "The signature header does not match the body and the shared secret.".to_owned()
            }
            Self::InvalidState => "The sign-in link is unknown, already used or older than 10 \
                minutes; start the sign-in again."
                .to_owned(),
            Self::InvalidRefresh => "The refresh token is not valid; sign in again.".to_owned(),
            Self::RefreshReused => "This refresh token was already used, so the session \
                has been revoked as a precaution; sign in again."
                .to_owned(),
            Self::Forbidden => "You are not allowed to do this.".to_owned(),
            Self::CsrfMissing => {
                "Send the XSRF-TOKEN cookie's value in the X-CSRF-Token header.".to_owned()
            }
            Self::CsrfMismatch => {
                "The X-CSRF-Token header does not match this session's token.".to_owned()
            }
            Self::EmailUnverified => "Verify your email address first; a new link can be \
                requested with POST /api/v1/auth/resend-verification."
                .to_owned(),
            Self::RateLimited { retry_after_secs } => {
                format!("Too many requests; retry after {retry_after_secs} seconds.")
            }
            Self::FeatureDisabled => "This feature is turned off.".to_owned(),
            Self::PreconditionFailed => {
                "The resource has changed since the ETag you sent in If-Match.".to_owned()
            }
            Self::Conflict(why) => why.clone(),
            Self::ServiceUnavailable(_) => {
                "A dependency is unavailable; try again shortly.".to_owned()
            }
            Self::Internal(_) => "Something went wrong on our side.".to_owned(),
        }
    }

    /// The problem document for this error, carrying `request_id` on 5xx.
    pub fn to_problem(&self, request_id: &str) -> Problem {
        let status = self.status();
        let code = self.code();
        Problem {
            kind: format!("/problems/{code}"),
            title: self.title(),
            status,
            detail: self.detail(),
            code,
            errors: match self {
                Self::Validation(errors) | Self::SchemaParse(errors) => Some(errors.clone()),
                _ => None,
            },
            request_id: (status >= 500).then(|| request_id.to_owned()),
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
mod tests {
    use super::*;

    #[test]
    fn each_error_maps_to_its_contract_status_and_code() {
        let table: Vec<(ApiError, u16, &str)> = vec![
            (ApiError::NotFound, 404, "not_found"),
            (
                ApiError::MethodNotAllowed {
                    allow: vec!["GET".into()],
                },
                405,
                "method_not_allowed",
            ),
            (
                ApiError::PayloadTooLarge { limit: 1 },
                413,
                "payload_too_large",
            ),
            (
                ApiError::UnsupportedMediaType {
                    expected: "application/json",
                },
                415,
                "unsupported_media_type",
            ),
            (ApiError::InvalidJson("eof".into()), 400, "invalid_json"),
            (ApiError::Validation(vec![]), 400, "validation_failed"),
            (ApiError::Unauthenticated, 401, "unauthenticated"),
            (ApiError::Forbidden, 403, "forbidden"),
            (ApiError::CsrfMissing, 403, "csrf_missing"),
            (ApiError::CsrfMismatch, 403, "csrf_mismatch"),
            (ApiError::EmailUnverified, 403, "email_unverified"),
            (
                ApiError::RateLimited {
                    retry_after_secs: 3,
                },
                429,
                "rate_limited",
            ),
            (ApiError::FeatureDisabled, 404, "feature_disabled"),
            (ApiError::PreconditionFailed, 412, "precondition_failed"),
            (
                ApiError::ServiceUnavailable("db".into()),
                503,
                "service_unavailable",
            ),
            (ApiError::Internal("boom".into()), 500, "internal_error"),
        ];
        for (error, status, code) in table {
            let problem = error.to_problem("req-1");
            assert_eq!((problem.status, problem.code), (status, code), "{error:?}");
            assert_eq!(problem.kind, format!("/problems/{code}"));
        }
    }

    #[test]
    fn server_errors_carry_the_request_id_and_no_internals() {
        let problem = ApiError::Internal("DynamoDB said: ValidationException at foo.rs".into())
            .to_problem("req-42");
        let json = serde_json::to_string(&problem).unwrap();
        assert!(json.contains("\"request_id\":\"req-42\""));
        assert!(!json.contains("DynamoDB"));
        let client = ApiError::Forbidden.to_problem("req-43");
        assert!(client.request_id.is_none());
    }

    #[test]
    fn validation_problems_list_their_fields() {
        let problem = ApiError::Validation(vec![FieldError::new("page_size", "must be 1..100")])
            .to_problem("r");
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["errors"][0]["field"], "page_size");
    }

    #[test]
    fn email_unverified_names_the_resend_route() {
        let problem = ApiError::EmailUnverified.to_problem("r");
        assert!(
            problem
                .detail
                .contains("POST /api/v1/auth/resend-verification")
        );
    }
}
