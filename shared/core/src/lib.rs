//! Rampart's core: configuration, secrets, errors as problem documents, request ids, the clock,
//! ids, masking and telemetry. Nothing here knows about Lambda or HTTP servers.

pub mod aws;
pub mod clock;
pub mod config;
pub mod events;
pub mod ids;
pub mod json;
pub mod masked;
pub mod metrics;
pub mod problem;
pub mod request_id;
pub mod secrets;
pub mod telemetry;
pub mod text;
#[cfg(feature = "web")]
pub mod web;

pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use config::{
    Config, ConfigError, DegradationPolicy, DeployerChoice, Feature, HealthProbes,
    OAuthEndpointOverrides, Stage,
};
pub use masked::Masked;
pub use problem::{ApiError, FieldError, Problem, ProblemKind};
pub use request_id::RequestId;
