// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! POST /api/v1/auth/resend-verification: mails a fresh verification token.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("auth-resend-verification").await
}
