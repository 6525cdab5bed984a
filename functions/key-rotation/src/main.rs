// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! One-off: re-seals sealed fields under the newest field-encryption key, resuming where the last run stopped.

use rampart_lambda_host::{Error, run_key_rotation};

// Lambda hands a function one invocation at a time: one thread serves it, and no
// worker threads are started during the cold start.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run_key_rotation().await
}
