//! The local stack: every route of the route table in one process on 127.0.0.1, with the
//! embedded adapters, emulating what API Gateway adds (the source IP) and what Lambda
//! enforces (the body size limit).

mod server;
mod settings;

pub use server::{RunningServer, serve, spawn};
pub use settings::{LocalSettings, StoreChoice, build_app, ensure_discord_key, local_config};
