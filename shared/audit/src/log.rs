//! Writing audit events to the audit table and to tracing.
//!
//! Layout: [`rampart_store::keys::audit`]; both indexes sort by the event's own sort key.

use rampart_core::SharedClock;
use rampart_core::clock::rfc3339;
use rampart_store::{AttrValue, SharedStore, StoreError, TTL_ATTRIBUTE, Table, keys};

use crate::anonymize::{anonymize_ip, mask_details};
use crate::event::AuditEvent;
use crate::refusals::RefusalTally;

const USER_AGENT_MAX: usize = 256;

/// The metric name of the category counts in the security counters' partitions.
pub const CATEGORY_STAT: &str = "category";

/// How long the category counts are kept.
const STATS_KEEP_SECS: i64 = 48 * 3_600;

/// Attempts per event before a write counts as failed.
const WRITE_ATTEMPTS: u32 = 2;

/// The audit log of a process.
pub struct AuditLog {
    store: SharedStore,
    clock: SharedClock,
    retention_secs: i64,
    refusals: RefusalTally,
}

impl AuditLog {
    /// An audit log keeping events for `retention_days`.
    pub fn new(store: SharedStore, clock: SharedClock, retention_days: u32) -> Self {
        Self {
            store,
            clock,
            retention_secs: i64::from(retention_days) * 86_400,
            refusals: RefusalTally::default(),
        }
    }

    /// Records an anonymous refusal (a 401 or 403 without a principal) on `path`, tallied
    /// per minute and client: written at its 1st, 2nd, 4th, 8th, ... occurrence with the
    /// count, so a flood costs a handful of writes (see [`RefusalTally`]).
    pub async fn record_refusal(&self, event: AuditEvent, path: &str) -> Result<(), StoreError> {
        let client = event.ip.map(anonymize_ip).unwrap_or_else(|| "-".to_owned());
        match self
            .refusals
            .count(&event.name, path, &client, self.clock.now_secs())
        {
            Some(count) => self.record(event.detail("count", count.to_string())).await,
            None => Ok(()),
        }
    }

    /// The record of `event`, for a caller to write in its own transaction: the event is
    /// then stored exactly when the change it describes is. [`Entry::committed`] writes the
    /// log line once the transaction has.
    pub fn entry(&self, event: AuditEvent) -> Entry {
        let now_ms = self.clock.now_ms();
        let at = rfc3339(now_ms);
        let id = rampart_core::ids::new_id();
        let ip = event.ip.map(anonymize_ip);
        let user_agent = event
            .user_agent
            .as_deref()
            .map(|ua| ua.chars().take(USER_AGENT_MAX).collect::<String>());
        let details = mask_details(event.details);
        let details_json = serde_json::to_string(&details).unwrap_or_else(|_| "{}".to_owned());
        let key = keys::audit::record(&at, &id);
        let mut item = key.to_item();
        let mut put = |name: &str, value: AttrValue| {
            item.insert(name.to_owned(), value);
        };
        put("gsi1pk", AttrValue::s(keys::audit::by_event(&event.name)));
        put("gsi1sk", AttrValue::s(&key.sk));
        if let Some(actor) = &event.actor {
            put("gsi2pk", AttrValue::s(keys::audit::by_actor(actor)));
            put("gsi2sk", AttrValue::s(&key.sk));
            put("actor", AttrValue::s(actor));
        }
        if let Some(target) = &event.target {
            put("target", AttrValue::s(target));
        }
        put("id", AttrValue::s(&id));
        let category = crate::event::Category::of(&event.name);
        put("event", AttrValue::s(&event.name));
        put("category", AttrValue::s(category.as_str()));
        put("at", AttrValue::s(&at));
        put("outcome", AttrValue::s(event.outcome.as_str()));
        put("correlation_id", AttrValue::s(&event.correlation_id));
        if let Some(ip) = &ip {
            put("ip", AttrValue::s(ip));
        }
        if let Some(ua) = user_agent {
            put("user_agent", AttrValue::s(ua));
        }
        put(
            "details",
            AttrValue::M(
                details
                    .into_iter()
                    .map(|(k, v)| (k, AttrValue::S(v)))
                    .collect(),
            ),
        );
        put(
            TTL_ATTRIBUTE,
            AttrValue::n(now_ms / 1000 + self.retention_secs),
        );
        Entry {
            item,
            at_ms: now_ms,
            category,
            name: event.name,
            actor: event.actor,
            target: event.target,
            ip,
            outcome: event.outcome.as_str(),
            correlation_id: event.correlation_id,
            details_json,
        }
    }

    /// Adds one to the hour's count of the category of the event `name`, for the categories the
    /// admin's security summary shows (`data_access`, `configuration`, `suspicious_activity`):
    /// a counter in the rate-limit table, sort key `category|<name>`, kept 48 hours, so the
    /// summary never reads audit records. A failure is logged: counting never fails a request.
    pub async fn tally(&self, name: &str) {
        let category = crate::event::Category::of(name);
        if category.metric().is_none() {
            return;
        }
        let now_ms = self.clock.now_ms();
        let hour: String = rfc3339(now_ms).chars().take(13).collect();
        let key = rampart_store::Key::new(
            keys::ratelimits::security_stats(&hour),
            format!("{CATEGORY_STAT}|{}", category.as_str()),
        );
        let update = rampart_store::Update::new()
            .add("count", 1)
            .set(TTL_ATTRIBUTE, now_ms / 1000 + STATS_KEEP_SECS);
        if let Err(error) = self
            .store
            .update(
                Table::RateLimits,
                &key,
                &update,
                None,
                rampart_store::ReturnValues::None,
            )
            .await
        {
            tracing::warn!(%error, audit_event = name, "category count not updated");
        }
    }

    /// Records an event: one log line always, one item in the audit table when the store
    /// answers (and the category's count, see [`AuditLog::tally`]). A store failure is logged
    /// and returned; callers decide whether it matters.
    pub async fn record(&self, event: AuditEvent) -> Result<(), StoreError> {
        let entry = self.entry(event);
        entry.log();
        let Entry { item, name, .. } = entry;
        // The count and the record go out together: neither waits for the other.
        let (_, stored) =
            futures_util::future::join(self.tally(&name), self.write(item, &name)).await;
        stored
    }

    /// Puts the record, retrying once; a second failure is logged and counted.
    async fn write(&self, item: rampart_store::Item, name: &str) -> Result<(), StoreError> {
        let mut attempt = 1;
        loop {
            match self.store.put(Table::Audit, item.clone(), None).await {
                Ok(()) => return Ok(()),
                Err(e) if attempt < WRITE_ATTEMPTS => {
                    tracing::warn!(error = %e, audit_event = %name, attempt, "audit write retried");
                    attempt += 1;
                }
                Err(e) => {
                    tracing::error!(error = %e, audit_event = %name, "audit event not stored");
                    // Counted for an alarm; the line above says which event it was.
                    rampart_core::metrics::count(
                        rampart_core::metrics::AUDIT_WRITE_FAILURES,
                        ("event", name),
                        self.clock.now_ms(),
                    );
                    return Err(e);
                }
            }
        }
    }
}

/// An audit record to write in a transaction (see [`AuditLog::entry`]).
pub struct Entry {
    item: rampart_store::Item,
    at_ms: i64,
    category: crate::event::Category,
    name: String,
    actor: Option<String>,
    target: Option<String>,
    ip: Option<String>,
    outcome: &'static str,
    correlation_id: String,
    details_json: String,
}

impl Entry {
    /// The write that stores the record.
    pub fn write(&self) -> rampart_store::TxOp {
        rampart_store::TxOp::Put {
            table: Table::Audit,
            item: self.item.clone(),
            cond: None,
        }
    }

    /// The event's log line, once the transaction holding [`Entry::write`] has committed.
    pub fn committed(self) {
        self.log();
    }

    /// The log line, and for the categories the deployment alarms on, the metric line (once
    /// per event, whether or not the record was stored: the alarm must not depend on it).
    fn log(&self) {
        if let Some(metric) = self.category.metric() {
            rampart_core::metrics::count(metric, ("event", &self.name), self.at_ms);
        }
        tracing::info!(
            audit_event = %self.name,
            category = self.category.as_str(),
            actor = self.actor.as_deref().unwrap_or("-"),
            target = self.target.as_deref().unwrap_or("-"),
            ip = self.ip.as_deref().unwrap_or("-"),
            outcome = self.outcome,
            correlation_id = %self.correlation_id,
            details = %self.details_json,
            "audit"
        );
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use std::sync::atomic::{AtomicU32, Ordering};

    use rampart_core::ManualClock;
    use rampart_store::testing::{Faulty, WriteAttempt};
    use rampart_store::{EmbeddedStore, Index, ItemExt, Query};

    use super::*;
    use crate::event::Outcome;

    #[tokio::test]
    async fn events_are_stored_anonymised_masked_and_findable_by_event_and_actor() {
        let clock = Arc::new(ManualClock::at_ms(1_795_338_000_000));
        let store: SharedStore = Arc::new(EmbeddedStore::memory(clock.clone()));
        let log = AuditLog::new(store.clone(), clock.clone(), 30);
        let mut event = AuditEvent::new("auth.login", Outcome::Failure, "req-1")
            .detail("password", "hunter2hunter2")
            .detail("reason", "invalid_credentials");
        event.actor = Some("user-1".into());
        event.ip = Some("203.0.113.77".parse().unwrap());
        event.user_agent = Some("x".repeat(1000));
        log.record(event).await.unwrap();

        let by_event = store
            .query(&Query::index(
                Table::Audit,
                Index::Gsi1,
                keys::audit::by_event("auth.login"),
            ))
            .await
            .unwrap();
        let item = &by_event.items[0];
        assert_eq!(item.str_attr("ip"), Some("203.0.113.0"));
        assert_eq!(item.str_attr("user_agent").map(str::len), Some(256));
        assert_eq!(item.str_attr("correlation_id"), Some("req-1"));
        let AttrValue::M(details) = &item["details"] else {
            panic!("details is a map")
        };
        assert_eq!(details["password"], AttrValue::s("***"));
        assert_eq!(details["reason"], AttrValue::s("invalid_credentials"));
        assert_eq!(
            item.i64_attr(TTL_ATTRIBUTE),
            Some(1_795_338_000 + 30 * 86_400)
        );
        let by_actor = store
            .query(&Query::index(
                Table::Audit,
                Index::Gsi2,
                keys::audit::by_actor("user-1"),
            ))
            .await
            .unwrap();
        assert_eq!(by_actor.items.len(), 1);

        clock.advance_secs(31 * 86_400);
        let expired = store
            .query(&Query::index(
                Table::Audit,
                Index::Gsi1,
                keys::audit::by_event("auth.login"),
            ))
            .await
            .unwrap();
        assert!(expired.items.is_empty(), "retention ends the event");
    }

    /// An audit log whose first `failures` puts fail as DynamoDB's throttling would, and the
    /// count of puts asked for.
    fn flaky(failures: u32) -> (SharedStore, Arc<AtomicU32>, AuditLog) {
        let clock = Arc::new(ManualClock::at_ms(1_795_338_000_000));
        let puts = Arc::new(AtomicU32::new(0));
        let seen = puts.clone();
        let store: SharedStore = Arc::new(Faulty {
            inner: Arc::new(EmbeddedStore::memory(clock.clone())),
            fault: Box::new(move |attempt| {
                let WriteAttempt::Put(..) = attempt else {
                    return None;
                };
                let n = seen.fetch_add(1, Ordering::SeqCst);
                (n < failures).then(|| StoreError::Unavailable("throttled".into()))
            }),
        });
        let log = AuditLog::new(store.clone(), clock, 30);
        (store, puts, log)
    }

    #[tokio::test]
    async fn a_failed_write_is_retried_and_a_second_failure_is_reported() {
        let (store, puts, log) = flaky(1);
        let event = || AuditEvent::new("auth.refresh_reused", Outcome::Denied, "req-1");
        log.record(event()).await.unwrap();
        assert_eq!(puts.load(Ordering::SeqCst), 2, "retried once");
        let stored = store
            .query(&Query::index(
                Table::Audit,
                Index::Gsi1,
                keys::audit::by_event("auth.refresh_reused"),
            ))
            .await
            .unwrap();
        assert_eq!(stored.items.len(), 1);
        let (_, puts, log) = flaky(5);
        assert!(log.record(event()).await.is_err());
        assert_eq!(puts.load(Ordering::SeqCst), 2);
    }
}
