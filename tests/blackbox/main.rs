//! Black-box tests over HTTP: the local stack's server, real sockets, real headers.

mod admin_access;
mod admin_audit;
mod admin_users;
mod agreement;
mod alertmanager;
mod auth;
mod authorization;
mod conventions;
mod csp_report;
mod discord;
mod floods;
mod health;
mod internal;
mod knowledge;
mod logging;
mod media;
mod posts;
mod profile;
mod projects;
mod rate_limiting;
mod search;
mod security_metrics;
mod shutdown;
mod status;
mod test_routes;
mod tickets;
