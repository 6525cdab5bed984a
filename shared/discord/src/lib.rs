//! Discord interactions: the Ed25519 signature check, tolerant parsing of what Discord sends,
//! the one command registry, role checks and the dispatcher.

pub mod interaction;
pub mod signature;

pub use interaction::{Interaction, InteractionKind, Member, ParseError};
pub use signature::{PublicKey, SignatureError, TestKeyPair};
