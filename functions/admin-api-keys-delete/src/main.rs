// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! DELETE /api/v1/admin/api-keys/{id}: revokes an API key.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("admin-api-keys-delete").await
}
