// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! GET /health: liveness and store reachability.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("health").await
}
