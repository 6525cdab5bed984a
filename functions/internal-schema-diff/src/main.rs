// Generated from the route table by `cargo run -p rampart-codegen`; do not edit.
//! POST /internal/schema/diff: diffs two Prisma schemas and rates the migration's risk.

#[tokio::main]
async fn main() -> Result<(), rampart_lambda_host::Error> {
    rampart_lambda_host::run("internal-schema-diff").await
}
