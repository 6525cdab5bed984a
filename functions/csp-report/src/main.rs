// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! POST /csp-report: Content-Security-Policy violation reports.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("csp-report").await
}
