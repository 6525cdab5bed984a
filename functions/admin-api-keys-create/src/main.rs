// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! POST /api/v1/admin/api-keys: creates an API key, shown once.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("admin-api-keys-create").await
}
