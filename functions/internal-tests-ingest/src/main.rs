// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! POST /internal/tests/ingest: adds a JSON or JUnit XML report's runs to the tests' histories.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("internal-tests-ingest").await
}
