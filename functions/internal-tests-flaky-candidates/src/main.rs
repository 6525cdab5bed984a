// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! GET /internal/tests/flaky-candidates: the tests that flip between passing and failing.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("internal-tests-flaky-candidates").await
}
