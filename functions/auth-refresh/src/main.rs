//! `POST /api/v1/auth/refresh`: rotates the refresh token.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("auth-refresh").await
}
