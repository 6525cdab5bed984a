// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! GET /console/{page}: a page of the operator console (HTML).

use rampart_api::routes::console::console_page as route;
use rampart_lambda_host::{Error, Function, run};

// Lambda hands a function one invocation at a time: one thread serves it, and no
// worker threads are started during the cold start.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let function = Function::new(route);
    run(function).await
}
