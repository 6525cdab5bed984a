//! `POST /csp-report`: Content-Security-Policy violation reports from browsers.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("csp-report").await
}
