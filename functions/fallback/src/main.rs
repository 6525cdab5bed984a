// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! $default: contract 404s and 405s for requests no route matched.

use rampart_lambda_host::{Error, run_fallback};

// Lambda hands a function one invocation at a time: one thread serves it, and no
// worker threads are started during the cold start.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run_fallback(&[
        ("GET", "/health"),
        ("POST", "/csp-report"),
        ("POST", "/discord/interactions"),
        ("POST", "/api/v1/auth/register"),
        ("POST", "/api/v1/auth/verify-email"),
        ("POST", "/api/v1/auth/resend-verification"),
        ("POST", "/api/v1/auth/password/forgot"),
        ("POST", "/api/v1/auth/password/reset"),
        ("POST", "/api/v1/auth/password/change"),
        ("GET", "/api/v1/account"),
        ("DELETE", "/api/v1/account"),
        ("POST", "/api/v1/account/export"),
        ("GET", "/api/v1/account/export/{id}"),
        ("POST", "/api/v1/admin/api-keys"),
        ("DELETE", "/api/v1/admin/api-keys/{id}"),
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/token"),
        ("POST", "/api/v1/auth/refresh"),
        ("POST", "/api/v1/auth/logout"),
        ("POST", "/api/v1/auth/2fa/setup"),
        ("POST", "/api/v1/auth/2fa/enable"),
        ("POST", "/api/v1/auth/2fa/verify"),
        ("POST", "/api/v1/auth/2fa/disable"),
        ("GET", "/api/v1/auth/oauth/{provider}/start"),
        ("GET", "/api/v1/auth/oauth/{provider}/callback"),
        ("GET", "/api/v1/auth/sessions"),
        ("POST", "/api/v1/auth/sessions/{id}/revoke"),
        ("POST", "/api/v1/auth/sessions/revoke-others"),
        ("POST", "/internal/pr-intel/ingest"),
        ("GET", "/internal/pr-intel/{pr_number}"),
        ("POST", "/internal/tests/ingest"),
        ("GET", "/internal/tests/flaky-candidates"),
        ("POST", "/internal/schema/diff"),
        ("GET", "/api/v1/projects"),
        ("POST", "/api/v1/projects"),
        ("GET", "/api/v1/projects/{id}"),
        ("PATCH", "/api/v1/projects/{id}"),
        ("DELETE", "/api/v1/projects/{id}"),
        ("GET", "/api/v1/support/tickets"),
        ("POST", "/api/v1/support/tickets"),
        ("GET", "/api/v1/support/tickets/{id}"),
        ("PATCH", "/api/v1/support/tickets/{id}"),
        ("GET", "/api/v1/community/posts"),
        ("POST", "/api/v1/community/posts"),
        ("POST", "/api/v1/status/events"),
        ("GET", "/api/v1/status/events"),
        ("GET", "/api/v1/status"),
        ("GET", "/api/v1/profile"),
        ("PUT", "/api/v1/profile"),
        ("GET", "/api/v1/settings"),
        ("PUT", "/api/v1/settings"),
        ("POST", "/api/v1/knowledge/entries"),
        ("POST", "/api/v1/knowledge/query"),
        ("GET", "/api/v1/knowledge/summary"),
        ("POST", "/webhooks/alertmanager"),
    ])
    .await
}
