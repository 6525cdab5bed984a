//! The sessions table: sessions, indexed by user on GSI1, and two-factor login challenges.

use crate::port::Key;

/// A session.
pub fn session(id: &str) -> Key {
    Key::new(format!("session#{id}"), "session")
}

/// The GSI1 partition of a user's sessions.
pub fn by_user(user_id: &str) -> String {
    format!("user#{user_id}")
}

/// The GSI1 sort key of a session: its creation time (epoch seconds, zero-padded so text
/// order is time order), then its id.
pub fn by_user_sort(created_at: i64, id: &str) -> String {
    format!("{created_at:012}#{id}")
}

/// A two-factor login challenge, by the hash of its token.
pub fn challenge(token_hash: &str) -> Key {
    Key::new(format!("challenge#{token_hash}"), "challenge")
}
