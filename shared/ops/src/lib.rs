//! CI intelligence: what the pipelines push into Rampart and what it concludes.
//!
//! - [`signature`]: GitHub-style `sha256=<hex>` HMAC signatures over raw bodies;
//! - [`pr_intel`]: pull-request records with a deterministic risk score.

pub mod pr_intel;
pub mod signature;
