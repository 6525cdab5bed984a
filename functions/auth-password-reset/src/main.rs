// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! POST /api/v1/auth/password/reset: sets a new password with a reset token, ending every session.

use rampart_api::routes::accounts::auth_password_reset as route;
use rampart_lambda_host::{Error, Function, run};

// Argon2id hashes here: mimalloc makes each about a quarter cheaper than the C
// library's allocator does (docs/benchmarks.md, "Memory sized by measurement").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// Lambda hands a function one invocation at a time: one thread serves it, and no
// worker threads are started during the cold start.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let function = Function::new(route).secrets().mailer();
    run(function).await
}
