// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! POST /internal/pr-intel/ingest: stores a signed PR record with its risk score.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("internal-pr-intel-ingest").await
}
