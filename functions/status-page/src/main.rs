// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! GET /status: the public status page: each service over 90 days and the incident history (HTML).

use rampart_api::routes::console::status_page as route;
use rampart_lambda_host::{Error, Function, run};

// Lambda hands a function one invocation at a time: one thread serves it, and no
// worker threads are started during the cold start.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let function = Function::new(route).secrets();
    run(function).await
}
