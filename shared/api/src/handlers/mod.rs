//! Route handlers, one module per area.

pub mod csp_report;
pub mod health;
