//! Command handlers, one module per command.

pub mod deploy_client;
pub mod help;
pub mod restore_feature;
pub mod ship;
pub mod status_digest;
pub mod triage;
pub mod verify_run;
