// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! POST /api/v1/auth/2fa/verify: completes a sign-in with a TOTP or recovery code.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("auth-2fa-verify").await
}
