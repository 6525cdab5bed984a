// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! mail.requested events: sends the account mail that requests queued.

use rampart_lambda_host::{Error, run_mail_worker};

// Lambda hands a function one invocation at a time: one thread serves it, and no
// worker threads are started during the cold start.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run_mail_worker().await
}
