// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! POST /internal/journey/run: runs a synthetic user through the API and deletes it afterwards.

use rampart_api::routes::internal::internal_journey_run as route;
use rampart_lambda_host::{Error, Function, run};

// Lambda hands a function one invocation at a time: one thread serves it, and no
// worker threads are started during the cold start.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let function = Function::new(route).secrets().blobs();
    run(function).await
}
