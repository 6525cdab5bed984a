//! CI intelligence (contract section 5): PR intel, flaky tests, schema diffs.

use http::Method;
use rampart_core::Feature;
use rampart_ratelimit::Policy;
use rampart_store::{Index, Table};

use super::{Access, BlobAccess, BodyKind, Entry, Port, Route, TableAccess};
use crate::handlers::account::ExportFiles;
use crate::handlers::auth::Accounts;
use crate::handlers::internal::{flaky_tests, journey, pr_intel, schema_diff};
use crate::openapi::{ApiSpec, PAGE_NUMBERS, QueryParam, ok, schema};
use rampart_ops::flaky::json as json_report;
use rampart_ops::pr_intel as pr_intel_model;

fn min_runs(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "integer", "minimum": 1})
}

/// The flaky list's query: the minimum of counted runs, and page numbers.
const FLAKY_QUERY: [QueryParam; 3] = [
    QueryParam {
        name: "min_runs",
        description: "Counted runs a test needs to be judged, 1 to the runs kept (default 10).",
        required: false,
        schema: min_runs,
    },
    PAGE_NUMBERS[0],
    PAGE_NUMBERS[1],
];

/// The `/internal` routes.
pub(super) const ROUTES: &[Entry] = entries![
    internal_pr_intel_ingest,
    internal_pr_intel_get,
    internal_tests_ingest,
    internal_tests_flaky_candidates,
    internal_schema_diff,
    internal_journey_run
];

pub fn internal_pr_intel_ingest() -> Route {
    Route {
        method: Method::POST,
        path: "/internal/pr-intel/ingest",
        function: "internal-pr-intel-ingest",
        summary: "stores a signed PR record with its risk score.",
        handler: |s, c, r| {
            pr_intel::ingest(
                &s.secrets,
                s.sensitive_paths.as_ref(),
                &s.store,
                &*s.clock,
                c,
                r,
            )
        },
        // Authenticated by the HMAC signature, checked by the handler over the raw body.
        access: Access::Public,
        verified: false,
        rate_limit: Some(Policy::Standard),
        feature: Some(Feature::PrIntel),
        body: BodyKind::None,
        tables: &[TableAccess::Write(Table::Intel)],
        // The webhook secret.
        secrets: true,
        idempotent: false,
        prefetch: None,
        memory: super::Memory::Standard,
        uses: &[Port::PrRisk],
        api: ApiSpec {
            request: Some(schema::<pr_intel_model::PrSubmission>),
            responses: const { &[ok::<pr_intel_model::PrRecord>(200)] },
            credentials: &[&["hubSignature"]],
            ..ApiSpec::UNDECLARED
        },
        blobs: &[],
    }
}

pub fn internal_pr_intel_get() -> Route {
    Route {
        method: Method::GET,
        path: "/internal/pr-intel/{pr_number}",
        function: "internal-pr-intel-get",
        summary: "a PR's stored record.",
        handler: |s, c, r| pr_intel::get(&s.store, c, r),
        access: Access::Permission("internal:read"),
        verified: true,
        rate_limit: Some(Policy::Ci),
        feature: Some(Feature::PrIntel),
        body: BodyKind::None,
        tables: &[TableAccess::Read(Table::Intel)],
        secrets: false,
        idempotent: false,
        prefetch: None,
        memory: super::Memory::Standard,
        uses: &[],
        api: ApiSpec {
            responses: const { &[ok::<pr_intel_model::PrRecord>(200)] },
            path: &[PR_NUMBER],
            ..ApiSpec::UNDECLARED
        },
        blobs: &[],
    }
}

pub fn internal_tests_ingest() -> Route {
    Route {
        method: Method::POST,
        path: "/internal/tests/ingest",
        function: "internal-tests-ingest",
        summary: "adds a JSON or JUnit XML report's runs to the tests' histories.",
        handler: |s, c, r| flaky_tests::ingest(&s.store, s.config.flaky_runs_kept, &*s.clock, c, r),
        access: Access::Permission("internal:write"),
        verified: true,
        rate_limit: Some(Policy::Ci),
        feature: Some(Feature::FlakyDetector),
        // JSON or JUnit XML, told apart by the handler.
        body: BodyKind::None,
        tables: &[TableAccess::Write(Table::Intel)],
        secrets: false,
        idempotent: true,
        prefetch: None,
        memory: super::Memory::Standard,
        uses: &[],
        api: ApiSpec {
            request: Some(schema::<json_report::Report>),
            other_media: &["application/xml", "text/xml"],
            responses: const { &[ok::<flaky_tests::Ingested>(200)] },
            ..ApiSpec::UNDECLARED
        },
        blobs: &[],
    }
}

pub fn internal_tests_flaky_candidates() -> Route {
    Route {
        method: Method::GET,
        path: "/internal/tests/flaky-candidates",
        function: "internal-tests-flaky-candidates",
        summary: "the tests that flip between passing and failing.",
        handler: |s, c, r| flaky_tests::candidates(&s.store, s.config.flaky_runs_kept, c, r),
        access: Access::Permission("internal:read"),
        verified: true,
        rate_limit: Some(Policy::Ci),
        feature: Some(Feature::FlakyDetector),
        body: BodyKind::None,
        tables: &[TableAccess::Read(Table::Intel)],
        secrets: false,
        idempotent: false,
        prefetch: None,
        memory: super::Memory::Standard,
        uses: &[],
        api: ApiSpec {
            query: &FLAKY_QUERY,
            responses: const { &[ok::<flaky_tests::FlakyCandidates>(200)] },
            ..ApiSpec::UNDECLARED
        },
        blobs: &[],
    }
}

pub fn internal_schema_diff() -> Route {
    Route {
        method: Method::POST,
        path: "/internal/schema/diff",
        function: "internal-schema-diff",
        summary: "diffs two Prisma schemas and rates the migration's risk.",
        handler: |_, c, r| schema_diff::post(c, r),
        access: Access::Permission("internal:write"),
        verified: true,
        rate_limit: Some(Policy::Ci),
        feature: Some(Feature::SchemaDiff),
        body: BodyKind::Json,
        tables: &[],
        secrets: false,
        idempotent: false,
        prefetch: None,
        memory: super::Memory::Standard,
        uses: &[],
        api: ApiSpec {
            request: Some(schema::<schema_diff::Body>),
            responses: const { &[ok::<schema_diff::DiffResult>(200)] },
            ..ApiSpec::UNDECLARED
        },
        blobs: &[],
    }
}

pub fn internal_journey_run() -> Route {
    Route {
        method: Method::POST,
        path: "/internal/journey/run",
        function: "internal-journey-run",
        summary: "runs a synthetic user through the API and deletes it afterwards.",
        handler: |s, c, r| journey::post(Accounts::of(s), ExportFiles::of(s), c, r),
        access: Access::Permission("internal:write"),
        verified: true,
        rate_limit: Some(Policy::Standard),
        feature: Some(Feature::SyntheticJourney),
        body: BodyKind::OptionalJson,
        // The journey's user: its verification token, and its deletion in process when the
        // API cannot delete it (with its content and files).
        tables: &[
            TableAccess::Write(Table::Users),
            TableAccess::Write(Table::Sessions),
            TableAccess::Write(Table::Content),
            TableAccess::Index(Table::Content, Index::Gsi1),
            TableAccess::Index(Table::Content, Index::Gsi2),
            TableAccess::Index(Table::Sessions, Index::Gsi1),
            TableAccess::Index(Table::Users, Index::Gsi1),
        ],
        secrets: true,
        idempotent: false,
        prefetch: None,
        memory: super::Memory::Standard,
        uses: &[Port::Blobs],
        // Deleting the journey's user deletes its files.
        blobs: &[BlobAccess::Delete, BlobAccess::List],
        api: ApiSpec {
            request: Some(schema::<journey::Body>),
            responses: const { &[ok::<journey::Report>(200)] },
            ..ApiSpec::UNDECLARED
        },
    }
}

fn pr_number(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "integer", "minimum": 1, "maximum": 1_000_000_000})
}

/// `{pr_number}`: what `POST /internal/pr-intel/ingest` accepts.
const PR_NUMBER: crate::openapi::QueryParam = crate::openapi::QueryParam {
    name: "pr_number",
    description: "The pull request's number, 1 to 1000000000.",
    required: false,
    schema: pr_number,
};
