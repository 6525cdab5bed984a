//! CI intelligence over HTTP (contract section 5).

mod flaky_tests;
mod journey;
mod pr_intel;
mod schema_diff;
