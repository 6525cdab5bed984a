// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! POST /internal/schema/diff: diffs two Prisma schemas and rates the migration's risk.

// Lambda hands a function one invocation at a time: one thread serves it, and no
// worker threads are started during the cold start.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("internal-schema-diff").await
}
