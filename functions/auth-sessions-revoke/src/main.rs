//! `POST /api/v1/auth/sessions/{id}/revoke`: revokes one of the caller's sessions.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("auth-sessions-revoke").await
}
