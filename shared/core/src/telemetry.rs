//! JSON tracing for CloudWatch: one JSON object per line, span fields (such as
//! `correlation_id`) flattened into every event.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Installs the JSON subscriber; `RUST_LOG` filters (default `info`). Safe to call twice.
pub fn init_json() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_span_events(FmtSpan::NONE)
        .with_target(false)
        .with_env_filter(filter)
        .try_init();
}
