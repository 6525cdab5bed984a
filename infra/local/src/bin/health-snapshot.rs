//! `health-snapshot`: takes the daily health snapshot once, as the scheduled function does,
//! against the local store (or `--aws`), and prints what it did as JSON.
//!
//! ```text
//! HEALTH_PROBE_URLS=https://api.example.com/health cargo run -p rampart-local --bin health-snapshot -- [--aws]
//! ```
//!
//! The file store is opened by one process at a time: with the local stack running, use
//! `curl -X POST http://127.0.0.1:3000/_local/health-snapshot` instead, which probes the stack
//! itself. See docs/orchestrator/health_snapshot.md.

use std::sync::Arc;

use rampart_api::Adapters;
use rampart_core::{SharedClock, SystemClock};
use rampart_discord::daily::HttpProber;
use rampart_local::{LocalSettings, local_config, local_secrets, open_store};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    rampart_core::telemetry::init_json();
    let mut aws = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--aws" => aws = true,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let settings = LocalSettings::from_env(aws)?;
    let config = local_config()?;
    if config.health_probes.urls.is_empty() {
        return Err(
            "nothing to probe: set HEALTH_PROBE_URLS (or PUBLIC_BASE_URL), or run it \
                    in the local stack with POST /_local/health-snapshot"
                .into(),
        );
    }
    let clock: SharedClock = Arc::new(SystemClock);
    let store = open_store(&settings, &config, clock.clone()).await?;
    let adapters = Adapters {
        secrets: Arc::new(local_secrets(&settings).await?),
        ..Adapters::in_memory(clock).with_store(store)
    };
    let job = rampart_api::compose::health_snapshot(
        &config,
        &adapters,
        Arc::new(HttpProber::new()?),
        None,
        None,
    )?;
    let run = job.run().await?;
    println!("{}", serde_json::to_string_pretty(&run)?);
    Ok(())
}
