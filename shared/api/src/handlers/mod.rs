//! Route handlers, one module per area.

pub mod csp_report;
pub mod discord_interactions;
pub mod health;
