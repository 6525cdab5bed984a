//! Smoke-tests a running stack: a deployed stage (`infra/deploy.sh` runs this after every
//! deploy) or the local one.
//!
//! ```sh
//! RAMPART_SMOKE_API_KEY=rk_... cargo run -p rampart-local --bin smoke -- https://api.example.com
//! ```
//!
//! Checks `/health`, every route of the route table as an anonymous caller (the status its
//! access rule predicts, never a 5xx), an unknown path, and, with `RAMPART_SMOKE_API_KEY` (a key
//! holding `internal:write`), the synthetic journey. Prints one line per check and exits 1
//! when any fails.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let Some(base) = std::env::args().nth(1) else {
        eprintln!("usage: smoke <base URL>   (RAMPART_SMOKE_API_KEY enables the journey)");
        return ExitCode::from(2);
    };
    let key = std::env::var("RAMPART_SMOKE_API_KEY")
        .ok()
        .filter(|k| !k.is_empty());
    let routes = rampart_api::routes();
    let report =
        rampart_local::smoke::run(base.trim_end_matches('/'), &routes, key.as_deref()).await;
    for check in &report.checks {
        if check.ok {
            println!("ok    {}", check.name);
        } else {
            println!("FAIL  {}: {}", check.name, check.detail);
        }
    }
    for warning in &report.warnings {
        println!("warn  {warning}");
    }
    if let Some(why) = &report.journey_skipped {
        println!("skip  POST /internal/journey/run: {why}");
    }
    let failed = report.failures().count();
    println!(
        "smoke: {} checks passed, {failed} failed",
        report.checks.len() - failed
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
