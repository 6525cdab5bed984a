//! The generic kinds of problem, each defined once: status, code, title and the detail a
//! client is told when the occurrence adds nothing. Features define their own kinds in their
//! crates the same way.

/// A kind of problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProblemKind {
    /// The HTTP status.
    pub status: u16,
    /// The contract's machine-readable code (`/problems/<code>` is the type URI).
    pub code: &'static str,
    /// A short summary of the kind.
    pub title: &'static str,
    /// What the client is told by default.
    pub detail: &'static str,
}

impl ProblemKind {
    /// A kind, for `const` definitions.
    pub const fn new(
        status: u16,
        code: &'static str,
        title: &'static str,
        detail: &'static str,
    ) -> Self {
        Self {
            status,
            code,
            title,
            detail,
        }
    }
}

pub const NOT_FOUND: ProblemKind = ProblemKind::new(
    404,
    "not_found",
    "Not found",
    "The resource does not exist or is not yours.",
);
pub const METHOD_NOT_ALLOWED: ProblemKind =
    ProblemKind::new(405, "method_not_allowed", "Method not allowed", "");
pub const PAYLOAD_TOO_LARGE: ProblemKind =
    ProblemKind::new(413, "payload_too_large", "Payload too large", "");
pub const UNSUPPORTED_MEDIA_TYPE: ProblemKind =
    ProblemKind::new(415, "unsupported_media_type", "Unsupported media type", "");
pub const INVALID_JSON: ProblemKind = ProblemKind::new(400, "invalid_json", "Invalid JSON", "");
pub const VALIDATION_FAILED: ProblemKind = ProblemKind::new(
    400,
    "validation_failed",
    "Validation failed",
    "One or more fields are invalid.",
);
pub const UNAUTHENTICATED: ProblemKind = ProblemKind::new(
    401,
    "unauthenticated",
    "Unauthenticated",
    "Sign in, or send a valid bearer token.",
);
pub const FORBIDDEN: ProblemKind = ProblemKind::new(
    403,
    "forbidden",
    "Forbidden",
    "You are not allowed to do this.",
);
pub const CSRF_MISSING: ProblemKind = ProblemKind::new(
    403,
    "csrf_missing",
    "CSRF token missing",
    "Send the XSRF-TOKEN cookie's value in the X-CSRF-Token header.",
);
pub const CSRF_MISMATCH: ProblemKind = ProblemKind::new(
    403,
    "csrf_mismatch",
    "CSRF token mismatch",
    "The X-CSRF-Token header does not match this session's token.",
);
pub const EMAIL_UNVERIFIED: ProblemKind = ProblemKind::new(
    403,
    "email_unverified",
    "Email not verified",
    "Verify your email address first; a new link can be requested with \
     POST /api/v1/auth/resend-verification.",
);
pub const RATE_LIMITED: ProblemKind =
    ProblemKind::new(429, "rate_limited", "Too many requests", "");
pub const QUOTA_EXCEEDED: ProblemKind =
    ProblemKind::new(429, "quota_exceeded", "Quota exceeded", "");
pub const FEATURE_DISABLED: ProblemKind = ProblemKind::new(
    404,
    "feature_disabled",
    "Feature disabled",
    "This feature is turned off.",
);
pub const FEATURE_DEGRADED: ProblemKind = ProblemKind::new(
    503,
    "feature_disabled",
    "Feature switched off",
    "This feature was switched off automatically after its requests kept failing; try again later.",
);
pub const PRECONDITION_FAILED: ProblemKind = ProblemKind::new(
    412,
    "precondition_failed",
    "Precondition failed",
    "The resource has changed since the ETag you sent in If-Match.",
);
pub const CONFLICT: ProblemKind = ProblemKind::new(409, "conflict", "Conflict", "");
pub const IDEMPOTENCY_KEY_REUSED: ProblemKind = ProblemKind::new(
    422,
    "idempotency_key_reused",
    "Idempotency key reused",
    "This Idempotency-Key was used with a different request; use a new key for a new request.",
);
pub const IDEMPOTENCY_IN_PROGRESS: ProblemKind = ProblemKind::new(
    409,
    "idempotency_in_progress",
    "Request in progress",
    "A request with this Idempotency-Key is still being processed; retry shortly.",
);
pub const SERVICE_UNAVAILABLE: ProblemKind = ProblemKind::new(
    503,
    "service_unavailable",
    "Service unavailable",
    "A dependency is unavailable; try again shortly.",
);
pub const INTERNAL_ERROR: ProblemKind = ProblemKind::new(
    500,
    "internal_error",
    "Internal server error",
    "Something went wrong on our side.",
);
