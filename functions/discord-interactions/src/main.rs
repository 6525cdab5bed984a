// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! POST /discord/interactions: the Discord interactions webhook.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("discord-interactions").await
}
