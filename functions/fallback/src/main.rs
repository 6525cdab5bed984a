//! `$default`: every request API Gateway matched to no route, answered per the contract
//! (`404 not_found`, `405 method_not_allowed` with `Allow`).

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run_fallback().await
}
