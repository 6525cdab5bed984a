//! Flaky-test detection. Runs arrive as JSON or JUnit XML; each test (suite + classname +
//! name) keeps its last N runs; a candidate fails between 20 % and 60 % of its counted runs
//! (passes and failures; skips do not count) and has at least `min_runs` of them.

#[cfg(feature = "store")]
pub mod history;
#[cfg(feature = "store")]
pub mod json;
pub mod junit;

use serde::{Deserialize, Serialize};

/// How one run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
