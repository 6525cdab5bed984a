//! The local stack: every route of the route table in one process on 127.0.0.1, with the
//! embedded adapters, emulating what API Gateway adds (the source IP) and what Lambda
//! enforces (the body size limit).

mod admin;
mod local_keys;
mod server;
mod settings;
pub mod smoke;

pub use admin::ensure_admin;
pub use local_keys::{add_local_field_key, ensure_local_keys, retire_local_field_keys};

pub use server::{DRAIN_TIMEOUT, RunningServer, serve, spawn};
pub use settings::{
    LocalSettings, LocalStack, StoreChoice, build_app, ensure_discord_key, local_config,
    local_secrets, open_store,
};
