//! Command handlers, one module per command.

pub mod help;
pub mod status_digest;
