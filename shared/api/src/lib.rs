//! The HTTP API: the one route table, the request pipeline and the handlers.
//!
//! Handlers take `http::Request<Bytes>` and return `http::Response<Bytes>`, so the local
//! stack, the Lambda functions and the tests all run the same code.

pub mod authn;
pub mod client_ip;
pub mod compose;
pub mod context;
pub mod cookies;
pub mod degradation;
pub mod docs;
pub mod entity_tags;
pub mod extract;
pub mod handlers;
pub mod idempotency;
pub mod openapi;
pub mod overrides;
pub mod pipeline;
pub mod response;
pub mod router;
pub mod routes;
pub mod security_stats;
pub mod state;
pub mod suspicion;
pub mod traffic;

pub use client_ip::SourceIp;
pub use compose::{Adapters, Ports, StartError, build_app, build_function};
pub use context::RequestContext;
pub use pipeline::App;
pub use rampart_store::TableAccess;
pub use routes::{Access, BodyKind, FALLBACK_FUNCTION, Port, Route, routes};
pub use state::{AppState, Authenticated, Authenticator, DiscordParts, NoCredentials};

/// The largest request body accepted (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
