//! CI intelligence's kinds of problem, defined once (status, code, title, detail), and the API
//! errors they make.

use rampart_core::{ApiError, FieldError, ProblemKind};

/// A Prisma schema that does not parse; the field errors name the schema, line and column.
pub const SCHEMA_PARSE_ERROR: ProblemKind =
    ProblemKind::new(400, "schema_parse_error", "Schema parse error", "");
/// A JUnit XML report that cannot be read.
pub const INVALID_XML: ProblemKind = ProblemKind::new(400, "invalid_xml", "Invalid XML", "");
/// A signed webhook whose signature does not match its body.
pub const INVALID_SIGNATURE: ProblemKind = ProblemKind::new(
    401,
    "invalid_signature",
    "Invalid signature",
    "The signature header does not match the body and the shared secret.",
);

/// A signed PR-intel delivery accepted before and since superseded.
pub const REPLAYED_DELIVERY: ProblemKind = ProblemKind::new(
    409,
    "replayed_delivery",
    "Delivery replayed",
    "This exact signed body was accepted before and a later one has replaced it; it is not \
     applied again. A new state of the pull request is a new body.",
);

/// `400 schema_parse_error` naming each schema that does not parse.
pub fn schema_parse_error(errors: Vec<FieldError>) -> ApiError {
    ApiError::feature_fields(&SCHEMA_PARSE_ERROR, errors)
}

/// `400 invalid_xml`, saying why the report cannot be read.
pub fn invalid_xml(why: impl std::fmt::Display) -> ApiError {
    ApiError::Feature {
        kind: &INVALID_XML,
        detail: format!("The body is not a readable JUnit XML report: {why}."),
        errors: None,
    }
}
