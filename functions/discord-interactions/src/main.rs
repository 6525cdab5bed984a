//! `POST /discord/interactions`: the Discord interactions webhook (Ed25519-verified).

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("discord-interactions").await
}
