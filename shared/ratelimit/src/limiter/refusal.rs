//! A refused request: the violation counted once per window, the lockout it earns
//! (1, 5, 15, 60 minutes for repeat offenders) and the deny cache that answers the rest of
//! the window without a store call.

use super::*;

impl Limiter {
    pub(super) async fn refused(
        &self,
        key: &RateKey,
        limit: Limit,
        existing: Option<&Item>,
        now: i64,
        slot: &Slot,
    ) -> Result<Decision, StoreError> {
        let (index, window, window_end) = (slot.index, slot.window, slot.window_end());
        let lock = existing
            .and_then(|i| i.i64_attr(LOCK_ATTRIBUTE))
            .filter(|&l| l > now);
        if let Some(until) = lock {
            self.deny_cache.deny(key.as_str(), until, now);
            let mut decision = Decision::denied(limit, now, until);
            decision.locked_until = Some(until);
            return Ok(decision);
        }
        let (violations, fresh) = self.record_violation(key, index, now).await?;
        // Lockouts punish the caller that misbehaves. An account's budget is spent by whoever
        // names the account, so a lockout there would let anyone lock its owner out for an
        // hour with a few requests: account limits stay plain fixed windows.
        // The same holds for a session named by a presented token.
        let lockout = if fresh
            && !matches!(
                limit.scope,
                Scope::Account | Scope::Session | Scope::Credential
            ) {
            lockout_secs(violations)
        } else {
            0
        };
        let mut reset_at = window_end;
        let mut locked_until = None;
        if lockout > 0 {
            let until = now + lockout;
            self.lock(key, until, window).await?;
            reset_at = reset_at.max(until);
            locked_until = Some(until);
        }
        self.deny_cache.deny(key.as_str(), reset_at, now);
        Ok(Decision {
            fresh_violation: fresh,
            violations: Some(violations),
            locked_until,
            ..Decision::denied(limit, now, reset_at)
        })
    }

    /// Counts a violation once per window; returns the count within 24 h and whether this
    /// refusal was the one that counted.
    async fn record_violation(
        &self,
        key: &RateKey,
        index: i64,
        now: i64,
    ) -> Result<(i64, bool), StoreError> {
        let vkey = keys::ratelimits::violations(key.as_str());
        let memory_ends = now + VIOLATION_MEMORY_SECS;
        let bump = Update::new()
            .add("n", 1)
            .set("last_window", index)
            .set(TTL_ATTRIBUTE, memory_ends);
        let alive_and_new_window = Cond::exists("pk")
            .and(Cond::ge(TTL_ATTRIBUTE, now))
            .and(Cond::lt("last_window", index));
        let bumped = self
            .store
            .update(
                Table::RateLimits,
                &vkey,
                &bump,
                Some(alive_and_new_window),
                ReturnValues::AllNew,
            )
            .await;
        let existing = match bumped {
            Ok(item) => return Ok((item.and_then(|i| i.i64_attr("n")).unwrap_or(1), true)),
            Err(StoreError::ConditionFailed { existing }) => existing,
            Err(other) => return Err(other),
        };
        if let Some(current) = existing.as_deref()
            && current.i64_attr(TTL_ATTRIBUTE).is_some_and(|t| t >= now)
        {
            // Already counted for this window by another refusal.
            return Ok((current.i64_attr("n").unwrap_or(1), false));
        }
        let mut fresh = vkey.to_item();
        fresh.insert("n".into(), 1.into());
        fresh.insert("last_window".into(), index.into());
        fresh.insert(TTL_ATTRIBUTE.into(), memory_ends.into());
        match self
            .store
            .put(Table::RateLimits, fresh, Some(Cond::absent_or_expired(now)))
            .await
        {
            Ok(()) => Ok((1, true)),
            Err(StoreError::ConditionFailed { existing }) => {
                Ok((existing.and_then(|i| i.i64_attr("n")).unwrap_or(1), false))
            }
            Err(other) => Err(other),
        }
    }

    /// Writes the lockout into every counter item its span touches (at most two).
    async fn lock(&self, key: &RateKey, until: i64, window: i64) -> Result<(), StoreError> {
        let now = self.clock.now_secs();
        let first = now.div_euclid(window).div_euclid(WINDOWS_PER_ITEM);
        let last = (until - 1).div_euclid(window).div_euclid(WINDOWS_PER_ITEM);
        for epoch in first..=last {
            let ttl = counter_ttl(epoch * WINDOWS_PER_ITEM, window);
            let update = Update::new()
                .set(LOCK_ATTRIBUTE, until)
                .set(TTL_ATTRIBUTE, ttl);
            let longer = Cond::not_exists(LOCK_ATTRIBUTE).or(Cond::lt(LOCK_ATTRIBUTE, until));
            match self
                .store
                .update(
                    Table::RateLimits,
                    &counter_key(key, epoch),
                    &update,
                    Some(longer),
                    ReturnValues::None,
                )
                .await
            {
                Ok(_) | Err(StoreError::ConditionFailed { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }
}
