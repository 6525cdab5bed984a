//! The generic problems: statuses, codes, and what clients are told.

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
    let problem =
        ApiError::Validation(vec![FieldError::new("page_size", "must be 1..100")]).to_problem("r");
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

#[test]
fn a_features_problem_renders_from_its_kind() {
    const TEAPOT: ProblemKind = ProblemKind::new(418, "teapot", "Teapot", "Short and stout.");
    let problem = ApiError::feature(&TEAPOT).to_problem("r");
    assert_eq!(
        (problem.status, problem.code, problem.title),
        (418, "teapot", "Teapot")
    );
    assert_eq!(problem.kind, "/problems/teapot");
    assert_eq!(problem.detail, "Short and stout.");
    assert!(problem.errors.is_none());
    let with_fields =
        ApiError::feature_fields(&TEAPOT, vec![FieldError::new("spout", "is missing")])
            .to_problem("r");
    assert_eq!(with_fields.detail, "spout: is missing");
    assert_eq!(with_fields.errors.unwrap()[0].field, "spout");
}
