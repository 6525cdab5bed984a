// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! $default: contract 404s and 405s for requests no route matched.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run_fallback().await
}
