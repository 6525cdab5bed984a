//! Flaky-test detection. Runs arrive as JSON or JUnit XML; each test (suite + classname +
//! name) keeps its last N runs; a candidate fails between 20 % and 60 % of its counted runs
//! (passes and failures; skips do not count) and has at least `min_runs` of them.

#[cfg(feature = "store")]
pub mod history;
#[cfg(feature = "store")]
pub mod json;
pub mod junit;
#[cfg(feature = "store")]
pub mod outcomes;

use serde::{Deserialize, Serialize};

/// Runs accepted per report.
pub const MAX_RUNS: usize = 10_000;
/// Characters in a suite, class or test name.
pub const MAX_NAME: usize = 1_000;
/// How far back a run may be dated: older runs would be past their retention already.
pub const MAX_AGE_SECS: i64 = 90 * 86_400;
/// How far ahead a run may be dated (clock skew between CI and us).
pub const MAX_AHEAD_SECS: i64 = 86_400;

/// Why a run's time is refused, if it is.
pub fn check_time(at: i64, now: i64) -> Result<(), &'static str> {
    if at < now - MAX_AGE_SECS {
        Err("is more than 90 days ago")
    } else if at > now + MAX_AHEAD_SECS {
        Err("is more than a day ahead")
    } else {
        Ok(())
    }
}

/// Why a name is refused, if it is: 1 to [`MAX_NAME`] characters, not only spaces.
pub fn check_name(name: &str) -> Result<(), &'static str> {
    if name.trim().is_empty() || name.chars().count() > MAX_NAME {
        Err("must be 1 to 1000 characters")
    } else {
        Ok(())
    }
}

/// How one run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Passed,
    Failed,
    Skipped,
}

/// A test's identity.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TestId {
    pub suite: String,
    /// Empty when the runner gives none.
    pub classname: String,
    pub name: String,
}

/// One run of one test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub test: TestId,
    pub outcome: Outcome,
    /// Epoch seconds.
    pub at: i64,
    pub duration_ms: Option<u64>,
}
