//! The rate limiter: fixed windows counted by one conditional `UpdateItem`, progressive
//! backoff for repeat offenders, and a deny cache so a blocked caller costs no store write.
//!
//! Every policy's numbers live in [`policies`]; the algorithm and its store layout are in
//! [`limiter`]; see docs/security/rate_limiting.md for the reasoning.

mod backoff;
mod deny_cache;
mod headers;
pub mod identifiers;
mod limiter;
pub mod overrides;
pub mod policies;

pub use backoff::lockout_secs;
pub use deny_cache::DenyCache;
pub use headers::rate_limit_headers;
pub use identifiers::Identifiers;
pub use limiter::{Counted, Decision, Limiter, RateKey};
pub use overrides::{Named, Overrides, catalogue};
pub use policies::{Limit, Policy, SECOND_FACTOR_DAILY, Scope};
