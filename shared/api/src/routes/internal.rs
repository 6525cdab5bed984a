//! CI intelligence (contract section 5): PR intel, flaky tests, schema diffs.

use http::Method;
use rampart_core::Feature;
use rampart_ratelimit::Policy;
use rampart_store::Table;

use super::{Access, BodyKind, Route, TableAccess};
use crate::handlers::internal::{flaky_tests, pr_intel, schema_diff};

/// The `/internal` routes.
pub(super) fn routes() -> Vec<Route> {
    vec![
        Route {
            method: Method::POST,
            path: "/internal/pr-intel/ingest",
            function: "internal-pr-intel-ingest",
            summary: "stores a signed PR record with its risk score.",
            handler: pr_intel::ingest,
            // Authenticated by the HMAC signature, checked by the handler over the raw body.
            access: Access::Public,
            verified: false,
            rate_limit: Some(Policy::Standard),
            feature: Some(Feature::PrIntel),
            body: BodyKind::None,
            tables: &[TableAccess::Write(Table::Intel)],
            // The webhook secret.
            secrets: true,
            uses: &[],
        },
        Route {
            method: Method::GET,
            path: "/internal/pr-intel/{pr_number}",
            function: "internal-pr-intel-get",
            summary: "a PR's stored record.",
            handler: pr_intel::get,
            access: Access::Permission("internal:read"),
            verified: false,
            rate_limit: Some(Policy::Standard),
            feature: Some(Feature::PrIntel),
            body: BodyKind::None,
            tables: &[TableAccess::Read(Table::Intel)],
            secrets: false,
            uses: &[],
        },
        Route {
            method: Method::POST,
            path: "/internal/tests/ingest",
            function: "internal-tests-ingest",
            summary: "adds a JSON or JUnit XML report's runs to the tests' histories.",
            handler: flaky_tests::ingest,
            access: Access::Permission("internal:write"),
            verified: false,
            rate_limit: Some(Policy::Standard),
            feature: Some(Feature::FlakyDetector),
            // JSON or JUnit XML, told apart by the handler.
            body: BodyKind::None,
            tables: &[TableAccess::Write(Table::Intel)],
            secrets: false,
            uses: &[],
        },
        Route {
            method: Method::GET,
            path: "/internal/tests/flaky-candidates",
            function: "internal-tests-flaky-candidates",
            summary: "the tests that flip between passing and failing.",
            handler: flaky_tests::candidates,
            access: Access::Permission("internal:read"),
            verified: false,
            rate_limit: Some(Policy::Standard),
            feature: Some(Feature::FlakyDetector),
            body: BodyKind::None,
            tables: &[TableAccess::Read(Table::Intel)],
            secrets: false,
            uses: &[],
        },
        Route {
            method: Method::POST,
            path: "/internal/schema/diff",
            function: "internal-schema-diff",
            summary: "diffs two Prisma schemas and rates the migration's risk.",
            handler: schema_diff::post,
            access: Access::Permission("internal:write"),
            verified: false,
            rate_limit: Some(Policy::Standard),
            feature: Some(Feature::SchemaDiff),
            body: BodyKind::Json,
            tables: &[],
            secrets: false,
            uses: &[],
        },
    ]
}
