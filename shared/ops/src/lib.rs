//! CI intelligence: what the pipelines push into Rampart and what it concludes.
//!
//! - [`signature`]: GitHub-style `sha256=<hex>` HMAC signatures over raw bodies;
//! - [`pr_intel`]: pull-request records with a deterministic risk score;
//! - [`flaky`]: test runs from JSON or JUnit XML, and the tests that flip.

#[cfg(feature = "store")]
pub mod alerts;
pub mod flaky;
#[cfg(feature = "store")]
pub mod pr_intel;
#[cfg(feature = "store")]
pub mod problems;
pub mod schema;
pub mod signature;
