//! Security audit events: who did what, from where, with what outcome.
//!
//! Each event is written to the audit table with a retention TTL and mirrored to tracing.
//! IP addresses are anonymised before they are stored or logged, and detail values whose
//! names suggest a secret are masked.

mod anonymize;
mod event;
mod log;

pub use anonymize::{anonymize_ip, mask_details};
pub use event::{AuditEvent, Outcome};
pub use log::AuditLog;
