//! Discord interactions: the Ed25519 signature check, tolerant parsing of what Discord sends,
//! the one command registry, role checks, the dispatcher, the state store and the commands.

pub mod alias_deployer;
pub mod bot;
pub mod cloudwatch;
pub mod commands;
pub mod custom_id;
pub mod daily;
pub mod interaction;
pub mod permissions;
pub mod registry;
pub mod release;
pub mod release_worker;
pub mod reply;
pub mod rest;
pub mod settings;
pub mod signature;
pub mod snapshot;
pub mod state;

pub use bot::{Bot, BotError};
pub use custom_id::CustomId;
pub use interaction::{Interaction, InteractionKind, Member, ParseError};
pub use permissions::{Denial, PermissionMatrix};
pub use reply::{Embed, Reply};
pub use signature::{PublicKey, SignatureError, TestKeyPair};
