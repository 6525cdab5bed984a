//! Remembers, while the function stays warm, who is denied until when, so a blocked caller's
//! retries are answered without touching the store.

use std::collections::HashMap;
use std::sync::Mutex;

/// A bounded map from rate-limit key to the epoch second its denial ends.
#[derive(Debug)]
pub struct DenyCache {
    entries: Mutex<HashMap<String, i64>>,
    capacity: usize,
}

impl DenyCache {
    /// A cache holding at most `capacity` keys.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// The epoch second the denial of `key` ends, if it is still denied at `now`.
    pub fn denied_until(&self, key: &str, now: i64) -> Option<i64> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match entries.get(key) {
            Some(&until) if until > now => Some(until),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Records that `key` is denied until `until`.
    pub fn deny(&self, key: &str, until: i64, now: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(key) {
            entries.retain(|_, &mut u| u > now);
            if entries.len() >= self.capacity {
                // Full of live denials: the store still enforces them, we just pay a write.
                return;
            }
        }
        let slot = entries.entry(key.to_owned()).or_insert(until);
        *slot = (*slot).max(until);
    }

    /// How many keys are cached.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::DenyCache;

    #[test]
    fn denials_expire_and_the_cache_stays_bounded() {
        let cache = DenyCache::new(2);
        cache.deny("a", 100, 0);
        assert_eq!(cache.denied_until("a", 50), Some(100));
        assert_eq!(cache.denied_until("a", 100), None);
        cache.deny("b", 100, 0);
        cache.deny("c", 100, 0);
        cache.deny("d", 100, 0);
        assert_eq!(cache.len(), 2);
        assert_eq!(
            cache.denied_until("d", 0),
            None,
            "no room: the store decides"
        );
        cache.deny("e", 300, 200);
        assert_eq!(
            cache.denied_until("e", 250),
            Some(300),
            "expired entries make room"
        );
    }
}
