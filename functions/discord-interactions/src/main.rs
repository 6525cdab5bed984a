// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! POST /discord/interactions: the Discord interactions webhook.

use rampart_api::routes::platform::discord_interactions as route;
use rampart_lambda_host::{Error, Function, run};

// Lambda hands a function one invocation at a time: one thread serves it, and no
// worker threads are started during the cold start.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let function = Function::new(route).secrets().discord().releases();
    run(function).await
}
