//! The audit table: events partitioned by day and shard, found by event name on GSI1 and by
//! actor on GSI2. Both indexes sort by the record's sort key (its time, then its id).

use crate::port::Key;

/// An event recorded at `at` (RFC 3339) with id `id` (a ULID), in one of its day's 32
/// partitions (by the id's last, random, character), so no partition key takes a whole
/// day's writes.
pub fn record(at: &str, id: &str) -> Key {
    let shard = id.chars().last().unwrap_or('0');
    Key::new(
        format!("day#{}#{shard}", super::day_of(at)),
        format!("{at}#{id}"),
    )
}

/// The GSI1 partition of every event with this name.
pub fn by_event(name: &str) -> String {
    format!("event#{name}")
}

/// The GSI2 partition of every event with this actor.
pub fn by_actor(actor: &str) -> String {
    format!("actor#{actor}")
}
