// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! GET /internal/pr-intel/{pr_number}: a PR's stored record.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("internal-pr-intel-get").await
}
