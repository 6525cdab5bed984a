//! Route handlers, one module per area.

pub mod account;
pub mod account_export;
pub mod admin_alerts;
pub mod admin_api_keys;
pub mod admin_audit;
pub mod admin_export;
pub mod admin_features;
pub mod admin_rate_limits;
pub mod admin_security;
pub mod admin_settings;
pub mod admin_users;
pub mod alertmanager;
pub mod auth;
pub mod console;
pub mod csp_report;
pub mod discord_interactions;
pub mod health;
pub mod internal;
pub mod knowledge;
pub mod media;
pub mod posts;
pub mod profile;
pub mod projects;
pub mod search;
pub mod status;
pub mod tickets;
