//! `POST /api/v1/auth/verify-email`: redeems an email verification token.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("auth-verify-email").await
}
