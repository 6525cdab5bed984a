// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! GET /api/v1/account/export/{id}: an export's status and download URL.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("account-export-get").await
}
