// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! GET /api/v1/account: the caller's account.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("account-get").await
}
