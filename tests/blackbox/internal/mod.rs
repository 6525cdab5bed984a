//! CI intelligence over HTTP (contract section 5).

mod pr_intel;
