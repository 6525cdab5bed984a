//! Anonymous refusals, tallied: a flood of requests without valid credentials must not become
//! a flood of audit writes (one per refusal, all into the same partitions).
//!
//! Each (event, path, anonymised client) has a count per minute; an event is written when the
//! count reaches 1, 2, 4, 8, ... (with the count in its details), so `n` refusals cost about
//! `log2(n)` writes and the record always says how many there were, give or take a factor of
//! two. The tally lives in the process: every function instance bounds its own writes.

use std::collections::HashMap;
use std::sync::Mutex;

/// The most keys kept; past it, the oldest minutes are forgotten first.
const MAX_KEYS: usize = 10_000;

/// What is counted: the event, the path and the anonymised client.
type TallyKey = (String, String, String);

/// Per-minute counts of anonymous refusals.
#[derive(Default)]
pub struct RefusalTally {
    /// The minute and the count so far, by key.
    counts: Mutex<HashMap<TallyKey, (i64, u64)>>,
}

impl RefusalTally {
    /// Counts one refusal of `client` on `path` as `event` at `now_secs`; returns the count
    /// when it is one to record (a power of two), else `None`.
    pub fn count(&self, event: &str, path: &str, client: &str, now_secs: i64) -> Option<u64> {
        let minute = now_secs.div_euclid(60);
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if counts.len() >= MAX_KEYS {
            counts.retain(|_, (m, _)| *m == minute);
            if counts.len() >= MAX_KEYS {
                counts.clear();
            }
        }
        let entry = counts
            .entry((event.to_owned(), path.to_owned(), client.to_owned()))
            .or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 += 1;
        entry.1.is_power_of_two().then_some(entry.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thousand_refusals_in_a_minute_are_recorded_ten_times() {
        let tally = RefusalTally::default();
        let recorded: Vec<u64> = (0..1000)
            .filter_map(|_| {
                tally.count("http.unauthenticated", "/api/v1/account", "203.0.113.0", 60)
            })
            .collect();
        assert_eq!(recorded, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
        // Another client, path or minute counts afresh.
        assert_eq!(
            tally.count(
                "http.unauthenticated",
                "/api/v1/account",
                "198.51.100.0",
                60
            ),
            Some(1)
        );
        assert_eq!(
            tally.count(
                "http.unauthenticated",
                "/api/v1/account",
                "203.0.113.0",
                120
            ),
            Some(1)
        );
    }
}
