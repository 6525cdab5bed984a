//! The state table: short-lived records (OAuth sign-ins, Discord bot state, interaction ids
//! seen), each its own partition.

use crate::port::Key;

/// A pending OAuth sign-in, by the hash of its `state` parameter.
pub fn oauth(state_hash: &str) -> Key {
    Key::new(format!("oauth#{state_hash}"), "state")
}

/// A value the Discord bot keeps under `name`.
pub fn discord(name: &str) -> Key {
    Key::new(format!("discord#{name}"), "state")
}

/// Settings an admin changes at run time (`discord`: the bot's), one item each, kept until
/// replaced.
pub fn settings(name: &str) -> Key {
    Key::new(format!("settings#{name}"), "settings")
}

/// A feature switched off automatically because its requests kept failing (present while it
/// is off).
pub fn degraded(feature: &str) -> Key {
    Key::new(format!("degraded#{feature}"), "degraded")
}

/// An idempotency record, by the digest of its caller, route and key.
pub fn idempotency(scope_digest: &str) -> Key {
    Key::new(format!("idem#{scope_digest}"), "idem")
}

/// A Discord interaction id seen recently (replay protection).
pub fn interaction(id: &str) -> Key {
    Key::new(format!("interaction#{id}"), "seen")
}

/// The checkpoint of the field-encryption key rotation (one per deployment).
pub fn key_rotation() -> Key {
    Key::new("rotation#field-keys", "checkpoint")
}

/// The partition of [`overrides`], which every function may get and update (and no other).
pub const OVERRIDES_PK: &str = "config#overrides";

/// The operator overrides (feature flags, rate-limit overrides) each function started with
/// last, and the newest seen by any (one per deployment).
pub fn overrides() -> Key {
    Key::new(OVERRIDES_PK, "overrides")
}
