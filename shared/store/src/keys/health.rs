//! The health table: daily health snapshots in one partition, one per UTC day.

use crate::port::Key;

/// The partition holding every health snapshot.
pub const SNAPSHOTS: &str = "snapshot";

/// The snapshot of the day starting at `day_start` (midnight UTC in RFC 3339, so text order is
/// time order).
pub fn snapshot(day_start: &str) -> Key {
    Key::new(SNAPSHOTS, day_start)
}
