//! `GET /health`: liveness, version and store reachability.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("health").await
}
