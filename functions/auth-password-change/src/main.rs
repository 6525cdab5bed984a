// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! POST /api/v1/auth/password/change: replaces the caller's password, ending every other session.

use rampart_api::routes::accounts::auth_password_change as route;
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
