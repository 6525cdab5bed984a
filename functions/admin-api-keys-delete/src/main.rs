// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! DELETE /api/v1/admin/api-keys/{id}: revokes an API key.

use rampart_api::routes::accounts::admin_api_keys_delete as route;
use rampart_lambda_host::{Error, Function, run};

// Lambda hands a function one invocation at a time: one thread serves it, and no
// worker threads are started during the cold start.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let function = Function::new(route).secrets();
    run(function).await
}
