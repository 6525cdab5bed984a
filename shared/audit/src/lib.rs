//! Security audit events: who did what, from where, with what outcome.
//!
//! Each event is written to the audit table with a retention TTL and mirrored to tracing.
//! IP addresses are anonymised before they are stored or logged, and detail values whose
//! names suggest a secret are masked. Sensitive fields stored elsewhere (TOTP secrets, the
//! current refresh token kept for the grace window) are sealed with [`FieldCipher`].

mod anonymize;
mod event;
mod field_encryption;
mod log;
pub mod query;
mod refusals;
pub mod timeline;

pub use anonymize::{anonymize_ip, mask_details};
pub use event::{AuditEvent, Category, Outcome};
pub use field_encryption::{DecryptionFailed, FieldCipher, FieldCipherError};
pub use log::{AuditLog, CATEGORY_STAT, Entry};
pub use query::{AuditFilter, AuditQueryError, StoredEvent};
pub use refusals::RefusalTally;
