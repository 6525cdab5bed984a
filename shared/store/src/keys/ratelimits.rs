//! The ratelimits table: one partition per limit and identifier, holding counter items (one
//! per 64 windows) and a violations item.

use std::fmt::Display;

use crate::port::Key;

/// The partition of one limit (a route or a shared limit's name) for one identifier.
pub fn partition(limit: &str, identifier: &str) -> String {
    format!("rl:{limit}:{identifier}")
}

/// The identifier of an authenticated caller.
pub fn caller(user_id: &str) -> String {
    format!("u:{user_id}")
}

/// The identifier of a client address.
pub fn address(ip: impl Display) -> String {
    format!("ip:{ip}")
}

/// The identifier of an account a request names (by address or id).
pub fn account(name: &str) -> String {
    format!("acct:{name}")
}

/// The identifier of a credential a webhook's sender presents (its keyed hash).
pub fn credential(digest: &str) -> String {
    format!("cred:{digest}")
}

/// The identifier of a session a presented refresh token names.
pub fn session(session_id: &str) -> String {
    format!("s:{session_id}")
}

/// The counter item of `epoch` (a run of 64 windows) in a limit's partition.
pub fn counter(partition: &str, epoch: i64) -> Key {
    Key::new(partition, format!("e{epoch}"))
}

/// The violations item of a limit's partition.
pub fn violations(partition: &str) -> Key {
    Key::new(partition, "violations")
}

/// The partition of a suspicious-activity detector's members for one subject in the window
/// starting at `window_start` (epoch seconds).
pub fn suspicion(detector: &str, subject: &str, window_start: i64) -> String {
    format!("suspicion:{detector}:{subject}:{window_start}")
}

/// The partition of one hour's security counters (`hour` is `YYYY-MM-DDTHH`); sort key
/// `<metric>|<dimension>`.
pub fn security_stats(hour: &str) -> String {
    format!("stats:{hour}")
}
