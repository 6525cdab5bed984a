//! The limiter: one conditional `UpdateItem` per allowed request.
//!
//! Store layout (table `ratelimits`, one partition per limit and identifier; keys in
//! [`rampart_store::keys::ratelimits`]):
//! - counter items, one per epoch: each covers 64 consecutive windows and holds one
//!   counter attribute per window (`c0`..`c63`) plus `lock_until` while a lockout runs. A check
//!   is `ADD c<slot> 1` on the condition "under the limit and not locked", so the count is
//!   exact under any concurrency and the answer (with the item as it was, on refusal) comes
//!   back in the same round trip. Because a window's counter is a fresh attribute, no
//!   read-modify-write is ever needed to roll windows over.
//! - a violations item: how many windows within the last 24 h the caller hit its limit in,
//!   counted once per window, which sets the lockout length.

use rampart_core::SharedClock;
use rampart_store::{
    Cond, Item, ItemExt, Key, ReturnValues, SharedStore, StoreError, TTL_ATTRIBUTE, Table, Update,
    keys,
};

use crate::backoff::{MAX_LOCKOUT_SECS, VIOLATION_MEMORY_SECS, lockout_secs};
use crate::deny_cache::DenyCache;
use crate::policies::{Limit, Scope};

mod refusal;

const WINDOWS_PER_ITEM: i64 = 64;
const LOCK_ATTRIBUTE: &str = "lock_until";
const DENY_CACHE_CAPACITY: usize = 10_000;

/// What a limit counts: a route (or a shared limit's name) and an identifier (see
/// [`rampart_store::keys::ratelimits`]: a caller, an address or an account).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateKey(String);

impl RateKey {
    /// The key of `identifier` under the limit `route`.
    pub fn new(route: &str, identifier: &str) -> Self {
        Self(keys::ratelimits::partition(route, identifier))
    }

    /// The key's text: the partition it is stored under.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// The limit that was applied.
    pub limit: Limit,
    /// Requests left in the window.
    pub remaining: u32,
    /// Epoch second when the caller may send again (window end, or lockout end).
    pub reset_at: i64,
    /// The time of the check.
    pub now: i64,
    /// True for the first refusal of a caller in a window: a new violation, worth an audit
    /// record. Later refusals in the same window are only logged.
    pub fresh_violation: bool,
    /// Violations within the last 24 h, when this check was refused by the store.
    pub violations: Option<i64>,
    /// When a lockout is running, its end.
    pub locked_until: Option<i64>,
}

impl Decision {
    /// Seconds to wait before retrying (at least 1).
    pub fn retry_after_secs(&self) -> u64 {
        (self.reset_at - self.now).max(1).unsigned_abs()
    }

    fn denied(limit: Limit, now: i64, reset_at: i64) -> Self {
        Self {
            allowed: false,
            limit,
            remaining: 0,
            reset_at,
            now,
            fresh_violation: false,
            violations: None,
            locked_until: None,
        }
    }
}

/// The limiter, shared by every request of a process.
pub struct Limiter {
    store: SharedStore,
    clock: SharedClock,
    deny_cache: DenyCache,
    overrides: std::sync::Arc<crate::Overrides>,
    identifiers: crate::Identifiers,
}

impl Limiter {
    /// A limiter on `store`.
    pub fn new(store: SharedStore, clock: SharedClock) -> Self {
        Self {
            store,
            clock,
            deny_cache: DenyCache::new(DENY_CACHE_CAPACITY),
            overrides: std::sync::Arc::default(),
            identifiers: crate::Identifiers::local(),
        }
    }

    /// The same limiter hashing addresses and accounts with `identifiers`.
    pub fn with_identifiers(self, identifiers: crate::Identifiers) -> Self {
        Self {
            identifiers,
            ..self
        }
    }

    /// How addresses and accounts become stored identifiers.
    pub fn identifiers(&self) -> &crate::Identifiers {
        &self.identifiers
    }

    /// The same limiter with the deployment's overrides of the default limits.
    pub fn with_overrides(self, overrides: crate::Overrides) -> Self {
        Self {
            overrides: std::sync::Arc::new(overrides),
            ..self
        }
    }

    /// The deployment's overrides.
    pub fn overrides(&self) -> &crate::Overrides {
        &self.overrides
    }

    /// The deny cache, for inspection.
    pub fn deny_cache(&self) -> &DenyCache {
        &self.deny_cache
    }

    /// Role-scaled limits (`reads`, `writes`) were overridden by the caller, who knows the
    /// role; the rest are overridden here, by name.
    fn overridden(&self, limit: Limit) -> Limit {
        if matches!(limit.name, "reads" | "writes") {
            limit
        } else {
            self.overrides.apply(limit, None)
        }
    }

    /// The refusal the deny cache holds for `key`, if any: what [`Limiter::check`] would
    /// answer without a store call. Lets a caller refuse before starting other work.
    pub fn cached_denial(&self, key: &RateKey, limit: Limit) -> Option<Decision> {
        let limit = self.overridden(limit);
        let now = self.clock.now_secs();
        self.deny_cache
            .denied_until(key.as_str(), now)
            .map(|until| Decision::denied(limit, now, until))
    }

    /// Counts one request against `limit` and says whether it may proceed.
    pub async fn check(&self, key: &RateKey, limit: Limit) -> Result<Decision, StoreError> {
        let limit = self.overridden(limit);
        let now = self.clock.now_secs();
        if let Some(until) = self.deny_cache.denied_until(key.as_str(), now) {
            return Ok(Decision::denied(limit, now, until));
        }
        let slot = Slot::of(key, limit.window_secs, now);
        let under_limit = Cond::not_exists(slot.counter.as_str())
            .or(Cond::lt(slot.counter.as_str(), i64::from(limit.max)));
        match self.bump(&slot, 1, Some(under_limit), now).await {
            Ok(count) => Ok(slot.allowed(limit, count, now)),
            Err(StoreError::ConditionFailed { existing }) => {
                self.refused(key, limit, existing.as_deref(), now, &slot)
                    .await
            }
            Err(other) => Err(other),
        }
    }

    /// Counts one request for `key` before its limit's maximum is known (it depends on what
    /// reads sent alongside will say, such as the caller's role); only the window must be
    /// known. [`Limiter::settle`] then decides, or [`Limiter::give_back`] returns the count
    /// of a request that stops before its limit applies. Counted this way, a refused request
    /// also counts (the window still ends when it would), so the decision stays exact under
    /// any concurrency: the n-th count in a window is allowed when n is within the maximum.
    pub async fn count(&self, key: &RateKey, window_secs: u32) -> Counted {
        let now = self.clock.now_secs();
        let slot = Slot::of(key, window_secs, now);
        let tally = match self.deny_cache.denied_until(key.as_str(), now) {
            Some(until) => Ok(Tally::Cached(until)),
            None => match self.bump(&slot, 1, None, now).await {
                Ok(count) => Ok(Tally::Count(count)),
                Err(StoreError::ConditionFailed { existing }) => Ok(Tally::Locked(existing)),
                Err(other) => Err(other),
            },
        };
        Counted {
            key: key.clone(),
            window_secs,
            now,
            slot,
            tally,
        }
    }

    /// Decides a request counted by [`Limiter::count`] under `limit`. A limit whose window
    /// differs from the one counted in is checked afresh, after the count is given back.
    pub async fn settle(&self, counted: Counted, limit: Limit) -> Result<Decision, StoreError> {
        let limit = self.overridden(limit);
        if limit.window_secs != counted.window_secs {
            let key = counted.key.clone();
            self.give_back(counted).await?;
            return self.check(&key, limit).await;
        }
        let Counted {
            key,
            now,
            slot,
            tally,
            ..
        } = counted;
        match tally? {
            Tally::Cached(until) => Ok(Decision::denied(limit, now, until)),
            Tally::Count(count) if count <= i64::from(limit.max) => {
                Ok(slot.allowed(limit, count, now))
            }
            Tally::Count(_) => self.refused(&key, limit, None, now, &slot).await,
            Tally::Locked(existing) => {
                self.refused(&key, limit, existing.as_deref(), now, &slot)
                    .await
            }
        }
    }

    /// Takes back the count of a request that stopped before its limit applied (its
    /// credentials were refused, say), so it costs the caller named nothing.
    pub async fn give_back(&self, counted: Counted) -> Result<(), StoreError> {
        let Ok(Tally::Count(_)) = counted.tally else {
            return Ok(());
        };
        let present = Cond::exists(counted.slot.counter.as_str());
        match self
            .bump(&counted.slot, -1, Some(present), counted.now)
            .await
        {
            Ok(_) | Err(StoreError::ConditionFailed { .. }) => Ok(()),
            Err(other) => Err(other),
        }
    }

    /// Adds `delta` to the slot's counter when the key is not locked (and `cond` holds), and
    /// answers the counter's new value.
    async fn bump(
        &self,
        slot: &Slot,
        delta: i64,
        cond: Option<Cond>,
        now: i64,
    ) -> Result<i64, StoreError> {
        let update = Update::new()
            .add(slot.counter.as_str(), delta)
            .set(TTL_ATTRIBUTE, counter_ttl(slot.index, slot.window));
        let unlocked = Cond::not_exists(LOCK_ATTRIBUTE).or(Cond::le(LOCK_ATTRIBUTE, now));
        let cond = match cond {
            Some(cond) => cond.and(unlocked),
            None => unlocked,
        };
        let item = self
            .store
            .update(
                Table::RateLimits,
                &slot.item_key,
                &update,
                Some(cond),
                ReturnValues::UpdatedNew,
            )
            .await?;
        Ok(item
            .as_ref()
            .and_then(|i| i.i64_attr(&slot.counter))
            .unwrap_or(delta))
    }
}

/// A request counted by [`Limiter::count`], waiting for its limit.
pub struct Counted {
    key: RateKey,
    window_secs: u32,
    now: i64,
    slot: Slot,
    tally: Result<Tally, StoreError>,
}

impl Counted {
    /// The key counted under.
    pub fn key(&self) -> &RateKey {
        &self.key
    }
}

/// What the store (or the deny cache) answered a count.
enum Tally {
    /// The counter's value after this request.
    Count(i64),
    /// A lockout runs (the counter item as it is).
    Locked(Option<Box<Item>>),
    /// The deny cache refuses until then; nothing was counted.
    Cached(i64),
}

/// The counter a request at `now` counts in: its window, its attribute and its item.
struct Slot {
    index: i64,
    window: i64,
    counter: String,
    item_key: Key,
}

impl Slot {
    fn of(key: &RateKey, window_secs: u32, now: i64) -> Self {
        let window = i64::from(window_secs.max(1));
        let index = now.div_euclid(window);
        Self {
            index,
            window,
            counter: format!("c{}", index.rem_euclid(WINDOWS_PER_ITEM)),
            item_key: counter_key(key, index.div_euclid(WINDOWS_PER_ITEM)),
        }
    }

    fn window_end(&self) -> i64 {
        (self.index + 1) * self.window
    }

    /// The decision for the `count`-th request of the window, within `limit`.
    fn allowed(&self, limit: Limit, count: i64, now: i64) -> Decision {
        let remaining = (i64::from(limit.max) - count).max(0);
        Decision {
            allowed: true,
            limit,
            remaining: u32::try_from(remaining).unwrap_or(0),
            reset_at: self.window_end(),
            now,
            fresh_violation: false,
            violations: None,
            locked_until: None,
        }
    }
}

fn counter_key(key: &RateKey, epoch: i64) -> Key {
    keys::ratelimits::counter(key.as_str(), epoch)
}

/// A counter item lives until its last window ends plus the longest lockout.
fn counter_ttl(index: i64, window: i64) -> i64 {
    let epoch_end = (index.div_euclid(WINDOWS_PER_ITEM) + 1) * WINDOWS_PER_ITEM * window;
    epoch_end + MAX_LOCKOUT_SECS + window
}
