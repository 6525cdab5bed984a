// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! rampart.release events: deploys, verifies and reports releases asked for in Discord.

use rampart_lambda_host::{Error, run_release_worker};

// Lambda hands a function one invocation at a time: one thread serves it, and no
// worker threads are started during the cold start.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run_release_worker().await
}
