//! `/internal/*`: what CI pipelines push in, and what they read back.

pub mod flaky_tests;
pub mod journey;
pub mod pr_intel;
pub mod schema_diff;
