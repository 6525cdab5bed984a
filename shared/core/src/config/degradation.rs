//! When a feature's routes are switched off automatically because they keep failing
//! (`shared/api/src/degradation.rs`).

use super::ConfigError;

/// `AUTO_DEGRADE_ERROR_PCT` (the share of 5xx answers that switches a feature off, 1 to 100,
/// default 50; 0 never switches anything off), `AUTO_DEGRADE_MIN_REQUESTS` (answers a function
/// instance must have seen in the window before it judges, 1 to 10000, default 20),
/// `AUTO_DEGRADE_WINDOW_SECS` (10 to 3600, default 60) and `AUTO_DEGRADE_RETRY_AFTER_SECS`
/// (what the switched-off routes' `Retry-After` says, 1 to 3600, default 60).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DegradationPolicy {
    pub error_pct: u32,
    pub min_requests: u32,
    pub window_secs: u64,
    pub retry_after_secs: u64,
}

impl DegradationPolicy {
    /// Whether features are ever switched off automatically.
    pub fn enabled(&self) -> bool {
        self.error_pct > 0
    }
}

impl Default for DegradationPolicy {
    fn default() -> Self {
        Self {
            error_pct: 50,
            min_requests: 20,
            window_secs: 60,
            retry_after_secs: 60,
        }
    }
}

/// Reads the policy.
pub(super) fn degradation(
    get: &dyn Fn(&'static str) -> Option<String>,
) -> Result<DegradationPolicy, ConfigError> {
    let number = |var: &'static str, default: u64, range: std::ops::RangeInclusive<u64>| {
        super::parsers::parse_in_range(&get, var, default, range)
    };
    let defaults = DegradationPolicy::default();
    Ok(DegradationPolicy {
        error_pct: number("AUTO_DEGRADE_ERROR_PCT", defaults.error_pct.into(), 0..=100)? as u32,
        min_requests: number(
            "AUTO_DEGRADE_MIN_REQUESTS",
            defaults.min_requests.into(),
            1..=10_000,
        )? as u32,
        window_secs: number("AUTO_DEGRADE_WINDOW_SECS", defaults.window_secs, 10..=3_600)?,
        retry_after_secs: number(
            "AUTO_DEGRADE_RETRY_AFTER_SECS",
            defaults.retry_after_secs,
            1..=3_600,
        )?,
    })
}
