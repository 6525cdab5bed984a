//! The health table: daily health snapshots in one partition, sorted by time taken.

use crate::port::Key;

/// The partition holding every health snapshot.
pub const SNAPSHOTS: &str = "snapshot";

/// The snapshot taken at `taken_at` (RFC 3339 at second precision, so text order is time
/// order).
pub fn snapshot(taken_at: &str) -> Key {
    Key::new(SNAPSHOTS, taken_at)
}
