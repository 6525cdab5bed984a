// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! Daily at 09:00 UTC: probes the API, stores the health snapshot and posts the status digest to Discord.

use rampart_lambda_host::{Error, run_health_snapshot};

// Lambda hands a function one invocation at a time: one thread serves it, and no
// worker threads are started during the cold start.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run_health_snapshot().await
}
