//! `/internal/*`: what CI pipelines push in, and what they read back.

pub mod pr_intel;
