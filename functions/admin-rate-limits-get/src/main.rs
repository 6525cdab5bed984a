// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! GET /api/v1/admin/rate-limits: every rate limit as this deployment applies it, overrides included (admins).

use rampart_api::routes::admin_views::admin_rate_limits_get as route;
use rampart_lambda_host::{Error, Function, run};

// Lambda hands a function one invocation at a time: one thread serves it, and no
// worker threads are started during the cold start.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let function = Function::new(route).secrets();
    run(function).await
}
