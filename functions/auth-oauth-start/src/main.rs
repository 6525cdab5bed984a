// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! GET /api/v1/auth/oauth/{provider}/start: sends the browser to GitHub or Google.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("auth-oauth-start").await
}
