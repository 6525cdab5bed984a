//! The constructors of the ports beyond the store, chosen when a function is compiled.

use rampart_core::Config;
use rampart_ops::pr_intel::SensitivePaths;
use rampart_store::SharedStore;

use super::{Adapters, StartError, discord, sensitive_paths};
use crate::routes::Port;
use crate::state::DiscordParts;

/// What builds a function's Discord parts.
pub type DiscordPort = fn(&Config, &Adapters, &SharedStore) -> Result<DiscordParts, StartError>;
/// What compiles a function's sensitive-path globs.
pub type PrRiskPort = fn(&Config) -> Result<SensitivePaths, StartError>;

/// The constructors of the ports beyond the store and the blob store ([`Port`]), chosen when a
/// function is compiled. A Lambda function's generated `main` names only those its route
/// uses, so its binary links no other client: `health` holds no SMTP, Discord, OAuth or glob
/// code. A route that uses a port its function was not given stops the start
/// ([`StartError::Missing`]). The local stack and the tests take [`Ports::ALL`].
#[derive(Clone, Copy)]
pub struct Ports {
    pub(super) discord: Option<DiscordPort>,
    pub(super) oauth: Option<rampart_auth::oauth::Factory>,
    pub(super) pr_risk: Option<PrRiskPort>,
}

impl Ports {
    /// No port beyond the store.
    pub const NONE: Self = Self {
        discord: None,
        oauth: None,
        pr_risk: None,
    };
    /// Every port (the local stack, the tests, tools).
    pub const ALL: Self = Self::NONE.with_discord().with_oauth().with_pr_risk();

    /// The Discord webhook key, bot and REST client.
    pub const fn with_discord(self) -> Self {
        Self {
            discord: Some(discord),
            ..self
        }
    }

    /// The GitHub and Google sign-in clients.
    pub const fn with_oauth(self) -> Self {
        Self {
            oauth: Some(rampart_auth::oauth::OAuth::new),
            ..self
        }
    }

    /// The PR risk scorer's sensitive-path globs.
    pub const fn with_pr_risk(self) -> Self {
        Self {
            pr_risk: Some(sensitive_paths),
            ..self
        }
    }
}

/// The port's constructor, or why the function cannot start without it.
pub(super) fn given<T>(
    function: &'static str,
    port: Port,
    constructor: Option<T>,
) -> Result<T, StartError> {
    constructor.ok_or(StartError::Missing {
        function,
        reason: match port {
            Port::Blobs => "uses the blob store, but was built without it",
            Port::Discord => "uses Discord, but was built without the Discord port",
            Port::Mailer => "queues mail, but no event bus is configured (EVENT_BUS_NAME)",
            Port::OAuth => "signs in with OAuth, but was built without the OAuth port",
            Port::PrRisk => "scores PR risk, but was built without the sensitive-path port",
            Port::Releases => {
                "hands releases to their worker, but no event bus is configured (EVENT_BUS_NAME)"
            }
        },
    })
}
